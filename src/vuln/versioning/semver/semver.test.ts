import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAscending, assertEquivalent, assertInvalid, assertRelations } from "../testing/assertions.js";
import { semver } from "./index.js";

test("SemVer 2.0.0 §11 precedence examples", () => {
  assertAscending(semver, ["1.0.0", "2.0.0", "2.1.0", "2.1.1"]);
  assertAscending(semver, ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0"]);
});

test("build metadata is ignored; npm's loose forms parse", () => {
  assertEquivalent(semver, [
    ["1.0.0+20130313144700", "1.0.0"],
    ["1.0.0-beta+exp.sha.5114f85", "1.0.0-beta"],
    ["v1.2.3", "1.2.3"],
    ["=1.2.3", "1.2.3"],
    [" 1.2.3 ", "1.2.3"],
    ["1.2.3beta", "1.2.3-beta"],
    ["01.02.03", "1.2.3"],
    // A quirk of loose mode: the trailing hyphen is read as the identifier "-".
    ["1.2.3-", "1.2.3--"],
  ]);
});

test("numeric pre-release identifiers compare exactly beyond 2^53 (the semver package says equal)", () => {
  assertRelations(semver, ["1.0.0-9007199254740993 > 1.0.0-9007199254740992", "1.0.0-alpha.18446744073709551616 > 1.0.0-alpha.18446744073709551615", "1.0.0-1 < 1.0.0-a"]);
});

test("isPrerelease", () => {
  assert.equal(semver.isPrerelease!("1.0.0-rc.1"), true);
  assert.equal(semver.isPrerelease!("1.0.0+build"), false);
});

test("pre-release without hyphen and trailing-hyphen forms still order as pre-releases", () => {
  assertRelations(semver, ["1.2.3beta < 1.2.3", "1.2.3- < 1.2.3"]);
});

test("invalid versions are refused with E_USAGE", () => {
  assertInvalid(semver, ["", "1", "1.2", "1.2.3.4", "1.2.3+", "a.b.c", "1.2.3-a..b", "9007199254740992.0.0", "latest", "^1.2.3", "1.x", null, 1.2], "1.0.0");
});
