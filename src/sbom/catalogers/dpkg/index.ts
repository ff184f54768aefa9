/**
 * dpkg: Debian and Ubuntu packages from `/var/lib/dpkg/status` and distroless-style
 * `/var/lib/dpkg/status.d/*` (one file per package). Only packages dpkg considers installed
 * (`Status: … installed`) are listed: `deinstall ok config-files` leftovers have no files.
 * Depends/Pre-Depends become dependency edges to the installed package that satisfies them
 * (directly or through Provides); licenses come from DEP-5 copyright files.
 */
import { compareStrings, sortUnique, type CatalogResult, type SbomComponent } from "../../model.js";
import { distroQualifier, purlString, splitEpoch } from "../../purl.js";
import type { CollectedFile } from "../../source/types.js";
import { WarningList, type Cataloger, type CatalogInput } from "../types.js";
import { field, parseDeb822, parseRelations, type Paragraph } from "./control.js";
import { dep5Licenses } from "./copyright.js";
import { osPackageComponent } from "../os-package.js";

export const id = "dpkg";

const STATUS = "/var/lib/dpkg/status";
const STATUS_D = "/var/lib/dpkg/status.d/";

interface DpkgPackage {
  name: string;
  version: string;
  arch: string;
  source?: string;
  sourceVersion?: string;
  maintainer?: string;
  description?: string;
  depends: ReturnType<typeof parseRelations>;
  provides: string[];
  installedSize?: string;
  multiArch?: string;
  location: string;
}

const NAME_RE = /^[a-z0-9][a-z0-9+.-]*$/;
const VERSION_RE = /^(\d+:)?[A-Za-z0-9.+~:-]+$/;

function toPackage(p: Paragraph, file: string, warn: WarningList): DpkgPackage | undefined {
  const name = field(p, "Package");
  const status = field(p, "Status");
  // status.d files of distroless have no Status field: everything there is installed.
  // `Status: <want> <flag> <state>`: only the state `installed` has its files on disk.
  if (status !== undefined && status.trim().split(/\s+/)[2] !== "installed") return undefined;
  if (!name || !NAME_RE.test(name)) {
    warn.add(file, `paragraph at line ${p.line} has no valid Package field (found ${JSON.stringify(name ?? "")}); skipped`);
    return undefined;
  }
  const version = field(p, "Version");
  if (!version || !VERSION_RE.test(version)) {
    warn.add(file, `package ${name} (line ${p.line}) has no valid Version (found ${JSON.stringify(version ?? "")}); skipped`);
    return undefined;
  }
  const pkg: DpkgPackage = {
    name,
    version,
    arch: field(p, "Architecture")?.trim() || "",
    depends: [...parseRelations(field(p, "Pre-Depends")), ...parseRelations(field(p, "Depends"))],
    provides: parseRelations(field(p, "Provides")).flat().map((r) => r.name),
    location: file,
  };
  const source = field(p, "Source");
  if (source) {
    // `Source: util-linux (2.38.1-5+deb12u3)`: the binNMU'd or differently versioned source.
    const m = /^([a-z0-9][a-z0-9+.-]*)(?:\s*\(([^)]+)\))?/.exec(source.trim());
    if (m) {
      pkg.source = m[1]!;
      if (m[2]) pkg.sourceVersion = m[2].trim();
    }
  }
  const maintainer = field(p, "Maintainer");
  if (maintainer) pkg.maintainer = maintainer.split("\n")[0]!.trim();
  const description = field(p, "Description");
  if (description) pkg.description = description.split("\n")[0]!.trim();
  const size = field(p, "Installed-Size");
  if (size && /^\d+$/.test(size)) pkg.installedSize = size;
  const multiArch = field(p, "Multi-Arch");
  if (multiArch) pkg.multiArch = multiArch;
  return pkg;
}

function statusFiles(files: CollectedFile[]): CollectedFile[] {
  return files.filter((f) => f.path === STATUS || (f.path.startsWith(STATUS_D) && !/\.(md5sums|list|conffiles)$/.test(f.path)));
}

function purlFor(pkg: DpkgPackage, input: CatalogInput): string | undefined {
  const { epoch, rest } = splitEpoch(pkg.version);
  const namespace = input.distro?.id === "ubuntu" ? "ubuntu" : input.distro?.id && input.distro.idLike.includes("debian") ? input.distro.id : "debian";
  return purlString("deb", namespace, pkg.name, rest, { arch: pkg.arch || undefined, epoch, distro: distroQualifier(input.distro) });
}

