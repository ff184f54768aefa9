import assert from "node:assert/strict";
import { test } from "node:test";
import { finding, stmt } from "../vex/testing/fixtures.js";
import { decide } from "./decide.js";
import { defaultGatePolicy, gatePolicy } from "./policy.js";

const now = new Date("2025-06-01T00:00:00Z");

test("defaults: HIGH and CRITICAL fail, UNKNOWN counts as HIGH, not_affected needs a justification", () => {
  const p = defaultGatePolicy();
  assert.deepEqual(p.failOn, ["CRITICAL", "HIGH"]);
  assert.equal(p.unknownSeverityAs, "HIGH");
  assert.equal(p.failOnUnreviewed, false);
  assert.equal(p.requireJustification, true);
  assert.equal(p.maxDataAgeDays, undefined);
  const d = decide(
    [finding({ id: "CVE-1", severity: "CRITICAL" }), finding({ id: "CVE-2", severity: "MEDIUM" }), finding({ id: "CVE-3", severity: "UNKNOWN" }), finding({ id: "CVE-4", severity: "NONE" })],
    [],
    p,
    now,
  );
  assert.equal(d.passed, false);
  assert.deepEqual(
    d.findings.map((v) => [v.finding.id, v.status, v.blocking, v.rule, v.effectiveSeverity]),
    [
      ["CVE-1", "no_statement", true, "severity", "CRITICAL"],
      ["CVE-3", "no_statement", true, "severity", "HIGH"],
      ["CVE-2", "no_statement", false, "below-threshold", "MEDIUM"],
      ["CVE-4", "no_statement", false, "below-threshold", "NONE"],
    ],
  );
  assert.match(d.findings[1]!.reason, /UNKNOWN \(counted as HIGH\)/);
  assert.deepEqual(d.summary.byStatus, { affected: 0, not_affected: 0, fixed: 0, under_investigation: 0, no_statement: 4 });
  assert.equal(d.summary.bySeverity.UNKNOWN, 1);
  assert.equal(decide([finding({ severity: "UNKNOWN" })], [], gatePolicy({ unknownSeverityAs: "LOW" }), now).passed, true);
});

test("each VEX status does what it says, and the verdict names the statement", () => {
  const f = finding({ severity: "HIGH" });
  const verdict = (s: ReturnType<typeof stmt>, policy = defaultGatePolicy()) => decide([f], [s], policy, now).findings[0]!;
  const na = verdict(stmt({ status: "not_affected" }));
  assert.deepEqual([na.status, na.suppressed, na.blocking, na.rule], ["not_affected", true, false, "vex-not-affected"]);
  assert.ok(na.statement);
  const fixed = verdict(stmt({ status: "fixed", justification: undefined }));
  assert.deepEqual([fixed.status, fixed.suppressed, fixed.blocking, fixed.rule], ["fixed", true, false, "vex-fixed"]);
  const affected = verdict(stmt({ status: "affected", justification: undefined, actionStatement: "upgrade" }));
  assert.deepEqual([affected.status, affected.blocking, affected.rule], ["affected", true, "severity"]);
  assert.match(affected.reason, /VEX says affected/);
  const investigating = verdict(stmt({ status: "under_investigation", justification: undefined }));
  assert.deepEqual([investigating.status, investigating.blocking], ["under_investigation", true], "under investigation does not suppress");
  // impact statement only: ignored under requireJustification, honoured without it
  const impactOnly = stmt({ status: "not_affected", justification: undefined, impactStatement: "not reachable" });
  const strict = verdict(impactOnly);
  assert.deepEqual([strict.status, strict.blocking, strict.ignored?.reason], ["no_statement", true, "no-justification"]);
  assert.equal(verdict(impactOnly, gatePolicy({ requireJustification: false })).suppressed, true);
  // expired: reported, not honoured
  const expired = verdict(stmt({ expires: "2025-05-31T00:00:00Z" }));
  assert.deepEqual([expired.status, expired.blocking, expired.ignored?.reason], ["no_statement", true, "expired"]);
  assert.match(expired.reason, /expired 2025-05-31/);
});

test("failOnUnreviewed blocks any finding no statement covers, whatever its severity", () => {
  const p = gatePolicy({ failOnUnreviewed: true });
  const low = finding({ id: "CVE-LOW", severity: "LOW" });
  const reviewed = finding({ id: "CVE-REV", severity: "LOW" });
  const d = decide([low, reviewed], [stmt({ vulnerability: "CVE-REV", status: "affected", justification: undefined, actionStatement: "accept risk" })], p, now);
  assert.equal(d.passed, false);
  const byId = Object.fromEntries(d.findings.map((v) => [v.finding.id, v]));
  assert.deepEqual([byId["CVE-LOW"]!.blocking, byId["CVE-LOW"]!.rule], [true, "unreviewed"]);
  assert.deepEqual([byId["CVE-REV"]!.blocking, byId["CVE-REV"]!.rule], [false, "below-threshold"], "a statement, even affected, is a review");
});

test("data age: stale or unknown data fails (or warns) when the policy sets a maximum", () => {
  const p = gatePolicy({ maxDataAgeDays: 7 });
  const ok = decide([], [], p, now, { dataAgeDays: 2.5 });
  assert.deepEqual([ok.passed, ok.checks[0]?.passed], [true, true]);
  const stale = decide([], [], p, now, { dataAgeDays: 30 });
  assert.deepEqual([stale.passed, stale.checks[0]?.passed], [false, false]);
  assert.match(stale.checks[0]!.message, /30 days old; gate.maxDataAgeDays is 7/);
  assert.equal(decide([], [], p, now).passed, false, "unknown age fails closed");
  const warnOnly = decide([], [], gatePolicy({ maxDataAgeDays: 7, dataAgeAction: "warn" }), now, { dataAgeDays: 30 });
  assert.deepEqual([warnOnly.passed, warnOnly.checks[0]?.passed, warnOnly.checks[0]?.action], [true, false, "warn"]);
  assert.deepEqual(decide([], [], defaultGatePolicy(), now).checks, [], "no limit, no check");
});

test("the decision is a pure function: same inputs in any order give the same decision", () => {
  const findings = [finding({ id: "CVE-B", severity: "LOW" }), finding({ id: "CVE-A", severity: "CRITICAL" }), finding({ id: "CVE-C", severity: "HIGH", purl: "pkg:deb/debian/zlib@1" })];
  const statements = [stmt({ vulnerability: "CVE-C", products: ["pkg:deb/debian/zlib"] }), stmt({ vulnerability: "CVE-A", status: "affected", justification: undefined, actionStatement: "x" })];
  const a = decide(findings, statements, defaultGatePolicy(), now);
  const b = decide([...findings].reverse(), [...statements].reverse(), defaultGatePolicy(), now);
  assert.deepEqual(a, b);
  assert.deepEqual(a.findings.map((v) => v.finding.id), ["CVE-A", "CVE-C", "CVE-B"], "blocking first, then by severity");
  assert.equal(a.findings.length, findings.length, "every finding is in the decision");
  assert.equal(a.decidedAt, "2025-06-01T00:00:00.000Z");
});
