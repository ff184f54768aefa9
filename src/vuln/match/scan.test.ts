import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { importReport } from "../importers/index.js";
import type { Finding } from "../model.js";
import { importOsv } from "../osv/import.js";
import { affected, expectMkError, fixture, NOW, osv, tempDir, writeRecords, writeSbom } from "../testing.js";
import { scanSbom } from "./scan.js";

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
].map((f) => fixture(`osv/${f}`));

const V3_HIGH = { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H" }; // 8.8
const V3_MED = { type: "CVSS_V3", score: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N" }; // 6.1
const V4_CRIT = { type: "CVSS_V4", score: "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N" }; // 9.3

const SYNTHETIC = [
  // Alias merging: three records of one vulnerability, fixes spread over them.
  osv({ id: "GHSA-aaaa-bbbb-cccc", aliases: ["CVE-2030-0001"], severity: [V3_MED], affected: [affected("npm", "merge-me", [{ introduced: "0" }, { fixed: "1.10.0" }])] }),
  osv({ id: "CVE-2030-0001", severity: [V3_HIGH], affected: [affected("npm", "merge-me", [{ introduced: "1.0.0" }, { fixed: "1.9.0" }, { introduced: "2.0.0" }, { fixed: "2.0.1" }])] }),
  osv({ id: "OSV-2030-7", aliases: ["GHSA-aaaa-bbbb-cccc"], affected: [affected("npm", "merge-me", [{ introduced: "0" }, { fixed: "1.2.0" }])] }),
  // A multi-CVE advisory: one finding per CVE, the advisory an alias of each.
  osv({ id: "DSA-9999-1", aliases: ["CVE-2030-1000", "CVE-2030-1001"], affected: [affected("Debian:12", "multi", [{ introduced: "0" }, { fixed: "1.0-2" }])] }),
  osv({ id: "GHSA-xxxx-yyyy-zzzz", aliases: ["CVE-2030-1000"], databaseSeverity: "CRITICAL", affected: [affected("Debian:12", "multi", [{ introduced: "0" }, { fixed: "1.0-3" }])] }),
  // Severity fallbacks.
  osv({ id: "GHSA-mod0-mod0-mod0", databaseSeverity: "MODERATE", affected: [affected("npm", "sev-word", [{ introduced: "0" }])] }),
  osv({ id: "OSV-2030-none", affected: [affected("npm", "sev-none", [{ introduced: "0" }])] }),
  osv({ id: "OSV-2030-v4", severity: [V3_MED, V4_CRIT], affected: [affected("npm", "sev-v4", [{ introduced: "0" }])] }),
  // Releases and source packages.
  osv({ id: "DLA-0001-1", affected: [affected("Debian:11", "glibc", [{ introduced: "0" }, { fixed: "2.31-13+deb11u9" }])] }),
  osv({ id: "DSA-0002-1", affected: [affected("Debian:12", "glibc", [{ introduced: "0" }, { fixed: "2.36-9+deb12u5" }])] }),
  // An ecosystem without a version ordering: only the versions list can match.
  osv({ id: "GHSA-gem0-gem0-gem0", affected: [affected("RubyGems", "rack", [{ introduced: "0" }, { fixed: "2.2.9" }], { versions: ["2.2.8"] })] }),
  // An explicit versions list with no range at all.
  osv({ id: "PYSEC-2030-1", affected: [{ package: { ecosystem: "PyPI", name: "Only_Listed" }, versions: ["1.0.0", "1.0.1"] }] }),
];

const root = await tempDir();
const DB = join(root, "db");
await importOsv(DB, [...REAL, await writeRecords(join(root, "synthetic"), SYNTHETIC)], { now: () => NOW });

let n = 0;
async function scan(purls: string[], extra: Record<string, unknown>[] = []) {
  const sbom = await writeSbom(join(root, `sbom-${n++}.json`), purls, extra);
  return await scanSbom(sbom, { db: DB, now: () => NOW });
}

function only(findings: Finding[]): Finding {
  assert.equal(findings.length, 1, JSON.stringify(findings.map((f) => [f.id, f.package.name, f.package.version])));
  return findings[0] as Finding;
}

test("the jquery GHSA matches the jquery in the real npm lockfile Trivy scanned, as Trivy reported it", async () => {
  const trivy = JSON.parse(readFileSync(fixture("trivy/npm-repo.json"), "utf8"));
  const purls: string[] = trivy.Results[0].Packages.map((p: { Identifier: { PURL: string } }) => p.Identifier.PURL);
  assert.equal(purls.length, 12);
  const r = await scan(purls);
  const f = only(r.findings);
  assert.equal(f.id, "CVE-2019-11358");
  assert.deepEqual(f.aliases, ["GHSA-6c3j-c64m-qhgq"]);
  assert.deepEqual([f.package.ecosystem, f.package.name, f.package.version, f.package.purl], ["npm", "jquery", "3.3.9", "pkg:npm/jquery@3.3.9"]);
  assert.equal(f.package.bomRef, `ref-${purls.indexOf("pkg:npm/jquery@3.3.9")}`);
  assert.equal(f.severity, "MEDIUM");
  assert.deepEqual(f.cvss, [{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", score: 6.1, source: "GHSA-6c3j-c64m-qhgq" }]);
  assert.equal(f.source.kind, "osv");
  // Trivy, from its own database, says the same.
  const t = only((await importReport(fixture("trivy/npm-repo.json"))).findings);
  assert.deepEqual([t.id, t.package.name, t.package.version, t.severity, t.fixedVersions], [f.id, f.package.name, f.package.version, f.severity, f.fixedVersions]);
  assert.deepEqual(r.stats.ecosystemsUsed, ["npm"]);
  assert.equal(r.stats.checked, 12);
});

test("last_affected (shiba ≤ 1.2.1, no fix) and Maven's three disjoint ranges", async () => {
  const r = await scan([
    "pkg:npm/shiba@1.2.1",
    "pkg:npm/shiba@1.2.2",
    "pkg:maven/org.xwiki.commons/xwiki-commons-core@11.10.12",
    "pkg:maven/org.xwiki.commons/xwiki-commons-core@11.10.13",
    "pkg:maven/org.xwiki.commons/xwiki-commons-core@12.7",
    "pkg:maven/org.xwiki.commons/xwiki-commons-core@12.10.1",
  ]);
  const got = r.findings.map((f) => [f.id, f.package.name, f.package.version, f.fixedVersions.join(",")]);
  assert.deepEqual(got, [
    ["CVE-2020-7738", "shiba", "1.2.1", ""],
    ["CVE-2021-32620", "org.xwiki.commons:xwiki-commons-core", "11.10.12", "11.10.13,12.6.7,12.10.2"],
    ["CVE-2021-32620", "org.xwiki.commons:xwiki-commons-core", "12.10.1", "12.10.2"],
  ]);
  assert.equal(r.findings[0]?.severity, "HIGH");
});

test("Go: SEMVER ranges, v-prefixed PURL versions, the stdlib's two branches", async () => {
  const r = await scan(["pkg:golang/github.com/gin-gonic/gin@v1.5.0", "pkg:golang/github.com/gin-gonic/gin@v1.6.0", "pkg:golang/stdlib@go1.22.1", "pkg:golang/stdlib@v1.21.12"]);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.aliases.join(","), f.package.version, f.fixedVersions.join(",")]),
    [
      ["CVE-2020-36567", "GHSA-6vm3-jj99-7229,GO-2020-0001", "v1.5.0", "1.6.0"],
      ["CVE-2024-24791", "GO-2024-2963", "go1.22.1", "1.22.5"],
    ],
  );
});

test("PyPI: ECOSYSTEM range plus versions list, names normalised; a GIT range is ignored", async () => {
  const r = await scan(["pkg:pypi/Requests@2.30.0", "pkg:pypi/requests@2.31.0", "pkg:pypi/requests@2.3.0", "pkg:pypi/only-listed@1.0.1", "pkg:pypi/only-listed@1.0.2"]);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.package.version]),
    [
      ["CVE-2023-32681", "2.3.0"],
      ["CVE-2023-32681", "2.30.0"],
      ["PYSEC-2030-1", "1.0.1"],
    ],
  );
});

