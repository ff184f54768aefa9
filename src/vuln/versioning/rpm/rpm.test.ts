import { test } from "node:test";
import assert from "node:assert/strict";
import { assertAscending, assertInvalid, assertRelations } from "../testing/assertions.js";
import { rpm, rpmvercmp } from "./index.js";

// Cases from rpm's own test suite (tests/rpmvercmp.at, "rpmvercmp(a, b) = n").
const RPMVERCMP_CASES: [string, string, number][] = [
  ["1.0", "1.0", 0],
  ["1.0", "2.0", -1],
  ["2.0", "1.0", 1],
  ["2.0.1", "2.0.1", 0],
  ["2.0", "2.0.1", -1],
  ["2.0.1a", "2.0.1a", 0],
  ["2.0.1a", "2.0.1", 1],
  ["5.5p1", "5.5p2", -1],
  ["5.5p10", "5.5p1", 1],
  ["10xyz", "10.1xyz", -1],
  ["xyz10", "xyz10.1", -1],
  ["xyz.4", "8", -1],
  ["xyz.4", "2", -1],
  ["5.5p2", "5.6p1", -1],
  ["5.6p1", "6.5p1", -1],
  ["6.0.rc1", "6.0", 1],
  ["10b2", "10a1", 1],
  ["1.0aa", "1.0a", 1],
  ["10.0001", "10.1", 0],
  ["10.0001", "10.0039", -1],
  ["4.999.9", "5.0", -1],
  ["20101121", "20101122", -1],
  ["2_0", "2_0", 0],
  ["2.0", "2_0", 0],
  ["a", "a", 0],
  ["a+", "a+", 0],
  ["a+", "a_", 0],
  ["+a", "_a", 0],
  ["+_", "_+", 0],
  ["1.0~rc1", "1.0~rc1", 0],
  ["1.0~rc1", "1.0", -1],
  ["1.0~rc1", "1.0~rc2", -1],
  ["1.0~rc1~git123", "1.0~rc1", -1],
  ["1.0^", "1.0", 1],
  ["1.0^git1", "1.0", 1],
  ["1.0^git1", "1.0^git2", -1],
  ["1.0^git1", "1.01", -1],
  ["1.0^20160101", "1.0^20160102", -1],
  ["1.0^20160101^git1", "1.0^20160101", 1],
  ["1.0~rc1^git1", "1.0~rc1", 1],
  ["1.0^git1~pre", "1.0^git1", -1],
];

test("rpmvercmp matches rpm's own test vectors", () => {
  for (const [a, b, want] of RPMVERCMP_CASES) {
    assert.equal(rpmvercmp(a, b), want, `rpmvercmp(${a}, ${b})`);
    assert.equal(rpmvercmp(b, a), -want || 0, `rpmvercmp(${b}, ${a})`);
    // None of them has an epoch or a release, so the scheme agrees with plain rpmvercmp.
    assert.equal(rpm.compare(a, b), want, `compare(${a}, ${b})`);
  }
});

test("epoch:version-release: missing epoch is 0, a missing release sorts first", () => {
  assertRelations(rpm, [
    "1:1.0 > 2.0",
    "0:1.0 = 1.0",
    "01:1.0 = 1:1.0",
    "1.0 < 1.0-1",
    "1.0 < 1.0-0",
    "1.0-1.el9 < 1.0-2.el9",
    "1.2.3-4.el9_2 < 1.2.3-4.el9_3",
    "1.2.3-4.el9 < 1.2.3-4.el9_3",
    "0:3.0.7-27.el9 < 1:3.0.7-16.el9",
    "2.0-1 > 1.9-99",
  ]);
  assertAscending(rpm, ["1.0~rc1-1", "1.0-1", "1.0^git1-1", "1.0.1-1"]);
});

test("invalid EVRs are refused with E_USAGE", () => {
  assertInvalid(rpm, ["", ":1.0", "1.0-", "-1", "1:", "1:-1", "1.0 1", "1.0\t", "1.0:2", "a:1.0", "1.0-1:2", "é1", 2, null], "1.0");
});
