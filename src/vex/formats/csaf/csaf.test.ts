/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are handled as untyped JSON so tests can break them on purpose */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isMkError } from "../../../errors.js";
import { statementApplies } from "../../match.js";
import { finding, fixtureJson, stmt } from "../../testing/fixtures.js";
import { csafVexProfileProblems, format } from "./index.js";

test("OASIS use case 1: known_not_affected with an impact threat; the product is known by name only", () => {
  const doc = fixtureJson("csaf/oasis-2022-evd-uc-01-na-001.csaf-vex.json");
  assert.deepEqual(format.validate(doc, "uc1.json"), [], "the official example passes the vendored schema and the profile tests");
  const r = format.read(doc, "uc1.json");
  assert.equal(r.statements.length, 1);
  const s = r.statements[0]!;
  assert.equal(s.vulnerability, "CVE-2021-44228");
  assert.equal(s.status, "not_affected");
  assert.equal(s.justification, undefined, "no flag, so no justification label");
  assert.equal(s.impactStatement, "Class with vulnerable code was removed before shipping.");
  assert.equal(s.author, "Example Company ProductCERT");
  assert.equal(s.timestamp, "2022-03-03T11:00:00.000Z");
  assert.equal(s.source.documentId, "2022-EVD-UC-01-NA-001");
  assert.deepEqual(s.products, [{ id: "CSAFPID-0001", name: "Example Company ABC 4.2", subcomponents: [] }]);
  assert.ok(!statementApplies(s, finding({ id: "CVE-2021-44228" }), { purls: [] }), "a product without a PURL matches no finding");
});

test("OASIS use case 5: under_investigation over a product_version_range", () => {
  const doc = fixtureJson("csaf/oasis-2022-evd-uc-05-001.csaf-vex.json");
  assert.deepEqual(format.validate(doc, "uc5.json"), []);
  const s = format.read(doc, "uc5.json").statements[0]!;
  assert.equal(s.status, "under_investigation");
  assert.equal(s.products[0]!.versionRange, "vers:all/*");
  assert.equal(s.products[0]!.name, "Example Company XYZ all versions");
});

