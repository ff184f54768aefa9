/**
 * Keyless verification of cosign's legacy `.sig` / `.att` layers. cosign keeps the verification
 * material of a keyless signature in layer annotations (SIGNATURE_SPEC.md): the base64 signature,
 * the Fulcio leaf certificate (PEM), optionally its chain, the Rekor "bundle" (SET plus the entry's
 * body, integratedTime, logIndex and logID) and optionally an RFC 3161 timestamp.
 *
 * Those annotations hold exactly what a Sigstore bundle v0.1 holds (a certificate, a tlog entry
 * with an inclusion promise, a timestamp), so the layer is rebuilt into one and verified by the
 * same @sigstore/verify path as bundle referrers: certificate chain to the trusted Fulcio root at
 * the signing time(s), SCTs, SET against the trusted Rekor key, the entry body against signature
 * and payload digest, the signature itself, then identity and issuer. The chain annotation is
 * never trusted (as in cosign with a trusted root, intermediates come from the root). Before that,
 * the signature is checked with the certificate's key so a damaged payload or signature is
 * reported as `signature`; after it, the certificate named in the Rekor body must be the leaf
 * (see bundle-verify.ts).
 */
import { createHash, X509Certificate, verify as cryptoVerify } from "node:crypto";
import { verifyBundle, type TrustPolicy, type VerifiedBundle } from "./bundle-verify.js";
import { VerifyError } from "./checks.js";
import { CosignAnnotation } from "./cosign.js";

export const BUNDLE_V01_MEDIA_TYPE = "application/vnd.dev.sigstore.bundle+json;version=0.1";

type KeylessPolicy = Extract<TrustPolicy, { kind: "keyless" }>;

/** DER certificates in a PEM string, in order. */
export function certificatesFromPem(pem: string): Buffer[] {
  const out: Buffer[] = [];
  const re = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+?)-----END CERTIFICATE-----/g;
  for (let m = re.exec(pem); m; m = re.exec(pem)) out.push(Buffer.from((m[1] as string).replace(/\s+/g, ""), "base64"));
  return out;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isB64 = (v: unknown): v is string => typeof v === "string" && v.length > 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(v);

/** The tlog entry (bundle JSON form) rebuilt from cosign's `dev.sigstore.cosign/bundle` annotation. */
function tlogEntryFromAnnotation(raw: string, where: string): unknown {
  let rb: { SignedEntryTimestamp?: unknown; Payload?: { body?: unknown; integratedTime?: unknown; logIndex?: unknown; logID?: unknown } };
  try {
    rb = JSON.parse(raw) as typeof rb;
  } catch (e) {
    throw new VerifyError("tlog", `${where}: the ${CosignAnnotation.bundle} annotation is not JSON`, undefined, e);
  }
  const p = rb.Payload;
  if (!isB64(rb.SignedEntryTimestamp) || !p || !isB64(p.body) || !isInt(p.integratedTime) || !isInt(p.logIndex) || typeof p.logID !== "string" || !/^[0-9a-f]{64}$/.test(p.logID)) {
    throw new VerifyError("tlog", `${where}: the ${CosignAnnotation.bundle} annotation is not cosign's {SignedEntryTimestamp, Payload:{body, integratedTime, logIndex, logID}}`);
  }
  let kind: unknown;
  let version: unknown;
  try {
    const body = JSON.parse(Buffer.from(p.body, "base64").toString("utf8")) as { kind?: unknown; apiVersion?: unknown };
    kind = body.kind;
    version = body.apiVersion;
  } catch (e) {
    throw new VerifyError("tlog", `${where}: the Rekor entry body is not JSON`, undefined, e);
  }
  if (typeof kind !== "string" || typeof version !== "string") throw new VerifyError("tlog", `${where}: the Rekor entry body has no kind/apiVersion`);
  return {
    logIndex: String(p.logIndex),
    logId: { keyId: Buffer.from(p.logID, "hex").toString("base64") },
    kindVersion: { kind, version },
    integratedTime: String(p.integratedTime),
    inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
    canonicalizedBody: p.body,
  };
}

