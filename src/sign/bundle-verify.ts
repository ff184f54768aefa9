/**
 * Verifies one Sigstore bundle against a trust policy with @sigstore/verify, offline: a public key,
 * or keyless (trusted root + identity + issuer). Maps sigstore's error codes onto our check names.
 */
import type { KeyObject } from "node:crypto";
import { bundleFromJSON, type Bundle } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial, VerificationError, PolicyError } from "@sigstore/verify";
import { VerifyError, type CheckName } from "./checks.js";

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
    };

export interface VerifiedBundle {
  bundle: Bundle;
  /** The DSSE payload, for envelope bundles. */
  payload?: Buffer;
  payloadType?: string;
  /** Signer identity for keyless bundles. */
  identity?: { san?: string; issuer?: string };
}

const EMPTY_ROOT = { mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] };

function checkForSigstoreCode(code: string): CheckName {
  if (code.startsWith("TLOG") || code.startsWith("TIMESTAMP") || code === "SET_ERROR") return "tlog";
  if (code.startsWith("CERTIFICATE") || code === "CHAIN_ERROR" || code.startsWith("CT")) return "certificate";
  if (code === "PUBLIC_KEY_ERROR") return "signature";
  if (code.startsWith("UNTRUSTED") || code.startsWith("POLICY")) return "identity";
  return "signature";
}

export function verifyBundle(bundleJson: unknown, policy: TrustPolicy, artifact?: Buffer): VerifiedBundle {
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
  }
  return out;
}
