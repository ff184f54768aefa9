/**
 * `db import`: read OSV sources (directories, zip exports, single files), validate every record,
 * and merge them into the local database. Plan, then apply: all sources are read and validated
 * before anything is written, so a malformed record fails the import with every problem listed
 * (file + JSON path) and leaves the database as it was. With `skipInvalid`, bad records are left
 * out and reported as warnings instead.
 *
 * Merge rule: records are keyed by id; the copy with the newer `modified` wins, on a tie the one
 * being imported. Withdrawn records are stored too, so that a withdrawal replaces the older live
 * copy; the matcher ignores them.
 */
import { resolve } from "node:path";
import { formatProblem, type Problem } from "../../errors.js";
import { sha256File } from "../../util/digest.js";
import { withLock } from "../../util/lock.js";
import { ensureDir } from "../../util/fs.js";
import { parseEcosystem } from "../ecosystem.js";
import { Problems, throwProblems } from "../json.js";
import { orderFor } from "../versions.js";
import { displayPath, readSource, sourceKind } from "./sources.js";
import { readEcosystemFile, readManifest, writeDb, type DbManifest, type SourceEntry } from "./store.js";
import type { OsvRecord, StoredAffected, StoredRecord } from "./types.js";
import { validateOsvRecord } from "./validate.js";
import { DEFAULT_ZIP_CAPS, type ZipCaps } from "./zip.js";

export interface ImportOptions {
  /** Clock for `importedAt` (injected in tests). */
  now?: () => Date;
  /** Leave malformed records out (with a warning each) instead of failing the import. */
  skipInvalid?: boolean;
  caps?: ZipCaps;
  /** Paths in the manifest and in problems are shown relative to this directory. */
  displayBase?: string;
  /** Called every 10,000 records, for progress output. */
  onProgress?: (e: { source: string; records: number }) => void;
}

export interface ImportResult {
  manifest: DbManifest;
  /** This import's sources, in the order given. */
  sources: SourceEntry[];
  added: number;
  updated: number;
  /** Imported records that lost to a stored copy with a newer `modified`. */
  keptNewer: number;
  warnings: string[];
}

interface Slices {
  byBase: Map<string, StoredRecord>;
  gitRanges: number;
}

/** Splits a record into per-ecosystem slices: package entries only, GIT ranges removed. */
export function toStoredSlices(r: OsvRecord): Slices {
  const byBase = new Map<string, StoredRecord>();
  let gitRanges = 0;
  for (const a of r.affected) {
    gitRanges += a.ranges.filter((x) => x.type === "GIT").length;
    if (!a.package) continue;
    const ranges = a.ranges.filter((x) => x.type !== "GIT");
    if (ranges.length === 0 && a.versions.length === 0) continue;
    const { base, release } = parseEcosystem(a.package.ecosystem);
    let slice = byBase.get(base);
    if (!slice) {
      // Fixed key order, so the stored files are byte-for-byte reproducible.
      slice = { id: r.id, modified: r.modified, aliases: r.aliases, severity: r.severity, references: r.references, affected: [] };
      if (r.published !== undefined) slice.published = r.published;
      if (r.withdrawn !== undefined) slice.withdrawn = r.withdrawn;
      if (r.summary !== undefined) slice.summary = r.summary;
      if (r.databaseSeverity !== undefined) slice.databaseSeverity = r.databaseSeverity;
      byBase.set(base, slice);
    }
    const entry: StoredAffected = { name: a.package.name, ranges, versions: a.versions, severity: a.severity };
    if (release !== undefined) entry.release = release;
    if (a.package.purl !== undefined) entry.purl = a.package.purl;
    slice.affected.push(entry);
  }
  return { byBase, gitRanges };
}

function isNewer(a: string, b: string): boolean {
  return Date.parse(a) > Date.parse(b);
}

interface ReadOutcome {
  source: SourceEntry;
  records: Map<string, { record: OsvRecord; slices: Slices }>;
  problems: Problem[];
  droppedProblems: number;
}

