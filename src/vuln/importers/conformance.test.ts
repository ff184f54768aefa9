/**
 * The report-importer family contract: the registry matches the folders, and every member
 * detects its own reports (and no one else's), turns garbage into E_CONFIG_INVALID with the file
 * named (never a TypeError), is deterministic, and emits findings that keep the model's invariants.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { MkError } from "../../errors.js";
import { SEVERITIES } from "../model.js";
import { fixture } from "../testing.js";
import { IMPORTERS } from "./registry.js";
import type { ImportedReport, ReportImporter } from "./types.js";

const HERE = new URL(".", import.meta.url).pathname;

/** Real reports per member; every member must have some. */
const SAMPLES: Record<string, string[]> = {
  trivy: ["trivy/alpine-310-image.json", "trivy/debian-buster-image-ignore-unfixed.json", "trivy/npm-repo.json"],
  grype: ["grype/grype-snapshot-image.json", "grype/defectdojo-check_all_fields.grype.json"],
};

function load(rel: string): unknown {
  return JSON.parse(readFileSync(fixture(rel), "utf8"));
}

test("the registry lists exactly the importer folders, each exporting a matching id", async () => {
  const folders = readdirSync(HERE)
    .filter((n) => statSync(join(HERE, n)).isDirectory())
    .sort();
  assert.deepEqual([...IMPORTERS.keys()].sort(), folders);
  for (const name of folders) {
    const mod = (await import(`./${name}/index.js`)) as { id: string; default: ReportImporter };
    assert.equal(mod.id, name);
    assert.equal(mod.default, IMPORTERS.get(name));
    assert.equal(mod.default.id, name);
    assert.ok(SAMPLES[name]?.length, `${name} has sample reports in the conformance test`);
  }
});

function checkInvariants(r: ImportedReport, member: string, where: string): void {
  const keys = new Set<string>();
  for (const f of r.findings) {
    assert.ok(!f.aliases.includes(f.id), `${where}: ${f.id} is its own alias`);
    assert.deepEqual(f.aliases, [...new Set(f.aliases)].sort(), `${where}: aliases sorted and unique`);
    assert.ok((SEVERITIES as readonly string[]).includes(f.severity), `${where}: severity ${f.severity}`);
    assert.equal(f.source.kind, member);
    for (const c of f.cvss) assert.ok(c.score >= 0 && c.score <= 10, `${where}: score ${c.score}`);
    const key = `${f.id}|${f.package.ecosystem}|${f.package.name}|${f.package.version}`;
    assert.ok(!keys.has(key), `${where}: duplicate finding ${key}`);
    keys.add(key);
  }
  assert.ok(r.rows >= r.findings.length, `${where}: more findings than rows`);
}

for (const [member, importer] of IMPORTERS) {
  const own = SAMPLES[member] ?? [];
  const others = Object.entries(SAMPLES)
    .filter(([m]) => m !== member)
    .flatMap(([, files]) => files);

  test(`${member}: detects its own reports and nobody else's`, () => {
    for (const f of own) assert.equal(importer.detect(load(f)), true, f);
    for (const f of others) assert.equal(importer.detect(load(f)), false, f);
    for (const g of [null, 1, "x", [], {}]) assert.equal(importer.detect(g), false);
  });

  test(`${member}: real reports parse deterministically and keep the finding invariants`, () => {
    for (const f of own) {
      const a = importer.parse(load(f), f);
      const b = importer.parse(load(f), f);
      assert.deepEqual(a, b, `${f}: deterministic`);
      assert.equal(a.importer, member);
      checkInvariants(a, member, f);
    }
  });

  test(`${member}: garbage and mutated reports give E_CONFIG_INVALID naming the file, never another error`, () => {
    const garbage: unknown[] = [null, 0, "report", [], [[]], {}, { matches: null }, { SchemaVersion: 2, Results: "x" }, { SchemaVersion: 2, Results: [null] }];
    for (const g of garbage) {
      try {
        const r = importer.parse(g, "garbage.json");
        checkInvariants(r, member, "garbage");
      } catch (e) {
        assert.ok(e instanceof MkError && e.code === "E_CONFIG_INVALID", `${JSON.stringify(g)}: ${String(e)}`);
        assert.ok(e.problems.length > 0 && e.problems.every((p) => p.file === "garbage.json"));
      }
    }
    // Seeded mutation fuzzing: replace values deep in real reports with values of the wrong type.
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const replacements: unknown[] = [null, 7, "x", [], {}, true, [1, "2"], { a: 1 }, "", -1.5];
    const mutate = (v: unknown, depth: number): unknown => {
      if (depth > 0 && rnd() < 0.08) return replacements[Math.floor(rnd() * replacements.length)];
      if (Array.isArray(v)) return v.map((x) => mutate(x, depth + 1));
      if (v !== null && typeof v === "object") {
        const out: Record<string, unknown> = {};
        for (const [k, x] of Object.entries(v)) if (rnd() > 0.03) out[k] = mutate(x, depth + 1);
        return out;
      }
      return v;
    };
    let rejected = 0;
    for (let i = 0; i < 150; i++) {
      const doc = mutate(load(own[i % own.length] as string), 0);
      try {
        checkInvariants(importer.parse(doc, "mutant.json"), member, `mutant ${i}`);
      } catch (e) {
        if (e instanceof assert.AssertionError) throw e;
        assert.ok(e instanceof MkError && e.code === "E_CONFIG_INVALID", `mutant ${i}: ${e instanceof Error ? e.stack : String(e)}`);
        assert.ok(e.problems.every((p) => p.file === "mutant.json" && typeof p.path === "string"));
        rejected++;
      }
    }
    assert.ok(rejected > 50, `the mutations should mostly be caught (${rejected}/150)`);
  });
}
