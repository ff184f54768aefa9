import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gateDecisionPredicate, openvexPredicate, sbomPredicate, vulnScanPredicate } from "./predicates.js";
import { PredicateType, parseStatement, statement } from "./statement.js";

const FIX = new URL("../../../shared/fixtures/", import.meta.url);
const json = (p: string): unknown => JSON.parse(readFileSync(new URL(p, FIX), "utf8"));

test("SBOM predicate type follows the document format", () => {
  assert.equal(sbomPredicate(json("cyclonedx-vex/trivy-conda-sbom-1.6.cdx.json"))[0], PredicateType.cyclonedx);
  assert.equal(sbomPredicate({ spdxVersion: "SPDX-2.3" })[0], PredicateType.spdx);
  assert.throws(() => sbomPredicate({ hello: 1 }));
});

test("OpenVEX documents are accepted by @context; others are refused", () => {
  assert.equal(openvexPredicate(json("openvex/vexctl-oci-not-affected.openvex.json"))[0], PredicateType.openvex);
  assert.throws(() => openvexPredicate(json("cyclonedx-vex/bom-examples-vex.cdx.json")));
});

test("gate decision: a pass with blocking findings cannot be built", () => {
  const base = { policy: { digest: `sha256:${"a".repeat(64)}` }, decidedOn: "2025-07-01T00:00:00Z", waived: [] };
  assert.throws(() => gateDecisionPredicate({ ...base, verdict: "pass", blocking: [{ id: "CVE-1", severity: "HIGH", package: "pkg:deb/x" }] }));
  assert.equal(gateDecisionPredicate({ ...base, verdict: "fail", blocking: [{ id: "CVE-1", severity: "HIGH", package: "pkg:deb/x" }] })[0], PredicateType.gateDecision);
});

test("vuln scan predicate carries scanner, results and times", () => {
  const [type, p] = vulnScanPredicate({ scanner: { uri: "pkg:npm/mailknight", version: "0.1.0" }, startedOn: "a", finishedOn: "b", results: [{ id: "CVE-1", severity: "HIGH" }] });
  assert.equal(type, PredicateType.vulnScan);
  assert.deepEqual((p as { scanner: { result: unknown[] } }).scanner.result, [{ id: "CVE-1", severity: [{ method: "mailknight", score: "HIGH" }] }]);
});

test("statements parse back; the real SLSA conformance payload parses as a Statement v1", () => {
  const st = statement([{ name: "a", digest: { sha256: "0".repeat(64) } }], PredicateType.slsaProvenance, {});
  assert.deepEqual(parseStatement(JSON.stringify(st)), st);
  const real = parseStatement(readFileSync(new URL("slsa/conformance-dsse-payload.slsa-provenance-v1.intoto.json", FIX)));
  assert.equal(real?.predicateType, "https://slsa.dev/provenance/v1");
  assert.equal(real?.subject[0]?.digest.sha256, "a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf");
  assert.equal(parseStatement("{}"), undefined);
  assert.throws(() => statement([], "x", {}));
});