test("distributions: release from the distro qualifier, source package from upstream=, source version wins", async () => {
  const r = await scan([
    "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-7.11",
    "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy3?distro=debian-7",
    "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-8",
    "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?upstream=glibc&distro=debian-12.5",
    "pkg:deb/debian/libc-bin@2.36-9%2Bdeb12u5%2Bb1?upstream=glibc%402.36-9%2Bdeb12u4&distro=debian-12",
    "pkg:deb/debian/libc6@2.31-13%2Bdeb11u8?upstream=glibc&distro=debian-11",
    "pkg:apk/alpine/libssl1.0@1.0.2p-r0?upstream=openssl&distro=3.8.1",
    "pkg:apk/alpine/libssl1.1@1.1.1c-r0?upstream=openssl&distro=3.10.2",
    "pkg:deb/ubuntu/libssl1.0.0@1.0.2g-1ubuntu4.15?upstream=openssl&distro=ubuntu-16.04",
  ]);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.package.ecosystem, f.package.name, f.package.version, f.fixedVersions.join(",")]).sort(),
    [
      ["CVE-2014-3616", "Debian:7", "nginx", "1.2.1-2.2+wheezy2", "1.2.1-2.2+wheezy3"],
      ["CVE-2018-5407", "Alpine:v3.8", "libssl1.0", "1.0.2p-r0", "1.0.2q-r0"],
      ["DLA-0001-1", "Debian:11", "libc6", "2.31-13+deb11u8", "2.31-13+deb11u9"],
      ["DSA-0002-1", "Debian:12", "libc-bin", "2.36-9+deb12u5+b1", "2.36-9+deb12u5"],
      ["DSA-0002-1", "Debian:12", "libc6", "2.36-9+deb12u4", "2.36-9+deb12u5"],
      ["USN-4376-1", "Ubuntu:16.04", "libssl1.0.0", "1.0.2g-1ubuntu4.15", "1.0.2g-1ubuntu4.16"],
    ],
  );
  // The openssl CVEs of the Alpine 3.10 image are in the USN (Ubuntu) and CVE-2018-5407 only covers Alpine ≤ 3.8: no match.
  assert.ok(!r.findings.some((f) => f.package.name === "libssl1.1"));
});

