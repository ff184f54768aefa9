/**
 * Shape validation of one OSV record (https://ossf.github.io/osv-schema/), by hand rather than with
 * the JSON Schema: it runs on hundreds of thousands of records per import, reports precise JSON
 * paths, and checks what the matcher relies on that the schema cannot say (one event kind per
 * event, CVSS vectors that the calculator would silently misread). The tests check it against the
 * official schema as an oracle: everything rejected here is rejected there too.
 *
 * Unknown fields are ignored, and so are unknown ecosystems (they are stored; matching warns).
 */
import { checkVector } from "../cvss.js";
import { isObject, type PathSegment, type Problems } from "../json.js";
import {
  EVENT_KINDS,
  RANGE_TYPES,
  SEVERITY_TYPES,
  type EventKind,
  type OsvAffected,
  type OsvEvent,
  type OsvRange,
  type OsvRecord,
  type OsvSeverity,
  type RangeType,
} from "./types.js";

const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const ID = /^[!-~]{1,200}$/;
const GIT_EVENT = /^(0|[a-f0-9]{40}|[a-f0-9]{64})$/;
const CVSS_DECLARED = { CVSS_V2: "2.0", CVSS_V3: "3", CVSS_V4: "4.0" } as const;

type Path = readonly PathSegment[];

function str(v: unknown, path: Path, p: Problems, opts: { optional?: boolean; nonEmpty?: boolean } = {}): string | undefined {
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "string") {
    p.add(path, v === undefined ? "is required and must be a string" : "must be a string", ...(v === undefined ? [] : [v]));
    return undefined;
  }
  if (opts.nonEmpty && v.trim() === "") {
    p.add(path, "must not be empty", v);
    return undefined;
  }
  return v;
}

function timestamp(v: unknown, path: Path, p: Problems, optional: boolean): string | undefined {
  const s = str(v, path, p, { optional });
  if (s === undefined) return undefined;
  if (!TIMESTAMP.test(s) || Number.isNaN(Date.parse(s))) {
    p.add(path, "must be an RFC 3339 UTC timestamp like 2024-05-01T12:00:00Z", s);
    return undefined;
  }
  return s;
}

/** An array (or null / absent, which the schema allows for several fields) of strings. */
function stringList(v: unknown, path: Path, p: Problems, allowNull = true): string[] {
  if (v === undefined || (v === null && allowNull)) return [];
  if (!Array.isArray(v)) {
    p.add(path, "must be an array of strings", v);
    return [];
  }
  const out: string[] = [];
  v.forEach((item, i) => {
    if (typeof item === "string") out.push(item);
    else p.add([...path, i], "must be a string", item);
  });
  return out;
}

function optionalObject(v: unknown, path: Path, p: Problems): Record<string, unknown> | undefined {
  if (v === undefined) return undefined;
  if (!isObject(v)) {
    p.add(path, "must be an object", v);
    return undefined;
  }
  return v;
}

function severityList(v: unknown, path: Path, p: Problems): OsvSeverity[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(path, "must be an array of {type, score}", v);
    return [];
  }
  const out: OsvSeverity[] = [];
  v.forEach((item, i) => {
    if (!isObject(item)) return p.add([...path, i], "must be an object {type, score}", item);
    const type = item.type;
    if (typeof type !== "string" || !(SEVERITY_TYPES as readonly string[]).includes(type)) {
      return p.add([...path, i, "type"], `must be one of ${SEVERITY_TYPES.join(", ")}`, type);
    }
    const score = str(item.score, [...path, i, "score"], p, { nonEmpty: true });
    if (score === undefined) return;
    if (type !== "Ubuntu") {
      const checked = checkVector(score, CVSS_DECLARED[type as keyof typeof CVSS_DECLARED]);
      if (!checked.ok) return p.add([...path, i, "score"], checked.reason);
    }
    out.push({ type: type as OsvSeverity["type"], score });
  });
  return out;
}

function events(v: unknown, path: Path, p: Problems, type: RangeType | undefined): OsvEvent[] {
  if (!Array.isArray(v) || v.length === 0) {
    p.add(path, "must be a non-empty array of events", v);
    return [];
  }
  const out: OsvEvent[] = [];
  v.forEach((ev, i) => {
    if (!isObject(ev)) return p.add([...path, i], 'must be an object like {"introduced": "1.0.0"}', ev);
    const kinds = EVENT_KINDS.filter((k) => Object.hasOwn(ev, k));
    if (kinds.length !== 1) {
      return p.add([...path, i], `must have exactly one of ${EVENT_KINDS.join(", ")}`, ev);
    }
    const kind = kinds[0] as EventKind;
    const version = str(ev[kind], [...path, i, kind], p, { nonEmpty: true });
    if (version === undefined) return;
    if (type === "GIT" && !GIT_EVENT.test(version)) {
      return p.add([...path, i, kind], 'a GIT event must be "0" or a full commit hash', version);
    }
    out.push([kind, version]);
  });
  if (out.length === v.length) {
    if (!out.some(([k]) => k === "introduced")) p.add(path, 'must contain an "introduced" event (use "0" for "since the beginning")');
    if (out.some(([k]) => k === "fixed") && out.some(([k]) => k === "last_affected")) {
      p.add(path, '"fixed" and "last_affected" must not appear in the same range');
    }
  }
  return out;
}

