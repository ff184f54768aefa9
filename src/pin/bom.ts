/**
 * The image BOM (CycloneDX 1.6, one `container` component per distinct image, with where it is
 * referenced) and the mirror list (distinct registries and images) for air-gapped installs.
 * Pure functions of scan results; time and serial number come from the caller. Evidence found
 * in registries (signatures, SBOM, provenance) is added as `dev.mailknight:evidence:*` properties.
 */
import { randomUUID } from "node:crypto";
import { PackageURL } from "packageurl-js";
import { MkError } from "../errors.js";
import { formatReference, parseReference, type ImageReference } from "../oci/registry/reference.js";
import type { FoundRef } from "./model.js";
import type { EvidenceRow } from "../sign/evidence.js";

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

/** Property names of the evidence matrix on an image BOM's container components. */
export const EvidenceProperty = {
  /** The digest the reference resolved to when the evidence was read. */
  digest: "dev.mailknight:evidence:digest",
  /** One per layout found: `cosign-tag` (`sha256-<hex>.sig`), `referrer` (Sigstore bundle); `none`. */
  signed: "dev.mailknight:evidence:signed",
  /** One per claimed signer (not verified). */
  signers: "dev.mailknight:evidence:signers",
  sbom: "dev.mailknight:evidence:sbom",
  provenance: "dev.mailknight:evidence:provenance",
  /** One per attestation predicate type found. */
  predicateType: "dev.mailknight:evidence:predicate-type",
  /** Why the image could not be read; the other evidence properties are then absent (unknown). */
  error: "dev.mailknight:evidence:error",
} as const;

const EVIDENCE_PREFIX = "dev.mailknight:evidence:";

/** A container component of an image BOM, as a reference to read evidence for. */
export interface BomImage {
  /** Matches the component: its `bom-ref`, else its position (`components[3]`). */
  key: string;
  bomRef?: string;
  /** `registry/repository[:tag][@digest]` (from the dev.mailknight properties, else name/version). */
  reference: string;
  referencedIn: string[];
}

/** What withEvidence needs: an evidence row of sign/evidence.ts, keyed to its BOM component. */
export type ImageEvidence = Omit<EvidenceRow, "image" | "bomRef" | "referencedIn"> & { key: string };

interface BomComponent {
  type?: unknown;
  "bom-ref"?: unknown;
  name?: unknown;
  version?: unknown;
  properties?: { name?: unknown; value?: unknown }[];
  components?: unknown;
}

/** Container components in document order (nested ones too), with the key each is matched by. */
function containers(bom: unknown, file: string): { key: string; c: BomComponent }[] {
  const b = bom as { bomFormat?: unknown; components?: unknown } | null;
  if (!b || typeof b !== "object" || b.bomFormat !== "CycloneDX") {
    throw new MkError("E_CONFIG_INVALID", `${file} is not a CycloneDX JSON BOM (bomFormat is not "CycloneDX")`, { hint: "write one with `mailknight pin bom <dirs> -o images.cdx.json`" });
  }
  const out: { key: string; c: BomComponent }[] = [];
  const walk = (list: unknown, path: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((c: BomComponent, i) => {
      if (!c || typeof c !== "object") return;
      const here = `${path}[${i}]`;
      if (c.type === "container") out.push({ key: typeof c["bom-ref"] === "string" ? c["bom-ref"] : here, c });
      walk(c.components, `${here}.components`);
    });
  };
  walk(b.components, "components");
  return out;
}

function props(c: BomComponent, name: string): string[] {
  return (Array.isArray(c.properties) ? c.properties : []).filter((p) => p?.name === name && typeof p.value === "string").map((p) => p.value as string);
}

/**
 * The images of an image BOM (`mailknight pin bom`, or any CycloneDX BOM with `container`
 * components): the dev.mailknight registry/repository/tag/digest properties when present, else
 * the component's name and version (a digest version is `@`, anything else `:`).
 */
export function imagesOfBom(bom: unknown, file = "the BOM"): BomImage[] {
  return containers(bom, file).map(({ key, c }) => {
    const [registry] = props(c, "dev.mailknight:registry");
    const [repository] = props(c, "dev.mailknight:repository");
    let reference: string;
    if (registry && repository) {
      const [tag] = props(c, "dev.mailknight:tag");
      const [digest] = props(c, "dev.mailknight:digest");
      reference = formatReference({ registry, repository, tag, digest });
    } else {
      const name = typeof c.name === "string" ? c.name : "";
      const version = typeof c.version === "string" ? c.version : "";
      reference = version ? `${name}${/^sha(256|512):/.test(version) ? "@" : ":"}${version}` : name;
    }
    return { key, ...(typeof c["bom-ref"] === "string" ? { bomRef: c["bom-ref"] } : {}), reference, referencedIn: props(c, "dev.mailknight:referenced-in") };
  });
}

function evidenceProperties(e: ImageEvidence): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  if (e.digest) out.push({ name: EvidenceProperty.digest, value: e.digest });
  if (e.error !== undefined) return [...out, { name: EvidenceProperty.error, value: e.error || "unknown error" }];
  const signed = [...(e.signedLegacy ? ["cosign-tag"] : []), ...(e.signedReferrer ? ["referrer"] : [])];
  for (const v of signed.length ? signed : ["none"]) out.push({ name: EvidenceProperty.signed, value: v });
  for (const s of [...e.signers].sort()) out.push({ name: EvidenceProperty.signers, value: s });
  out.push({ name: EvidenceProperty.sbom, value: String(e.sbom) }, { name: EvidenceProperty.provenance, value: String(e.provenance) });
  for (const t of [...e.predicateTypes].sort()) out.push({ name: EvidenceProperty.predicateType, value: t });
  return out;
}

/**
 * Pure: a copy of the BOM with each container component's `dev.mailknight:evidence:*`
 * properties replaced by those of its evidence row (matched by key, see imagesOfBom). Components
 * without a row keep what they had.
 */
export function withEvidence<T>(bom: T, evidence: ImageEvidence[]): T {
  const copy = structuredClone(bom);
  const byKey = new Map(evidence.map((e) => [e.key, e]));
  for (const { key, c } of containers(copy, "the BOM")) {
    const e = byKey.get(key);
    if (!e) continue;
    const kept = (Array.isArray(c.properties) ? c.properties : []).filter((p) => typeof p?.name !== "string" || !p.name.startsWith(EVIDENCE_PREFIX));
    c.properties = [...kept, ...evidenceProperties(e)];
  }
  return copy;
}

/** The edge: timestamp from SOURCE_DATE_EPOCH when set (reproducible BOMs), else the clock; a random serial. */
export function defaultBomOptions(toolVersion: string, env: NodeJS.ProcessEnv = process.env, now: () => Date = () => new Date()): BomOptions {
  const sde = env.SOURCE_DATE_EPOCH;
  const t = sde && /^\d+$/.test(sde) ? new Date(Number(sde) * 1000) : now();
  return { timestamp: t.toISOString().replace(/\.\d{3}Z$/, "Z"), serialNumber: `urn:uuid:${randomUUID()}`, toolVersion };
}
