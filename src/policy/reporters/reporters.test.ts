/* eslint-disable @typescript-eslint/no-explicit-any -- fixtures are handled as untyped JSON so tests can break them on purpose */
/**
 * Every report format, rendered from one decision that has a blocking, a VEX-suppressed and a
 * passing finding plus a failed check, validated against the format's published schema where one
 * exists (SARIF 2.1.0, GitLab container scanning 15.0.4) and parsed by a real XML parser (JUnit).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import { loadJsonSchema, newAjv, issuesFromAjv } from "../../vex/json-schema.js";
import { finding, stmt } from "../../vex/testing/fixtures.js";
import { decide } from "../decide.js";
import { gatePolicy } from "../policy.js";
import { REPORTERS, REPORT_FORMATS } from "./index.js";
import { xmlEscape } from "./junit.js";

const now = new Date("2025-06-01T08:09:10.123Z");
const ctx = { toolVersion: "0.1.0", target: "argocd@v2.11.0", image: "registry.example/argocd@sha256:" + "a".repeat(64) };

function sampleDecision() {
  const findings = [
    finding({
      id: "CVE-2024-0001",
      severity: "CRITICAL",
      summary: 'overflow in <parse> & "friends"',
      cvss: [{ version: "3.1", vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", score: 9.8 }],
      fixedVersions: ["3.0.13-1"],
      references: ["https://example.com/advisory", "not a url"],
    }),
    finding({ id: "CVE-2024-0002", aliases: ["GHSA-aaaa-bbbb-cccc"], severity: "HIGH", purl: "pkg:deb/debian/zlib@1.2.13?arch=amd64", package: { ecosystem: "Debian:12", name: "zlib", version: "1.2.13" } }),
    finding({ id: "CVE-2024-0003", severity: "LOW", package: { purl: "pkg:deb/debian/tar@1.34", ecosystem: "Debian:12", name: "tar", version: "1.34" } }),
  ];
  const statements = [stmt({ vulnerability: "CVE-2024-0002", products: ["pkg:deb/debian/zlib"], impactStatement: "gzip code unused", expires: "2026-01-01T00:00:00Z" })];
  return decide(findings, statements, gatePolicy({ maxDataAgeDays: 1 }), now, { dataAgeDays: 3 });
}

/** The SARIF schema is draft-04 (rtm.5); its only draft-04-only construct is the root `id`. */
function sarifValidator() {
  const schema = loadJsonSchema(new URL("../schemas/sarif-schema-2.1.0-rtm.5.json", import.meta.url)) as Record<string, unknown>;
  assert.equal(schema.$schema, "http://json-schema.org/draft-04/schema#");
  const { id, $schema: _draft4, ...rest } = schema;
  assert.ok(!JSON.stringify(rest).includes('"exclusiveMinimum":true'), "no draft-04 boolean exclusiveMinimum to translate");
  return newAjv("draft-07", { unicodeRegExp: false }).compile({ ...rest, $id: String(id) });
}

test("SARIF 2.1.0: valid against the schema; suppressed findings carry an external suppression with the justification", () => {
  const text = REPORTERS.sarif.render(sampleDecision(), ctx);
  const log = JSON.parse(text) as Record<string, any>;
  const validate = sarifValidator();
  assert.ok(validate(log), JSON.stringify(issuesFromAjv(validate.errors, "gate.sarif", log), null, 2));
  const results = log.runs[0].results as Record<string, any>[];
  assert.equal(results.length, 3);
  const byId = Object.fromEntries(results.map((r) => [r.ruleId, r]));
  assert.equal(byId["CVE-2024-0001"].level, "error");
  assert.equal(byId["CVE-2024-0001"].suppressions, undefined);
  assert.equal(byId["CVE-2024-0002"].level, "note");
  assert.equal(byId["CVE-2024-0002"].suppressions[0].kind, "external");
  assert.equal(byId["CVE-2024-0002"].suppressions[0].status, "accepted");
  assert.match(byId["CVE-2024-0002"].suppressions[0].justification, /not_affected: vulnerable_code_not_present: gzip code unused/);
  assert.equal(byId["CVE-2024-0003"].level, "warning");
  const rule = log.runs[0].tool.driver.rules[byId["CVE-2024-0001"].ruleIndex];
  assert.equal(rule.id, "CVE-2024-0001");
  assert.equal(rule.properties["security-severity"], "9.8");
  assert.equal(rule.helpUri, "https://example.com/advisory");
  assert.equal(log.runs[0].properties.gatePassed, false);
  // a broken log is caught: the validator is not a rubber stamp
  log.runs[0].results[0].suppressions = [{ kind: "by-magic" }];
  assert.equal(validate(log), false);
});

