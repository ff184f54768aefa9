/**
 * The image BOM (CycloneDX 1.6, one `container` component per distinct image, with where it is
 * referenced) and the mirror list (distinct registries and images) for air-gapped installs.
 * Pure functions of scan results; time and serial number come from the caller.
 */
import { PackageURL } from "packageurl-js";
import { formatReference, parseReference, type ImageReference } from "../oci/registry/reference.js";
import type { FoundRef } from "./model.js";

export interface BomOptions {
  /** RFC 3339 timestamp (from SOURCE_DATE_EPOCH or the clock). */
  timestamp: string;
  serialNumber: string;
  toolVersion: string;
}

interface ImageGroup {
  ref: ImageReference;
  where: FoundRef[];
}

function groupImages(refs: FoundRef[]): ImageGroup[] {
  const groups = new Map<string, ImageGroup>();
  for (const r of refs) {
    if (r.kind !== "image" || r.ref.startsWith("oci:")) continue;
    const parsed = parseReference(r.ref);
    const ref = parsed.tag === undefined && parsed.digest === undefined ? { ...parsed, tag: "latest" } : parsed;
    const key = formatReference(ref);
    const g = groups.get(key) ?? { ref, where: [] };
    g.where.push(r);
    groups.set(key, g);
  }
  return [...groups.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);
}

/** purl-spec `oci` type: name is the last path component, repository_url the full location. */
function purlOf(ref: ImageReference): string {
  const name = ref.repository.split("/").pop() as string;
  const qualifiers: Record<string, string> = { repository_url: `${ref.registry}/${ref.repository}` };
  if (ref.tag) qualifiers.tag = ref.tag;
  return new PackageURL("oci", undefined, name, ref.digest, qualifiers).toString();
}

export function imageBom(refs: FoundRef[], opts: BomOptions): Record<string, unknown> {
  const components = groupImages(refs).map(({ ref, where }) => {
    const bomRef = formatReference(ref);
    return {
      type: "container",
      "bom-ref": bomRef,
      name: `${ref.registry}/${ref.repository}`,
      ...(ref.tag ? { version: ref.tag } : ref.digest ? { version: ref.digest } : {}),
      purl: purlOf(ref),
      ...(ref.digest ? { hashes: [{ alg: ref.digest.startsWith("sha512:") ? "SHA-512" : "SHA-256", content: ref.digest.split(":")[1] }] } : {}),
      properties: [
        { name: "dev.mailknight:registry", value: ref.registry },
        { name: "dev.mailknight:repository", value: ref.repository },
        ...(ref.tag ? [{ name: "dev.mailknight:tag", value: ref.tag }] : []),
        ...(ref.digest ? [{ name: "dev.mailknight:digest", value: ref.digest }] : []),
        { name: "dev.mailknight:pinned", value: String(ref.digest !== undefined) },
        ...where
          .map((w) => `${w.file}:${w.line}`)
          .sort()
          .map((value) => ({ name: "dev.mailknight:referenced-in", value })),
      ],
    };
  });
  return {
    $schema: "http://cyclonedx.org/schema/bom-1.6.schema.json",
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    serialNumber: opts.serialNumber,
    version: 1,
    metadata: {
      timestamp: opts.timestamp,
      tools: { components: [{ type: "application", name: "mailknight", version: opts.toolVersion }] },
    },
    components,
  };
}

export interface MirrorList {
  registries: string[];
  /** Fully qualified references, tag and digest as referenced. */
  images: string[];
}

export function mirrorList(refs: FoundRef[]): MirrorList {
  const groups = groupImages(refs);
  return {
    registries: [...new Set(groups.map((g) => g.ref.registry))].sort(),
    images: groups.map((g) => formatReference(g.ref)),
  };
}
