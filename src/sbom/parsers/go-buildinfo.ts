/**
 * Go binaries: the modules compiled into an ELF executable, read from its embedded build info
 * (what `go version -m` prints) without running it. See go/blob.ts for where the info lives and
 * go/modinfo.ts for its text format.
 *
 * Output: the main module (isRoot, version as recorded, usually `(devel)`), one package per
 * dependency with its h1 sum as `go:sum`, replaced modules under the replacement's path and
 * version (the original in `go:replaces`), and file metadata `go:version`, `go:path` and every
 * build setting as `go:<key>` (`go:-trimpath`, `go:CGO_ENABLED`, `go:GOEXPERIMENT`, ...).
 */
import { readBuildInfoBlob } from "./go/blob.js";
import { readElfImage } from "./go/elf-image.js";
import { parseModInfo, type GoModule } from "./go/modinfo.js";
import { messageOf, Warnings } from "./common/warnings.js";
import type { ParsedPackage, ParseResult } from "./types.js";

/** A replacement by a directory (`=> ../fork`) rather than by another module version. */
function isDirectoryPath(path: string): boolean {
  return path.startsWith("./") || path.startsWith("../") || path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path === "." || path === "..";
}

/** PURL namespace/name of a module path: `github.com/a/b/v2` → `github.com/a/b` + `v2`. */
function splitPath(path: string): { namespace?: string; name: string } {
  const slash = path.lastIndexOf("/");
  if (slash <= 0 || isDirectoryPath(path)) return { name: path };
  return { namespace: path.slice(0, slash), name: path.slice(slash + 1) };
}

function toPackage(key: string, mod: GoModule): ParsedPackage {
  const effective = mod.replace ?? mod;
  const properties: Record<string, string> = {};
  if (effective.sum) properties["go:sum"] = effective.sum;
  if (mod.replace) {
    properties["go:replaces"] = mod.version ? `${mod.path}@${mod.version}` : mod.path;
    if (isDirectoryPath(mod.replace.path)) properties["go:replacement-directory"] = "true";
  }
  return {
    ecosystem: "golang",
    key,
    ...splitPath(effective.path),
    version: effective.version,
    ...(Object.keys(properties).length > 0 ? { properties } : {}),
  };
}

/**
 * The Go modules in an ELF binary, or undefined when `bytes` is not a Go ELF binary (not ELF,
 * or no build info). Never throws: problems in a Go binary come back as warnings.
 */
export function parseGoBinary(bytes: Uint8Array, location: string): ParseResult | undefined {
  const warnings = new Warnings(location);
  try {
    const img = readElfImage(bytes, warnings);
    if (!img) return undefined;
    const blob = readBuildInfoBlob(img, warnings);
    if (!blob) return undefined;
    const info = parseModInfo(blob.modinfo, warnings);
    const goVersion = blob.goVersion || info.goVersion || "";
    if (!goVersion) warnings.add("Go build info has no Go version");

    const packages: ParsedPackage[] = [];
    const depKeys: string[] = [];
    const seen = new Set<string>();
    for (const dep of info.deps) {
      // A module path appears once in a real build list; a repeat is corrupt input.
      if (seen.has(dep.path) || dep.path === info.main?.path) {
        warnings.add(`module ${dep.path} is listed more than once; the repeat is ignored`);
        continue;
      }
      seen.add(dep.path);
      depKeys.push(dep.path);
      packages.push(toPackage(dep.path, dep));
    }
    if (info.main) {
      packages.unshift({ ...toPackage(info.main.path, info.main), isRoot: true, ...(depKeys.length > 0 ? { dependsOn: depKeys } : {}) });
    } else if (info.path !== undefined) {
      // `go build file.go` or GOPATH mode: no module, so nothing to name as a package.
      warnings.add(`Go binary for ${info.path} was built without module information; only its Go version is known`);
    }

    const metadata: Record<string, string> = {};
    for (const [key, value] of info.settings) metadata[`go:${key}`] = value;
    if (info.path !== undefined) metadata["go:path"] = info.path;
    if (goVersion) metadata["go:version"] = goVersion;
    metadata["go:buildinfo-format"] = blob.format;
    return { packages, warnings: warnings.toArray(), metadata };
  } catch (e) {
    // Every read above is bounds-checked; reaching this is a bug, reported rather than thrown.
    warnings.add(`internal error while reading Go build info: ${messageOf(e)}`);
    return { packages: [], warnings: warnings.toArray() };
  }
}
