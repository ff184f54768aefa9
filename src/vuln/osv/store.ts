/**
 * The local vulnerability database on disk, under `<workspace>/.mailknight/vulndb/`:
 *
 *   manifest.json                     format, ecosystems (file, sha256, counts, newest `modified`), sources
 *   <ecosystem>-<sha256:16>.ndjson    one stored record per line, sorted by id
 *
 * One file per base ecosystem, so a scan loads only the ecosystems its SBOM uses; NDJSON, so a
 * file is parsed line by line (no single huge string) and can be any size. Files are named by
 * their content hash and the manifest is replaced last, atomically: a reader sees the old
 * database or the new one, never a mix, and a crash mid-import leaves the old one intact. The
 * hash is checked on every load, so a truncated or edited file is refused (E_INTEGRITY).
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../../errors.js";
import { ensureDir, pathExists, tempSibling, writeJsonAtomic, writeNewFile } from "../../util/fs.js";
import { isObject, readJsonFile } from "../json.js";
import type { SourceKind } from "./sources.js";
import type { StoredRecord } from "./types.js";

export const DB_FORMAT = "mailknight-vulndb/1";
export const MANIFEST = "manifest.json";

export interface EcosystemEntry {
  /** Base OSV ecosystem: `npm`, `Debian`, `Red Hat`. */
  name: string;
  file: string;
  sha256: string;
  records: number;
  /** Distinct package names. */
  packages: number;
  withdrawn: number;
  /** Newest `modified` among the ecosystem's records: how fresh its data is. */
  newestModified?: string;
}

export interface SourceEntry {
  /** As given to `db import` (workspace-relative when inside the workspace). */
  path: string;
  kind: SourceKind;
  /** sha256 of a zip or single file; directories have none. */
  sha256?: string;
  importedAt: string;
  /** Valid records read from the source (stored, or kept out because the stored copy is newer). */
  records: number;
  withdrawn: number;
  /** Records that failed validation and were skipped (only with --skip-invalid). */
  invalid: number;
  /** Records without any package entry (GIT-only): nothing to match an SBOM against. */
  withoutPackage: number;
  /** GIT ranges dropped: commit ranges cannot be evaluated against package versions. */
  gitRangesIgnored: number;
  newestModified?: string;
  ecosystems: { name: string; records: number }[];
}

export interface DbManifest {
  format: typeof DB_FORMAT;
  updatedAt: string;
  ecosystems: EcosystemEntry[];
  sources: SourceEntry[];
}

export function vulnDbDir(workspaceRoot: string): string {
  return join(workspaceRoot, ".mailknight", "vulndb");
}

function corrupt(dir: string, why: string): MkError {
  return new MkError("E_INTEGRITY", `the vulnerability database in ${dir} is damaged: ${why}`, {
    hint: `delete ${dir} and run \`mailknight db import\` again`,
  });
}

/** The manifest, or `undefined` when no database exists yet. */
export async function readManifest(dir: string): Promise<DbManifest | undefined> {
  const path = join(dir, MANIFEST);
  if (!(await pathExists(path))) return undefined;
  const m = await readJsonFile(path, 64 * 1024 * 1024);
  if (!isObject(m) || m.format !== DB_FORMAT) throw corrupt(dir, `${MANIFEST} is not a ${DB_FORMAT} manifest`);
  if (!Array.isArray(m.ecosystems) || !Array.isArray(m.sources) || typeof m.updatedAt !== "string") throw corrupt(dir, `${MANIFEST} lacks ecosystems/sources/updatedAt`);
  for (const e of m.ecosystems as unknown[]) {
    if (!isObject(e) || typeof e.name !== "string" || typeof e.file !== "string" || typeof e.sha256 !== "string" || typeof e.records !== "number") {
      throw corrupt(dir, `${MANIFEST} has a malformed ecosystem entry`);
    }
    if (!/^[a-z0-9-]+-[a-f0-9]{16}\.ndjson$/.test(e.file)) throw corrupt(dir, `${MANIFEST} names an unexpected file "${e.file}"`);
  }
  return m as unknown as DbManifest;
}

/**
 * Streams one ecosystem file's records, checking its sha256 at the end. Lines are split on the
 * raw bytes so multi-byte UTF-8 never straddles a decode.
 */