function withPurls(): Record<string, any> {
  const doc = fixtureJson("csaf/oasis-2022-evd-uc-01-na-001.csaf-vex.json") as Record<string, any>;
  doc.product_tree = {
    full_product_names: [
      { name: "app image", product_id: "IMG", product_identification_helper: { purl: "pkg:oci/app@sha256:" + "e".repeat(64) } },
      { name: "log4j-core 2.14.1", product_id: "LOG4J", product_identification_helper: { purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" } },
    ],
    relationships: [
      { category: "default_component_of", product_reference: "LOG4J", relates_to_product_reference: "IMG", full_product_name: { name: "log4j in app", product_id: "LOG4J-IN-IMG" } },
    ],
  };
  doc.vulnerabilities[0].product_status = { known_not_affected: ["LOG4J-IN-IMG"] };
  doc.vulnerabilities[0].flags = [{ label: "vulnerable_code_not_in_execute_path", product_ids: ["LOG4J-IN-IMG"] }];
  doc.vulnerabilities[0].threats = [];
  return doc;
}

test("relationships become image + subcomponent; flags give the justification", () => {
  const doc = withPurls();
  delete doc.vulnerabilities[0].threats;
  assert.deepEqual(format.validate(doc, "rel.json"), []);
  const s = format.read(doc, "rel.json").statements[0]!;
  assert.equal(s.justification, "vulnerable_code_not_in_execute_path");
  assert.equal(s.products[0]!.purl, "pkg:oci/app@sha256:" + "e".repeat(64));
  assert.deepEqual(s.products[0]!.subcomponents.map((c) => c.purl), ["pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1"]);
  const f = finding({ id: "CVE-2021-44228", purl: "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1" });
  assert.ok(statementApplies(s, f, { purls: ["pkg:oci/app@sha256:" + "e".repeat(64)] }));
  assert.ok(!statementApplies(s, f, { purls: ["pkg:oci/other@sha256:" + "f".repeat(64)] }));
});

test("malformed CSAF: undefined product ids and bad flag labels, with JSON paths", () => {
  const doc = withPurls();
  doc.vulnerabilities[0].product_status.known_not_affected.push("NOPE");
  doc.vulnerabilities[0].flags.push({ label: "because", product_ids: ["LOG4J"] });
  try {
    format.read(doc, "bad.csaf.json");
    assert.fail("expected rejection");
  } catch (e) {
    assert.ok(isMkError(e) && e.code === "E_CONFIG_INVALID");
    assert.deepEqual(e.problems.map((p) => p.path).sort(), ["vulnerabilities[0].flags[1].label", "vulnerabilities[0].product_status.known_not_affected[1]"]);
    assert.ok(e.problems.every((p) => p.file === "bad.csaf.json"));
  }
});

test("the VEX profile tests catch what the schema cannot", () => {
  const doc = withPurls();
  delete doc.vulnerabilities[0].flags; // known_not_affected with neither flag nor impact threat (6.1.27.9)
  doc.vulnerabilities[0].product_status.known_affected = ["LOG4J-IN-IMG"]; // contradicting status (6.1.6), no remediation (6.1.27.10)
  const problems = csafVexProfileProblems(doc, "p.json").map((p) => p.message.match(/CSAF [\d.]+/)![0]);
  assert.deepEqual(problems.sort(), ["CSAF 6.1.27.10", "CSAF 6.1.27.9", "CSAF 6.1.6"]);
});

test("written CSAF passes the schema and the profile, and reads back to the same decisions", () => {
  const img = "pkg:oci/app@sha256:" + "e".repeat(64);
  const statements = [
    stmt({ vulnerability: "CVE-2024-0001", aliases: ["GHSA-aaaa-bbbb-cccc"], products: [{ id: img, purl: img, subcomponents: [{ id: "x", purl: "pkg:deb/debian/openssl@3.0.11-1" }] }] }),
    stmt({ vulnerability: "GHSA-zzzz-yyyy-xxxx", status: "affected", justification: undefined, actionStatement: "upgrade to 2.0", products: ["pkg:npm/lodash@4.17.20"] }),
    stmt({ vulnerability: "CVE-2024-0002", status: "not_affected", justification: undefined, impactStatement: "only on Windows", products: ["pkg:npm/lodash@4.17.20"] }),
    stmt({ vulnerability: "CVE-2024-0003", status: "under_investigation", justification: undefined, products: [img] }),
  ];
  const { document, warnings } = format.write(statements, { author: "Sec Team", documentId: "MK-2024-1", toolVersion: "0.1.0", subject: img });
  assert.deepEqual(warnings, []);
  assert.deepEqual(format.validate(document, "out.json"), []);
  const back = format.read(document, "out.json").statements;
  const summary = (list: typeof back) =>
    list
      .map((s) => `${[s.vulnerability, ...s.aliases].sort().join("|")} ${s.status} ${s.justification ?? "-"} ${s.products.map((p) => `${p.purl}[${p.subcomponents.map((c) => c.purl).join()}]`).join()}`)
      .sort();
  assert.deepEqual(summary(back), summary(statements));
  assert.equal(back.find((s) => s.status === "affected")!.actionStatement, "mitigation: upgrade to 2.0");
});

test("statements that disagree about a product: only the latest is written, so CSAF 6.1.6 holds", () => {
  const older = stmt({ status: "affected", justification: undefined, actionStatement: "upgrade", timestamp: "2024-01-01T00:00:00Z" });
  const newer = stmt({ status: "not_affected", timestamp: "2024-02-01T00:00:00Z" });
  for (const order of [[older, newer], [newer, older]]) {
    const { document, warnings } = format.write(order, { author: "a", documentId: "D-1", toolVersion: "0" });
    assert.equal(warnings.length, 1);
    assert.deepEqual(format.validate(document, "x.json"), []);
    const back = format.read(document, "x.json").statements;
    assert.deepEqual(back.map((s) => s.status), ["not_affected"]);
  }
});
