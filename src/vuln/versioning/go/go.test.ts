import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAscending, assertEquivalent, assertInvalid, assertRelations } from "../testing/assertions.js";
import { go, isPseudoVersion } from "./index.js";

// Examples from the Go modules reference (go.dev/ref/mod): "Versions", "Pseudo-versions",
// "Compatibility with non-module repositories".
test("pseudo-versions sort between their base version and the next release", () => {
  assertAscending(go, [
    "v0.0.0-20191109021931-daa7c04131f5", // no base version: below v0.0.0 and its pre-releases
    "v0.0.0",
    "v1.2.3",
    "v1.2.4-0.20191109021931-daa7c04131f5", // base v1.2.3
    "v1.2.4-pre",
    "v1.2.4-pre.0.20191109021931-daa7c04131f5", // base v1.2.4-pre
    "v1.2.4",
  ]);
  assertRelations(go, ["v1.2.4-0.20191109021931-daa7c04131f5 < v1.2.4-0.20191109021932-aaaaaaaaaaaa", "v0.0.0-20191109021931-daa7c04131f5 < v0.0.0-alpha"]);
});

test("+incompatible is build metadata: ignored by the ordering", () => {
  assertEquivalent(go, [["v2.0.0+incompatible", "v2.0.0"]]);
  assertRelations(go, ["v2.0.0+incompatible < v2.0.1", "v3.1.0+incompatible > v2.9.9+incompatible", "v2.0.0-rc.1+incompatible < v2.0.0+incompatible"]);
});

test("the leading v is optional (OSV drops it); shorthands v1 and v1.2 as in x/mod/semver", () => {
  assertEquivalent(go, [["1.2.3", "v1.2.3"], ["v1.2", "v1.2.0"], ["v1", "v1.0.0"], ["1.0.0-20191109021931-daa7c04131f5", "v1.0.0-20191109021931-daa7c04131f5"]]);
  assertRelations(go, ["v1.10.0 > v1.9.0", "v1.0.0-rc.10 > v1.0.0-rc.9", "v1.0.0-rc.1 < v1.0.0-rc.a", "v18446744073709551616.0.0 > v18446744073709551615.0.0"]);
});

test("isPseudoVersion recognises the three forms and nothing else", () => {
  for (const v of ["v0.0.0-20191109021931-daa7c04131f5", "v1.2.4-0.20191109021931-daa7c04131f5", "v1.2.4-pre.0.20191109021931-daa7c04131f5", "1.2.4-0.20191109021931-daa7c04131f5", "v2.0.1-0.20191109021931-daa7c04131f5+incompatible"]) {
    assert.equal(isPseudoVersion(v), true, v);
  }
  for (const v of ["v1.2.3", "v1.2.4-pre", "v0.0.0-2019110902193-daa7c04131f5", "v1.2.4-1.20191109021931-daa7c04131f5", "garbage"]) assert.equal(isPseudoVersion(v), false, v);
});

test("invalid versions are refused with E_USAGE", () => {
  assertInvalid(go, ["", "v", "v1.2.3.4", "v01.2.3", "v1.02.3", "v1.2.3-01", "v1.2-pre", "v1+build", "v1.2.3-", "v1.2.3+", "V1.2.3", "vv1.2.3", "(devel)", "latest", "v1.2.3-a..b", null], "v1.0.0");
});