export async function readEcosystemFile(dir: string, entry: EcosystemEntry, onRecord: (r: StoredRecord) => void): Promise<void> {
  const path = join(dir, entry.file);
  const hash = createHash("sha256");
  let rest: Buffer = Buffer.alloc(0);
  let count = 0;
  const handle = (line: Buffer) => {
    if (line.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(line.toString("utf8"));
    } catch {
      throw corrupt(dir, `${entry.file} line ${count + 1} is not JSON`);
    }
    count++;
    onRecord(value as StoredRecord);
  };
  try {
    for await (const chunk of createReadStream(path)) {
      const buf = chunk as Buffer;
      hash.update(buf);
      let data = rest.length ? Buffer.concat([rest, buf]) : buf;
      let nl = data.indexOf(10);
      while (nl >= 0) {
        handle(data.subarray(0, nl));
        data = data.subarray(nl + 1);
        nl = data.indexOf(10);
      }
      rest = Buffer.from(data);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") throw corrupt(dir, `${entry.file} is missing`);
    throw e;
  }
  handle(rest);
  if (hash.digest("hex") !== entry.sha256) throw corrupt(dir, `${entry.file} does not match its sha256 in ${MANIFEST}`);
  if (count !== entry.records) throw corrupt(dir, `${entry.file} holds ${count} records, the manifest says ${entry.records}`);
}

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "ecosystem";
}

/** Writes records as NDJSON to a temp file, fsyncs, and renames it to its content-addressed name. */
async function writeEcosystemFile(dir: string, name: string, records: StoredRecord[]): Promise<{ file: string; sha256: string }> {
  const tmp = tempSibling(join(dir, `${slug(name)}.ndjson`));
  const hash = createHash("sha256");
  await writeNewFile(tmp, async (fh) => {
    // Batches of lines keep the number of writes low without building one giant string.
    let batch: string[] = [];
    let batchChars = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const buf = Buffer.from(batch.join(""), "utf8");
      hash.update(buf);
      await fh.write(buf);
      batch = [];
      batchChars = 0;
    };
    for (const r of records) {
      const line = JSON.stringify(r) + "\n";
      batch.push(line);
      batchChars += line.length;
      if (batchChars > 4 * 1024 * 1024) await flush();
    }
    await flush();
  });
  const sha256 = hash.digest("hex");
  const file = `${slug(name)}-${sha256.slice(0, 16)}.ndjson`;
  await rename(tmp, join(dir, file));
  return { file, sha256 };
}

function newest(values: Iterable<string | undefined>): string | undefined {
  let best: string | undefined;
  for (const v of values) if (v !== undefined && (best === undefined || Date.parse(v) > Date.parse(best))) best = v;
  return best;
}

/**
 * Replaces the database with `ecosystems` (records per base ecosystem) and `sources`: data files
 * first, manifest last, then files the new manifest no longer names are removed.
 */
export async function writeDb(dir: string, ecosystems: Map<string, StoredRecord[]>, sources: SourceEntry[], updatedAt: string): Promise<DbManifest> {
  await ensureDir(dir);
  const entries: EcosystemEntry[] = [];
  for (const name of [...ecosystems.keys()].sort()) {
    const records = [...(ecosystems.get(name) ?? [])].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (records.length === 0) continue;
    const { file, sha256 } = await writeEcosystemFile(dir, name, records);
    const packages = new Set<string>();
    for (const r of records) for (const a of r.affected) packages.add(a.name);
    const entry: EcosystemEntry = { name, file, sha256, records: records.length, packages: packages.size, withdrawn: records.filter((r) => r.withdrawn).length };
    const fresh = newest(records.map((r) => r.modified));
    if (fresh) entry.newestModified = fresh;
    entries.push(entry);
  }
  const manifest: DbManifest = { format: DB_FORMAT, updatedAt, ecosystems: entries, sources: [...sources].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)) };
  await writeJsonAtomic(join(dir, MANIFEST), manifest);
  // Under the import lock: old generations, and temp files of an import that crashed, go.
  const keep = new Set(entries.map((e) => e.file));
  for (const name of await readdir(dir)) {
    const stale = (name.endsWith(".ndjson") && !keep.has(name)) || /^\..+\.tmp-\d+-[0-9a-f]{8}$/.test(name);
    if (stale) await rm(join(dir, name), { force: true });
  }
  return manifest;
}
