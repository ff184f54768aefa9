/* eslint-disable @typescript-eslint/no-explicit-any -- these tests reach into third-party JSON fixtures and mutate them field by field */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { expectMkError, fixture } from "../../testing.js";
import type { Finding } from "../../model.js";
import { trivy } from "./index.js";

const FILES = ["trivy/alpine-310-image.json", "trivy/debian-buster-image-ignore-unfixed.json", "trivy/npm-repo.json"] as const;

function load(rel: string): any {
  return JSON.parse(readFileSync(fixture(rel), "utf8"));
}

/** Counts per severity straight from the report: one per distinct (VulnerabilityID, PkgName, InstalledVersion). */
function expectedCounts(doc: any): Record<string, number> {
  const seen = new Map<string, string>();
  for (const r of doc.Results ?? []) for (const v of r.Vulnerabilities ?? []) seen.set(`${v.VulnerabilityID}|${v.PkgName}|${v.InstalledVersion}`, v.Severity ?? "UNKNOWN");
  const counts: Record<string, number> = {};
  for (const s of seen.values()) counts[s] = (counts[s] ?? 0) + 1;
  return counts;
}

function countsOf(findings: Finding[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const f of findings) counts[f.severity] = (counts[f.severity] ?? 0) + 1;
  return counts;
}

test("the real Trivy reports import without loss: counts per severity match the source", () => {
  for (const f of FILES) {
    const doc = load(f);
    const rows = (doc.Results ?? []).reduce((n: number, r: any) => n + (r.Vulnerabilities?.length ?? 0), 0);
    const r = trivy.parse(doc, f);
    assert.equal(r.rows, rows, f);
    assert.deepEqual(countsOf(r.findings), expectedCounts(doc), f);
    assert.deepEqual(r.duplicates, [], f);
  }
});

test("an Alpine image: ecosystem from the PURL's distro, layer as location, every CVSS vector re-scored", () => {
  const r = trivy.parse(load(FILES[0]), "alpine.json");
  assert.equal(r.target, "testdata/fixtures/images/alpine-310.tar.gz");
  const f = r.findings.find((x) => x.id === "CVE-2019-1551" && x.package.name === "libssl1.1");
  assert.ok(f);
  assert.deepEqual(f.package, {
    ecosystem: "Alpine:v3.10",
    name: "libssl1.1",
    version: "1.1.1c-r0",
    purl: "pkg:apk/alpine/libssl1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2",
    locations: ["sha256:03901b4a2ea88eeaad62dbe59b072b28b6efa00491962b8741081c5df50c65e0"],
  });
  assert.deepEqual(f.fixedVersions, ["1.1.1d-r2"]);
  assert.deepEqual(
    f.cvss.map((c) => [c.source, c.version, c.score]),
    [
      ["nvd", "2.0", 5],
      ["nvd", "3.1", 5.3],
      ["redhat", "3.1", 4.8],
    ],
  );
  assert.equal(f.source.kind, "trivy");
  assert.equal(f.source.name, "alpine");
});

test("without PURLs (older Trivy) the ecosystem comes out the same, from the OS family and version", () => {
  for (const [f, eco] of [
    [FILES[0], "Alpine:v3.10"],
    [FILES[1], "Debian:10"],
    [FILES[2], "npm"],
  ] as const) {
    const doc = load(f);
    for (const r of doc.Results) for (const v of r.Vulnerabilities) delete v.PkgIdentifier;
    const r = trivy.parse(doc, f);
    assert.deepEqual([...new Set(r.findings.map((x) => x.package.ecosystem))], [eco], f);
    assert.ok(r.findings.every((x) => x.package.purl === undefined));
  }
});

test("VendorIDs become aliases (Debian's DSA)", () => {
  const r = trivy.parse(load(FILES[1]), "debian.json");
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.aliases, f.package.ecosystem, f.severity, f.fixedVersions]),
    [["CVE-2019-18224", ["DSA-4613-1"], "Debian:10", "CRITICAL", ["2.0.5-1+deb10u1"]]],
  );
});

test("comma-separated fixed versions, repeated rows and alias rows are merged per package version and reported", () => {
  const doc = load(FILES[2]);
  const v = doc.Results[0].Vulnerabilities[0];
  v.FixedVersion = "3.4.0, 2.2.5";
  v.PkgPath = "app/node_modules/jquery/package.json";
  const again = { ...structuredClone(v), PkgPath: "other/node_modules/jquery/package.json" };
  const ghsa = { ...structuredClone(v), VulnerabilityID: "GHSA-6c3j-c64m-qhgq", VendorIDs: ["CVE-2019-11358"] };
  doc.Results.push({ Target: "other/package-lock.json", Class: "lang-pkgs", Type: "npm", Vulnerabilities: [again, ghsa] });
  const r = trivy.parse(doc, "npm.json");
  assert.equal(r.rows, 3);
  assert.equal(r.findings.length, 1);
  const f = r.findings[0] as Finding;
  assert.deepEqual([f.id, f.aliases], ["CVE-2019-11358", ["GHSA-6c3j-c64m-qhgq"]]);
  assert.deepEqual(f.fixedVersions, ["2.2.5", "3.4.0"], "nearest first in semver order");
  assert.deepEqual(f.package.locations, ["app/node_modules/jquery/package.json", "other/node_modules/jquery/package.json"]);
  assert.deepEqual(r.duplicates, [{ key: "CVE-2019-11358 jquery@3.3.9 (npm)", rows: 2 }]);
  assert.ok(r.warnings.some((w) => /1 row\(s\) merged .* aliases/.test(w)), r.warnings.join("\n"));
});

test("a malformed report is rejected with every problem's file and JSON path", async () => {
  const doc = load(FILES[0]);
  doc.SchemaVersion = 1;
  delete doc.Results[0].Vulnerabilities[0].PkgName;
  doc.Results[0].Vulnerabilities[1].Severity = "SEVERE";
  doc.Results[0].Vulnerabilities[2].PkgIdentifier.PURL = "apk/alpine/libssl";
  doc.Results[0].Vulnerabilities[3].CVSS.nvd = "9.8";
  const e = await expectMkError(() => trivy.parse(doc, "bad-trivy.json"), "E_CONFIG_INVALID");
  assert.deepEqual(
    e.problems.map((p) => [p.file, p.path]),
    [
      ["bad-trivy.json", "SchemaVersion"],
      ["bad-trivy.json", "Results[0].Vulnerabilities[0].PkgName"],
      ["bad-trivy.json", "Results[0].Vulnerabilities[1].Severity"],
      ["bad-trivy.json", "Results[0].Vulnerabilities[2].PkgIdentifier.PURL"],
      ["bad-trivy.json", "Results[0].Vulnerabilities[3].CVSS.nvd"],
    ],
  );
});

test("a clean scan (no Results, no Vulnerabilities) is a report with no findings", () => {
  const r = trivy.parse({ SchemaVersion: 2, ArtifactName: "x", Results: [{ Target: "x", Class: "os-pkgs", Type: "debian" }] }, "clean.json");
  assert.deepEqual([r.rows, r.findings], [0, []]);
  assert.deepEqual(trivy.parse({ SchemaVersion: 2, ArtifactName: "x" }, "none.json").findings, []);
});
