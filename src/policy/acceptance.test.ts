/**
 * Issue 4 acceptance for VEX and the gate, on the real third-party fixtures: Trivy and Grype
 * reports (through the real importers) gate correctly with and without VEX; a statement for
 * another product never suppresses; an expired one does not; the latest statement wins (vexctl's
 * document1/document2); CSAF and CycloneDX VEX read; malformed VEX names file and JSON path.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { isMkError } from "../errors.js";
import { VEX_FORMATS } from "../vex/formats/registry.js";
import type { VexStatement } from "../vex/model.js";
import { loadVex, readVexText } from "../vex/read.js";
import { fixturePath, fixtureJson } from "../vex/testing/fixtures.js";
import { importReport } from "../vuln/importers/index.js";
import type { Finding } from "../vuln/model.js";
import { decide } from "./decide.js";
import { defaultGatePolicy, gatePolicy } from "./policy.js";

const now = new Date("2025-06-01T00:00:00Z");
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mk-gate-acc-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function report(rel: string): Promise<Finding[]> {
  return (await importReport(fixturePath(rel), { display: rel })).findings;
}

/** An OpenVEX document in the shape `mailknight vex add` writes, read through the real reader. */
function openvex(statements: Record<string, unknown>[], id = "urn:test:acceptance"): VexStatement[] {
  const doc = { "@context": "https://openvex.dev/ns/v0.2.0", "@id": id, author: "Release Team", timestamp: "2025-05-01T00:00:00Z", version: 1, statements };
  assert.deepEqual(VEX_FORMATS.openvex.validate(doc, "acceptance.json"), [], "the test's own VEX must be valid OpenVEX");
  return readVexText(JSON.stringify(doc), "acceptance.json").statements;
}

function notAffected(name: string, products: Record<string, unknown>[], extra: Record<string, unknown> = {}) {
  return { vulnerability: { name }, products, status: "not_affected", justification: "vulnerable_code_not_in_execute_path", ...extra };
}

const DEBIAN_IMAGE = "pkg:oci/debian-buster@sha256:" + "d".repeat(64);

test("Trivy (debian buster): the CRITICAL libidn2 CVE fails the gate; a not_affected statement turns it into a pass", async () => {
  const findings = await report("trivy/debian-buster-image-ignore-unfixed.json");
  assert.deepEqual(findings.map((f) => [f.id, f.severity]), [["CVE-2019-18224", "CRITICAL"]]);
  const without = decide(findings, [], defaultGatePolicy(), now);
  assert.equal(without.passed, false);
  assert.equal(without.findings[0]!.rule, "severity");

  // by package PURL (version-less: every version of libidn2-0)
  const byPackage = openvex([notAffected("CVE-2019-18224", [{ "@id": "pkg:deb/debian/libidn2-0" }])]);
  const pass = decide(findings, byPackage, defaultGatePolicy(), now);
  assert.equal(pass.passed, true);
  assert.deepEqual([pass.findings[0]!.status, pass.findings[0]!.rule, pass.findings[0]!.suppressed], ["not_affected", "vex-not-affected", true]);

  // by image digest + subcomponent, the OpenVEX way
  const byImage = openvex([notAffected("CVE-2019-18224", [{ "@id": DEBIAN_IMAGE, subcomponents: [{ "@id": "pkg:deb/debian/libidn2-0@2.0.5-1" }] }])]);
  assert.equal(decide(findings, byImage, defaultGatePolicy(), now, { subject: { purls: [DEBIAN_IMAGE] } }).passed, true);
  // the DSA alias that Trivy reports works as well as the CVE
  assert.equal(decide(findings, openvex([notAffected("DSA-4613-1", [{ "@id": "pkg:deb/debian/libidn2-0" }])]), defaultGatePolicy(), now).passed, true);
});

