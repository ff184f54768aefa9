/**
 * go-mod: Go modules required by `go.mod` files in the tree. In an image these are mostly
 * vendored sources compiled into a binary whose build info was stripped or never written (the
 * Debian Go toolchain's own `cmd/go.mod`), so they are the only evidence of those modules. As
 * trivy does for rootfs and image scans; versions keep Go's `v` prefix. A go.mod older than Go
 * 1.17 lists only direct requirements; then, like trivy, the highest version of each other
 * module in the sibling go.sum stands in for the build list (an approximation of Go's minimal
 * version selection, marked `mailknight:go:fromGoSum`).
 */
import { compareStrings, type CatalogResult, type SbomComponent } from "../../model.js";
import { purlString } from "../../purl.js";
import type { Cataloger, CatalogInput } from "../types.js";
import semver from "semver";
import { posix } from "node:path";
import { parseGoMod, type GoModRequire } from "./gomod.js";

export const id = "go-mod";

function split(path: string): { namespace?: string; name: string } {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? { namespace: path.slice(0, slash), name: path.slice(slash + 1) } : { name: path };
}

/** The highest version of each module in a go.sum that go.mod does not require itself. */
function fromGoSum(text: string, required: Set<string>): (GoModRequire & { fromSum: true })[] {
  const best = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [path, rawVersion] = line.trim().split(/\s+/);
    if (!path || !rawVersion || required.has(path)) continue;
    const version = rawVersion.replace(/\/go\.mod$/, "");
    if (!semver.valid(version.slice(1))) continue;
    const seen = best.get(path);
    if (!seen || semver.gt(version.slice(1), seen.slice(1))) best.set(path, version);
  }
  return [...best].map(([path, version]) => ({ path, version, indirect: true, fromSum: true }));
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "Go modules required by go.mod files (vendored sources, toolchains built without build info)",
  wants: [
    { glob: "/**/go.mod", maxBytes: 1 << 20 },
    { glob: "/**/go.sum", maxBytes: 8 << 20 },
  ],
  catalog({ files }: CatalogInput): CatalogResult {
    const components: SbomComponent[] = [];
    const warnings: string[] = [];
    for (const file of files.list()) {
      // testdata/ holds fixtures of the Go tool's own tests, not modules anything uses.
      if (!file.bytes || !file.path.endsWith("/go.mod") || file.path.includes("/testdata/") || file.path.includes("/vendor/")) continue;
      const mod = parseGoMod(Buffer.from(file.bytes).toString("utf8"), file.path);
      warnings.push(...mod.warnings);
      const requires: (GoModRequire & { fromSum?: boolean })[] = [...mod.requires];
      const sum = files.get(posix.join(posix.dirname(file.path), "go.sum"));
      if (sum?.bytes && mod.go && semver.valid(semver.coerce(mod.go)) && semver.lt(semver.coerce(mod.go)!, "1.17.0")) {
        requires.push(...fromGoSum(Buffer.from(sum.bytes).toString("utf8"), new Set(mod.requires.map((r) => r.path))));
      }
      for (const r of requires) {
        const { namespace, name } = split(r.path);
        const purl = purlString("golang", namespace, name, r.version);
        const properties: Record<string, string> = { "mailknight:go:indirect": String(r.indirect) };
        if (mod.module) properties["mailknight:go:requiredBy"] = mod.module;
        if (r.replaces) properties["mailknight:go:replaces"] = r.replaces;
        if (r.fromSum) properties["mailknight:go:fromGoSum"] = "true";
        components.push({
          ref: purl ?? `golang:${r.path}@${r.version}`,
          type: "library",
          name,
          version: r.version,
          licenses: [],
          hashes: [],
          locations: r.fromSum && sum ? [file.path, sum.path] : [file.path],
          dependsOn: [],
          properties,
          cataloger: id,
          ...(namespace ? { group: namespace } : {}),
          ...(purl ? { purl } : {}),
        });
      }
    }
    return { components: components.sort((a, b) => compareStrings(a.ref, b.ref)), warnings };
  },
};
