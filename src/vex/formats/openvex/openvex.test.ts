/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are handled as untyped JSON so tests can break them on purpose */
import assert from "node:assert/strict";
import { test } from "node:test";
import { isMkError } from "../../../errors.js";
import { fixtureJson } from "../../testing/fixtures.js";
import { format } from "./index.js";
import { joinStatusNotes, splitStatusNotes } from "./expiry.js";

function rejects(doc: unknown, file = "bad.json") {
  try {
    format.read(doc, file);
  } catch (e) {
    assert.ok(isMkError(e), String(e));
    assert.equal(e.code, "E_CONFIG_INVALID");
    return e.problems;
  }
  assert.fail("expected the document to be rejected");
}

test("go-vex v0.2.0: image product with subcomponents, digest decoded, impact statements", () => {
  const r = format.read(fixtureJson("openvex/go-vex-v0.2.0-subcomponents.openvex.json"), "go-vex.json");
  assert.equal(r.statements.length, 5);
  assert.deepEqual(r.warnings, []);
  const s = r.statements[3]!;
  assert.equal(s.vulnerability, "CVE-2023-3446");
  assert.equal(s.status, "not_affected");
  assert.equal(s.justification, "vulnerable_code_not_present");
  assert.equal(s.impactStatement, "affected functions were removed before packaging");
  assert.equal(s.author, "The OpenVEX Project <openvex@openssf.org>");
  assert.equal(s.timestamp, "2023-07-17T18:28:47.696004345-06:00", "inherited from the document");
  assert.equal(s.source.path, "statements[3]");
  assert.equal(s.source.documentId, "https://openvex.dev/docs/public/vex-d4e9020b6d0d26f131d535e055902dd6ccf3e2088bce3079a8cd3588a4b14c78");
  const p = s.products[0]!;
  assert.equal(p.purl, "pkg:oci/alpine@sha256:124c7d2707904eea7431fffe91522a01e5a861a624ee31d03372cc1d138a3126");
  assert.deepEqual(p.subcomponents.map((c) => c.purl), ["pkg:apk/alpine/libssl3@3.0.8-r3", "pkg:apk/alpine/libcrypto3@3.0.8-r3"]);
});

test("vexctl samples: aliases, statement timestamps, a version-less OCI product", () => {
  const two = format.read(fixtureJson("openvex/vexctl-sample-2vulns.openvex.json"), "two.json");
  // The extra `statement` field fails the schema; reading warns and goes on.
  assert.equal(two.warnings.length, 2);
  assert.match(two.warnings[0]!, /statements\[0\]\.statement/);
  assert.deepEqual(two.statements.map((s) => [s.vulnerability, s.aliases, s.status]), [
    ["CVE-2023-27103", ["SNYK-DEBIAN12-LIBDE265-3361563"], "not_affected"],
    ["CVE-2007-5686", ["SNYK-DEBIAN12-SHADOW-1559391"], "fixed"],
  ]);
  assert.equal(two.statements[0]!.timestamp, "2023-08-15T19:55:22.076684217-06:00", "the statement's own timestamp beats the document's");
  const oci = format.read(fixtureJson("openvex/vexctl-oci-not-affected.openvex.json"), "oci.json");
  assert.equal(oci.statements[0]!.products[0]!.purl, "pkg:oci/vexctl");
  const d1 = format.read(fixtureJson("openvex/vexctl-document1.vex.json"), "d1.json").statements[0]!;
  assert.equal(d1.status, "under_investigation");
  assert.equal(d1.products[0]!.purl, "pkg:apk/wolfi/bash@1.0.0");
});

test("malformed OpenVEX is rejected with the file and the JSON path of every problem", () => {
  const doc = fixtureJson("openvex/go-vex-v0.2.0-subcomponents.openvex.json") as Record<string, any>;
  doc.statements[1].status = "maybe";
  delete doc.statements[2].vulnerability.name;
  doc.statements[4].products[0].subcomponents[0]["@id"] = "pkg:"; // a PURL that does not parse
  delete doc.author;
  const problems = rejects(doc, "vex/argocd/x.json");
  const at = problems.map((p) => `${p.file} ${p.path}`);
  assert.ok(at.includes("vex/argocd/x.json statements[1].status"), at.join("\n"));
  assert.ok(at.includes("vex/argocd/x.json statements[2].vulnerability.name"), at.join("\n"));
  assert.ok(at.includes("vex/argocd/x.json author"), at.join("\n"));
  const status = problems.find((p) => p.path === "statements[1].status")!;
  assert.match(status.message, /not_affected/);
  assert.equal(status.value, '"maybe"');
  // schema-valid but not a usable PURL: reported after the schema pass
  const doc2 = fixtureJson("openvex/go-vex-v0.2.0-subcomponents.openvex.json") as Record<string, any>;
  doc2.statements[4].products[0].subcomponents[0]["@id"] = "pkg:apk";
  const p2 = rejects(doc2);
  assert.deepEqual(p2.map((p) => p.path), ["statements[4].products[0].subcomponents[0][\"@id\"]"]);
  // not_affected without justification or impact statement: the schema's if/then
  const doc3 = fixtureJson("openvex/vexctl-oci-not-affected.openvex.json") as Record<string, any>;
  delete doc3.statements[0].justification;
  assert.ok(rejects(doc3).some((p) => p.path.startsWith("statements[0]")));
  assert.ok(rejects([]).length > 0);
  assert.ok(rejects({}).some((p) => p.path === "statements"));
});

test("the expiry token in status_notes round-trips and leaves the notes alone", () => {
  assert.deepEqual(splitStatusNotes("reviewed by sec\nmailknight:expires=2027-01-01T00:00:00Z"), { notes: "reviewed by sec", expires: "2027-01-01T00:00:00Z" });
  assert.deepEqual(splitStatusNotes("mailknight:expires=2027-01-01T00:00:00Z"), { expires: "2027-01-01T00:00:00Z" });
  assert.deepEqual(splitStatusNotes("no token here"), { notes: "no token here" });
  assert.equal(joinStatusNotes("n", "2027-01-01T00:00:00Z"), "n\nmailknight:expires=2027-01-01T00:00:00Z");
  assert.equal(joinStatusNotes(undefined, undefined), undefined);
  const doc = fixtureJson("openvex/vexctl-oci-not-affected.openvex.json") as Record<string, any>;
  doc.statements[0].status_notes = "mailknight:expires=2027-13-45";
  assert.deepEqual(rejects(doc).map((p) => p.path), ["statements[0].status_notes"]);
});