function rfc3161FromAnnotation(raw: string, where: string): unknown[] {
  try {
    const v = JSON.parse(raw) as { SignedRFC3161Timestamp?: unknown };
    if (isB64(v.SignedRFC3161Timestamp)) return [{ signedTimestamp: v.SignedRFC3161Timestamp }];
  } catch (e) {
    throw new VerifyError("tlog", `${where}: the ${CosignAnnotation.rfc3161Timestamp} annotation is not JSON`, undefined, e);
  }
  throw new VerifyError("tlog", `${where}: the ${CosignAnnotation.rfc3161Timestamp} annotation has no SignedRFC3161Timestamp`);
}

/** The leaf certificate (DER) from the certificate annotation; exactly one certificate. */
function leafFromAnnotation(annotations: Record<string, string>, where: string): Buffer {
  const pem = annotations[CosignAnnotation.certificate];
  if (!pem) throw new VerifyError("certificate", `${where} has no ${CosignAnnotation.certificate} annotation (a key-signed layer?)`, "verify key-signed signatures with --key");
  const certs = certificatesFromPem(pem);
  if (certs.length !== 1) throw new VerifyError("certificate", `${where}: the ${CosignAnnotation.certificate} annotation holds ${certs.length} certificates, expected 1`);
  return certs[0] as Buffer;
}

/**
 * Rebuilds the Sigstore bundle (v0.1 JSON) a legacy layer's annotations describe. `content` is the
 * bundle's `messageSignature` (a `.sig` layer) or `dsseEnvelope` (a `.att` layer) member.
 */
export function legacyLayerToBundle(annotations: Record<string, string>, content: { messageSignature: unknown } | { dsseEnvelope: unknown }, where: string): Record<string, unknown> {
  const leaf = leafFromAnnotation(annotations, where);
  const rekor = annotations[CosignAnnotation.bundle];
  const ts = annotations[CosignAnnotation.rfc3161Timestamp];
  return {
    mediaType: BUNDLE_V01_MEDIA_TYPE,
    verificationMaterial: {
      x509CertificateChain: { certificates: [{ rawBytes: leaf.toString("base64") }] },
      tlogEntries: rekor ? [tlogEntryFromAnnotation(rekor, where)] : [],
      ...(ts ? { timestampVerificationData: { rfc3161Timestamps: rfc3161FromAnnotation(ts, where) } } : {}),
    },
    ...content,
  };
}

/** Verifies a keyless cosign `.sig` layer: `payload` is the layer blob (simple-signing JSON). */
export function verifyLegacySignature(payload: Buffer, annotations: Record<string, string>, policy: KeylessPolicy, where: string): VerifiedBundle {
  const sig = Buffer.from(annotations[CosignAnnotation.signature] ?? "", "base64");
  if (sig.byteLength === 0) throw new VerifyError("signature", `${where} has no ${CosignAnnotation.signature} annotation`);
  const leaf = leafFromAnnotation(annotations, where);
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(leaf);
  } catch (e) {
    throw new VerifyError("certificate", `${where}: the certificate does not parse: ${(e as Error).message}`, undefined, e);
  }
  const key = cert.publicKey;
  if (!cryptoVerify(key.asymmetricKeyType === "ed25519" ? null : "sha256", payload, key, sig)) {
    throw new VerifyError("signature", `${where}: the signature does not verify over the payload with the certificate's key`);
  }
  const bundle = legacyLayerToBundle(annotations, { messageSignature: { messageDigest: { algorithm: "SHA2_256", digest: createHash("sha256").update(payload).digest("base64") }, signature: sig.toString("base64") } }, where);
  return verifyBundle(bundle, policy, payload, { strictTlogBody: true });
}

/** Verifies a keyless cosign `.att` layer: `envelope` is the layer blob (a DSSE envelope JSON). */
export function verifyLegacyAttestation(envelope: Buffer, annotations: Record<string, string>, policy: KeylessPolicy, where: string): VerifiedBundle {
  let env: unknown;
  try {
    env = JSON.parse(envelope.toString("utf8"));
  } catch (e) {
    throw new VerifyError("signature", `${where}: the layer is not a DSSE envelope`, undefined, e);
  }
  return verifyBundle(legacyLayerToBundle(annotations, { dsseEnvelope: env }, where), policy, undefined, { strictTlogBody: true });
}
