import { test } from "node:test";
import assert from "node:assert/strict";
import { mergeFindings } from "./findings.js";
import type { Finding, Severity } from "./model.js";

function f(id: string, aliases: string[], opts: { name?: string; version?: string; severity?: Severity; fixed?: string[] } = {}): Finding {
  return {
    id,
    aliases,
    package: { ecosystem: "npm", name: opts.name ?? "pkg", version: opts.version ?? "1.0.0" },
    severity: opts.severity ?? "UNKNOWN",
    cvss: [],
    fixedVersions: opts.fixed ?? [],
    source: { kind: "osv", name: id },
  };
}

const summary = (list: Finding[]) => list.map((x) => [x.id, x.aliases.join(","), x.package.name, x.package.version, x.severity, x.fixedVersions.join(",")]);

test("transitive aliases join; the CVE becomes the id; the worst severity wins", () => {
  const out = mergeFindings([f("GO-1", ["GHSA-1"], { severity: "LOW" }), f("GHSA-1", ["CVE-2024-1"], { severity: "HIGH" }), f("PYSEC-1", ["GO-1"])]);
  assert.deepEqual(summary(out), [["CVE-2024-1", "GHSA-1,GO-1,PYSEC-1", "pkg", "1.0.0", "HIGH", ""]]);
});

test("the same vulnerability in different packages or versions stays separate", () => {
  const out = mergeFindings([f("GHSA-1", ["CVE-1"]), f("GHSA-1", ["CVE-1"], { version: "2.0.0" }), f("GHSA-1", ["CVE-1"], { name: "other" })]);
  assert.equal(out.length, 3);
});

test("two different CVEs are never glued together through a shared non-CVE id", () => {
  const out = mergeFindings([f("GHSA-1", ["CVE-2024-1"]), f("GHSA-2", ["CVE-2024-2", "GHSA-1"])]);
  assert.deepEqual(
    out.map((x) => x.id),
    ["CVE-2024-1", "CVE-2024-2"],
  );
});

test("without a CVE the smallest record id is the id", () => {
  const out = mergeFindings([f("OSV-2", ["GHSA-9"]), f("GHSA-9", [])]);
  assert.deepEqual(summary(out), [["GHSA-9", "OSV-2", "pkg", "1.0.0", "UNKNOWN", ""]]);
});

test("the result does not depend on input order", () => {
  const input = [
    f("DSA-1", ["CVE-2024-1", "CVE-2024-2"], { fixed: ["1.1.0"] }),
    f("GHSA-1", ["CVE-2024-1"], { severity: "MEDIUM", fixed: ["1.2.0"] }),
    f("CVE-2024-2", [], { severity: "LOW" }),
    f("GO-7", ["GHSA-1"]),
    f("GHSA-1", ["CVE-2024-1"], { name: "b" }),
  ];
  const expected = summary(mergeFindings(input));
  for (let k = 0; k < 20; k++) {
    const shuffled = [...input].sort(() => Math.random() - 0.5);
    assert.deepEqual(summary(mergeFindings(shuffled.map((x) => structuredClone(x)))), expected);
  }
  assert.deepEqual(expected, [
    ["CVE-2024-1", "DSA-1,GHSA-1,GO-7", "pkg", "1.0.0", "MEDIUM", "1.1.0,1.2.0"],
    ["CVE-2024-2", "DSA-1", "pkg", "1.0.0", "LOW", "1.1.0"],
    ["CVE-2024-1", "GHSA-1", "b", "1.0.0", "UNKNOWN", ""],
  ]);
});
