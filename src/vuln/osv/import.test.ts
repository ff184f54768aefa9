import { test } from "node:test";
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { run } from "../../util/exec.js";
import { affected, expectMkError, fixture, NOW, osv, tempDir, writeRecords } from "../testing.js";
import { dataAge } from "./age.js";
import { openVulnDb } from "./db.js";
import { importOsv } from "./import.js";
import { MANIFEST, readManifest } from "./store.js";

const REAL = [
  "CVE-2018-5407.alpine.json",
  "CVE-2023-41045.git-only.json",
  "DSA-3029-1.debian.spec-example.json",
  "GHSA-35c4-f3rq-f9g3.rubygems-withdrawn.json",
  "GHSA-6c3j-c64m-qhgq.npm-jquery.json",
  "GHSA-76mp-659p-rw65.maven-multi-range.json",
  "GHSA-jvf4-g24p-2qgw.npm-last_affected.json",
  "GO-2020-0001.go-module.json",
  "GO-2024-2963.go-stdlib.json",
  "OSV-2020-584.oss-fuzz-git.spec-example.json",
  "PYSEC-2023-74.pypi-git-and-ecosystem.json",
  "USN-4376-1.ubuntu-deb.json",
];

async function realRecordsDir(): Promise<string> {
  const dir = join(await tempDir(), "osv");
  await mkdir(dir, { recursive: true });
  for (const f of REAL) await copyFile(fixture(`osv/${f}`), join(dir, f));
  return dir;
}

const now = () => NOW;

test("importing the real OSV records: per-ecosystem counts, GIT-only and withdrawn noted, source recorded", async () => {
  const dir = await realRecordsDir();
  const db = join(await tempDir(), "vulndb");
  const r = await importOsv(db, [dir], { now, displayBase: dir });
  const counts = Object.fromEntries(r.manifest.ecosystems.map((e) => [e.name, e.records]));
  assert.deepEqual(counts, { Alpine: 1, Debian: 1, Go: 2, Maven: 1, PyPI: 1, RubyGems: 1, Ubuntu: 1, npm: 2 });
  assert.equal(r.added, 12);
  const src = r.sources[0];
  assert.ok(src);
  assert.equal(src.kind, "dir");
  assert.equal(src.records, 12);
  assert.equal(src.withdrawn, 1);
  // CVE-2023-41045 (GIT only, no package) and OSV-2020-584 (OSS-Fuzz, GIT range only) cannot match a package version.
  assert.equal(src.withoutPackage, 2);
  // GIT ranges: CVE-2018-5407 (node), CVE-2023-41045, OSV-2020-584, PYSEC-2023-74.
  assert.equal(src.gitRangesIgnored, 4);
  assert.equal(src.newestModified, "2026-04-27T14:11:25Z");
  assert.equal(src.importedAt, NOW.toISOString());
  assert.ok(r.warnings.some((w) => /RubyGems: 1 record\(s\) stored, but Mailknight has no version ordering/.test(w)), r.warnings.join("\n"));
  const manifest = await readManifest(db);
  assert.deepEqual(manifest, r.manifest);
});

test("a directory, a zip export (made by the real zip tool) and YAML records import to the same bytes", async () => {
  const dir = await realRecordsDir();
  const zip = join(await tempDir(), "all.zip");
  await run("zip", ["-q", "-j", zip, ...REAL.map((f) => join(dir, f))], { failWith: "E_TOOL_MISSING" });
  const a = await importOsv(join(await tempDir(), "db"), [dir], { now });
  const b = await importOsv(join(await tempDir(), "db"), [zip], { now });
  assert.equal(b.sources[0]?.kind, "zip");
  assert.match(b.sources[0]?.sha256 ?? "", /^[a-f0-9]{64}$/);
  assert.deepEqual(
    b.manifest.ecosystems.map((e) => [e.name, e.file, e.sha256]),
    a.manifest.ecosystems.map((e) => [e.name, e.file, e.sha256]),
    "content-addressed files: same records → same files",
  );
  // The pypa advisory-database YAML form of PYSEC-2023-74 yields the same stored record as its JSON form.
  const y = await importOsv(join(await tempDir(), "db"), [fixture("osv/PYSEC-2023-74.yaml")], { now });
  const j = await importOsv(join(await tempDir(), "db"), [fixture("osv/PYSEC-2023-74.pypi-git-and-ecosystem.json")], { now });
  assert.equal(y.manifest.ecosystems[0]?.sha256, j.manifest.ecosystems[0]?.sha256);
});

