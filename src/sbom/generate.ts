/**
 * Cataloging a source: collect the files every cataloger wants in one pass over the tree, run
 * os-release first (its distro feeds the package catalogers' PURLs), then the others, and merge
 * their components into one deterministic document.
 */
import { MkError } from "../errors.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { CATALOGERS, OS_CATALOGER } from "./catalogers/registry.js";
import type { Cataloger, ProjectFacts } from "./catalogers/types.js";
import { compareStrings, sortUnique, type Distro, type SbomComponent, type SbomDocument } from "./model.js";
import type { FileSource, FileWant } from "./source/types.js";

export interface GenerateOptions {
  /** Cataloger ids to run (default: all). `project` needs `project` facts. */
  catalogers?: string[];
  project?: ProjectFacts;
  /** Creation time; pass SOURCE_DATE_EPOCH's for reproducible output. */
  created: Date;
  onProgress?: (files: number) => void;
}

function pick(ids: string[] | undefined): Cataloger[] {
  const wanted = ids ?? Object.keys(CATALOGERS);
  const unknown = wanted.filter((i) => !(i in CATALOGERS));
  if (unknown.length) {
    throw new MkError("E_USAGE", `unknown cataloger(s): ${unknown.join(", ")}`, { hint: `catalogers: ${Object.keys(CATALOGERS).sort().join(", ")}` });
  }
  return sortUnique(wanted).map((i) => CATALOGERS[i]!);
}

/** Versions of the catalogers a run uses: part of the sbom stage's cache key. */
export function catalogerVersions(ids?: string[]): Record<string, string> {
  return Object.fromEntries(pick(ids).map((c) => [c.id, c.version]));
}

/**
 * Components with the same ref (two catalogers, or two locations of one package) become one:
 * locations, dependencies, licenses and hashes are merged. Dangling dependency refs are dropped.
 */
export function mergeComponents(components: SbomComponent[]): SbomComponent[] {
  const byRef = new Map<string, SbomComponent>();
  for (const c of components) {
    const seen = byRef.get(c.ref);
    if (!seen) {
      byRef.set(c.ref, { ...c, properties: { ...c.properties } });
      continue;
    }
    seen.locations = sortUnique([...seen.locations, ...c.locations]);
    seen.dependsOn = sortUnique([...seen.dependsOn, ...c.dependsOn]);
    seen.licenses = sortUnique([...seen.licenses, ...c.licenses]);
    const hashes = new Map([...seen.hashes, ...c.hashes].map((h) => [`${h.alg}:${h.content}`, h]));
    seen.hashes = [...hashes.values()];
    seen.properties = { ...c.properties, ...seen.properties };
  }
  const out = [...byRef.values()].sort((a, b) => compareStrings(a.ref, b.ref));
  for (const c of out) {
    c.dependsOn = sortUnique(c.dependsOn.filter((d) => d !== c.ref && byRef.has(d)));
    c.locations = sortUnique(c.locations);
    c.licenses = sortUnique(c.licenses);
    c.hashes = [...c.hashes].sort((a, b) => compareStrings(`${a.alg}:${a.content}`, `${b.alg}:${b.content}`));
  }
  return out;
}

export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

export async function generateSbom(source: FileSource, opts: GenerateOptions): Promise<SbomDocument> {
  const catalogers = pick(opts.catalogers);
  const wants = new Map<string, readonly FileWant[]>(catalogers.map((c) => [c.id, c.wants]));
  const tree = await source.collect(wants, opts.onProgress);
  const warnings = [...tree.warnings];
  const components: SbomComponent[] = [];
  const owned = new Set<string>();
  const dropWhenOwned = new Set(catalogers.filter((c) => c.dropWhenOwnedByOs).map((c) => c.id));
  let distro: Distro | undefined;
  const ordered = [...catalogers.filter((c) => c.id === OS_CATALOGER), ...catalogers.filter((c) => c.id !== OS_CATALOGER)];
  for (const c of ordered) {
    const result = c.catalog({ files: tree.view(c.id), ...(distro ? { distro } : {}), ...(opts.project ? { project: opts.project } : {}) });
    if (c.id === OS_CATALOGER && result.distro) distro = result.distro;
    components.push(...result.components);
    for (const w of result.warnings) warnings.push(`${c.id}: ${w}`);
    // Package databases name paths as installed (`/lib/x`); the walk saw real ones (`/usr/lib/x`).
    for (const p of result.ownedFiles ?? []) owned.add(tree.resolve(p) ?? p);
  }
  const isOwned = (location: string): boolean => owned.has(location.split("!/")[0]!);
  const kept = components.filter((c) => !(dropWhenOwned.has(c.cataloger) && c.locations.length > 0 && c.locations.every(isOwned)));
  return {
    subject: {
      kind: source.info.kind,
      name: source.info.name,
      digest: source.info.digest ?? tree.evidenceDigest(),
      properties: { ...source.info.properties },
    },
    components: mergeComponents(kept),
    warnings,
    ...(distro ? { distro } : {}),
    created: isoSeconds(opts.created),
    catalogers: catalogers.map((c) => ({ id: c.id, version: c.version })),
    tool: { name: "mailknight", version: MAILKNIGHT_VERSION },
  };
}
