import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAscending, assertEquivalent, assertInvalid, assertRelations } from "../testing/assertions.js";
import { deb } from "./index.js";

test("Debian Policy 5.6.12: ~~ < ~~a < ~ < (nothing) < a, and letters sort before other symbols", () => {
  assertAscending(deb, ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a", "1.0+", "1.0.1"]);
  assertAscending(deb, ["1.0~rc1", "1.0~rc2", "1.0", "1.0+dfsg", "1.0.0"]);
});

test("epoch wins over everything else; a missing epoch is 0", () => {
  assertRelations(deb, ["1:0.1 > 2.0", "0:2.0 = 2.0", "2:1.0 > 1:9.9", "00:1.0 = 1.0", "1:1.0~rc1-1 > 9.9"]);
});

test("revision compares after upstream; a missing revision is like -0", () => {
  assertRelations(deb, [
    "1.0-1 < 1.0-2",
    "1.0-1 < 1.0-1+deb12u1",
    "1.0-1~bpo11+1 < 1.0-1",
    "2.36-9+deb12u7 < 2.36-9+deb12u8",
    "1.2.3-0ubuntu1 < 1.2.3-0ubuntu1.1",
    "1.0 < 1.0-1",
    "1.0-a > 1.0-1",
  ]);
  assertEquivalent(deb, [["1.0", "1.0-0"]]);
});

test("digit runs compare numerically at any length, ignoring leading zeros", () => {
  assertRelations(deb, ["1.9 < 1.10", "1.01 = 1.1", "1.0 = 1.00", "20240101 < 202401010", "1.99999999999999999999 < 1.100000000000000000000", "3.0.2-0ubuntu1.15 < 3.0.2-0ubuntu1.16"]);
});

test("hyphens in upstream and colons in upstream are allowed when revision and epoch exist", () => {
  assertRelations(deb, ["1:1.0-beta-1 < 1:1.0-beta-2", "1:1:2-1 > 1:1:1-1", "1.0-beta-1 > 1.0-1"]);
});

test("invalid versions (dpkg errors and warnings) are refused with E_USAGE", () => {
  assertInvalid(
    deb,
    ["", "a1.0", "1.0-", ":1.0", "1:", "-1", "1.0 beta", " 1.0", "1.0_1", "1.0!", "99999999999:1.0", "1.0:1", "1.0-1:1", "1.0-1_2", "+1:1.0", "é", 1, null, undefined],
    "1.0",
  );
  assert.equal(deb.isValid("2147483647:1.0"), true, "the largest epoch dpkg stores");
  assert.equal(deb.isValid("2147483648:1.0"), false);
});