test("malformed records fail the whole import, listing every file and JSON path; nothing is written", async () => {
  const root = await tempDir();
  const db = join(root, "db");
  await importOsv(db, [fixture("osv/GHSA-6c3j-c64m-qhgq.npm-jquery.json")], { now });
  const before = await readFile(join(db, MANIFEST), "utf8");
  const dir = join(root, "in");
  await writeRecords(dir, [
    osv({ id: "GOOD-1", affected: [affected("npm", "left-pad", [{ introduced: "0" }, { fixed: "1.3.0" }])] }),
    { id: "BAD-1", modified: "2025-01-01T00:00:00Z", affected: [{ package: { ecosystem: "npm" }, ranges: [{ type: "ECOSYSTEM", events: [{ fixed: "1" }] }] }] },
  ]);
  await writeFile(join(dir, "BAD-2.json"), '{"id": "BAD-2", "modified": ');
  const e = await expectMkError(() => importOsv(db, [dir], { now, displayBase: root }), "E_CONFIG_INVALID");
  const where = e.problems.map((p) => `${p.file} ${p.path}`);
  assert.ok(where.includes("in/BAD-1.json affected[0].package.name"), where.join("\n"));
  assert.ok(where.includes("in/BAD-1.json affected[0].ranges[0].events"), where.join("\n"));
  const syntax = e.problems.find((p) => p.file === "in/BAD-2.json");
  assert.ok(syntax?.line === 1 && syntax.column !== undefined, JSON.stringify(syntax));
  assert.equal(await readFile(join(db, MANIFEST), "utf8"), before, "the database is untouched");

  const skipped = await importOsv(db, [dir], { now, skipInvalid: true, displayBase: root });
  assert.equal(skipped.added, 1);
  assert.equal(skipped.sources[0]?.invalid, 2);
  assert.ok(skipped.warnings.some((w) => w.includes("in/BAD-1.json")));
});

test("merge: newer modified wins, an older copy is kept out, a record that moves ecosystem leaves the old one", async () => {
  const root = await tempDir();
  const db = join(root, "db");
  const v1 = osv({ id: "X-1", modified: "2025-01-01T00:00:00Z", affected: [affected("npm", "a", [{ introduced: "0" }, { fixed: "1.0.0" }])] });
  const v2 = osv({ id: "X-1", modified: "2025-02-01T00:00:00Z", affected: [affected("PyPI", "a", [{ introduced: "0" }, { fixed: "2.0.0" }])] });
  const other = osv({ id: "X-2", affected: [affected("npm", "b", [{ introduced: "0" }])] });
  const r1 = await importOsv(db, [await writeRecords(join(root, "1"), [v1, other])], { now });
  assert.equal(r1.added, 2);
  const r2 = await importOsv(db, [await writeRecords(join(root, "2"), [v2])], { now });
  assert.equal(r2.updated, 1);
  assert.deepEqual(
    r2.manifest.ecosystems.map((e) => [e.name, e.records]),
    [
      ["PyPI", 1],
      ["npm", 1],
    ],
  );
  const r3 = await importOsv(db, [join(root, "1")], { now });
  assert.equal(r3.keptNewer, 1, "v1 is older than the stored v2");
  assert.equal(r3.updated, 1, "X-2 re-imported as is");
  const vdb = await openVulnDb(db);
  const pypi = await vdb.ecosystem("PyPI");
  assert.equal(pypi?.packages.get("a")?.[0]?.record.modified, "2025-02-01T00:00:00Z");
  assert.equal((await vdb.ecosystem("npm"))?.packages.has("a"), false);
  assert.equal(r3.manifest.sources.length, 2, "one entry per source path");
  const files = (await readdir(db)).filter((f) => f.endsWith(".ndjson")).sort();
  assert.deepEqual(files, r3.manifest.ecosystems.map((e) => e.file).sort(), "files no manifest names are removed");
});

test("a damaged database is refused (E_INTEGRITY), not half-read", async () => {
  const db = join(await tempDir(), "db");
  const r = await importOsv(db, [fixture("osv/GHSA-6c3j-c64m-qhgq.npm-jquery.json"), fixture("osv/GHSA-jvf4-g24p-2qgw.npm-last_affected.json")], { now });
  const file = join(db, r.manifest.ecosystems[0]?.file ?? "");
  const text = await readFile(file, "utf8");
  await writeFile(file, text.split("\n").slice(1).join("\n"));
  const vdb = await openVulnDb(db);
  await expectMkError(() => vdb.ecosystem("npm"), "E_INTEGRITY");
  await writeFile(join(db, MANIFEST), JSON.stringify({ format: "something-else" }));
  await expectMkError(() => openVulnDb(db), "E_INTEGRITY");
});

