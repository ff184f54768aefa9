/**
 * java: Maven packages in Java archives (`*.jar`, `*.war`, `*.ear`, nested ones included) from
 * their `META-INF/maven/**\/pom.properties` and manifests, through parsers/java.ts. The archive
 * bytes are parsed as soon as they are read and dropped, so a tree of large jars costs one jar's
 * memory at a time.
 */
import { compareStrings, type CatalogResult, type SbomComponent } from "../../model.js";
import { parseJar } from "../../parsers/java.js";
import type { Cataloger, CatalogInput } from "../types.js";
import { asParseResult, componentsOf } from "../language.js";

export const id = "java";

const ZIP_MAGIC = new Uint8Array([0x50, 0x4b, 0x03, 0x04]);

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "Maven packages in jar/war/ear archives (pom.properties, manifests, nested archives)",
  wants: [{ glob: "/**/*.{jar,war,ear}", maxBytes: 512 << 20, magic: ZIP_MAGIC, extract: (bytes, path) => parseJar(bytes, path) }],
  dropWhenOwnedByOs: true,
  catalog({ files }: CatalogInput): CatalogResult {
    const components: SbomComponent[] = [];
    const warnings: string[] = [];
    for (const file of files.list()) {
      const result = asParseResult(file.extracted.get(id));
      if (!result) continue;
      warnings.push(...result.warnings);
      // The archive's own package carries its SHA-1 (how Maven Central names jars); it is a library.
      components.push(...componentsOf(result, { cataloger: id, location: file.path, rootType: "library" }).components);
    }
    return { components: components.sort((a, b) => compareStrings(a.ref, b.ref)), warnings };
  },
};
