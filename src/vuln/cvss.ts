/**
 * CVSS vectors → base scores → severities. Scores are always computed from the vector with
 * ae-cvss-calculator; a score printed next to a vector in a report is never trusted, because
 * sources disagree and some publish scores that do not match their own vectors.
 *
 * The calculator accepts malformed vectors silently (unknown metrics are dropped, a repeated
 * metric takes the last value, missing base metrics score 0), so each vector is checked here
 * first against the metric tables of its version.
 */
import cvss from "ae-cvss-calculator";
import type { CvssScore, Severity } from "./model.js";

const { Cvss2, Cvss3P0, Cvss3P1, Cvss4P0 } = cvss;

export type CvssVersion = CvssScore["version"];

type MetricTable = { base: Record<string, string[]>; other: Record<string, string[]> };

const NLH = ["N", "L", "H"];
const XNLH = ["X", "N", "L", "H"];
const V2: MetricTable = {
  base: { AV: ["L", "A", "N"], AC: ["H", "M", "L"], Au: ["M", "S", "N"], C: ["N", "P", "C"], I: ["N", "P", "C"], A: ["N", "P", "C"] },
  other: {
    E: ["U", "POC", "F", "H", "ND"],
    RL: ["OF", "TF", "W", "U", "ND"],
    RC: ["UC", "UR", "C", "ND"],
    CDP: ["N", "L", "LM", "MH", "H", "ND"],
    TD: ["N", "L", "M", "H", "ND"],
    CR: ["L", "M", "H", "ND"],
    IR: ["L", "M", "H", "ND"],
    AR: ["L", "M", "H", "ND"],
  },
};
const V3: MetricTable = {
  base: { AV: ["N", "A", "L", "P"], AC: ["L", "H"], PR: NLH, UI: ["N", "R"], S: ["U", "C"], C: NLH, I: NLH, A: NLH },
  other: {
    E: ["X", "U", "P", "F", "H"],
    RL: ["X", "O", "T", "W", "U"],
    RC: ["X", "U", "R", "C"],
    CR: ["X", "L", "M", "H"],
    IR: ["X", "L", "M", "H"],
    AR: ["X", "L", "M", "H"],
    MAV: ["X", "N", "A", "L", "P"],
    MAC: ["X", "L", "H"],
    MPR: XNLH,
    MUI: ["X", "N", "R"],
    MS: ["X", "U", "C"],
    MC: XNLH,
    MI: XNLH,
    MA: XNLH,
  },
};
const HLN = ["H", "L", "N"];
const V4: MetricTable = {
  base: { AV: ["N", "A", "L", "P"], AC: ["L", "H"], AT: ["N", "P"], PR: NLH, UI: ["N", "P", "A"], VC: HLN, VI: HLN, VA: HLN, SC: HLN, SI: HLN, SA: HLN },
  other: {
    E: ["X", "A", "P", "U"],
    CR: ["X", "H", "M", "L"],
    IR: ["X", "H", "M", "L"],
    AR: ["X", "H", "M", "L"],
    MAV: ["X", "N", "A", "L", "P"],
    MAC: ["X", "L", "H"],
    MAT: ["X", "N", "P"],
    MPR: XNLH,
    MUI: ["X", "N", "P", "A"],
    MVC: XNLH,
    MVI: XNLH,
    MVA: XNLH,
    MSC: XNLH,
    MSI: ["X", "N", "L", "H", "S"],
    MSA: ["X", "N", "L", "H", "S"],
    S: ["X", "N", "P"],
    AU: ["X", "N", "Y"],
    R: ["X", "A", "U", "I"],
    V: ["X", "D", "C"],
    RE: ["X", "L", "M", "H"],
    U: ["X", "Clear", "Green", "Amber", "Red"],
  },
};

const PREFIX: Record<string, CvssVersion> = { "CVSS:3.0": "3.0", "CVSS:3.1": "3.1", "CVSS:4.0": "4.0" };

