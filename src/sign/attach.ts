/**
 * Attaches signatures and attestations to an image in any ImageStore (layout or registry):
 * - OCI 1.1 referrers: an artifact manifest with `subject` = the image. A registry with the
 *   referrers API indexes it itself (it answers the push with `OCI-Subject`); everywhere else
 *   (registries without the API, OCI layouts) it is listed in the `sha256-<hex>` fallback tag, an
 *   image index, as the distribution spec's referrers tag schema says;
 * - cosign's legacy tags `sha256-<hex>.sig` / `.att`, one layer per signature/attestation.
 * Writes go blobs → manifest → tag, so a tag never points at something incomplete.
 */
import { MkError } from "../errors.js";
import { sha256Digest } from "../util/digest.js";
import { MediaType, type Descriptor, type ImageIndex, type ImageManifest } from "../oci/spec.js";
import type { ImageStore } from "../oci/registry/store.js";
import { cosignConfig } from "./cosign.js";

export const BUNDLE_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json";
export const EMPTY_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
const EMPTY_JSON = Buffer.from("{}");

export type LegacySuffix = "sig" | "att";

function hexOf(digest: string): string {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new MkError("E_OCI", `${JSON.stringify(digest)} is not a sha256 manifest digest`, { hint: "resolve the image to sha256:<hex> first" });
  return m[1] as string;
}

export function referrersTag(digest: string): string {
  return `sha256-${hexOf(digest)}`;
}

export function legacyTag(digest: string, suffix: LegacySuffix): string {
  return `sha256-${hexOf(digest)}.${suffix}`;
}

async function putBlob(store: ImageStore, bytes: Buffer, mediaType: string): Promise<Descriptor> {
  const desc: Descriptor = { mediaType, digest: sha256Digest(bytes), size: bytes.byteLength };
  await store.writeBlob(desc, () => Promise.resolve(bytes));
  return desc;
}

async function readBytes(store: ImageStore, desc: Descriptor): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  await store.readBlob(desc, (c) => void chunks.push(c));
  return Buffer.concat(chunks);
}

export async function readJsonManifest<T>(store: ImageStore, digest: string): Promise<{ value: T; bytes: Buffer }> {
  const m = await store.readManifest(digest);
  if (sha256Digest(m.bytes) !== digest) {
    throw new MkError("E_INTEGRITY", `manifest ${digest} in ${store.description} hashes to ${sha256Digest(m.bytes)}`, { hint: "the store is damaged or was tampered with" });
  }
  return { value: JSON.parse(m.bytes.toString("utf8")) as T, bytes: m.bytes };
}

export { readBytes as readBlobBytes };

/** Writes a referrer manifest for `subject` carrying `payload` as its one layer, and lists it. */
export async function attachReferrer(
  store: ImageStore,
  subject: Descriptor,
  artifactType: string,
  payload: Buffer,
  annotations: Record<string, string> = {},
): Promise<Descriptor> {
  const config = await putBlob(store, EMPTY_JSON, EMPTY_MEDIA_TYPE);
  const layer = await putBlob(store, payload, artifactType);
  const manifest: ImageManifest & { artifactType: string; subject: Descriptor } = {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    artifactType,
    config,
    layers: [layer],
    subject: { mediaType: subject.mediaType, digest: subject.digest, size: subject.size },
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  const written = await store.writeManifest(bytes, MediaType.manifest);
  const desc = written.descriptor;
  // Distribution spec v1.1: when the registry answered `OCI-Subject`, clients must not write the tag.
  if (!written.subjectAccepted) {
    await addToReferrersIndex(store, subject.digest, { mediaType: MediaType.manifest, digest: desc.digest, size: desc.size, artifactType, ...(manifest.annotations ? { annotations: manifest.annotations } : {}) });
  }
  return desc;
}

/**
 * Adds `entry` (a referrer's descriptor, with artifactType and annotations) to the `sha256-<hex>`
 * fallback index of `subjectDigest`, creating it when missing; nothing when it is listed already.
 * For stores that did not index the subject themselves (see WrittenManifest.subjectAccepted).
 * Read-modify-write: not atomic against a concurrent writer on a registry (the distribution spec
 * offers no compare-and-swap); the same holds for cosign and oras.
 */
export async function addToReferrersIndex(store: ImageStore, subjectDigest: string, entry: Descriptor): Promise<void> {
  const tag = referrersTag(subjectDigest);
  const current = await readFallbackIndex(store, subjectDigest);
  if (current.some((d) => d.digest === entry.digest)) return;
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.index, manifests: [...current, entry] };
  const bytes = Buffer.from(JSON.stringify(index));
  const { descriptor } = await store.writeManifest(bytes, MediaType.index);
  await store.tag(tag, { ...descriptor, mediaType: MediaType.index });
}

/** The fallback tag's index entries only (empty when there is no such tag), digest-checked. */
async function readFallbackIndex(store: ImageStore, digest: string): Promise<Descriptor[]> {
  const found = await store.resolve(referrersTag(digest));
  if (!found) return [];
  const { value } = await readJsonManifest<ImageIndex>(store, found.digest);
  return Array.isArray(value.manifests) ? value.manifests : [];
}

/**
 * Referrer descriptors of `digest` (empty when there are none): the registry's referrers API
 * where it has one, else the `sha256-<hex>` fallback index.
 */
export async function listReferrers(store: ImageStore, digest: string): Promise<Descriptor[]> {
  referrersTag(digest); // refuses what is not a sha256 digest, as before
  return await store.referrers(digest);
}

export interface LegacyLayer {
  payload: Buffer;
  mediaType: string;
  annotations: Record<string, string>;
}

/** Appends a layer to the image under cosign's `.sig`/`.att` tag (creating it when missing). */
export async function attachLegacy(store: ImageStore, subjectDigest: string, suffix: LegacySuffix, add: LegacyLayer): Promise<Descriptor> {
  const tag = legacyTag(subjectDigest, suffix);
  const existing = await store.resolve(tag);
  let layers: Descriptor[] = [];
  if (existing) layers = (await readJsonManifest<ImageManifest>(store, existing.digest)).value.layers;
  const layer = await putBlob(store, add.payload, add.mediaType);
  const same = (d: Descriptor): boolean => d.digest === layer.digest && JSON.stringify(d.annotations ?? {}) === JSON.stringify(add.annotations);
  // ggcr's descriptor field order (mediaType, size, digest, annotations), as in cosign's manifests.
  if (!layers.some(same)) layers = [...layers, { mediaType: layer.mediaType, size: layer.size, digest: layer.digest, annotations: add.annotations }];
  const c = await putBlob(store, cosignConfig(layers.map((l) => l.digest)), MediaType.config);
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.manifest, config: { mediaType: c.mediaType, size: c.size, digest: c.digest }, layers };
  const { descriptor: desc } = await store.writeManifest(Buffer.from(JSON.stringify(manifest)), MediaType.manifest);
  await store.tag(tag, { ...desc, mediaType: MediaType.manifest });
  return desc;
}

/** Layers under a legacy tag with their bytes (read and digest-checked). */
export async function readLegacy(store: ImageStore, subjectDigest: string, suffix: LegacySuffix): Promise<{ descriptor: Descriptor; payload: Buffer }[]> {
  const found = await store.resolve(legacyTag(subjectDigest, suffix));
  if (!found) return [];
  const { value } = await readJsonManifest<ImageManifest>(store, found.digest);
  const out = [];
  for (const d of value.layers) out.push({ descriptor: d, payload: await readBytes(store, d) });
  return out;
}