test("a reader opened before an import finishes reads the new generation instead of failing", async () => {
  const root = await tempDir();
  const db = join(root, "db");
  await importOsv(db, [await writeRecords(join(root, "1"), [osv({ id: "R-1", affected: [affected("npm", "a", [{ introduced: "0" }])] })])], { now });
  const reader = await openVulnDb(db);
  await importOsv(db, [await writeRecords(join(root, "2"), [osv({ id: "R-2", affected: [affected("npm", "b", [{ introduced: "0" }])] })])], { now: () => new Date(NOW.getTime() + 1000) });
  const npm = await reader.ecosystem("npm");
  assert.deepEqual([...(npm?.packages.keys() ?? [])].sort(), ["a", "b"]);
});

test("zip exports are capped: not a zip, too many entries, oversized entry, zip bomb ratio, lying size header", async () => {
  const root = await tempDir();
  const db = join(root, "db");
  const garbage = join(root, "garbage.zip");
  await writeFile(garbage, "this is not a zip");
  await expectMkError(() => importOsv(db, [garbage], { now }), "E_CONFIG_INVALID");

  const recs = await writeRecords(join(root, "recs"), [
    osv({ id: "Z-1", affected: [affected("npm", "a", [{ introduced: "0" }])] }),
    osv({ id: "Z-2", affected: [affected("npm", "b", [{ introduced: "0" }])] }),
  ]);
  await writeFile(join(recs, "README.txt"), "not a record");
  const two = join(root, "two.zip");
  await run("zip", ["-q", "-j", two, join(recs, "Z-1.json"), join(recs, "Z-2.json"), join(recs, "README.txt")], { failWith: "E_TOOL_MISSING" });
  const ok = await importOsv(db, [two], { now });
  assert.equal(ok.added, 2, "non-JSON entries are skipped");
  const caps = { maxZipBytes: 1 << 30, maxEntries: 1_000, maxEntryBytes: 1 << 20, maxTotalBytes: 1 << 30, maxRatio: 1000 };
  const tooMany = await expectMkError(() => importOsv(db, [two], { now, caps: { ...caps, maxEntries: 2 } }), "E_CONFIG_INVALID");
  assert.match(tooMany.message, /3 entries; the limit is 2/);
  const tooBig = await expectMkError(() => importOsv(db, [two], { now, caps: { ...caps, maxEntryBytes: 10 } }), "E_CONFIG_INVALID");
  assert.match(tooBig.message, /the limit is 10/);

  const bomb = join(root, "bomb.json");
  await writeFile(bomb, Buffer.alloc(20 * 1024 * 1024, 0x20)); // 20 MB of spaces: compresses ~1000x
  const bombZip = join(root, "bomb.zip");
  await run("zip", ["-q", "-9", "-j", bombZip, bomb], { failWith: "E_TOOL_MISSING" });
  const boom = await expectMkError(() => importOsv(db, [bombZip], { now, caps: { ...caps, maxEntryBytes: 1 << 30 } }), "E_CONFIG_INVALID");
  assert.match(boom.message, /zip bomb/);

  // Rewrite the central directory's uncompressed size of Z-1.json to 10 bytes: the entry must not inflate past it.
  const buf = Buffer.from(await readFile(two));
  const cd = buf.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  buf.writeUInt32LE(10, cd + 24);
  const liar = join(root, "liar.zip");
  await writeFile(liar, buf);
  const lie = await expectMkError(() => importOsv(db, [liar], { now }), "E_CONFIG_INVALID");
  assert.match(lie.message, /does not inflate to its declared 10 bytes|inflates to/);
});

test("data age: per ecosystem from the newest modified, overall = the stalest, restricted to what a scan uses", async () => {
  const root = await tempDir();
  const db = join(root, "db");
  await importOsv(
    db,
    [
      await writeRecords(join(root, "in"), [
        osv({ id: "N-1", modified: "2025-05-31T00:00:00Z", affected: [affected("npm", "a", [{ introduced: "0" }])] }),
        osv({ id: "N-2", modified: "2025-05-01T00:00:00Z", affected: [affected("npm", "b", [{ introduced: "0" }])] }),
        osv({ id: "D-1", modified: "2025-03-03T00:00:00Z", affected: [affected("Debian:12", "c", [{ introduced: "0" }])] }),
      ]),
    ],
    { now },
  );
  const m = await readManifest(db);
  const all = dataAge(m, NOW);
  assert.equal(all.ageDays, 90);
  assert.equal(all.stalest?.ecosystem, "Debian");
  assert.deepEqual(
    all.ecosystems.map((e) => [e.ecosystem, e.ageDays]),
    [
      ["Debian", 90],
      ["npm", 1],
    ],
  );
  assert.equal(all.lastImportedAt, NOW.toISOString());
  const npmOnly = dataAge(m, NOW, ["npm", "PyPI"]);
  assert.equal(npmOnly.ageDays, 1);
  assert.deepEqual(npmOnly.missing, ["PyPI"]);
  const none = dataAge(undefined, NOW);
  assert.equal(none.ageDays, undefined);
  assert.deepEqual(none.ecosystems, []);
});
