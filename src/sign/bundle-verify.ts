/**
 * Verifies one Sigstore bundle against a trust policy with @sigstore/verify, offline: a public key,
 * or keyless (trusted root + identity + issuer). Maps sigstore's error codes onto our check names.
 */
import { X509Certificate, type KeyObject } from "node:crypto";
import { bundleFromJSON, type Bundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial, VerificationError, PolicyError } from "@sigstore/verify";
import { VerifyError, type CheckName } from "./checks.js";
import { checkCertificateExtensions, type CertificateExtensionPolicy, type FulcioExtension } from "./fulcio-extensions.js";

export type TrustPolicy =
  | { kind: "key"; publicKey: KeyObject }
  | {
      kind: "keyless";
      /** A Sigstore TrustedRoot JSON document (Fulcio CAs, Rekor keys, CT logs, TSAs). */
      trustedRoot: unknown;
      /** Exact SAN, or a regexp over it; one of them is required (no "any identity"). */
      identity?: string;
      identityRegexp?: RegExp;
      issuer: string;
      /**
       * Fulcio extensions the certificate must carry (exact or regexp), e.g. the pipeline file
       * (`buildConfigUri`) and ref (`sourceRepositoryRef`); see fulcio-extensions.ts.
       */
      certificateExtensions?: CertificateExtensionPolicy;
    };

export interface VerifiedBundle {
  bundle: Bundle;
  /** The DSSE payload, for envelope bundles. */
  payload?: Buffer;
  payloadType?: string;
  /** Signer identity for keyless bundles, with the Fulcio extensions policies can pin (when present). */
  identity?: { san?: string; issuer?: string; extensions?: Partial<Record<FulcioExtension, string>> };
}

const EMPTY_ROOT = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

function checkForSigstoreCode(code: string): CheckName {
  if (code.startsWith("TLOG") || code.startsWith("TIMESTAMP") || code === "SET_ERROR") return "tlog";
  if (code.startsWith("CERTIFICATE") || code === "CHAIN_ERROR" || code.startsWith("CT")) return "certificate";
  if (code === "PUBLIC_KEY_ERROR") return "signature";
  if (code.startsWith("UNTRUSTED") || code.startsWith("POLICY")) return "identity";
  return "signature";
}

/** Certificates / keys (DER) in a base64 string holding PEM, or DER itself. */
function keysIn(b64: unknown): Buffer[] {
  if (typeof b64 !== "string") return [];
  const raw = Buffer.from(b64, "base64");
  const text = raw.toString("utf8");
  if (!text.startsWith("-----BEGIN")) return raw.byteLength > 0 ? [raw] : [];
  const out: Buffer[] = [];
  const re = /-----BEGIN (CERTIFICATE|PUBLIC KEY)-----([A-Za-z0-9+/=\s]+?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(Buffer.from((m[2] as string).replace(/\s+/g, ""), "base64"));
  return out;
}

/**
 * The certificates or public keys a Rekor entry body names as its verifier, for the entry kinds
 * Mailknight and cosign write (hashedrekord, intoto, dsse; Rekor v1 and v2 layouts). Undefined when
 * the layout is not one of these.
 */
export function tlogBodyVerifiers(body: unknown): Buffer[] | undefined {
  type Sig = { publicKey?: unknown; verifier?: unknown };
  const b = body as {
    kind?: string;
    spec?: {
      signature?: { publicKey?: { content?: unknown }; verifier?: { x509Certificate?: { rawBytes?: unknown } } };
      publicKey?: unknown;
      content?: { envelope?: { signatures?: Sig[] } };
      signatures?: (Sig & { verifier?: unknown })[];
      proposedContent?: { verifiers?: unknown[] };
      hashedRekordV002?: { signature?: { verifier?: { x509Certificate?: { rawBytes?: unknown } } } };
      dsseV002?: { signatures?: { verifier?: { x509Certificate?: { rawBytes?: unknown } } }[] };
    };
  };
  const s = b?.spec;
  if (!s || typeof s !== "object") return undefined;
  const found: Buffer[] = [];
  const take = (v: unknown): void => void found.push(...keysIn(v));
  take(s.signature?.publicKey?.content); // hashedrekord 0.0.1
  take(s.publicKey); // intoto 0.0.1
  for (const sig of s.content?.envelope?.signatures ?? []) take(sig.publicKey); // intoto 0.0.2
  for (const sig of Array.isArray(s.signatures) ? s.signatures : []) take(typeof sig.verifier === "string" ? sig.verifier : undefined); // dsse 0.0.1
  for (const v of s.proposedContent?.verifiers ?? []) take(v); // dsse 0.0.1 as proposed
  take(s.hashedRekordV002?.signature?.verifier?.x509Certificate?.rawBytes); // Rekor v2
  for (const sig of s.dsseV002?.signatures ?? []) take(sig.verifier?.x509Certificate?.rawBytes);
  return found.length > 0 ? found : undefined;
}

/**
 * @sigstore/verify checks the entry body against the signature and digest, not against the
 * certificate. Check that too, as cosign does: the log entry must name the signing certificate
 * (or its public key). Unknown body layouts are refused only when `strict`.
 */
function leafCertificate(bundle: Bundle): Buffer | undefined {
  const c = bundle.verificationMaterial.content;
  const der = c.$case === "certificate" ? c.certificate.rawBytes : c.$case === "x509CertificateChain" ? c.x509CertificateChain.certificates[0]?.rawBytes : undefined;
  return der ? Buffer.from(der) : undefined;
}

function checkTlogNamesCertificate(bundle: Bundle, strict: boolean): void {
  const vm = bundle.verificationMaterial;
  const leafDer = leafCertificate(bundle);
  if (!leafDer) return;
  const leaf = Buffer.from(leafDer);
  const spki = new X509Certificate(leaf).publicKey.export({ type: "spki", format: "der" });
  for (const entry of vm.tlogEntries) {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(entry.canonicalizedBody).toString("utf8"));
    } catch (e) {
      throw new VerifyError("tlog", "the transparency log entry body is not JSON", undefined, e);
    }
    const verifiers = tlogBodyVerifiers(body);
    if (!verifiers) {
      if (strict) throw new VerifyError("tlog", `the transparency log entry (${String((body as { kind?: unknown }).kind)}) names no certificate Mailknight can compare`);
      continue;
    }
    if (!verifiers.some((v) => v.equals(leaf) || v.equals(spki))) {
      throw new VerifyError("tlog", "the transparency log entry was made for another certificate than the one that signed", "the signature's certificate was swapped after logging");
    }
  }
}