test("a distribution package without a distro release consults only release-independent records, and says so", async () => {
  const r = await scan(["pkg:deb/debian/libc6@2.36-9?upstream=glibc"]);
  assert.deepEqual(r.findings, []);
  assert.ok(r.warnings.some((w) => /no distro release/.test(w)), r.warnings.join("\n"));
  // An SBOM operating-system component supplies the release.
  const withOs = await scan(["pkg:deb/debian/libc6@2.36-9?upstream=glibc"], [{ type: "operating-system", name: "debian", version: "12.5" }]);
  assert.deepEqual(withOs.findings.map((f) => [f.id, f.package.ecosystem]), [["DSA-0002-1", "Debian:12"]]);
});

test("aliases merge across records into one finding: CVE id, worst severity, real fixes nearest first in version order", async () => {
  const r = await scan(["pkg:npm/merge-me@1.1.0", "pkg:npm/merge-me@1.9.5"]);
  const [a, b] = r.findings;
  assert.equal(r.findings.length, 2);
  assert.deepEqual([a?.id, a?.aliases, a?.package.version, a?.severity], ["CVE-2030-0001", ["GHSA-aaaa-bbbb-cccc", "OSV-2030-7"], "1.1.0", "HIGH"]);
  // 1.2.0 (OSV-2030-7) and 1.9.0 (the CVE record) are still inside the GHSA's range, so they are no fix.
  assert.deepEqual(a?.fixedVersions, ["1.10.0", "2.0.1"], "re-checked against the whole group, semver order (not string order)");
  assert.deepEqual(a?.cvss.map((c) => [c.source, c.score]), [
    ["CVE-2030-0001", 8.8],
    ["GHSA-aaaa-bbbb-cccc", 6.1],
  ]);
  assert.equal(a?.source.name, "CVE-2030-0001,GHSA-aaaa-bbbb-cccc,OSV-2030-7");
  // At 1.9.5 only the GHSA's range (fixed 1.10.0) applies: only matching records contribute.
  assert.deepEqual([b?.id, b?.aliases, b?.severity, b?.fixedVersions], ["CVE-2030-0001", ["GHSA-aaaa-bbbb-cccc"], "MEDIUM", ["1.10.0"]]);
});

