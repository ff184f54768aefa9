import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { checkVector, scoreVector, severityFromCvss, severityFromScore, severityFromWord, worstSeverity } from "./cvss.js";
import { fixture } from "./testing.js";

/** Every (vector, published base score) pair in the real Trivy and Grype reports: NVD's and Red Hat's scores as an oracle. */
function publishedScores(): { vector: string; score: number; where: string }[] {
  const out: { vector: string; score: number; where: string }[] = [];
  for (const f of ["trivy/alpine-310-image.json", "trivy/debian-buster-image-ignore-unfixed.json", "trivy/npm-repo.json"]) {
    const doc = JSON.parse(readFileSync(fixture(f), "utf8"));
    for (const r of doc.Results ?? [])
      for (const v of r.Vulnerabilities ?? [])
        for (const [src, c] of Object.entries<Record<string, string | number>>(v.CVSS ?? {})) {
          if (c.V2Vector) out.push({ vector: String(c.V2Vector), score: Number(c.V2Score), where: `${f} ${v.VulnerabilityID} ${src} v2` });
          if (c.V3Vector) out.push({ vector: String(c.V3Vector), score: Number(c.V3Score), where: `${f} ${v.VulnerabilityID} ${src} v3` });
        }
  }
  const grype = JSON.parse(readFileSync(fixture("grype/defectdojo-check_all_fields.grype.json"), "utf8"));
  for (const m of grype.matches)
    for (const v of [m.vulnerability, ...m.relatedVulnerabilities])
      for (const c of v.cvss ?? []) out.push({ vector: c.vector, score: c.metrics.baseScore, where: `grype ${v.id} ${c.version}` });
  return out;
}

test("computed base scores equal the scores NVD and Red Hat published for the same vectors", () => {
  const pairs = publishedScores();
  assert.ok(pairs.length >= 20, `expected many vectors in the fixtures, found ${pairs.length}`);
  for (const { vector, score, where } of pairs) {
    const r = scoreVector(vector);
    assert.ok(r.ok, `${where}: ${vector} rejected: ${r.ok ? "" : r.reason}`);
    assert.equal(r.score.score, score, `${where}: ${vector}`);
  }
});

test("CVSS v4 base score (spec example: AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N = 9.3)", () => {
  const r = scoreVector("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N");
  assert.ok(r.ok);
  assert.equal(r.score.version, "4.0");
  assert.equal(r.score.score, 9.3);
});

test("temporal metrics do not change the base score", () => {
  const r = scoreVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:U/RL:O");
  assert.ok(r.ok);
  assert.equal(r.score.score, 9.8);
});

test("malformed vectors are refused with a reason (the calculator would misread them silently)", () => {
  const bad: [string, RegExp][] = [
    ["another vector", /not a CVSS vector/],
    ["CVSS:3.1/AV:N", /base metric\(s\) missing/],
    ["CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", /appears twice/],
    ["CVSS:3.1/AV:X/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", /metric AV has value "X"/],
    ["CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N/ZZ:1", /unknown metric "ZZ"/],
    ["CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", /not a CVSS vector/],
    ["constructor", /not a CVSS vector/],
  ];
  for (const [v, re] of bad) {
    const r = checkVector(v);
    assert.equal(r.ok, false, v);
    if (!r.ok) assert.match(r.reason, re, v);
  }
  const mismatch = checkVector("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", "2.0");
  assert.equal(mismatch.ok, false);
  assert.ok(checkVector("(AV:N/AC:L/Au:N/C:P/I:P/A:P)", "2.0").ok, "NVD's parenthesised v2 form");
});

test("severity scales: v3/v4 ranges, v2 tops out at HIGH, 0.0 is NONE", () => {
  assert.equal(severityFromScore(9.0, "3.1"), "CRITICAL");
  assert.equal(severityFromScore(8.9, "3.1"), "HIGH");
  assert.equal(severityFromScore(7.0, "4.0"), "HIGH");
  assert.equal(severityFromScore(6.9, "3.0"), "MEDIUM");
  assert.equal(severityFromScore(4.0, "3.1"), "MEDIUM");
  assert.equal(severityFromScore(3.9, "3.1"), "LOW");
  assert.equal(severityFromScore(0, "3.1"), "NONE");
  assert.equal(severityFromScore(10, "2.0"), "HIGH");
  assert.equal(severityFromScore(0, "2.0"), "LOW");
});

test("the newest CVSS generation decides (3.0 and 3.1 are one); among its vectors the worst wins", () => {
  const v2high = { version: "2.0" as const, vector: "x", score: 9.3 };
  const v3low = { version: "3.1" as const, vector: "y", score: 3.1 };
  const v3med = { version: "3.0" as const, vector: "z", score: 5.0 };
  assert.equal(severityFromCvss([v2high, v3low]), "LOW");
  assert.equal(severityFromCvss([v3low, v3med, v2high]), "MEDIUM");
  assert.equal(severityFromCvss([]), undefined);
});

test("severity words from databases and scanners", () => {
  assert.equal(severityFromWord("MODERATE"), "MEDIUM");
  assert.equal(severityFromWord("Important"), "HIGH");
  assert.equal(severityFromWord("Negligible"), "NONE");
  assert.equal(severityFromWord("Critical"), "CRITICAL");
  assert.equal(severityFromWord("unknown"), "UNKNOWN");
  assert.equal(severityFromWord("bogus"), undefined);
  assert.equal(severityFromWord(7), undefined);
  assert.equal(worstSeverity(["LOW", "UNKNOWN", "HIGH", "MEDIUM"]), "HIGH");
  assert.equal(worstSeverity(["UNKNOWN", "NONE"]), "NONE");
});
