/**
 * Matches SBOM components against the OSV index: PURL → ecosystem + package (source package for
 * distributions), then each candidate record's `affected[]` entry for the component's release is
 * evaluated (versions list, ECOSYSTEM ranges with the ecosystem's ordering, SEMVER ranges with
 * SemVer). Withdrawn records are ignored. Every component that could not be checked is counted in
 * a warning with the reason, so "no findings" is never silently "not looked at".
 */
import { scoreVector, severityFromCvss, severityFromWord } from "../cvss.js";
import { formatEcosystem, parsePurl, releaseCovers, targetForPurl, type DistroHint, type MatchTarget } from "../ecosystem.js";
import { mergeFindings, packageKey } from "../findings.js";
import type { CvssScore, Finding, Severity } from "../model.js";
import type { IndexEntry, VulnDb } from "../osv/db.js";
import type { OsvSeverity, StoredAffected, StoredRecord } from "../osv/types.js";
import { compareFixedVersions, orderFor, SEMVER_ORDER, type VersionOrder } from "../versions.js";
import type { SbomComponent } from "./cyclonedx.js";
import { evaluateRange } from "./ranges.js";

export interface MatchStats {
  components: number;
  withoutPurl: number;
  /** PURL types with no OSV ecosystem (pkg:generic, pkg:oci, ...) or without a version. */
  unsupported: number;
  /** Components looked up in the index. */
  checked: number;
  /** Base ecosystems the components map to (feed this to `dataAge`). */
  ecosystemsUsed: string[];
  /** Distinct candidate records skipped because they are withdrawn. */
  withdrawnIgnored: number;
}

export interface MatchOutput {
  findings: Finding[];
  warnings: string[];
  stats: MatchStats;
}

/** Aggregates repeated notes ("12 components ...") with a few examples, instead of one line each. */
class Notes {
  private map = new Map<string, { count: number; examples: string[] }>();
  add(message: string, example: string): void {
    const n = this.map.get(message) ?? { count: 0, examples: [] };
    n.count++;
    if (n.examples.length < 3 && !n.examples.includes(example)) n.examples.push(example);
    this.map.set(message, n);
  }
  render(): string[] {
    return [...this.map.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([m, n]) => `${m} (${n.count}x, e.g. ${n.examples.join(", ")})`);
  }
}

const CVSS_TYPES: Record<string, "2.0" | "3" | "4.0"> = { CVSS_V2: "2.0", CVSS_V3: "3", CVSS_V4: "4.0" };
/** Scores by vector: a feed has a few thousand distinct vectors and hundreds of thousands of uses. */
const scoreCache = new Map<string, CvssScore | undefined>();

function scoresOf(list: readonly OsvSeverity[], source: string): CvssScore[] {
  const out: CvssScore[] = [];
  for (const s of list) {
    const declared = Object.hasOwn(CVSS_TYPES, s.type) ? CVSS_TYPES[s.type] : undefined;
    if (!declared) continue;
    const key = `${declared}\u0000${s.score}`;
    let score = scoreCache.get(key);
    if (!scoreCache.has(key)) {
      const r = scoreVector(s.score, declared);
      score = r.ok ? r.score : undefined;
      scoreCache.set(key, score);
    }
    if (score) out.push({ ...score, source });
  }
  return out;
}

/** Severity of one record: CVSS (computed), else the database's word, else Ubuntu's priority, else UNKNOWN. */
export function recordSeverity(record: StoredRecord, entries: readonly StoredAffected[]): { severity: Severity; cvss: CvssScore[] } {
  const all = [...record.severity, ...entries.flatMap((e) => e.severity)];
  const cvss = scoresOf(all, record.id);
  const fromCvss = severityFromCvss(cvss);
  if (fromCvss) return { severity: fromCvss, cvss };
  const word = severityFromWord(record.databaseSeverity) ?? severityFromWord(all.find((s) => s.type === "Ubuntu")?.score);
  return { severity: word ?? "UNKNOWN", cvss };
}

const versionSets = new WeakMap<StoredAffected, Set<string>>();

function inVersionList(affected: StoredAffected, v: string): boolean {
  if (affected.versions.length === 0) return false;
  let set = versionSets.get(affected);
  if (!set) versionSets.set(affected, (set = new Set(affected.versions)));
  return set.has(v);
}

interface Evaluation {
  affected: boolean;
  fixedAbove: string[];
}

function evaluate(target: MatchTarget, affected: StoredAffected, order: VersionOrder | undefined, notes: Notes, label: string, recordId: string): Evaluation {
  let hit = inVersionList(affected, target.compareVersion);
  const fixed = new Set<string>();
  for (const range of affected.ranges) {
    const o = range.type === "SEMVER" ? SEMVER_ORDER : order;
    if (!o) {
      notes.add(`${target.ecosystem.base}: no version ordering, ECOSYSTEM ranges not evaluated (versions lists only)`, label);
      continue;
    }
    const verdict = evaluateRange(target.compareVersion, range, o);
    if (!verdict.ok) {
      notes.add(`range not evaluated: ${verdict.reason}`, `${label} / ${recordId}`);
      continue;
    }
    if (verdict.affected) hit = true;
    for (const f of verdict.fixedAbove) fixed.add(f);
  }
  return { affected: hit, fixedAbove: [...fixed] };
}

export interface MatchOptions {
  /** Distribution for PURLs without a `distro` qualifier (from the SBOM's metadata, if known). */
  distro?: DistroHint;
}

