/**
 * OSV records as Mailknight keeps them: the fields matching and findings need, validated, with
 * events in one shape (`[kind, version]`) so the evaluator never has to guess which key is set.
 * Long text (`details`) and credits are not kept; `references` keeps the URLs.
 */

export const RANGE_TYPES = ["ECOSYSTEM", "SEMVER", "GIT"] as const;
export type RangeType = (typeof RANGE_TYPES)[number];

export const EVENT_KINDS = ["introduced", "fixed", "last_affected", "limit"] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export type OsvEvent = [kind: EventKind, version: string];

export interface OsvRange {
  type: RangeType;
  repo?: string;
  events: OsvEvent[];
}

export const SEVERITY_TYPES = ["CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu"] as const;
export type OsvSeverityType = (typeof SEVERITY_TYPES)[number];

export interface OsvSeverity {
  type: OsvSeverityType;
  score: string;
}

export interface OsvPackage {
  /** Full OSV ecosystem string, e.g. `Debian:12`. */
  ecosystem: string;
  name: string;
  purl?: string;
}

export interface OsvAffected {
  /** Absent for GIT-only entries (a repository, not a package). */
  package?: OsvPackage;
  ranges: OsvRange[];
  versions: string[];
  severity: OsvSeverity[];
}

export interface OsvRecord {
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases: string[];
  summary?: string;
  severity: OsvSeverity[];
  /** `database_specific.severity` (GHSA: CRITICAL/HIGH/MODERATE/LOW), when a string. */
  databaseSeverity?: string;
  affected: OsvAffected[];
  references: string[];
}

/**
 * One record's slice for one base ecosystem, as stored in the index: `affected` holds only the
 * entries for that ecosystem, each with its release split off, GIT ranges already removed.
 */
export interface StoredAffected {
  /** Release part of the ecosystem (`12` of `Debian:12`); absent when the record has none. */
  release?: string;
  name: string;
  purl?: string;
  ranges: OsvRange[];
  versions: string[];
  severity: OsvSeverity[];
}

/** A record as stored: the same fields, with `affected` narrowed to one base ecosystem. */
export type StoredRecord = Omit<OsvRecord, "affected"> & { affected: StoredAffected[] };
