/**
 * rpm: Red Hat family and SUSE packages from the sqlite rpm database (`rpmdb.sqlite` under
 * /var/lib/rpm, or /usr/lib/sysimage/rpm on newer Fedora and SUSE). The header blobs are decoded
 * here (header.ts) from the database read in pure TypeScript (sqlite.ts): no rpm or sqlite3
 * binary is run on untrusted input. Berkeley DB (`Packages`, RHEL ≤ 8) and NDB (`Packages.db`,
 * SUSE) databases are not read yet, and say so in a warning rather than yield an empty list.
 */
import { normaliseLicense } from "../../licenses.js";
import { compareStrings, sortUnique, type CatalogResult, type SbomComponent } from "../../model.js";
import { purlString } from "../../purl.js";
import type { CollectedFile } from "../../source/types.js";
import { WarningList, type Cataloger, type CatalogInput } from "../types.js";
import { RpmHeader, RpmHeaderError, Tag } from "./header.js";
import { SqliteFormatError, readTable } from "./sqlite.js";
import { osPackageComponent } from "../os-package.js";

export const id = "rpm";

const DIRS = ["/var/lib/rpm", "/usr/lib/sysimage/rpm"];

/** os-release ID → the PURL namespace trivy and syft use for that distro's rpms. */
const NAMESPACES: Record<string, string> = {
  rhel: "redhat",
  almalinux: "alma",
  ol: "oracle",
  amzn: "amazon",
  "opensuse-leap": "opensuse",
  "opensuse-tumbleweed": "opensuse",
  sles: "suse",
};

interface RpmPackage {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  summary?: string;
  vendor?: string;
  sourceRpm?: string;
  url?: string;
  modularityLabel?: string;
  sigMd5?: string;
  provides: string[];
  requires: string[];
  files: string[];
  location: string;
}

/** Installed paths: BASENAMES joined to DIRNAMES through DIRINDEXES (rpm's compressed file list). */
function filesOf(h: RpmHeader): string[] {
  const base = h.stringArray(Tag.baseNames);
  const dirs = h.stringArray(Tag.dirNames);
  const index = h.int32Array(Tag.dirIndexes);
  if (base.length !== index.length) return [];
  return base.map((b, i) => `${dirs[index[i]!] ?? ""}${b}`).filter((p) => p.startsWith("/"));
}

function decode(blob: Uint8Array, location: string, rowid: number, warn: WarningList): RpmPackage | undefined {
  let h: RpmHeader;
  try {
    h = new RpmHeader(blob);
  } catch (e) {
    if (e instanceof RpmHeaderError) {
      warn.add(location, `package row ${rowid}: ${e.message}; skipped`);
      return undefined;
    }
    throw e;
  }
  const name = h.string(Tag.name);
  const version = h.string(Tag.version);
  const release = h.string(Tag.release);
  if (!name || !version || release === undefined) {
    warn.add(location, `package row ${rowid} has no readable name, version or release; skipped`);
    return undefined;
  }
  const pkg: RpmPackage = {
    name,
    version,
    release,
    provides: h.stringArray(Tag.provideName),
    requires: h.stringArray(Tag.requireName),
    files: filesOf(h),
    location,
  };
  const epoch = h.int32(Tag.epoch);
  if (epoch !== undefined) pkg.epoch = epoch;
  const optional: [keyof RpmPackage, number][] = [
    ["arch", Tag.arch],
    ["license", Tag.license],
    ["summary", Tag.summary],
    ["vendor", Tag.vendor],
    ["sourceRpm", Tag.sourceRpm],
    ["url", Tag.url],
    ["modularityLabel", Tag.modularityLabel],
  ];
  for (const [key, tag] of optional) {
    const v = h.string(tag);
    if (v && v !== "(none)") (pkg as unknown as Record<string, string>)[key] = v;
  }
  const md5 = h.binHex(Tag.sigMd5);
  if (md5) pkg.sigMd5 = md5;
  return pkg;
}

function readSqlite(db: CollectedFile, wal: CollectedFile | undefined, warn: WarningList): RpmPackage[] {
  if (!db.bytes) return [];
  let rows;
  try {
    rows = readTable(db.bytes, "Packages", wal?.bytes);
  } catch (e) {
    if (e instanceof SqliteFormatError) {
      warn.add(db.path, `cannot read the rpm database: ${e.message}; no rpm packages listed from it`);
      return [];
    }
    throw e;
  }
  const out: RpmPackage[] = [];
  for (const row of rows) {
    const blob = row.values[1];
    if (!(blob instanceof Uint8Array)) {
      warn.add(db.path, `Packages row ${row.rowid} has no header blob; skipped`);
      continue;
    }
    const pkg = decode(blob, db.path, row.rowid, warn);
    if (pkg) out.push(pkg);
  }
  return out;
}

