/**
 * Cosign's legacy formats, byte-compatible with what cosign writes:
 * - the simple-signing payload of an image signature (SIGNATURE_SPEC.md),
 * - the signature/attestation image config (go-containerregistry's empty image + layers),
 * - the layer annotations, converted from a Sigstore bundle.
 * Field order follows cosign's Go structs, because the payload bytes are what is signed.
 */
import type { Bundle } from "@sigstore/sign";

export const SIMPLE_SIGNING_MEDIA_TYPE = "application/vnd.dev.cosign.simplesigning.v1+json";

export const CosignAnnotation = {
  signature: "dev.cosignproject.cosign/signature",
  certificate: "dev.sigstore.cosign/certificate",
  chain: "dev.sigstore.cosign/chain",
  bundle: "dev.sigstore.cosign/bundle",
  rfc3161Timestamp: "dev.sigstore.cosign/rfc3161timestamp",
  predicateType: "predicateType",
} as const;

/** `{"critical":{"identity":{...},"image":{...},"type":...},"optional":...}` exactly as cosign marshals it. */
export function simpleSigningPayload(dockerReference: string, manifestDigest: string, optional: Record<string, string> | null = null): Buffer {
  const payload = {
    critical: {
      identity: { "docker-reference": dockerReference },
      image: { "docker-manifest-digest": manifestDigest },
      type: "cosign container image signature",
    },
    optional,
  };
  return Buffer.from(JSON.stringify(payload), "utf8");
}

export interface SimpleSigning {
  dockerReference: string;
  manifestDigest: string;
}

/** Parses a simple-signing payload; undefined when it is not one (the caller fails closed). */
export function parseSimpleSigning(bytes: Buffer): SimpleSigning | undefined {
  try {
    const v = JSON.parse(bytes.toString("utf8")) as { critical?: { identity?: Record<string, unknown>; image?: Record<string, unknown>; type?: unknown } };
    const c = v.critical;
    if (c?.type !== "cosign container image signature") return undefined;
    const ref = c.identity?.["docker-reference"];
    const digest = c.image?.["docker-manifest-digest"];
    if (typeof ref !== "string" || typeof digest !== "string") return undefined;
    return { dockerReference: ref, manifestDigest: digest };
  } catch {
    return undefined;
  }
}

/**
 * The config blob of cosign's signature images: ggcr's `empty.Image` with one history entry and
 * one diff_id per layer, zero times. Go's json field order: architecture, created, history, os,
 * rootfs, config. Byte-identical to what current cosign pushes (cosign-format.test.ts); cosign
 * 1.13 stamped `created` with the signing time instead, which verifiers ignore.
 */
export function cosignConfig(layerDigests: string[]): Buffer {
  const zero = "0001-01-01T00:00:00Z";
  const config = {
    architecture: "",
    created: zero,
    history: layerDigests.map(() => ({ created: zero })),
    os: "",
    rootfs: { type: "layers", diff_ids: layerDigests },
    config: {},
  };
  return Buffer.from(JSON.stringify(config), "utf8");
}

function pemOf(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
  return `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
}

/** Go marshals `map[string]string` with sorted keys: cosign's layer annotations come out sorted. */
export function sortedAnnotations(a: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)));
}

/** cosign's legacy Rekor bundle annotation (`bundle.RekorBundle`), field order as in its Go struct. */
export interface RekorLegacyBundle {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

/**
 * Layer annotations cosign writes for a signature made into `bundle`: the base64 signature,
 * the leaf certificate PEM and any chain (keyless), the legacy Rekor bundle (SET + entry) when
 * there is a tlog entry with an inclusion promise, and the RFC 3161 timestamp when a TSA was used.
 * Keys sorted, as Go writes them.
 */
export function cosignAnnotations(bundle: Bundle, opts: { emptySignature?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {};
  const content = bundle.content;
  const sig = content.$case === "messageSignature" ? content.messageSignature.signature : content.dsseEnvelope.signatures[0]?.sig;
  // cosign attestations carry an empty signature annotation: the signature is inside the envelope.
  out[CosignAnnotation.signature] = opts.emptySignature || !sig ? "" : Buffer.from(sig).toString("base64");
  const vm = bundle.verificationMaterial;
  if (vm.content.$case === "certificate") out[CosignAnnotation.certificate] = pemOf(vm.content.certificate.rawBytes);
  if (vm.content.$case === "x509CertificateChain") {
    const [leaf, ...chain] = vm.content.x509CertificateChain.certificates;
    if (leaf) out[CosignAnnotation.certificate] = pemOf(leaf.rawBytes);
    // cosign's chain annotation has no newline after the last certificate (the leaf's has one).
    if (chain.length > 0) out[CosignAnnotation.chain] = chain.map((c) => pemOf(c.rawBytes)).join("").replace(/\n$/, "");
  }
  const entry = vm.tlogEntries[0];
  if (entry?.inclusionPromise) {
    const rekor: RekorLegacyBundle = {
      SignedEntryTimestamp: Buffer.from(entry.inclusionPromise.signedEntryTimestamp).toString("base64"),
      Payload: {
        body: Buffer.from(entry.canonicalizedBody).toString("base64"),
        integratedTime: Number(entry.integratedTime),
        logIndex: Number(entry.logIndex),
        logID: Buffer.from(entry.logId.keyId).toString("hex"),
      },
    };
    out[CosignAnnotation.bundle] = JSON.stringify(rekor);
  }
  const ts = vm.timestampVerificationData?.rfc3161Timestamps[0];
  if (ts) out[CosignAnnotation.rfc3161Timestamp] = JSON.stringify({ SignedRFC3161Timestamp: Buffer.from(ts.signedTimestamp).toString("base64") });
  return sortedAnnotations(out);
}
