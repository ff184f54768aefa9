/**
 * The signatures and attestations of a packaged image, as the sign/attest stages left them in the
 * workspace layout, and their copy next to the image in a registry. `publish` uses this to refuse
 * an unsigned release when signing is configured, to carry the evidence along (bundle referrers
 * and cosign's `.sig`/`.att` tags), and to name the evidence digests in the release index.
 */
import { MkError } from "../errors.js";
import type { Descriptor } from "../oci/spec.js";
import { copyImage } from "../oci/registry/copy.js";
import type { ImageStore } from "../oci/registry/store.js";
import { PredicateType } from "../attest/statement.js";
import { addToReferrersIndex, BUNDLE_MEDIA_TYPE, legacyTag, listReferrers, type LegacySuffix } from "../sign/attach.js";

/** The annotation image-sign.ts puts on every bundle referrer (cosign's, too). */
const PREDICATE_ANNOTATION = "dev.sigstore.bundle.predicateType";

export interface ImageSignatures {
  /** Sigstore bundle referrers of the image. */
  referrers: Descriptor[];
  /** cosign's legacy tags, when present. */
  legacy: Partial<Record<LegacySuffix, Descriptor>>;
}

export async function findSignatures(store: ImageStore, digest: string): Promise<ImageSignatures> {
  const referrers = (await listReferrers(store, digest)).filter((d) => d.artifactType === BUNDLE_MEDIA_TYPE);
  const legacy: ImageSignatures["legacy"] = {};
  for (const suffix of ["sig", "att"] as const) {
    const found = await store.resolve(legacyTag(digest, suffix));
    if (found) legacy[suffix] = found;
  }
  return { referrers, legacy };
}

function referrerOf(s: ImageSignatures, predicateType: string): Descriptor | undefined {
  return s.referrers.find((d) => d.annotations?.[PREDICATE_ANNOTATION] === predicateType);
}

/** The signature's manifest digest: the bundle referrer, else the legacy `.sig` manifest. */
export function signatureDigest(s: ImageSignatures): string | undefined {
  return referrerOf(s, PredicateType.cosignSign)?.digest ?? s.legacy.sig?.digest;
}

/** The provenance attestation's manifest digest: its referrer, else the legacy `.att` manifest. */
export function provenanceDigest(s: ImageSignatures): string | undefined {
  return referrerOf(s, PredicateType.slsaProvenance)?.digest ?? s.legacy.att?.digest;
}

/**
 * Refuses an image that carries no signature (and, when attestations are required, no provenance),
 * naming the image and what to run.
 */
export function requireSigned(s: ImageSignatures, what: { ref: string; variant: string; digest: string; attest: boolean }): void {
  const missing = [];
  if (!signatureDigest(s)) missing.push("signature");
  if (what.attest && !provenanceDigest(s)) missing.push("provenance attestation");
  if (missing.length === 0) return;
  throw new MkError("E_NOT_FOUND", `the ${what.variant} image of ${what.ref} (${what.digest}) has no ${missing.join(" and no ")} in the workspace layout, and signing is configured; refusing to publish it unsigned`, {
    hint: `run \`mailknight run ${what.ref}\` (it signs and attests after a passed gate), or \`mailknight stage sign ${what.ref}\` and \`mailknight stage attest ${what.ref}\``,
  });
}

/**
 * Copies the evidence of `subject` from `src` to `dst`: each referrer by digest and then into the
 * destination's referrers listing, and the legacy tags (manifest first, tag last, as for images).
 */
export async function copySignatures(src: ImageStore, dst: ImageStore, subject: string, s: ImageSignatures, concurrency?: number): Promise<void> {
  for (const r of s.referrers) {
    const copied = await copyImage(src, r.digest, dst, { tags: [], concurrency });
    // A registry with the referrers API indexed it itself (OCI-Subject); clients must then not write the tag.
    if (!copied.subjectAccepted) await addToReferrersIndex(dst, subject, r);
  }
  for (const suffix of ["sig", "att"] as const) {
    if (s.legacy[suffix]) await copyImage(src, legacyTag(subject, suffix), dst, { tags: [legacyTag(subject, suffix)], concurrency });
  }
}