test("Trivy (alpine 3.10): MEDIUM findings pass by default; with failOn MEDIUM an image-level VEX decides", async () => {
  const findings = await report("trivy/alpine-310-image.json");
  assert.equal(findings.length, 4);
  assert.equal(decide(findings, [], defaultGatePolicy(), now).passed, true);
  const strict = gatePolicy({ failOn: ["CRITICAL", "HIGH", "MEDIUM"] });
  assert.equal(decide(findings, [], strict, now).summary.blocking, 4);
  const img = "pkg:oci/alpine@sha256:" + "9".repeat(64);
  const subs = [{ "@id": "pkg:apk/alpine/libcrypto1.1@1.1.1c-r0" }, { "@id": "pkg:apk/alpine/libssl1.1@1.1.1c-r0" }];
  const vex = openvex([
    { vulnerability: { name: "CVE-2019-1549" }, products: [{ "@id": img, subcomponents: subs }], status: "fixed" },
    notAffected("CVE-2019-1551", [{ "@id": img, subcomponents: subs }]),
  ]);
  const d = decide(findings, vex, strict, now, { subject: { purls: [img] } });
  assert.equal(d.passed, true);
  assert.deepEqual(d.summary.byStatus, { affected: 0, not_affected: 2, fixed: 2, under_investigation: 0, no_statement: 0 });
});

test("Grype (real grype 0.28 output): four blocking findings; VEX in all three formats clears them", async () => {
  const findings = await report("grype/defectdojo-check_all_fields.grype.json");
  const without = decide(findings, [], defaultGatePolicy(), now);
  assert.equal(without.passed, false);
  assert.deepEqual(without.findings.filter((v) => v.blocking).map((v) => `${v.finding.id} ${v.finding.package.name}`), [
    "CVE-2021-33574 libc-bin",
    "CVE-2021-33574 libc6",
    "CVE-2021-32626 redis",
    "CVE-2021-44420 Django",
  ]);
  // OpenVEX names Django's advisory by its GHSA id: matched through the finding's alias.
  const ov = openvex([notAffected("GHSA-v6rh-hp5x-86rv", [{ "@id": "pkg:pypi/django@3.2.9" }])]);
  // CycloneDX VEX for redis.
  const cdx = VEX_FORMATS.cyclonedx.read(
    {
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      version: 1,
      vulnerabilities: [{ id: "CVE-2021-32626", analysis: { state: "not_affected", justification: "requires_configuration", detail: "Lua scripting disabled" }, affects: [{ ref: "pkg:pypi/redis@4.0.2" }] }],
    },
    "redis.cdx.json",
  ).statements;
  // CSAF for glibc: both binary packages as products with PURL helpers.
  const csafDoc = fixtureJson("csaf/oasis-2022-evd-uc-01-na-001.csaf-vex.json") as Record<string, unknown> & { vulnerabilities: Record<string, unknown>[] };
  csafDoc.product_tree = {
    full_product_names: [
      { name: "libc-bin 2.28-10", product_id: "LIBC-BIN", product_identification_helper: { purl: "pkg:deb/debian/libc-bin@2.28-10" } },
      { name: "libc6 2.28-10", product_id: "LIBC6", product_identification_helper: { purl: "pkg:deb/debian/libc6@2.28-10" } },
    ],
  };
  csafDoc.vulnerabilities = [
    { cve: "CVE-2021-33574", notes: [{ category: "description", text: "mq_notify use-after-free" }], product_status: { known_not_affected: ["LIBC-BIN", "LIBC6"] }, flags: [{ label: "vulnerable_code_not_in_execute_path", product_ids: ["LIBC-BIN", "LIBC6"] }] },
  ];
  assert.deepEqual(VEX_FORMATS.csaf.validate(csafDoc, "glibc.csaf.json"), []);
  const csaf = VEX_FORMATS.csaf.read(csafDoc, "glibc.csaf.json").statements;

  const partial = decide(findings, [...ov, ...cdx], defaultGatePolicy(), now);
  assert.equal(partial.passed, false, "glibc is still open");
  assert.equal(partial.summary.blocking, 2);
  const all = decide(findings, [...ov, ...cdx, ...csaf], defaultGatePolicy(), now);
  assert.equal(all.passed, true);
  assert.equal(all.summary.suppressed, 4);
  assert.equal(all.summary.total, findings.length, "every finding is listed, suppressed or not");
});