/** The CVSS version a vector is written in, from its prefix (v2 vectors have none). */
export function cvssVersionOf(vector: string): CvssVersion | undefined {
  const prefix = vector.split("/", 1)[0] ?? "";
  if (Object.hasOwn(PREFIX, prefix)) return PREFIX[prefix];
  if (/^\(?AV:[LAN]\/AC:[HML]\/Au:/.test(vector)) return "2.0";
  return undefined;
}

function checkMetrics(parts: string[], table: MetricTable): string | undefined {
  const seen = new Set<string>();
  for (const part of parts) {
    const i = part.indexOf(":");
    const key = i > 0 ? part.slice(0, i) : part;
    const value = i > 0 ? part.slice(i + 1) : "";
    const allowed = Object.hasOwn(table.base, key) ? table.base[key] : Object.hasOwn(table.other, key) ? table.other[key] : undefined;
    if (!allowed) return `unknown metric "${key}"`;
    if (seen.has(key)) return `metric "${key}" appears twice`;
    if (!allowed.includes(value)) return `metric ${key} has value "${value}"; allowed: ${allowed.join(", ")}`;
    seen.add(key);
  }
  const missing = Object.keys(table.base).filter((k) => !seen.has(k));
  return missing.length ? `base metric(s) missing: ${missing.join(", ")}` : undefined;
}

interface CheckedVector {
  vector: string;
  version: CvssVersion;
}

/**
 * Checks a vector's syntax without scoring it (cheap enough for every record of an import).
 * `declared` is the version the source claims (Grype's `version`, OSV's CVSS_V2/V3/V4 type); it
 * must agree with the vector's own prefix.
 */
export function checkVector(rawVector: string, declared?: CvssVersion | "3"): { ok: true; checked: CheckedVector } | { ok: false; reason: string } {
  let vector = rawVector.trim();
  if (vector.startsWith("(") && vector.endsWith(")")) vector = vector.slice(1, -1); // NVD writes v2 as (AV:N/...)
  const version = cvssVersionOf(vector);
  if (!version) return { ok: false, reason: `"${rawVector}" is not a CVSS vector` };
  if (declared && !(declared === version || (declared === "3" && version.startsWith("3.")))) {
    return { ok: false, reason: `vector "${rawVector}" is CVSS ${version}, but the source says ${declared}` };
  }
  const parts = vector.split("/");
  const body = version === "2.0" ? parts : parts.slice(1);
  const table = version === "2.0" ? V2 : version === "4.0" ? V4 : V3;
  const bad = checkMetrics(body, table);
  if (bad) return { ok: false, reason: `vector "${rawVector}": ${bad}` };
  return { ok: true, checked: { vector, version } };
}

export type CvssResult = { ok: true; score: CvssScore } | { ok: false; reason: string };

/** Scores a vector (after checkVector); `source` names who published it (nvd, ghsa, a record id). */
export function scoreVector(rawVector: string, declared?: CvssVersion | "3", source?: string): CvssResult {
  const checked = checkVector(rawVector, declared);
  if (!checked.ok) return checked;
  const { vector, version } = checked.checked;
  let base: number | undefined;
  try {
    if (version === "2.0") base = new Cvss2(vector).calculateScores().base;
    else if (version === "3.0") base = new Cvss3P0(vector).calculateScores().base;
    else if (version === "3.1") base = new Cvss3P1(vector).calculateScores().base;
    else {
      const r = new Cvss4P0(vector).calculateScores();
      base = r.baseMetricsOnly ?? r.base;
    }
  } catch (e) {
    return { ok: false, reason: `vector "${rawVector}" could not be scored: ${(e as Error).message}` };
  }
  if (base === undefined || !Number.isFinite(base)) return { ok: false, reason: `vector "${rawVector}" has no base score` };
  const score: CvssScore = { version, vector, score: Math.round(base * 10) / 10 };
  if (source) score.source = source;
  return { ok: true, score };
}

/** Qualitative rating of a base score: CVSS v3/v4 scale; v2 has no CRITICAL and no NONE (NVD's v2 ranges). */
export function severityFromScore(score: number, version: CvssVersion): Severity {
  if (version === "2.0") return score >= 7 ? "HIGH" : score >= 4 ? "MEDIUM" : "LOW";
  if (score === 0) return "NONE";
  return score >= 9 ? "CRITICAL" : score >= 7 ? "HIGH" : score >= 4 ? "MEDIUM" : "LOW";
}

const RANK: Record<Severity, number> = { CRITICAL: 5, HIGH: 4, MEDIUM: 3, LOW: 2, NONE: 1, UNKNOWN: 0 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

export function worstSeverity(list: Iterable<Severity>): Severity {
  let worst: Severity = "UNKNOWN";
  for (const s of list) if (RANK[s] > RANK[worst]) worst = s;
  return worst;
}

/** CVSS generations: 3.0 and 3.1 score the same metrics and count as one. */
const VERSION_ORDER: Record<CvssVersion, number> = { "2.0": 2, "3.0": 3, "3.1": 3, "4.0": 4 };

/**
 * Severity from a set of scored vectors: the newest CVSS generation present decides (a v4 vector
 * supersedes v3.x, v3.x supersedes v2, as NVD and osv-scanner do), and among vectors of it
 * from different sources the worst one wins, so a merge of sources never lowers the rating.
 */
export function severityFromCvss(scores: readonly CvssScore[]): Severity | undefined {
  if (scores.length === 0) return undefined;
  const newest = Math.max(...scores.map((s) => VERSION_ORDER[s.version]));
  const top = scores.filter((s) => VERSION_ORDER[s.version] === newest);
  const first = top[0] as CvssScore;
  const worst = top.reduce((a, b) => (b.score > a.score ? b : a), first);
  return severityFromScore(worst.score, worst.version);
}

/**
 * A severity word from a database or scanner. GHSA says MODERATE for MEDIUM; Red Hat says
 * IMPORTANT for HIGH. Debian's and Grype's "negligible" (Debian "unimportant") becomes NONE: it
 * sits below LOW in those scales, and mapping it to NONE keeps the two counts apart.
 */
export function severityFromWord(word: unknown): Severity | undefined {
  if (typeof word !== "string") return undefined;
  switch (word.trim().toUpperCase()) {
    case "CRITICAL":
      return "CRITICAL";
    case "HIGH":
    case "IMPORTANT":
      return "HIGH";
    case "MEDIUM":
    case "MODERATE":
      return "MEDIUM";
    case "LOW":
      return "LOW";
    case "NEGLIGIBLE":
    case "UNIMPORTANT":
    case "NONE":
    case "INFO":
    case "INFORMATIONAL":
      return "NONE";
    case "UNKNOWN":
    case "UNTRIAGED":
      return "UNKNOWN";
    default:
      return undefined;
  }
}
