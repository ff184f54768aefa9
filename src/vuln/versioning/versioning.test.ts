import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { knownEcosystems, schemeFor, schemeIdFor, schemes, tryCompare, type SchemeId } from "./index.js";
import { checkRejectsGarbage, checkTotalPreorder, GARBAGE, sampleValid } from "./testing/conformance.js";
import { generators, mutate } from "./testing/generators.js";
import { Rng } from "./testing/random.js";
import { isMkError } from "../../errors.js";

const here = fileURLToPath(new URL(".", import.meta.url));
/** Folders that are not schemes. */
const SUPPORT = new Set(["testing"]);

test("the registry matches the scheme folders, and each folder exports its id and scheme", async () => {
  const folders = readdirSync(here)
    .filter((f) => statSync(join(here, f)).isDirectory() && !SUPPORT.has(f))
    .sort();
  assert.deepEqual(Object.keys(schemes).sort(), folders);
  for (const f of folders) {
    const mod = (await import(`./${f}/index.js`)) as Record<string, unknown>;
    assert.equal(mod.id, f, `${f}/index.ts exports id = "${f}"`);
    assert.equal(mod[f], schemes[f as SchemeId], `${f}/index.ts exports the registered scheme as \`${f}\``);
    assert.equal(schemes[f as SchemeId].id, f);
    assert.ok(schemes[f as SchemeId].description.length > 10, `${f} has a description`);
  }
});

for (const id of Object.keys(schemes) as SchemeId[]) {
  const scheme = schemes[id];
  const gen = generators[id];

  test(`${id}: comparison is a total preorder on generated versions`, () => {
    checkTotalPreorder(scheme, sampleValid(scheme, gen, 120, 1));
  });

  test(`${id}: garbage and generated invalid versions fail with E_USAGE, never anything else`, () => {
    const valid = sampleValid(scheme, gen, 1, 2)[0]!;
    checkRejectsGarbage(scheme, GARBAGE, valid);
    // Random edits of valid versions: whatever they produce is either valid (and comparable) or
    // rejected with the typed error.
    const r = new Rng(3);
    let invalid = 0;
    for (let i = 0; i < 2000; i++) {
      const v = mutate(r, gen, gen.version(r));
      try {
        const c = scheme.compare(v, valid);
        assert.ok(c === -1 || c === 0 || c === 1);
      } catch (e) {
        assert.ok(isMkError(e) && e.code === "E_USAGE", `compare(${JSON.stringify(v)}) threw ${String(e)}`);
        assert.equal(scheme.isValid(v), false);
        invalid++;
      }
    }
    assert.ok(invalid > 0, "the edits produced some invalid versions to check");
    assert.equal(tryCompare(scheme, "\u0000", valid), undefined);
    assert.equal(tryCompare(scheme, valid, valid), 0);
  });
}

test("schemeFor maps OSV ecosystem names, with or without a release suffix", () => {
  const cases: [string, SchemeId | undefined][] = [
    ["npm", "semver"],
    ["crates.io", "semver"],
    ["PyPI", "pep440"],
    ["Go", "go"],
    ["Maven", "maven"],
    ["Debian", "deb"],
    ["Debian:12", "deb"],
    ["Ubuntu:22.04:LTS", "deb"],
    ["Ubuntu:Pro:18.04:LTS", "deb"],
    ["Alpine", "apk"],
    ["Alpine:v3.19", "apk"],
    ["Wolfi", "apk"],
    ["Chainguard", "apk"],
    ["Red Hat", "rpm"],
    ["Red Hat:enterprise_linux:9::appstream", "rpm"],
    ["Rocky Linux:9", "rpm"],
    ["AlmaLinux:8", "rpm"],
    ["openSUSE:Leap 15.5", "rpm"],
    ["pypi", "pep440"],
    ["NuGet", undefined],
    ["RubyGems", undefined],
    ["", undefined],
    ["constructor", undefined],
    ["__proto__", undefined],
  ];
  for (const [eco, want] of cases) {
    assert.equal(schemeIdFor(eco), want, eco);
    assert.equal(schemeFor(eco), want === undefined ? undefined : schemes[want], eco);
  }
  assert.equal(schemeIdFor(42 as unknown as string), undefined);
  assert.ok(knownEcosystems().includes("Wolfi"));
});
