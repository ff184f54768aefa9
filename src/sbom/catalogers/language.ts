/**
 * Shared by the language catalogers: turns a parser's ParseResult (ecosystem terms, see
 * parsers/types.ts) into SBOM components — PURLs as trivy and syft write them, licenses
 * normalised to SPDX, the file as location, edges by key within the file.
 */
import { normaliseLicense } from "../licenses.js";
import { sortUnique, type ComponentType, type SbomComponent } from "../model.js";
import type { LanguageEcosystem, ParsedPackage, ParseResult } from "../parsers/types.js";
import { purlString } from "../purl.js";

const PURL_TYPE: Record<LanguageEcosystem, string> = { golang: "golang", npm: "npm", pypi: "pypi", maven: "maven" };

export function languagePurl(p: ParsedPackage): string | undefined {
  return purlString(PURL_TYPE[p.ecosystem], p.namespace, p.name, p.version, p.purlQualifiers ?? {});
}

export interface ConvertOptions {
  cataloger: string;
  location: string;
  /** Component type of root packages (the Go main module, a jar itself). */
  rootType?: ComponentType;
  /** Drop packages for which this returns true (e.g. a Go main module without a version). */
  skip?: (p: ParsedPackage) => boolean;
}

/** Components of one parsed file; `byKey` maps parser keys to refs, for edges across files. */
export function componentsOf(result: ParseResult, opts: ConvertOptions): { components: SbomComponent[]; byKey: Map<string, string>; pairs: { p: ParsedPackage; c: SbomComponent }[] } {
  const byKey = new Map<string, string>();
  const kept: { p: ParsedPackage; c: SbomComponent }[] = [];
  for (const p of result.packages) {
    if (opts.skip?.(p) || !p.name || byKey.has(p.key)) continue;
    const purl = languagePurl(p);
    const ref = purl ?? `${p.ecosystem}:${p.namespace ? `${p.namespace}/` : ""}${p.name}@${p.version}`;
    const licenses = sortUnique((p.licenses ?? []).map(normaliseLicense).filter((l): l is string => l !== undefined));
    const properties: Record<string, string> = {};
    for (const [k, v] of Object.entries(p.properties ?? {})) properties[`mailknight:${k}`] = v;
    if (p.isRoot) for (const [k, v] of Object.entries(result.metadata ?? {})) properties[`mailknight:${k}`] = v;
    const c: SbomComponent = {
      ref,
      type: p.isRoot ? (opts.rootType ?? "application") : "library",
      name: p.name,
      version: p.version,
      licenses,
      hashes: (p.hashes ?? []).map((h) => ({ alg: h.alg, content: h.content.toLowerCase() })),
      locations: [opts.location],
      dependsOn: [],
      properties,
      cataloger: opts.cataloger,
      ...(p.namespace ? { group: p.namespace } : {}),
      ...(purl ? { purl } : {}),
    };
    byKey.set(p.key, ref);
    kept.push({ p, c });
  }
  for (const { p, c } of kept) {
    c.dependsOn = sortUnique((p.dependsOn ?? []).map((k) => byKey.get(k)).filter((r): r is string => r !== undefined && r !== c.ref));
  }
  return { components: kept.map((k) => k.c), byKey, pairs: kept };
}

/** A parse result held by a FileWant.extract, or undefined when a file yielded nothing. */
export function asParseResult(value: unknown): ParseResult | undefined {
  const r = value as ParseResult | undefined;
  return r && Array.isArray(r.packages) && Array.isArray(r.warnings) ? r : undefined;
}
