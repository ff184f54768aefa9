/**
 * How old the vulnerability data is, for the gate's max-age rule. Age is measured from the newest
 * `modified` timestamp in the data (not from when it was imported: importing a year-old export
 * today does not make it fresh), per ecosystem, and the overall age is that of the STALEST
 * ecosystem considered, because a fresh npm feed says nothing about a Debian feed left behind.
 */
import type { DbManifest } from "./store.js";

export interface EcosystemAge {
  ecosystem: string;
  newestModified?: string;
  /** Whole and fractional days between `newestModified` and `now`; `undefined` when there is no data. */
  ageDays?: number;
}

export interface DataAge {
  now: string;
  /** Age of the stalest ecosystem considered; `undefined` when there is no data at all. */
  ageDays?: number;
  stalest?: EcosystemAge;
  ecosystems: EcosystemAge[];
  /** When `db import` last ran. */
  lastImportedAt?: string;
  /** Ecosystems asked about that have no data (a scan needs them but nothing was imported). */
  missing: string[];
}

const DAY_MS = 86_400_000;

/**
 * Data age as of `now`. `ecosystems` restricts the answer to the base ecosystems a scan uses
 * (pass the `ecosystemsUsed` of a scan result); by default every ecosystem in the database counts.
 */
export function dataAge(manifest: DbManifest | undefined, now: Date, ecosystems?: readonly string[]): DataAge {
  const all = manifest?.ecosystems ?? [];
  const wanted = ecosystems ? [...new Set(ecosystems)].sort() : all.map((e) => e.name);
  const list: EcosystemAge[] = [];
  const missing: string[] = [];
  for (const name of wanted) {
    const e = all.find((x) => x.name === name);
    if (!e) {
      missing.push(name);
      continue;
    }
    const age: EcosystemAge = { ecosystem: name };
    if (e.newestModified) {
      age.newestModified = e.newestModified;
      age.ageDays = Math.max(0, (now.getTime() - Date.parse(e.newestModified)) / DAY_MS);
    }
    list.push(age);
  }
  const result: DataAge = { now: now.toISOString(), ecosystems: list, missing };
  for (const a of list) {
    if (a.ageDays !== undefined && (result.stalest?.ageDays === undefined || a.ageDays > result.stalest.ageDays)) result.stalest = a;
  }
  if (result.stalest) result.ageDays = result.stalest.ageDays;
  const imports = (manifest?.sources ?? []).map((s) => s.importedAt).sort();
  if (imports.length) result.lastImportedAt = imports[imports.length - 1];
  return result;
}