test("a statement for another product never suppresses", async () => {
  const findings = await report("trivy/debian-buster-image-ignore-unfixed.json");
  const policy = defaultGatePolicy();
  const subject = { subject: { purls: [DEBIAN_IMAGE] } };
  const others: Record<string, unknown>[][] = [
    [{ "@id": "pkg:deb/debian/libidn2-0@2.0.5-1+deb10u1" }], // another version
    [{ "@id": "pkg:deb/debian/libidn2-0?arch=arm64" }], // another architecture
    [{ "@id": "pkg:deb/ubuntu/libidn2-0" }], // another distribution
    [{ "@id": "pkg:deb/debian/libidn11" }], // another package
    [{ "@id": "pkg:oci/debian-buster@sha256:" + "e".repeat(64) }], // another image, whole
    [{ "@id": "pkg:oci/debian-buster@sha256:" + "e".repeat(64), subcomponents: [{ "@id": "pkg:deb/debian/libidn2-0" }] }], // the package in another image
    [{ "@id": DEBIAN_IMAGE, subcomponents: [{ "@id": "pkg:deb/debian/libidn11" }] }], // this image, another package
    [{ "@id": "cpe:/a:gnu:libidn2:2.0.5" }], // not a PURL: cannot be tied to the finding
  ];
  for (const products of others) {
    const d = decide(findings, openvex([notAffected("CVE-2019-18224", products)]), policy, now, subject);
    assert.equal(d.passed, false, `suppressed by ${JSON.stringify(products)}`);
    assert.equal(d.findings[0]!.status, "no_statement");
  }
  // and the right product with another vulnerability id does not either
  assert.equal(decide(findings, openvex([notAffected("CVE-2019-18225", [{ "@id": "pkg:deb/debian/libidn2-0" }])]), policy, now).passed, false);
});

test("an expired statement does not suppress", async () => {
  const findings = await report("trivy/debian-buster-image-ignore-unfixed.json");
  const vex = openvex([notAffected("CVE-2019-18224", [{ "@id": "pkg:deb/debian/libidn2-0" }], { status_notes: "re-review quarterly\nmailknight:expires=2025-05-15T00:00:00Z" })]);
  assert.equal(decide(findings, vex, defaultGatePolicy(), new Date("2025-05-14T00:00:00Z")).passed, true, "still in force the day before");
  const d = decide(findings, vex, defaultGatePolicy(), now);
  assert.equal(d.passed, false);
  assert.equal(d.findings[0]!.ignored?.reason, "expired");
});

test("latest statement wins: vexctl document1 (under_investigation) then document2 (fixed)", async () => {
  const bash: Finding = {
    id: "CVE-1234-5678",
    aliases: [],
    package: { purl: "pkg:apk/wolfi/bash@1.0.0?arch=x86_64", ecosystem: "Wolfi", name: "bash", version: "1.0.0" },
    severity: "HIGH",
    cvss: [],
    fixedVersions: [],
    source: { kind: "grype" },
  };
  const d1 = fixturePath("openvex/vexctl-document1.vex.json");
  const d2 = fixturePath("openvex/vexctl-document2.vex.json");
  const only1 = decide([bash], (await loadVex([d1])).statements, defaultGatePolicy(), now);
  assert.deepEqual([only1.passed, only1.findings[0]!.status], [false, "under_investigation"]);
  for (const order of [[d1, d2], [d2, d1]]) {
    const d = decide([bash], (await loadVex(order)).statements, defaultGatePolicy(), now);
    assert.deepEqual([d.passed, d.findings[0]!.status, d.findings[0]!.statement?.source.file], [true, "fixed", d2]);
  }
});

test("CSAF and CycloneDX VEX fixtures read; malformed VEX is rejected with the file and the JSON path", async () => {
  const all = await loadVex([fixturePath("csaf"), fixturePath("cyclonedx-vex/bom-examples-vex.cdx.json"), fixturePath("cyclonedx-vex/cisa-case6-version-ranges.vex.cdx.json")]);
  assert.deepEqual(all.statements.map((s) => `${s.source.format} ${s.vulnerability} ${s.status}`).sort(), [
    "csaf CVE-2021-44228 not_affected",
    "csaf CVE-2021-44228 under_investigation",
    "cyclonedx CVE-2020-25649 not_affected",
    "cyclonedx CVE-2021-44228 affected",
    "cyclonedx CVE-2021-44228 not_affected",
  ]);
  const broken = fixtureJson("openvex/vexctl-document2.vex.json") as { statements: Record<string, unknown>[] };
  broken.statements[0]!.status = "fixed-ish";
  const file = join(dir, "broken.vex.json");
  await writeFile(file, JSON.stringify(broken, null, 2));
  await assert.rejects(loadVex([file], dir), (e: unknown) => {
    assert.ok(isMkError(e));
    assert.equal(e.code, "E_CONFIG_INVALID");
    assert.deepEqual(e.problems.map((p) => [p.file, p.path, p.value]), [["broken.vex.json", "statements[0].status", '"fixed-ish"']]);
    return true;
  });
});
