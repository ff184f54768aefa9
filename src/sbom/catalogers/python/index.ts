/**
 * python: installed Python distributions from their core metadata — `*.dist-info/METADATA`
 * (pip, wheels), `*.egg-info/PKG-INFO` and `*.egg-info` files (setuptools, Debian's python3-*
 * packages) — through parsers/python.ts. `Requires-Dist` edges link distributions installed in
 * the same site directory, by PEP 503 normalised name.
 */
import { posix } from "node:path";
import { compareStrings, sortUnique, type CatalogResult, type SbomComponent } from "../../model.js";
import { parseDistInfoMetadata } from "../../parsers/python.js";
import type { ParseResult } from "../../parsers/types.js";
import type { Cataloger, CatalogInput } from "../types.js";
import { asParseResult, componentsOf } from "../language.js";

export const id = "python";

const parse = (bytes: Uint8Array, path: string): ParseResult => parseDistInfoMetadata(Buffer.from(bytes).toString("utf8"), path);

/** The site directory a metadata file belongs to (`…/site-packages`). */
function siteOf(path: string): string {
  const dir = posix.dirname(path);
  return /\.(dist|egg)-info$/.test(dir) ? posix.dirname(dir) : dir;
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "Python distributions from *.dist-info/METADATA and *.egg-info (PKG-INFO or file)",
  wants: [
    { glob: "/**/*.dist-info/METADATA", maxBytes: 4 << 20, extract: parse },
    { glob: "/**/*.egg-info/PKG-INFO", maxBytes: 4 << 20, extract: parse },
    { glob: "/**/*.egg-info", maxBytes: 4 << 20, extract: parse },
  ],
  dropWhenOwnedByOs: true,
  catalog({ files }: CatalogInput): CatalogResult {
    const components: SbomComponent[] = [];
    const warnings: string[] = [];
    const bySite = new Map<string, Map<string, SbomComponent>>();
    const pending: { c: SbomComponent; deps: string[]; site: string }[] = [];
    for (const file of files.list()) {
      const result = asParseResult(file.extracted.get(id));
      if (!result) continue;
      warnings.push(...result.warnings);
      const { pairs } = componentsOf(result, { cataloger: id, location: file.path, rootType: "library" });
      const site = siteOf(file.path);
      const names = bySite.get(site) ?? new Map<string, SbomComponent>();
      bySite.set(site, names);
      for (const { p, c } of pairs) {
        names.set(p.key, c);
        pending.push({ c, deps: p.dependsOn ?? [], site });
        components.push(c);
      }
    }
    for (const { c, deps, site } of pending) {
      const names = bySite.get(site)!;
      c.dependsOn = sortUnique(deps.map((d) => names.get(d)?.ref).filter((r): r is string => r !== undefined && r !== c.ref));
    }
    return { components: components.sort((a, b) => compareStrings(a.ref, b.ref)), warnings };
  },
};