function ranges(v: unknown, path: Path, p: Problems): OsvRange[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(path, "must be an array of ranges", v);
    return [];
  }
  const out: OsvRange[] = [];
  v.forEach((r, i) => {
    if (!isObject(r)) return p.add([...path, i], "must be an object {type, events}", r);
    const before = p.count;
    const type = r.type;
    const known = typeof type === "string" && (RANGE_TYPES as readonly string[]).includes(type);
    if (!known) p.add([...path, i, "type"], `must be one of ${RANGE_TYPES.join(", ")}`, type);
    const repo = str(r.repo, [...path, i, "repo"], p, { optional: type !== "GIT", nonEmpty: true });
    const evs = events(r.events, [...path, i, "events"], p, known ? (type as RangeType) : undefined);
    optionalObject(r.database_specific, [...path, i, "database_specific"], p);
    if (p.count !== before) return;
    const range: OsvRange = { type: type as RangeType, events: evs };
    if (repo !== undefined) range.repo = repo;
    out.push(range);
  });
  return out;
}

function affectedList(v: unknown, path: Path, p: Problems, topLevelSeverity: boolean): OsvAffected[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(path, "must be an array", v);
    return [];
  }
  const out: OsvAffected[] = [];
  v.forEach((a, i) => {
    const at = [...path, i];
    if (!isObject(a)) return p.add(at, "must be an object", a);
    const entry: OsvAffected = { ranges: [], versions: [], severity: [] };
    if (a.package !== undefined) {
      const pkg = optionalObject(a.package, [...at, "package"], p);
      if (pkg) {
        const ecosystem = str(pkg.ecosystem, [...at, "package", "ecosystem"], p, { nonEmpty: true });
        const name = str(pkg.name, [...at, "package", "name"], p, { nonEmpty: true });
        const purl = str(pkg.purl, [...at, "package", "purl"], p, { optional: true });
        if (purl !== undefined && !purl.startsWith("pkg:")) p.add([...at, "package", "purl"], 'must be a package URL ("pkg:...")', purl);
        if (ecosystem !== undefined && name !== undefined) entry.package = purl === undefined ? { ecosystem, name } : { ecosystem, name, purl };
      }
    }
    entry.ranges = ranges(a.ranges, [...at, "ranges"], p);
    entry.versions = stringList(a.versions, [...at, "versions"], p, false);
    if (a.severity !== undefined && a.severity !== null && topLevelSeverity) {
      p.add([...at, "severity"], "must be absent when the record has a top-level severity");
    }
    entry.severity = severityList(a.severity, [...at, "severity"], p);
    optionalObject(a.ecosystem_specific, [...at, "ecosystem_specific"], p);
    optionalObject(a.database_specific, [...at, "database_specific"], p);
    out.push(entry);
  });
  return out;
}

function references(v: unknown, path: Path, p: Problems): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) {
    p.add(path, "must be an array of {type, url}", v);
    return [];
  }
  const urls: string[] = [];
  v.forEach((r, i) => {
    if (!isObject(r)) return p.add([...path, i], "must be an object {type, url}", r);
    str(r.type, [...path, i, "type"], p, { nonEmpty: true });
    const url = str(r.url, [...path, i, "url"], p, { nonEmpty: true });
    if (url !== undefined) urls.push(url);
  });
  return urls;
}

/**
 * Validates one parsed record. Returns it in Mailknight's shape, or `undefined` with the problems
 * added to `p` (whose `file` names the record's file or zip entry).
 */
export function validateOsvRecord(value: unknown, p: Problems): OsvRecord | undefined {
  const before = p.count;
  if (!isObject(value)) {
    p.add([], "an OSV record must be a JSON object", value);
    return undefined;
  }
  const id = str(value.id, ["id"], p);
  if (id !== undefined && !ID.test(id)) p.add(["id"], "must be 1-200 printable characters without spaces", id);
  const modified = timestamp(value.modified, ["modified"], p, false);
  const published = timestamp(value.published, ["published"], p, true);
  const withdrawn = timestamp(value.withdrawn, ["withdrawn"], p, true);
  const aliases = stringList(value.aliases, ["aliases"], p);
  stringList(value.related, ["related"], p, false);
  stringList(value.upstream, ["upstream"], p, false);
  const summary = str(value.summary, ["summary"], p, { optional: true });
  str(value.details, ["details"], p, { optional: true });
  str(value.schema_version, ["schema_version"], p, { optional: true });
  const severity = severityList(value.severity, ["severity"], p);
  const hasTopSeverity = value.severity !== undefined && value.severity !== null;
  const affected = affectedList(value.affected, ["affected"], p, hasTopSeverity);
  const refs = references(value.references, ["references"], p);
  const dbSpecific = optionalObject(value.database_specific, ["database_specific"], p);
  if (p.count !== before || id === undefined || modified === undefined) return undefined;

  const record: OsvRecord = { id, modified, aliases: [...new Set(aliases)].filter((a) => a !== id).sort(), severity, affected, references: refs };
  if (published !== undefined) record.published = published;
  if (withdrawn !== undefined) record.withdrawn = withdrawn;
  if (summary !== undefined && summary !== "") record.summary = summary;
  if (typeof dbSpecific?.severity === "string") record.databaseSeverity = dbSpecific.severity;
  return record;
}