export function verifyBundle(bundleJson: unknown, policy: TrustPolicy, artifact?: Buffer, opts: { strictTlogBody?: boolean } = {}): VerifiedBundle {
  let bundle: Bundle;
  try {
    bundle = bundleFromJSON(bundleJson);
  } catch (e) {
    throw new VerifyError("signature", `not a valid Sigstore bundle: ${(e as Error).message}`, "the bundle is damaged or not a Sigstore bundle", e);
  }
  if (policy.kind === "key" && bundle.verificationMaterial.content.$case !== "publicKey") {
    throw new VerifyError("signature", "the bundle is signed with a certificate, but a public key was required", "verify keyless bundles with --certificate-identity and --certificate-oidc-issuer");
  }
  if (policy.kind === "keyless" && bundle.verificationMaterial.content.$case === "publicKey") {
    throw new VerifyError("certificate", "the bundle is signed with a bare key, but a keyless identity was required", "verify key-signed bundles with --key");
  }

  let verifier: Verifier;
  if (policy.kind === "key") {
    // The bundle's key hint is ignored: the one key the user trusts is used regardless, so a
    // bundle cannot pick its own key, and a bundle signed by another key fails on the signature.
    const trust = toTrustMaterial(TrustedRoot.fromJSON(EMPTY_ROOT), () => ({ publicKey: policy.publicKey, validFor: () => true }));
    verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
  } else {
    let root: TrustedRoot;
    try {
      root = TrustedRoot.fromJSON(policy.trustedRoot);
    } catch (e) {
      throw new VerifyError("certificate", `the trusted root is not a Sigstore TrustedRoot: ${(e as Error).message}`, "pass --trusted-root <trusted_root.json>", e);
    }
    verifier = new Verifier(toTrustMaterial(root), { tlogThreshold: root.tlogs.length > 0 ? 1 : 0, ctlogThreshold: root.ctlogs.length > 0 ? 1 : 0, timestampThreshold: 1 });
  }

  let signer;
  try {
    signer = verifier.verify(toSignedEntity(bundle, artifact));
  } catch (e) {
    if (e instanceof VerificationError || e instanceof PolicyError) {
      const code = (e as { code?: string }).code ?? "";
      throw new VerifyError(checkForSigstoreCode(code), `${code}: ${e.message}`, undefined, e);
    }
    throw new VerifyError("signature", (e as Error).message, undefined, e);
  }

  checkTlogNamesCertificate(bundle, opts.strictTlogBody === true);

  const out: VerifiedBundle = { bundle };
  if (bundle.content.$case === "dsseEnvelope") {
    out.payload = Buffer.from(bundle.content.dsseEnvelope.payload);
    out.payloadType = bundle.content.dsseEnvelope.payloadType;
  }
  if (policy.kind === "keyless") {
    const san = signer.identity?.subjectAlternativeName;
    const issuer = signer.identity?.extensions?.issuer;
    out.identity = { san, issuer };
    if (issuer !== policy.issuer) throw new VerifyError("identity", `certificate OIDC issuer is ${JSON.stringify(issuer)}, policy requires ${JSON.stringify(policy.issuer)}`);
    if (policy.identity !== undefined && san !== policy.identity) throw new VerifyError("identity", `certificate identity is ${JSON.stringify(san)}, policy requires ${JSON.stringify(policy.identity)}`);
    if (policy.identityRegexp !== undefined && (san === undefined || !policy.identityRegexp.test(san))) {
      throw new VerifyError("identity", `certificate identity ${JSON.stringify(san)} does not match ${String(policy.identityRegexp)}`);
    }
    if (policy.identity === undefined && policy.identityRegexp === undefined) throw new VerifyError("identity", "the policy names no certificate identity", "pass --certificate-identity or --certificate-identity-regexp");
    // Only after the chain verified: the extensions are then Fulcio's word, not the bundle's.
    const leaf = leafCertificate(bundle);
    if (leaf) {
      const extensions = checkCertificateExtensions(leaf, policy.certificateExtensions ?? {});
      if (Object.keys(extensions).length > 0) out.identity = { san, issuer, extensions };
    } else if (policy.certificateExtensions && Object.keys(policy.certificateExtensions).length > 0) {
      throw new VerifyError("certificate", "the bundle holds no signing certificate to check the pinned extensions on");
    }
  }
  return out;
}
