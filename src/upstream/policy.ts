/**
 * The tracking policy, pure: given what upstream lists and what the recipe carries, which release
 * is the newest eligible one on each tracked line and is it newer than ours. No I/O, no clock of
 * its own (`now` is passed in), so status, sync and the webhook path all decide the same way.
 */
import { MkError } from "../errors.js";
import { schemes, type VersionScheme } from "../vuln/versioning/index.js";
import type { UpstreamConfig } from "../workspace/schema.js";
import type { Release } from "./sources/types.js";

export interface Candidate {
  tag: string;
  version: string;
  commit?: string;
  publishedAt?: string;
}

export interface Rejected {
  tag: string;
  reason: string;
}

export interface LineStatus {
  /** The tracked line as written (`2.11.x`), or `*` when the recipe tracks everything. */
  line: string;
  /** Newest eligible upstream release on the line. */
  latest?: Candidate;
  /** Newest version the recipe carries on the line (its `sources[].version`). */
  ours?: string;
  /** Eligible releases newer than ours, newest first. */
  newer: Candidate[];
}

export interface PolicyResult {
  lines: LineStatus[];
  rejected: Rejected[];
}

const MIN_AGE_UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function minAgeMs(minAge: string | undefined): number {
  if (!minAge) return 0;
  const m = /^(\d+)([mhd])$/.exec(minAge);
  if (!m) throw new MkError("E_CONFIG_INVALID", `upstream.minAge "${minAge}" is not a duration`, { hint: "write e.g. 30m, 72h or 3d" });
  return Number(m[1]) * MIN_AGE_UNIT_MS[m[2] as keyof typeof MIN_AGE_UNIT_MS];
}

export class TagReader {
  readonly scheme: VersionScheme;
  private readonly pattern: RegExp;
  constructor(private readonly upstream: UpstreamConfig) {
    this.scheme = schemes[upstream.scheme];
    try {
      this.pattern = new RegExp(upstream.tagPattern);
    } catch (e) {
      throw new MkError("E_CONFIG_INVALID", `upstream.tagPattern ${JSON.stringify(upstream.tagPattern)} is not a valid regular expression`, { cause: e, hint: "use JavaScript RegExp syntax, e.g. ^v?(\\d+\\.\\d+\\.\\d+)$" });
    }
  }

  /** The version a tag names: the pattern's first capture group, else the tag minus stripPrefix. */
  versionOf(tag: string): string | undefined {
    const m = this.pattern.exec(tag);
    if (!m) return undefined;
    const prefix = this.upstream.stripPrefix;
    const version = m[1] ?? (prefix && tag.startsWith(prefix) ? tag.slice(prefix.length) : tag);
    return this.scheme.isValid(version) ? version : undefined;
  }

  /** A recipe's `sources[].version` may be the tag (v2.11.0) or the bare version (2.11.0). */
  carriedVersion(name: string): string | undefined {
    const prefix = this.upstream.stripPrefix;
    for (const v of [this.versionOf(name), prefix && name.startsWith(prefix) ? name.slice(prefix.length) : undefined, name, name.replace(/^v(?=\d)/, "")]) {
      if (v !== undefined && this.scheme.isValid(v)) return v;
    }
    return undefined;
  }

  compare(a: string, b: string): number {
    return this.scheme.compare(a, b);
  }
}

/** `2.11.x` / `2.11` / `2.11.*` hold 2.11.0, 2.11.7 and 2.11.3-rc.1; `*` or `x` holds everything. */
export function onLine(line: string, version: string): boolean {
  const want = line.split(".").filter((p) => p !== "x" && p !== "X" && p !== "*");
  if (want.length === 0) return true;
  const have = version.replace(/^v/, "").split(/[.+~-]/);
  return want.every((p, i) => have[i] === p);
}

export function evaluatePolicy(upstream: UpstreamConfig, releases: Release[], carried: string[], now: number): PolicyResult {
  const reader = new TagReader(upstream);
  const minAge = minAgeMs(upstream.minAge);
  const ignore = new Set(upstream.ignore);
  const rejected: Rejected[] = [];
  const eligible: Candidate[] = [];
  const seen = new Set<string>();
  for (const r of releases) {
    if (seen.has(r.tag)) continue;
    seen.add(r.tag);
    const version = reader.versionOf(r.tag);
    const reject = (reason: string) => rejected.push({ tag: r.tag, reason });
    if (version === undefined) {
      reject(`does not match tagPattern or is not a valid ${upstream.scheme} version`);
      continue;
    }
    if (r.draft) reject("draft release");
    else if (ignore.has(r.tag) || ignore.has(version)) reject("on the ignore list");
    else if (!upstream.prereleases && (r.prerelease === true || reader.scheme.isPrerelease?.(version) === true)) reject("pre-release");
    else if (minAge > 0 && r.publishedAt === undefined) reject(`no publication date to check minAge ${upstream.minAge} against`);
    else if (minAge > 0 && now - Date.parse(r.publishedAt!) < minAge) reject(`younger than minAge ${upstream.minAge}`);
    else eligible.push({ tag: r.tag, version, ...(r.commit ? { commit: r.commit } : {}), ...(r.publishedAt ? { publishedAt: r.publishedAt } : {}) });
  }
  eligible.sort((a, b) => reader.compare(b.version, a.version) || (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  const ours = carried.map((c) => reader.carriedVersion(c)).filter((v): v is string => v !== undefined);
  const lines = (upstream.track.length > 0 ? upstream.track : ["*"]).map((line) => {
    const onThis = eligible.filter((c) => onLine(line, c.version));
    const mine = ours.filter((v) => onLine(line, v)).sort((a, b) => reader.compare(b, a))[0];
    const newer = onThis.filter((c) => mine === undefined || reader.compare(c.version, mine) > 0);
    return { line, ...(onThis[0] ? { latest: onThis[0] } : {}), ...(mine !== undefined ? { ours: mine } : {}), newer };
  });
  rejected.sort((a, b) => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0));
  return { lines, rejected };
}