test("GitLab container scanning 15.0.4: valid against the schema; suppressed findings are flagged", () => {
  const report = JSON.parse(REPORTERS.gitlab.render(sampleDecision(), ctx)) as Record<string, any>;
  const schema = loadJsonSchema(new URL("../schemas/container-scanning-report-format-15.0.4.json", import.meta.url));
  const validate = newAjv("draft-07").compile(schema);
  assert.ok(validate(report), JSON.stringify(issuesFromAjv(validate.errors, "gl.json", report), null, 2));
  assert.equal(report.version, "15.0.4");
  assert.equal(report.scan.start_time, "2025-06-01T08:09:10");
  assert.deepEqual(report.scan.messages, [{ level: "warn", value: "vulnerability data is 3 days old; gate.maxDataAgeDays is 1" }]);
  const vulns = report.vulnerabilities as Record<string, any>[];
  assert.equal(vulns.length, 3);
  const zlib = vulns.find((v) => v.identifiers[0].value === "CVE-2024-0002")!;
  assert.deepEqual(zlib.identifiers.map((i: { type: string }) => i.type), ["cve", "ghsa"]);
  assert.equal(zlib.flags[0].type, "flagged-as-likely-false-positive");
  assert.match(zlib.flags[0].description, /gzip code unused/);
  assert.equal(zlib.details.vex_status.value, "not_affected");
  assert.equal(zlib.location.image, ctx.image);
  const crit = vulns.find((v) => v.identifiers[0].value === "CVE-2024-0001")!;
  assert.equal(crit.severity, "Critical");
  assert.equal(crit.flags, undefined);
  assert.deepEqual(crit.links, [{ url: "https://example.com/advisory" }], "non-URL references are left out (the schema wants http(s))");
  assert.equal(new Set(vulns.map((v) => v.id)).size, 3, "ids are unique");
  // the fixture's real GitLab report is older than 15.0.4 and fails it: the schema is really checked
  delete report.scan.analyzer;
  assert.equal(validate(report), false);
});

test("JUnit XML: one testcase per finding, failures for blocking ones, skipped for VEX-suppressed ones", (t) => {
  const xml = REPORTERS.junit.render(sampleDecision(), ctx);
  const python = spawnSync("python3", ["--version"]);
  if (python.status !== 0) return t.skip("python3 (the XML oracle) is not installed");
  const script = `
import sys, json, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read())
suite = root.find("testsuite")
cases = suite.findall("testcase")
print(json.dumps({
  "root": root.tag, "tests": suite.get("tests"), "failures": suite.get("failures"), "skipped": suite.get("skipped"),
  "cases": [[c.get("classname"), c.get("name"), "failure" if c.find("failure") is not None else "skipped" if c.find("skipped") is not None else "pass",
             (c.find("failure") if c.find("failure") is not None else c.find("skipped") if c.find("skipped") is not None else c).get("message")] for c in cases]}))`;
  const r = spawnSync("python3", ["-c", script], { input: xml, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const parsed = JSON.parse(r.stdout) as { root: string; tests: string; failures: string; skipped: string; cases: [string, string, string, string | null][] };
  assert.equal(parsed.root, "testsuites");
  assert.deepEqual([parsed.tests, parsed.failures, parsed.skipped], ["4", "2", "1"], "3 findings + the data-age check; CRITICAL and the stale data fail");
  assert.deepEqual(
    parsed.cases.map((c) => [c[1], c[2]]),
    [
      ["CVE-2024-0001 (CRITICAL)", "failure"],
      ["CVE-2024-0002 (HIGH)", "skipped"],
      ["CVE-2024-0003 (LOW)", "pass"],
      ["data-age", "failure"],
    ],
  );
  assert.match(parsed.cases[1]![3]!, /VEX not_affected/);
  assert.equal(parsed.cases[0]![0], "pkg:deb/debian/openssl@3.0.11-1?arch=amd64");
  assert.equal(xmlEscape('a<b>&"c\'\u0001'), "a&lt;b&gt;&amp;&quot;c&apos;");
});

test("table and JSON: every finding, its status and rule; output is byte-stable", () => {
  const d = sampleDecision();
  const table = REPORTERS.table.render(d, ctx);
  assert.match(table, /BLOCK\s+CRITICAL\s+CVE-2024-0001/);
  assert.match(table, /vex\s+HIGH\s+CVE-2024-0002 .* not_affected\s+vex-not-affected/);
  assert.match(table, /ok\s+LOW\s+CVE-2024-0003/);
  assert.match(table, /FAIL: vulnerability data is 3 days old/);
  assert.match(table, /gate FAILED for argocd@v2.11.0: 3 finding\(s\), 1 blocking, 1 suppressed by VEX/);
  const json = JSON.parse(REPORTERS.json.render(d, ctx)) as Record<string, any>;
  assert.equal(json.schema, "mailknight/gate-decision/v1");
  assert.equal(json.passed, false);
  assert.deepEqual(json.findings.map((f: Record<string, unknown>) => [f.id, f.status, f.rule, f.blocking, f.suppressed]), [
    ["CVE-2024-0001", "no_statement", "severity", true, false],
    ["CVE-2024-0002", "not_affected", "vex-not-affected", false, true],
    ["CVE-2024-0003", "no_statement", "below-threshold", false, false],
  ]);
  assert.equal(json.findings[1].statement.expires, "2026-01-01T00:00:00Z");
  for (const f of REPORT_FORMATS) assert.equal(REPORTERS[f].render(sampleDecision(), ctx), REPORTERS[f].render(d, ctx), `${f} is deterministic`);
});
