/**
 * apk: Alpine (and Wolfi/Chainguard) packages from `/lib/apk/db/installed`: one record per
 * package, `X:value` lines, records separated by a blank line. Dependencies (`D:`) name a
 * package, or something a package provides (`p:` — `so:libc.musl-x86_64.so.1`, `cmd:sh`); each
 * resolves to the installed package that has it.
 */
import { normaliseLicense } from "../../licenses.js";
import { compareStrings, sortUnique, type CatalogResult, type SbomComponent } from "../../model.js";
import { purlString } from "../../purl.js";
import { WarningList, type Cataloger, type CatalogInput } from "../types.js";
import { osPackageComponent } from "../os-package.js";

export const id = "apk";

const DB = "/lib/apk/db/installed";

interface ApkPackage {
  name: string;
  version: string;
  arch?: string;
  license?: string;
  origin?: string;
  maintainer?: string;
  description?: string;
  url?: string;
  checksum?: string;
  commit?: string;
  depends: string[];
  provides: string[];
  /** Installed files (`F:` directory, then `R:` names in it). */
  files: string[];
  line: number;
}

/** Parses the installed database; unknown keys are ignored (apk adds some over time). */
export function parseInstalled(text: string, file: string, warn: WarningList): ApkPackage[] {
  const out: ApkPackage[] = [];
  let cur: (Partial<ApkPackage> & { depends: string[]; provides: string[]; files: string[]; line: number }) | undefined;
  let dir = "";
  const flush = (): void => {
    if (!cur) return;
    if (cur.name && cur.version) out.push(cur as ApkPackage);
    else warn.add(file, `record at line ${cur.line} has no ${cur.name ? "V: (version)" : "P: (name)"}; skipped`);
    cur = undefined;
  };
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, "");
    if (line.trim() === "") {
      flush();
      continue;
    }
    const m = /^([A-Za-z]):(.*)$/.exec(line);
    if (!m) {
      warn.add(file, `line ${i + 1} is not a "X:value" line (${JSON.stringify(line.slice(0, 60))}); ignored`);
      continue;
    }
    cur ??= { depends: [], provides: [], files: [], line: i + 1 };
    const value = m[2]!.trim();
    switch (m[1]) {
      case "P":
        cur.name = value;
        break;
      case "V":
        cur.version = value;
        break;
      case "A":
        cur.arch = value;
        break;
      case "L":
        cur.license = value;
        break;
      case "o":
        cur.origin = value;
        break;
      case "m":
        cur.maintainer = value;
        break;
      case "T":
        cur.description = value;
        break;
      case "U":
        cur.url = value;
        break;
      case "C":
        cur.checksum = value;
        break;
      case "c":
        cur.commit = value;
        break;
      case "D":
        cur.depends.push(...value.split(/\s+/).filter(Boolean));
        break;
      case "p":
        cur.provides.push(...value.split(/\s+/).filter(Boolean));
        break;
      case "F":
        dir = value;
        break;
      case "R":
        if (value && !value.includes("/")) cur.files.push(`/${dir ? `${dir}/` : ""}${value}`);
        break;
      default:
        break;
    }
  }
  flush();
  return out;
}

/** `so:libc.musl-x86_64.so.1=1`, `musl>=1.2` → the name part. */
function dependencyName(dep: string): string | undefined {
  if (dep.startsWith("!")) return undefined; // a conflict, not a dependency
  return /^([^<>=~]+)/.exec(dep)?.[1];
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "Alpine/Wolfi packages from /lib/apk/db/installed",
  wants: [{ glob: DB, maxBytes: 64 << 20 }],
  catalog(input: CatalogInput): CatalogResult {
    const warn = new WarningList();
    const file = input.files.get(DB);
    if (!file?.bytes) return { components: [], warnings: [] };
    const packages = parseInstalled(Buffer.from(file.bytes).toString("utf8"), file.path, warn);
    const namespace = input.distro?.id ?? "alpine";
    const distro = input.distro?.release ?? input.distro?.versionId;
    const refOf = new Map<string, string>();
    const components: { pkg: ApkPackage; component: SbomComponent }[] = [];
    for (const pkg of [...packages].sort((a, b) => compareStrings(a.name, b.name))) {
      if (refOf.has(pkg.name)) {
        warn.add(file.path, `package ${pkg.name} is listed twice; kept the first`);
        continue;
      }
      const purl = purlString("apk", namespace, pkg.name, pkg.version, { arch: pkg.arch, distro });
      const ref = purl ?? `apk:${pkg.name}@${pkg.version}`;
      const license = pkg.license ? normaliseLicense(pkg.license) : undefined;
      const properties: Record<string, string> = { "mailknight:apk:origin": pkg.origin ?? pkg.name };
      if (pkg.checksum) properties["mailknight:apk:checksum"] = pkg.checksum;
      if (pkg.commit) properties["mailknight:apk:commit"] = pkg.commit;
      const component = osPackageComponent({
        ref,
        purl,
        name: pkg.name,
        version: pkg.version,
        licenses: license ? [license] : [],
        locations: [file.path],
        properties,
        cataloger: id,
        supplier: pkg.maintainer,
        description: pkg.description,
        url: pkg.url,
      });
      refOf.set(pkg.name, ref);
      components.push({ pkg, component });
    }
    const provider = new Map<string, string>();
    for (const { pkg, component } of components) {
      for (const p of pkg.provides) {
        const name = dependencyName(p);
        if (name && !provider.has(name)) provider.set(name, component.ref);
      }
    }
    for (const { pkg, component } of components) {
      const deps = pkg.depends.map(dependencyName).filter((n): n is string => n !== undefined);
      component.dependsOn = sortUnique(deps.map((n) => refOf.get(n) ?? provider.get(n)).filter((r): r is string => r !== undefined && r !== component.ref));
    }
    return { components: components.map((c) => c.component), warnings: warn.done(), ownedFiles: packages.flatMap((p) => p.files) };
  },
};