async function readOne(path: string, opts: ImportOptions, importedAt: string): Promise<ReadOutcome> {
  const abs = resolve(path);
  const base = opts.displayBase ?? process.cwd();
  const shown = displayPath(abs, base);
  const kind = await sourceKind(abs);
  const source: SourceEntry = { path: shown, kind, importedAt, records: 0, withdrawn: 0, invalid: 0, withoutPackage: 0, gitRangesIgnored: 0, ecosystems: [] };
  if (kind !== "dir") source.sha256 = (await sha256File(abs)).slice("sha256:".length);
  const records = new Map<string, { record: OsvRecord; slices: Slices }>();
  const problems: Problem[] = [];
  let dropped = 0;
  const perEcosystem = new Map<string, number>();
  let seen = 0;
  for await (const raw of readSource(abs, kind, { caps: opts.caps ?? DEFAULT_ZIP_CAPS, displayBase: base })) {
    seen++;
    if (opts.onProgress && seen % 10_000 === 0) opts.onProgress({ source: shown, records: seen });
    if (raw.problem) {
      source.invalid++;
      if (problems.length < 200) problems.push(raw.problem);
      else dropped++;
      continue;
    }
    const p = new Problems(raw.file, 20);
    const record = validateOsvRecord(raw.value, p);
    if (!record) {
      source.invalid++;
      for (const x of p.list) {
        if (problems.length < 200) problems.push(x);
        else dropped++;
      }
      dropped += p.dropped;
      continue;
    }
    const slices = toStoredSlices(record);
    source.records++;
    source.gitRangesIgnored += slices.gitRanges;
    if (record.withdrawn) source.withdrawn++;
    if (slices.byBase.size === 0) source.withoutPackage++;
    for (const b of slices.byBase.keys()) perEcosystem.set(b, (perEcosystem.get(b) ?? 0) + 1);
    if (source.newestModified === undefined || isNewer(record.modified, source.newestModified)) source.newestModified = record.modified;
    const prev = records.get(record.id);
    if (!prev || !isNewer(prev.record.modified, record.modified)) records.set(record.id, { record, slices });
  }
  source.ecosystems = [...perEcosystem.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, n]) => ({ name, records: n }));
  return { source, records, problems, droppedProblems: dropped };
}

/** Imports OSV sources into the database in `dbDir` (created when missing). */
export async function importOsv(dbDir: string, paths: string[], opts: ImportOptions = {}): Promise<ImportResult> {
  const importedAt = (opts.now ?? (() => new Date()))().toISOString();
  const warnings: string[] = [];

  // Plan: read and validate everything first.
  const outcomes: ReadOutcome[] = [];
  for (const path of paths) outcomes.push(await readOne(path, opts, importedAt));
  const problems = outcomes.flatMap((o) => o.problems);
  const dropped = outcomes.reduce((n, o) => n + o.droppedProblems, 0);
  if (problems.length > 0 && !opts.skipInvalid) {
    throwProblems("invalid OSV records; nothing was imported", problems, dropped, "fix or remove the records listed, or pass --skip-invalid to import the rest");
  }
  for (const p of problems) warnings.push(`skipped invalid record: ${formatProblem(p)}`);
  if (dropped > 0) warnings.push(`... and ${dropped} more problem(s) in skipped records`);

  const incoming = new Map<string, { record: OsvRecord; slices: Slices }>();
  for (const o of outcomes) {
    for (const [id, v] of o.records) {
      const prev = incoming.get(id);
      if (!prev || !isNewer(prev.record.modified, v.record.modified)) incoming.set(id, v);
    }
  }

  await ensureDir(dbDir);
  return await withLock(`${dbDir}/.lock`, "the vulnerability database", async () => {
    // Apply: merge into what is stored.
    const old = await readManifest(dbDir);
    const stored = new Map<string, Map<string, StoredRecord>>();
    const modifiedOf = new Map<string, string>();
    const basesOf = new Map<string, Set<string>>();
    for (const e of old?.ecosystems ?? []) {
      const m = new Map<string, StoredRecord>();
      await readEcosystemFile(dbDir, e, (r) => {
        m.set(r.id, r);
        modifiedOf.set(r.id, r.modified);
        const set = basesOf.get(r.id) ?? new Set<string>();
        set.add(e.name);
        basesOf.set(r.id, set);
      });
      stored.set(e.name, m);
    }
    let added = 0;
    let updated = 0;
    let keptNewer = 0;
    for (const [id, { record, slices }] of [...incoming.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const prevModified = modifiedOf.get(id);
      if (prevModified !== undefined && isNewer(prevModified, record.modified)) {
        keptNewer++;
        continue;
      }
      if (prevModified === undefined) added++;
      else updated++;
      for (const b of basesOf.get(id) ?? []) stored.get(b)?.delete(id);
      for (const [b, slice] of slices.byBase) {
        let m = stored.get(b);
        if (!m) stored.set(b, (m = new Map()));
        m.set(id, slice);
      }
    }

    const sourceByPath = new Map((old?.sources ?? []).map((s) => [s.path, s]));
    for (const o of outcomes) sourceByPath.set(o.source.path, o.source);
    const ecosystems = new Map([...stored.entries()].map(([b, m]) => [b, [...m.values()]]));
    const manifest = await writeDb(dbDir, ecosystems, [...sourceByPath.values()], importedAt);

    for (const e of manifest.ecosystems) {
      if (!orderFor(e.name)) warnings.push(`${e.name}: ${e.records} record(s) stored, but Mailknight has no version ordering for ${e.name}; only their explicit \`versions\` lists can match`);
    }
    return { manifest, sources: outcomes.map((o) => o.source), added, updated, keptNewer, warnings };
  });
}
