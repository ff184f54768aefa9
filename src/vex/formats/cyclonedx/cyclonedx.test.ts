/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are handled as untyped JSON so tests can break them on purpose */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isMkError } from "../../../errors.js";
import { statementApplies } from "../../match.js";
import { finding, fixtureJson } from "../../testing/fixtures.js";
import { format } from "./index.js";

test("bom-examples VEX: analysis → not_affected, justification mapped, BOM-Link fragment → PURL, references → aliases", () => {
  const r = format.read(fixtureJson("cyclonedx-vex/bom-examples-vex.cdx.json"), "vex.cdx.json");
  assert.equal(r.statements.length, 1);
  const s = r.statements[0]!;
  assert.equal(s.vulnerability, "CVE-2020-25649");
  assert.deepEqual(s.aliases, ["SNYK-JAVA-COMFASTERXMLJACKSONCORE-1048302"]);
  assert.equal(s.status, "not_affected");
  assert.equal(s.justification, "vulnerable_code_not_in_execute_path");
  assert.equal(s.sourceJustification, "code_not_reachable");
  assert.match(s.impactStatement!, /not reachable/);
  assert.match(s.statusNotes!, /will_not_fix, update/);
  assert.equal(s.timestamp, "2021-10-26T00:00:00.000Z", "vulnerability.updated when analysis has no dates");
  const p = s.products[0]!;
  assert.equal(p.purl, "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar");
  assert.equal(p.id, "urn:cdx:3e671687-395b-41f5-a30f-a58921a69b79/1#pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar");
  assert.deepEqual(p.subcomponents, [], "no metadata.component: the component itself is the product");
  // and it applies to the jar in the matching SBOM (bom-examples-bom.cdx.json has jackson-databind 2.10.0)
  const jar = finding({ id: "CVE-2020-25649", purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar" });
  assert.ok(statementApplies(s, jar, { purls: [] }));
  assert.ok(!statementApplies(s, finding({ id: "CVE-2020-25649", purl: "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.1?type=jar" }), { purls: [] }));
});

test("CISA case 6: per-version statuses become per-version products; ranges are kept, not guessed", () => {
  const r = format.read(fixtureJson("cyclonedx-vex/cisa-case6-version-ranges.vex.cdx.json"), "case6.json");
  assert.deepEqual(
    r.statements.map((s) => [s.vulnerability, s.status, s.products.map((p) => p.versionRange ?? p.id)]),
    [
      ["CVE-2021-44228", "affected", ["product-ABC@2.4", "product-ABC@2.6", "vers:generic/>=2.9|<=4.1"]],
      ["CVE-2021-44228", "not_affected", ["vers:generic/>=1.0|<=2.3", "product-ABC@2.5", "vers:generic/>=2.7|<=2.8", "product-ABC@4.2"]],
    ],
  );
  const na = r.statements[1]!;
  assert.equal(na.justification, "vulnerable_code_not_present");
  assert.equal(na.timestamp, "2022-03-03T00:00:00Z", "metadata.timestamp is inherited");
  assert.ok(na.products.every((p) => p.purl === undefined), "product-ABC has no PURL, so nothing here can suppress a finding");
});

test("malformed CycloneDX VEX is rejected with file and JSON path", () => {
  const doc = fixtureJson("cyclonedx-vex/bom-examples-vex.cdx.json") as Record<string, any>;
  doc.vulnerabilities[0].analysis.state = "kinda_affected";
  doc.vulnerabilities[0].analysis.justification = "trust_me";
  doc.vulnerabilities[0].affects.push({ nope: 1 });
  try {
    format.read(doc, "vex/x/y.cdx.json");
    assert.fail("expected rejection");
  } catch (e) {
    assert.ok(isMkError(e) && e.code === "E_CONFIG_INVALID");
    assert.deepEqual(
      e.problems.map((p) => `${p.file} ${p.path}`),
      ["vex/x/y.cdx.json vulnerabilities[0].analysis.state", "vex/x/y.cdx.json vulnerabilities[0].analysis.justification", "vex/x/y.cdx.json vulnerabilities[0].affects[1].ref"],
    );
  }
});

test("a VEX BOM about an image: refs to its components are subcomponents of the image", () => {
  const img = "pkg:oci/app@sha256:" + "c".repeat(64);
  const doc = {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    version: 1,
    metadata: { component: { type: "container", name: "app", purl: img, "bom-ref": "img" } },
    components: [{ type: "library", name: "openssl", purl: "pkg:deb/debian/openssl@3.0.11-1", "bom-ref": "ossl" }],
    vulnerabilities: [{ id: "CVE-2024-0001", analysis: { state: "resolved" }, affects: [{ ref: "ossl" }] }],
  };
  assert.deepEqual(format.validate(doc, "x"), []);
  const s = format.read(doc, "img.cdx.json").statements[0]!;
  assert.equal(s.status, "fixed");
  assert.equal(s.products[0]!.purl, img);
  assert.deepEqual(s.products[0]!.subcomponents.map((c) => c.purl), ["pkg:deb/debian/openssl@3.0.11-1"]);
  const f = finding({ purl: "pkg:deb/debian/openssl@3.0.11-1?arch=amd64" });
  assert.ok(statementApplies(s, f, { purls: [img] }));
  assert.ok(!statementApplies(s, f, { purls: ["pkg:oci/app@sha256:" + "d".repeat(64)] }), "the same package in another image is not covered");
});
