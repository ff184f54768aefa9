/**
 * One signer interface for both ways Mailknight signs: with a local key, or keyless through
 * Sigstore (Fulcio certificate from an OIDC token, Rekor entry, optional TSA timestamp).
 * Both produce Sigstore bundles through @sigstore/sign's builders, so one verifier handles both.
 */
import { sign as cryptoSign, createPublicKey, type KeyObject } from "node:crypto";
import {
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
  type Bundle,
  type Signature,
  type Signer,
  type Witness,
} from "@sigstore/sign";
import { keyHint } from "./keys.js";

export interface MkSigner {
  /** "key" or "keyless", for records and messages (never the key itself). */
  readonly kind: "key" | "keyless";
  /** Signs a DSSE envelope over `payload` (the PAE is computed by the builder). */
  signDsse(payload: Buffer, payloadType: string): Promise<Bundle>;
  /** Signs raw bytes (cosign's legacy simple-signing payloads, checksums files). */
  signMessage(data: Buffer): Promise<Bundle>;
}

/** @sigstore/sign Signer over a local ECDSA P-256 key: DER signature of sha256(data). */
class LocalKeySigner implements Signer {
  private readonly key: KeyObject;
  private readonly publicKeyPem: string;
  private readonly hint: string;

  constructor(privateKey: KeyObject) {
    this.key = privateKey;
    const pub = createPublicKey(privateKey);
    this.publicKeyPem = pub.export({ type: "spki", format: "pem" }).toString();
    this.hint = keyHint(pub);
  }

  async sign(data: Buffer): Promise<Signature> {
    return { signature: cryptoSign("sha256", data, this.key), key: { $case: "publicKey", publicKey: this.publicKeyPem, hint: this.hint } };
  }
}

class BundleSigner implements MkSigner {
  readonly kind: "key" | "keyless";
  private readonly dsse: DSSEBundleBuilder;
  private readonly message: MessageSignatureBundleBuilder;

  constructor(kind: "key" | "keyless", signer: Signer, witnesses: Witness[]) {
    this.kind = kind;
    // certificateChain false → bundle v0.3 (single leaf certificate, new media type).
    this.dsse = new DSSEBundleBuilder({ signer, witnesses, certificateChain: false });
    this.message = new MessageSignatureBundleBuilder({ signer, witnesses });
  }

  async signDsse(payload: Buffer, payloadType: string): Promise<Bundle> {
    return await this.dsse.create({ data: payload, type: payloadType });
  }

  async signMessage(data: Buffer): Promise<Bundle> {
    return await this.message.create({ data });
  }
}

export function keySigner(privateKey: KeyObject): MkSigner {
  return new BundleSigner("key", new LocalKeySigner(privateKey), []);
}

export interface KeylessOptions {
  /** The OIDC identity token (GitLab `id_tokens`, SIGSTORE_ID_TOKEN). Never logged. */
  identityToken: string;
  fulcioURL?: string;
  rekorURL?: string;
  /** When set, a RFC 3161 timestamp is requested too. */
  tsaURL?: string;
  /**
   * Rekor entry kind for DSSE bundles: "dsse" (default, what sigstore-js and cosign write today) or
   * "intoto" (older Rekor deployments; also the kind @sigstore/mock's Rekor echoes faithfully).
   */
  rekorEntryType?: "dsse" | "intoto";
  /** Skip the Rekor upload (private deployments with TSA only). */
  tlogUpload?: boolean;
  timeoutMs?: number;
}

export function keylessSigner(opts: KeylessOptions): MkSigner {
  const token = opts.identityToken;
  const signer = new FulcioSigner({
    fulcioBaseURL: opts.fulcioURL,
    identityProvider: { getToken: () => Promise.resolve(token) },
    timeout: opts.timeoutMs ?? 10_000,
    retry: { retries: 2 },
  });
  const witnesses: Witness[] = [];
  if (opts.tlogUpload !== false) {
    witnesses.push(new RekorWitness({ rekorBaseURL: opts.rekorURL, entryType: opts.rekorEntryType ?? "dsse", fetchOnConflict: false, timeout: opts.timeoutMs ?? 10_000, retry: { retries: 2 } }));
  }
  if (opts.tsaURL) witnesses.push(new TSAWitness({ tsaBaseURL: opts.tsaURL, timeout: opts.timeoutMs ?? 10_000, retry: { retries: 2 } }));
  return new BundleSigner("keyless", signer, witnesses);
}

/** The OIDC token for keyless signing from the environment, if any (GitLab id_tokens set it). */
export function identityTokenFromEnv(env: Record<string, string | undefined>): string | undefined {
  const token = env.SIGSTORE_ID_TOKEN;
  return token && token.trim() !== "" ? token.trim() : undefined;
}