/** The copyright file of a package, as dpkg installs it (`<name>:<arch>` docs share the name). */
function licensesOf(pkg: DpkgPackage, input: CatalogInput): { licenses: string[]; location?: string } {
  const file = input.files.get(`/usr/share/doc/${pkg.name}/copyright`);
  if (!file?.bytes) return { licenses: [] };
  const licenses = dep5Licenses(Buffer.from(file.bytes).toString("utf8"));
  return licenses.length ? { licenses, location: file.path } : { licenses: [] };
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "Debian packages from /var/lib/dpkg/status and status.d/, licenses from DEP-5 copyright files",
  wants: [
    { glob: STATUS, maxBytes: 64 << 20 },
    { glob: `${STATUS_D}*`, maxBytes: 4 << 20 },
    { glob: "/usr/share/doc/*/copyright", maxBytes: 512 << 10 },
    // Which package installed which file: lets language catalogers recognise what dpkg already listed.
    { glob: "/var/lib/dpkg/info/*.list", maxBytes: 16 << 20 },
  ],
  catalog(input: CatalogInput): CatalogResult {
    const warn = new WarningList();
    const packages: DpkgPackage[] = [];
    for (const file of statusFiles(input.files.list())) {
      if (!file.bytes) continue;
      const text = Buffer.from(file.bytes).toString("utf8");
      const { paragraphs, problems } = parseDeb822(text);
      for (const pr of problems) warn.add(file.path, `line ${pr.line}: ${pr.message}`);
      if (paragraphs.length === 0 && text.trim() !== "") warn.add(file.path, "no package paragraphs found; is this a dpkg status file?");
      for (const p of paragraphs) {
        const pkg = toPackage(p, file.path, warn);
        if (pkg) packages.push(pkg);
      }
    }
    // One entry per name and architecture; a second one (status and status.d both listing it) is ignored.
    const byKey = new Map<string, DpkgPackage>();
    for (const pkg of packages) {
      const key = `${pkg.name}:${pkg.arch}`;
      const seen = byKey.get(key);
      if (!seen) byKey.set(key, pkg);
      else if (seen.version !== pkg.version) warn.add(pkg.location, `package ${key} is listed twice with versions ${seen.version} and ${pkg.version}; kept the first`);
    }
    const refOf = new Map<string, string>();
    const providers = new Map<string, string[]>();
    const components = new Map<DpkgPackage, SbomComponent>();
    for (const pkg of [...byKey.values()].sort((a, b) => compareStrings(`${a.name}:${a.arch}`, `${b.name}:${b.arch}`))) {
      const purl = purlFor(pkg, input);
      const ref = purl ?? `dpkg:${pkg.name}:${pkg.arch}@${pkg.version}`;
      const { licenses, location } = licensesOf(pkg, input);
      const properties: Record<string, string> = {
        "mailknight:dpkg:source": pkg.source ?? pkg.name,
        "mailknight:dpkg:sourceVersion": pkg.sourceVersion ?? pkg.version,
      };
      if (pkg.installedSize) properties["mailknight:dpkg:installedSize"] = pkg.installedSize;
      if (pkg.multiArch) properties["mailknight:dpkg:multiArch"] = pkg.multiArch;
      if (pkg.arch) properties["mailknight:dpkg:architecture"] = pkg.arch;
      const component = osPackageComponent({
        ref,
        purl,
        name: pkg.name,
        version: pkg.version,
        licenses,
        locations: sortUnique([pkg.location, ...(location ? [location] : [])]),
        properties,
        cataloger: id,
        supplier: pkg.maintainer,
        description: pkg.description,
      });
      components.set(pkg, component);
      if (!refOf.has(pkg.name)) refOf.set(pkg.name, ref);
      for (const virtual of pkg.provides) providers.set(virtual, [...(providers.get(virtual) ?? []), ref]);
    }
    for (const [pkg, component] of components) {
      const deps = new Set<string>();
      for (const alternatives of pkg.depends) {
        // The first alternative that is installed is the one that satisfied the dependency.
        for (const alt of alternatives) {
          const target = refOf.get(alt.name) ?? providers.get(alt.name)?.[0];
          if (target && target !== component.ref) {
            deps.add(target);
            break;
          }
        }
      }
      component.dependsOn = sortUnique(deps);
    }
    const ownedFiles: string[] = [];
    for (const f of input.files.list()) {
      if (!f.path.startsWith("/var/lib/dpkg/info/") || !f.path.endsWith(".list") || !f.bytes) continue;
      for (const line of Buffer.from(f.bytes).toString("utf8").split("\n")) if (line.startsWith("/")) ownedFiles.push(line);
    }
    return { components: [...components.values()], warnings: warn.done(), ownedFiles };
  },
};
