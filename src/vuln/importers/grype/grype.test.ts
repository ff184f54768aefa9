/* eslint-disable @typescript-eslint/no-explicit-any -- these tests reach into third-party JSON fixtures and mutate them field by field */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { expectMkError, fixture } from "../../testing.js";
import type { Finding } from "../../model.js";
import { grype } from "./index.js";

const DOJO = "grype/defectdojo-check_all_fields.grype.json";
const SNAPSHOT = "grype/grype-snapshot-image.json";

function load(rel: string): any {
  return JSON.parse(readFileSync(fixture(rel), "utf8"));
}

/**
 * Grype's severity words → the Finding scale, declared here independently of the importer:
 * Negligible sits below Low in Grype's (and Debian's) scale and maps to NONE, keeping the counts apart.
 */
const WORDS: Record<string, string> = { Unknown: "UNKNOWN", Negligible: "NONE", Low: "LOW", Medium: "MEDIUM", High: "HIGH", Critical: "CRITICAL" };

function expectedCounts(doc: any): Record<string, number> {
  const seen = new Map<string, string>();
  for (const m of doc.matches) seen.set(`${m.vulnerability.id}|${m.artifact.name}|${m.artifact.version}`, WORDS[m.vulnerability.severity] ?? "UNKNOWN");
  const counts: Record<string, number> = {};
  for (const s of seen.values()) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

function countsOf(findings: Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

test("the real DefectDojo Grype report imports without loss: counts per severity match the source's distinct matches", () => {
  const doc = load(DOJO);
  const r = grype.parse(doc, "dojo.json");
  assert.equal(r.rows, 6);
  assert.deepEqual(countsOf(r.findings), expectedCounts(doc));
  assert.deepEqual(countsOf(r.findings), { NONE: 1, HIGH: 2, CRITICAL: 2 });
  assert.deepEqual(r.tool, { name: "grype", version: "0.28.0" });
  assert.equal(r.target, "vulnerable-image:latest");
});

test("the Django GHSA that appears twice (identical rows) becomes one finding, reported as a duplicate", () => {
  const doc = load(DOJO);
  assert.deepEqual(doc.matches[4], doc.matches[5], "the fixture really repeats the row");
  const r = grype.parse(doc, "dojo.json");
  assert.deepEqual(r.duplicates, [{ key: "GHSA-v6rh-hp5x-86rv Django@3.2.9 (PyPI)", rows: 2 }]);
  const django = r.findings.filter((f) => f.package.name === "Django");
  assert.equal(django.length, 1);
  const f = django[0] as Finding;
  // relatedVulnerabilities names the CVE: it becomes the id and the GHSA an alias.
  assert.deepEqual([f.id, f.aliases, f.severity, f.fixedVersions], ["CVE-2021-44420", ["GHSA-v6rh-hp5x-86rv"], "HIGH", ["3.2.10"]]);
  assert.deepEqual(
    f.cvss.map((c) => [c.source, c.version, c.score]),
    [
      ["nvd", "2.0", 7.5],
      ["nvd", "3.1", 7.3],
    ],
  );
  assert.equal(f.package.purl, "pkg:pypi/Django@3.2.9");
});

test("OS packages get their ecosystem from the report's distro; locations keep paths and layers; libc6 and libc-bin stay apart", () => {
  const r = grype.parse(load(DOJO), "dojo.json");
  const glibc = r.findings.filter((f) => f.id === "CVE-2021-33574");
  assert.deepEqual(glibc.map((f) => [f.package.ecosystem, f.package.name]), [
    ["Debian:10", "libc-bin"],
    ["Debian:10", "libc6"],
  ]);
  const doc = load(DOJO);
  for (const m of doc.matches) m.artifact.purl = "";
  assert.deepEqual(
    grype.parse(doc, "dojo.json").findings.map((f) => f.package.ecosystem),
    r.findings.map((f) => f.package.ecosystem),
    "without PURLs the ecosystem comes from the artifact type and the distro",
  );
  const krb = r.findings.find((f) => f.id === "CVE-2004-0971");
  assert.equal(krb?.severity, "NONE");
  assert.ok(krb?.package.locations?.includes("/var/lib/dpkg/status"));
  assert.ok(krb?.package.locations?.includes("sha256:88a5584c6af8c220f94abb05315c2695505c8b9e2344a0aa879721b871d32b03"));
});

test("DefectDojo's hand-edited entry (wont-fix with fix versions) is kept as reported and flagged", () => {
  const r = grype.parse(load(DOJO), "dojo.json");
  const redis = r.findings.find((f) => f.id === "CVE-2021-32626");
  assert.deepEqual(redis?.fixedVersions, ["fix_1", "fix_2"]);
  assert.ok(r.warnings.some((w) => w.includes('matches[1].vulnerability.fix: state is "wont-fix"')), r.warnings.join("\n"));
});

test("Grype's presenter snapshot: unscorable vectors are warnings, the ecosystem falls back to the distro", () => {
  const doc = load(SNAPSHOT);
  const r = grype.parse(doc, "snapshot.json");
  assert.deepEqual(countsOf(r.findings), expectedCounts(doc));
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.package.ecosystem, f.package.name, f.severity, f.cvss.length, f.fixedVersions.join(",")]),
    [
      ["CVE-1999-0002", "centos:8.0", "package-2", "CRITICAL", 0, ""],
      ["CVE-1999-0001", "centos:8.0", "package-1", "LOW", 0, "1.2.1,2.1.3,3.4.0"],
    ],
  );
  assert.equal(r.warnings.filter((w) => /CVSS ignored/.test(w)).length, 2);
});

test("a malformed Grype report is rejected with every problem's file and JSON path", async () => {
  const doc = load(DOJO);
  delete doc.matches[0].artifact;
  doc.matches[1].vulnerability.severity = "Severe";
  delete doc.matches[2].vulnerability.id;
  doc.matches[3].artifact.purl = "not a purl";
  doc.matches[4].relatedVulnerabilities = {};
  const e = await expectMkError(() => grype.parse(doc, "bad-grype.json"), "E_CONFIG_INVALID");
  assert.deepEqual(
    e.problems.map((p) => [p.file, p.path]),
    [
      ["bad-grype.json", "matches[0].artifact"],
      ["bad-grype.json", "matches[1].vulnerability.severity"],
      ["bad-grype.json", "matches[2].vulnerability.id"],
      ["bad-grype.json", "matches[3].artifact.purl"],
      ["bad-grype.json", "matches[4].relatedVulnerabilities"],
    ],
  );
  await expectMkError(() => grype.parse({ matches: "none" }, "x.json"), "E_CONFIG_INVALID");
});