interface RecordHit {
  entries: StoredAffected[];
  target: MatchTarget;
  order: VersionOrder | undefined;
}

/** The covering, non-withdrawn entries of each candidate record, grouped by record. */
function byRecord(candidates: readonly IndexEntry[], target: MatchTarget, withdrawn: Set<string>): { groups: Map<string, { record: StoredRecord; entries: StoredAffected[] }>; releaseSkipped: boolean } {
  const groups = new Map<string, { record: StoredRecord; entries: StoredAffected[] }>();
  let releaseSkipped = false;
  for (const { record, affected } of candidates) {
    if (!releaseCovers(affected.release, target.ecosystem.release)) {
      if (target.ecosystem.release === undefined) releaseSkipped = true;
      continue;
    }
    if (record.withdrawn) {
      withdrawn.add(record.id);
      continue;
    }
    const g = groups.get(record.id);
    if (g) g.entries.push(affected);
    else groups.set(record.id, { record, entries: [affected] });
  }
  return { groups, releaseSkipped };
}

/**
 * Keeps the fixed versions that really are fixes: a `fixed` event of one record (or one branch)
 * can still be inside another record's affected range for the same vulnerability (GHSA says
 * fixed in 1.2.0, the CVE record says affected until 1.9.0), so every candidate is re-checked
 * against all records of the finding's alias group and dropped when any of them affects it.
 */
function realFixes(f: Finding, hits: Map<string, RecordHit>): string[] {
  const group = [f.id, ...f.aliases].map((id) => hits.get(id)).filter((h): h is RecordHit => h !== undefined);
  const silent = new Notes();
  return f.fixedVersions.filter((candidate) =>
    group.every((h) => h.entries.every((e) => !evaluate({ ...h.target, compareVersion: candidate }, e, h.order, silent, "", "").affected)),
  );
}

/** Matches components against `db`; findings are merged by alias and sorted. */
export async function matchComponents(db: VulnDb, components: readonly SbomComponent[], opts: MatchOptions = {}): Promise<MatchOutput> {
  const notes = new Notes();
  const stats: MatchStats = { components: components.length, withoutPurl: 0, unsupported: 0, checked: 0, ecosystemsUsed: [], withdrawnIgnored: 0 };
  const used = new Set<string>();
  const raw: Finding[] = [];
  const withdrawn = new Set<string>();
  /** Per package version (finding package key): the records that hit it, for the fix re-check. */
  const hitsByPackage = new Map<string, Map<string, RecordHit>>();
  for (const c of components) {
    const label = c.purl ?? c.bomRef ?? c.name ?? c.path;
    if (!c.purl) {
      stats.withoutPurl++;
      notes.add("components without a purl were not checked", c.name ?? c.bomRef ?? c.path);
      continue;
    }
    const purl = parsePurl(c.purl);
    const t = purl ? targetForPurl(purl, opts.distro) : { ok: false as const, reason: "not a valid package URL" };
    if (!t.ok) {
      stats.unsupported++;
      notes.add(`not checked: ${t.reason}`, label);
      continue;
    }
    const target = t.target;
    const base = target.ecosystem.base;
    used.add(base);
    stats.checked++;
    const index = await db.ecosystem(base);
    if (!index) {
      notes.add(`no vulnerability data for ${base}; import its OSV export (mailknight db import)`, label);
      continue;
    }
    const order = orderFor(base);
    if (target.binaryNameOnly) notes.add(`${base} package URL has no upstream= qualifier; matched by binary name, which misses advisories filed under the source package`, label);
    const candidates = index.packages.get(target.lookupName);
    if (!candidates) continue;
    const { groups, releaseSkipped } = byRecord(candidates, target, withdrawn);
    if (releaseSkipped) notes.add(`${base} package URL has no distro release (distro= qualifier); per-release advisories were not consulted`, label);
    const ecosystem = formatEcosystem(target.ecosystem);
    for (const { record, entries } of groups.values()) {
      let hit = false;
      const fixed = new Set<string>();
      for (const e of entries) {
        const ev = evaluate(target, e, order, notes, label, record.id);
        hit ||= ev.affected;
        for (const x of ev.fixedAbove) fixed.add(x);
      }
      if (!hit) continue;
      const { severity, cvss } = recordSeverity(record, entries);
      const f: Finding = {
        id: record.id,
        aliases: record.aliases,
        package: { purl: c.purl, ecosystem, name: target.displayName, version: target.version },
        severity,
        cvss,
        fixedVersions: [...fixed],
        source: { kind: "osv", name: record.id },
      };
      if (c.bomRef !== undefined) f.package.bomRef = c.bomRef;
      if (c.locations) f.package.locations = c.locations;
      if (record.summary !== undefined) f.summary = record.summary;
      if (record.references.length) f.references = record.references;
      if (record.published !== undefined) f.published = record.published;
      f.modified = record.modified;
      raw.push(f);
      const key = packageKey(f);
      let hits = hitsByPackage.get(key);
      if (!hits) hitsByPackage.set(key, (hits = new Map()));
      hits.set(record.id, { entries, target, order });
    }
  }
  stats.ecosystemsUsed = [...used].sort();
  stats.withdrawnIgnored = withdrawn.size;
  const findings = mergeFindings(raw, { compareVersions: compareFixedVersions });
  for (const f of findings) f.fixedVersions = realFixes(f, hitsByPackage.get(packageKey(f)) ?? new Map());
  return { findings, warnings: notes.render(), stats };
}
