/**
 * The database opened for matching: the manifest up front, each ecosystem's records loaded on
 * first use into a map from package name to the entries that can affect it. Package names are
 * kept in Maps, never as object keys, because they come from the data (`__proto__` is a valid
 * npm-style name as far as a hostile feed is concerned).
 */
import { MkError } from "../../errors.js";
import { normalizeName } from "../ecosystem.js";
import { readEcosystemFile, readManifest, type DbManifest, type EcosystemEntry } from "./store.js";
import type { StoredAffected, StoredRecord } from "./types.js";

export interface IndexEntry {
  record: StoredRecord;
  affected: StoredAffected;
}

export interface EcosystemIndex {
  name: string;
  entry: EcosystemEntry;
  /** Normalised package name → entries; one record can appear once per affected entry. */
  packages: Map<string, IndexEntry[]>;
}

export interface VulnDb {
  dir: string;
  /** Absent when nothing was imported yet. */
  manifest?: DbManifest;
  /** Loads (once) and returns the index of a base ecosystem, `undefined` when it holds no data. */
  ecosystem(base: string): Promise<EcosystemIndex | undefined>;
}

/** Builds the in-memory index of one ecosystem from its stored records. */
export function indexRecords(name: string, entry: EcosystemEntry, records: Iterable<StoredRecord>): EcosystemIndex {
  const packages = new Map<string, IndexEntry[]>();
  for (const record of records) addToIndex(packages, name, record);
  return { name, entry, packages };
}

function addToIndex(packages: Map<string, IndexEntry[]>, base: string, record: StoredRecord): void {
  for (const affected of record.affected) {
    const key = normalizeName(base, affected.name);
    const list = packages.get(key);
    if (list) list.push({ record, affected });
    else packages.set(key, [{ record, affected }]);
  }
}

export async function openVulnDb(dir: string): Promise<VulnDb> {
  let manifest = await readManifest(dir);
  const loaded = new Map<string, Promise<EcosystemIndex | undefined>>();
  const loadFrom = async (m: DbManifest | undefined, base: string): Promise<EcosystemIndex | undefined> => {
    const entry = m?.ecosystems.find((e) => e.name === base);
    if (!entry) return undefined;
    const packages = new Map<string, IndexEntry[]>();
    await readEcosystemFile(dir, entry, (r) => addToIndex(packages, base, r));
    return { name: base, entry, packages };
  };
  const load = async (base: string): Promise<EcosystemIndex | undefined> => {
    try {
      return await loadFrom(manifest, base);
    } catch (e) {
      // An import that finished after we read the manifest removes the files it replaced: read
      // the new manifest once and try again, rather than calling a healthy database damaged.
      if (!(e instanceof MkError && e.code === "E_INTEGRITY" && / is missing$/.test(e.message))) throw e;
      const fresh = await readManifest(dir);
      if (!fresh || fresh.updatedAt === manifest?.updatedAt) throw e;
      manifest = fresh;
      return await loadFrom(manifest, base);
    }
  };
  return {
    dir,
    get manifest() {
      return manifest;
    },
    ecosystem(base: string) {
      let p = loaded.get(base);
      if (!p) loaded.set(base, (p = load(base)));
      return p;
    },
  };
}
