import { test } from "node:test";
import { assertAscending, assertEquivalent, assertInvalid, assertRelations } from "../testing/assertions.js";
import { maven } from "./index.js";

// Sequences and equalities from Maven's own ComparableVersionTest (maven-artifact).
test("ComparableVersionTest: qualifier ordering", () => {
  assertAscending(maven, [
    "1-alpha2snapshot",
    "1-alpha2",
    "1-alpha-123",
    "1-beta-2",
    "1-beta123",
    "1-m2",
    "1-m11",
    "1-rc",
    "1-cr2",
    "1-rc123",
    "1-SNAPSHOT",
    "1",
    "1-sp",
    "1-sp2",
    "1-sp123",
    "1-abc",
    "1-def",
    "1-pom-1",
    "1-1-snapshot",
    "1-1",
    "1-2",
    "1-123",
  ]);
});

test("ComparableVersionTest: number ordering", () => {
  assertAscending(maven, ["2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1", "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11", "11", "11.a", "11b", "11c", "11m"]);
});

test("ComparableVersionTest: equal versions", () => {
  assertEquivalent(maven, [
    ["1", "1.0"],
    ["1", "1.0.0"],
    ["1", "1-0"],
    ["1", "1.0-0"],
    ["1a", "1-a"],
    ["1a", "1.0.0-a"],
    ["1x", "1.0-x"],
    ["1ga", "1"],
    ["1release", "1"],
    ["1final", "1"],
    ["1cr", "1rc"],
    ["1a1", "1-alpha-1"],
    ["1b2", "1-beta-2"],
    ["1m3", "1-milestone-3"],
    ["1X", "1x"],
    ["1GA", "1"],
    ["1-SNAPSHOT", "1-snapshot"],
    ["1..1", "1.0.1"],
  ]);
});

test("numbers of any length; what OSV ranges typically hold", () => {
  assertRelations(maven, [
    "2.17.1 > 2.17.0",
    "2.15.0-rc2 < 2.15.0",
    "5.3.18.RELEASE = 5.3.18",
    "1.0.0.Final = 1.0.0",
    "2.12.7.1 > 2.12.7",
    "31.1-jre > 31.0.1-jre",
    "1.10 > 1.9",
    "1.12345678901234567890 > 1.12345678901234567889",
    "1.0-SNAPSHOT < 1.0",
  ]);
});

test("invalid versions are refused with E_USAGE", () => {
  assertInvalid(maven, ["", "1.0 beta", "1.0\n", "1.0é", "x".repeat(300), undefined, 7], "1.0");
});