/** Names a database format we do not read, from its first bytes. */
function legacyFormat(file: CollectedFile): string {
  const b = file.bytes ?? new Uint8Array(0);
  if (b.byteLength >= 16) {
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    if (view.getUint32(12, true) === 0x00061561 || view.getUint32(12, false) === 0x00061561) return "a Berkeley DB hash database (RHEL/CentOS 8 and older)";
  }
  if (Buffer.from(b.subarray(0, 4)).toString("latin1") === "RpmP") return "an NDB database (SUSE)";
  return "a legacy rpm database";
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "rpm packages from rpmdb.sqlite (Berkeley DB and NDB databases are reported, not read)",
  wants: DIRS.flatMap((d) => [
    { glob: `${d}/rpmdb.sqlite`, maxBytes: 512 << 20 },
    { glob: `${d}/rpmdb.sqlite-wal`, maxBytes: 512 << 20 },
    { glob: `${d}/Packages`, maxBytes: 64, truncate: true },
    { glob: `${d}/Packages.db`, maxBytes: 64, truncate: true },
  ]),
  catalog(input: CatalogInput): CatalogResult {
    const warn = new WarningList();
    const packages: RpmPackage[] = [];
    for (const dir of DIRS) {
      const db = input.files.get(`${dir}/rpmdb.sqlite`);
      if (db) {
        packages.push(...readSqlite(db, input.files.get(`${dir}/rpmdb.sqlite-wal`), warn));
        continue;
      }
      for (const legacy of ["Packages", "Packages.db"]) {
        const file = input.files.get(`${dir}/${legacy}`);
        if (file && file.size > 0) {
          warn.add(file.path, `is ${legacyFormat(file)}, which Mailknight cannot read yet: the rpm packages of this image are NOT listed in the SBOM (convert with \`rpmdb --rebuilddb\` on rpm ≥ 4.16 to get rpmdb.sqlite)`);
        }
      }
    }
    const osId = input.distro?.id;
    const namespace = osId ? (NAMESPACES[osId] ?? osId) : undefined;
    const distro = namespace && input.distro?.versionId ? `${namespace}-${input.distro.versionId}` : undefined;
    const byName = new Map<string, string>();
    const provider = new Map<string, string>();
    const built: { pkg: RpmPackage; component: SbomComponent }[] = [];
    const sorted = packages
      // gpg-pubkey "packages" are the imported signing keys, not software (trivy and syft skip them too).
      .filter((p) => p.name !== "gpg-pubkey")
      .sort((a, b) => compareStrings(`${a.name} ${a.version}-${a.release} ${a.arch ?? ""}`, `${b.name} ${b.version}-${b.release} ${b.arch ?? ""}`));
    for (const pkg of sorted) {
      const evr = `${pkg.version}-${pkg.release}`;
      const purl = purlString("rpm", namespace, pkg.name, evr, { arch: pkg.arch, epoch: pkg.epoch !== undefined && pkg.epoch !== 0 ? String(pkg.epoch) : undefined, distro });
      const ref = purl ?? `rpm:${pkg.name}@${evr}.${pkg.arch ?? ""}`;
      const license = pkg.license ? normaliseLicense(pkg.license) : undefined;
      const properties: Record<string, string> = {};
      if (pkg.sourceRpm) properties["mailknight:rpm:sourceRpm"] = pkg.sourceRpm;
      if (pkg.modularityLabel) properties["mailknight:rpm:modularityLabel"] = pkg.modularityLabel;
      if (pkg.sigMd5) properties["mailknight:rpm:sigmd5"] = pkg.sigMd5;
      if (pkg.vendor) properties["mailknight:rpm:vendor"] = pkg.vendor;
      const component = osPackageComponent({
        ref,
        purl,
        name: pkg.name,
        version: pkg.epoch ? `${pkg.epoch}:${evr}` : evr,
        licenses: license ? [license] : [],
        locations: [pkg.location],
        properties,
        cataloger: id,
        supplier: pkg.vendor,
        description: pkg.summary,
        url: pkg.url,
      });
      if (!byName.has(pkg.name)) byName.set(pkg.name, ref);
      for (const p of pkg.provides) if (!provider.has(p)) provider.set(p, ref);
      built.push({ pkg, component });
    }
    for (const { pkg, component } of built) {
      const deps = pkg.requires
        .filter((r) => !r.startsWith("rpmlib("))
        .map((r) => byName.get(r) ?? provider.get(r))
        .filter((r): r is string => r !== undefined && r !== component.ref);
      component.dependsOn = sortUnique(deps);
    }
    return { components: built.map((b) => b.component), warnings: warn.done(), ownedFiles: packages.flatMap((p) => p.files) };
  },
};
