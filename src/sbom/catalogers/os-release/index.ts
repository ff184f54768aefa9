/**
 * os-release: the operating system of the tree, from `/etc/os-release` (or
 * `/usr/lib/os-release`, its documented fallback), refined by the distro's own release file
 * where it records a point release (`/etc/debian_version` 12.5, `/etc/alpine-release` 3.19.1),
 * as trivy reports them. The result's `distro` feeds the OS package catalogers' PURLs.
 */
import type { CatalogResult, Distro, SbomComponent } from "../../model.js";
import type { Cataloger, CatalogInput } from "../types.js";

export const id = "os-release";

const MAX = 64 * 1024;

/** Parses os-release(5): KEY=value lines, values optionally quoted with shell escapes. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2]!;
    const q = value[0];
    if ((q === '"' || q === "'") && value.endsWith(q) && value.length >= 2) value = value.slice(1, -1);
    out[m[1]!] = value.replace(/\\(["'$`\\])/g, "$1");
  }
  return out;
}

function firstLine(bytes: Uint8Array | undefined): string | undefined {
  if (!bytes) return undefined;
  const line = Buffer.from(bytes).toString("utf8").split("\n")[0]?.trim();
  return line ? line.slice(0, 100) : undefined;
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "operating system identity from /etc/os-release and the distro release files",
  wants: [
    { glob: "/etc/os-release", maxBytes: MAX },
    { glob: "/usr/lib/os-release", maxBytes: MAX },
    { glob: "/etc/debian_version", maxBytes: MAX },
    { glob: "/etc/alpine-release", maxBytes: MAX },
  ],
  catalog({ files }: CatalogInput): CatalogResult {
    const file = files.get("/etc/os-release") ?? files.get("/usr/lib/os-release");
    if (!file?.bytes) return { components: [], warnings: [] };
    const fields = parseOsRelease(Buffer.from(file.bytes).toString("utf8"));
    const osId = fields.ID?.toLowerCase();
    if (!osId || !/^[a-z0-9._-]+$/.test(osId)) {
      return { components: [], warnings: [`${file.path}: no valid ID= line (found ${JSON.stringify(fields.ID ?? "")}); operating system unknown`] };
    }
    const distro: Distro = { id: osId, idLike: (fields.ID_LIKE ?? "").split(/\s+/).filter(Boolean).sort() };
    if (fields.VERSION_ID) distro.versionId = fields.VERSION_ID;
    if (fields.PRETTY_NAME) distro.prettyName = fields.PRETTY_NAME;
    const locations = [file.path];
    const releaseFile = osId === "debian" ? "/etc/debian_version" : osId === "alpine" ? "/etc/alpine-release" : undefined;
    const release = releaseFile ? firstLine(files.get(releaseFile)?.bytes) : undefined;
    // debian_version says `trixie/sid` on testing: not a number, so not a release.
    if (release && /^\d+(\.\d+)*$/.test(release)) {
      distro.release = release;
      locations.push(releaseFile!);
    }
    const component: SbomComponent = {
      ref: `os:${osId}@${distro.release ?? distro.versionId ?? "unknown"}`,
      type: "operating-system",
      name: osId,
      version: distro.release ?? distro.versionId ?? "",
      licenses: [],
      hashes: [],
      locations: locations.sort(),
      dependsOn: [],
      properties: {
        ...(fields.PRETTY_NAME ? { "mailknight:os:prettyName": fields.PRETTY_NAME } : {}),
        ...(fields.VERSION_CODENAME ? { "mailknight:os:codename": fields.VERSION_CODENAME } : {}),
        ...(fields.VERSION_ID ? { "mailknight:os:versionId": fields.VERSION_ID } : {}),
      },
      cataloger: id,
      ...(fields.HOME_URL && /^https?:\/\//.test(fields.HOME_URL) ? { externalReferences: [{ type: "website" as const, url: fields.HOME_URL }] } : {}),
    };
    return { components: [component], warnings: [], distro };
  },
};