test("an advisory naming several CVEs becomes one finding per CVE, never one glued finding", async () => {
  const r = await scan(["pkg:deb/debian/multi@1.0-1?distro=debian-12"]);
  assert.deepEqual(
    r.findings.map((f) => [f.id, f.aliases, f.severity, f.fixedVersions]),
    [
      // 1.0-2 (the DSA's fix) is still affected according to the GHSA: not a fix for CVE-2030-1000.
      ["CVE-2030-1000", ["DSA-9999-1", "GHSA-xxxx-yyyy-zzzz"], "CRITICAL", ["1.0-3"]],
      ["CVE-2030-1001", ["DSA-9999-1"], "UNKNOWN", ["1.0-2"]],
    ],
  );
});

test("severity: CVSS v4 over v3, the database's word, else UNKNOWN", async () => {
  const r = await scan(["pkg:npm/sev-word@1.0.0", "pkg:npm/sev-none@1.0.0", "pkg:npm/sev-v4@1.0.0"]);
  assert.deepEqual(
    r.findings.map((f) => [f.package.name, f.severity]),
    [
      ["sev-v4", "CRITICAL"],
      ["sev-word", "MEDIUM"],
      ["sev-none", "UNKNOWN"],
    ],
  );
});

test("withdrawn records are ignored; an ecosystem with no version ordering matches versions lists only, with a warning", async () => {
  const r = await scan(["pkg:gem/activesupport@4.1.0", "pkg:gem/rack@2.2.8", "pkg:gem/rack@2.2.7"]);
  assert.deepEqual(r.findings.map((f) => [f.id, f.package.version]), [["GHSA-gem0-gem0-gem0", "2.2.8"]]);
  assert.equal(r.stats.withdrawnIgnored, 1);
  assert.ok(r.warnings.some((w) => /RubyGems: no version ordering, ECOSYSTEM ranges not evaluated/.test(w)), r.warnings.join("\n"));
});

test("components that cannot be checked are counted and named, never silently passed", async () => {
  const r = await scan(["pkg:generic/thing@1.0", "pkg:npm/jquery@latest", "pkg:cargo/serde@1.0.0"], [{ type: "library", name: "no-purl" }]);
  assert.deepEqual(r.findings, []);
  assert.equal(r.stats.withoutPurl, 1);
  assert.equal(r.stats.unsupported, 1);
  const text = r.warnings.join("\n");
  assert.match(text, /no OSV ecosystem for package URL type "generic"/);
  assert.match(text, /components without a purl were not checked/);
  assert.match(text, /range not evaluated: installed version "latest" is not a valid semver version/);
  assert.match(text, /no vulnerability data for crates\.io/);
  assert.deepEqual(r.dataAge.missing, ["crates.io"]);
});

test("scanning with no database is an error, not a clean result; a malformed SBOM names file and path", async () => {
  const sbom = await writeSbom(join(root, "x.json"), ["pkg:npm/jquery@3.3.9"]);
  await expectMkError(() => scanSbom(sbom, { db: join(root, "nothing-here") }), "E_NOT_FOUND");
  const bad = join(root, "bad.cdx.json");
  await writeSbom(bad, [], [{ type: "library", purl: "npm/jquery@1" }, { type: "library", components: [{ purl: 7 }] }]);
  const e = await expectMkError(() => scanSbom(bad, { db: DB }), "E_CONFIG_INVALID");
  assert.deepEqual(
    e.problems.map((p) => [p.file, p.path]),
    [
      [bad, "components[0].purl"],
      [bad, "components[1].components[0].purl"],
    ],
  );
});
