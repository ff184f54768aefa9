/**
 * Signing and attesting one image in a store, in both layouts consumers read today: a Sigstore
 * bundle v0.3 referrer and cosign's legacy `.sig` / `.att` tags. Each layout can be switched off.
 */
import { bundleToJSON, envelopeToJSON, type Bundle } from "@sigstore/bundle";
import type { Descriptor } from "../oci/spec.js";
import type { ImageStore } from "../oci/registry/store.js";
import { DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE } from "../attest/dsse.js";
import { PredicateType, digestSet, statement } from "../attest/statement.js";
import { attachLegacy, attachReferrer, BUNDLE_MEDIA_TYPE } from "./attach.js";
import { CosignAnnotation, SIMPLE_SIGNING_MEDIA_TYPE, cosignAnnotations, simpleSigningPayload, sortedAnnotations } from "./cosign.js";
import type { MkSigner } from "./signer.js";

export interface LayoutSwitches {
  /** Sigstore bundle as an OCI 1.1 referrer (+ `sha256-<hex>` tag fallback). Default on. */
  referrers?: boolean;
  /** cosign's `sha256-<hex>.sig` / `.att` tags. Default on. */
  legacy?: boolean;
}

export interface Attached {
  referrer?: Descriptor;
  legacy?: Descriptor;
}

/** Annotations cosign puts on bundle referrers, so `cosign verify` finds the right ones. */
function referrerAnnotations(predicateType: string): Record<string, string> {
  return { "dev.sigstore.bundle.content": "dsse-envelope", "dev.sigstore.bundle.predicateType": predicateType };
}

function bundleBytes(bundle: Bundle): Buffer {
  return Buffer.from(JSON.stringify(bundleToJSON(bundle)));
}

/**
 * Signs the image: the referrer carries a DSSE in-toto statement of predicate type
 * `https://sigstore.dev/cosign/sign/v1` with the image as subject (cosign's new bundle format);
 * the legacy tag carries a raw signature over the simple-signing payload.
 */
export async function signImage(store: ImageStore, subject: Descriptor, dockerReference: string, signer: MkSigner, switches: LayoutSwitches = {}): Promise<Attached> {
  const out: Attached = {};
  if (switches.referrers !== false) {
    const st = statement([{ name: dockerReference, digest: digestSet(subject.digest) }], PredicateType.cosignSign, {});
    const bundle = await signer.signDsse(Buffer.from(JSON.stringify(st)), IN_TOTO_PAYLOAD_TYPE);
    out.referrer = await attachReferrer(store, subject, BUNDLE_MEDIA_TYPE, bundleBytes(bundle), referrerAnnotations(PredicateType.cosignSign));
  }
  if (switches.legacy !== false) {
    const payload = simpleSigningPayload(dockerReference, subject.digest);
    const bundle = await signer.signMessage(payload);
    out.legacy = await attachLegacy(store, subject.digest, "sig", { payload, mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: cosignAnnotations(bundle) });
  }
  return out;
}

/** Attests the image: one DSSE-signed in-toto statement, attached in both layouts. */
export async function attestImage(
  store: ImageStore,
  subject: Descriptor,
  dockerReference: string,
  signer: MkSigner,
  predicateType: string,
  predicate: unknown,
  switches: LayoutSwitches = {},
): Promise<Attached> {
  const st = statement([{ name: dockerReference, digest: digestSet(subject.digest) }], predicateType, predicate);
  const bundle = await signer.signDsse(Buffer.from(JSON.stringify(st)), IN_TOTO_PAYLOAD_TYPE);
  const out: Attached = {};
  if (switches.referrers !== false) {
    out.referrer = await attachReferrer(store, subject, BUNDLE_MEDIA_TYPE, bundleBytes(bundle), referrerAnnotations(predicateType));
  }
  if (switches.legacy !== false && bundle.content.$case === "dsseEnvelope") {
    const envelope = Buffer.from(JSON.stringify(envelopeToJSON(bundle.content.dsseEnvelope)));
    const annotations = sortedAnnotations({ ...cosignAnnotations(bundle, { emptySignature: true }), [CosignAnnotation.predicateType]: predicateType });
    out.legacy = await attachLegacy(store, subject.digest, "att", { payload: envelope, mediaType: DSSE_MEDIA_TYPE, annotations });
  }
  return out;
}
