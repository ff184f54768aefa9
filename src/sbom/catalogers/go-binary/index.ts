/**
 * go-binary: the modules compiled into Go executables, from the build info the Go linker embeds
 * (parsers/go-buildinfo.ts), for every executable ELF file in the tree — found by exec bit and
 * magic, never run. Each binary yields its dependencies, its main module when it has a real
 * version, and `stdlib` at the toolchain's version (how trivy and syft report the Go standard
 * library, which is where many Go CVEs live). Build settings (`-trimpath`, `CGO_ENABLED`,
 * `GOEXPERIMENT`, …) are properties of the main module and of stdlib (the main module of a
 * binary built from a checkout has no version and is left out).
 */
import { compareStrings, type CatalogResult, type SbomComponent } from "../../model.js";
import { parseGoBinary } from "../../parsers/go-buildinfo.js";
import { purlString } from "../../purl.js";
import type { Cataloger, CatalogInput } from "../types.js";
import { asParseResult, componentsOf } from "../language.js";
import { mayBeGoBinary } from "./probe.js";

export const id = "go-binary";

const ELF_MAGIC = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);

/** `go1.21.5` / `go1.22rc1 X:boringcrypto` → `1.21.5` (trivy's stdlib version, without the `go`). */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+\.\d+(?:\.\d+)?(?:(?:rc|beta)\d+)?)/.exec(goVersion.trim());
  return m?.[1];
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "Go modules from the build info of Go executables (ELF, exec bit, magic-checked, not run)",
  wants: [
    {
      glob: "/**",
      executable: true,
      magic: ELF_MAGIC,
      maxBytes: 512 << 20,
      // In a directory, the section table tells a C binary from a Go one without reading it all.
      probe: mayBeGoBinary,
      // Only the parse result is kept: the tree never holds more than one binary's bytes.
      extract: (bytes, path) => parseGoBinary(bytes, path),
    },
  ],
  dropWhenOwnedByOs: true,
  catalog({ files }: CatalogInput): CatalogResult {
    const components: SbomComponent[] = [];
    const warnings: string[] = [];
    for (const file of files.list()) {
      const result = asParseResult(file.extracted.get(id));
      if (!result) continue;
      warnings.push(...result.warnings);
      const { components: found } = componentsOf(result, {
        cataloger: id,
        location: file.path,
        // `(devel)` is what a main module built from a checkout says: not a version anyone can match.
        skip: (p) => p.isRoot === true && (p.version === "" || p.version === "(devel)"),
      });
      components.push(...found);
      const goVersion = result.metadata?.["go:version"];
      const stdlib = goVersion ? stdlibVersion(goVersion) : undefined;
      if (stdlib) {
        const purl = purlString("golang", undefined, "stdlib", `v${stdlib}`);
        components.push({
          ref: purl ?? `golang:stdlib@v${stdlib}`,
          type: "library",
          name: "stdlib",
          version: `v${stdlib}`,
          licenses: ["BSD-3-Clause"],
          hashes: [],
          locations: [file.path],
          dependsOn: [],
          // The build settings describe the binary; stdlib is the one component every Go binary has.
          properties: Object.fromEntries(Object.entries(result.metadata ?? {}).map(([k, v]) => [`mailknight:${k}`, v])),
          cataloger: id,
          ...(purl ? { purl } : {}),
        });
      }
    }
    return { components: components.sort((a, b) => compareStrings(a.ref, b.ref)), warnings };
  },
};
