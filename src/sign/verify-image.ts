/**
 * The consumer's side: given an image in a store, a trust policy and required attestations,
 * decide pass or fail. Order matters and is fixed: resolve the reference to a digest, check the
 * image's own bytes, then signatures, then attestations. Everything is read from the store and
 * the bundles in it (offline); nothing is trusted before its check passes.
 *
 * Any one valid signature is enough (as in cosign): anyone who can push may attach garbage, which
 * must not turn a signed image into an unverifiable one. A failure reports the most specific
 * reason seen, so a tampered signature says "signature", not "no signature".
 */
import { verify as cryptoVerify } from "node:crypto";
import type { Descriptor, ImageManifest } from "../oci/spec.js";
import type { ImageStore } from "../oci/registry/store.js";
import { DSSE_MEDIA_TYPE, IN_TOTO_PAYLOAD_TYPE, pae, type DsseEnvelope } from "../attest/dsse.js";
import { PredicateType, parseStatement, type Statement } from "../attest/statement.js";
import { BUNDLE_MEDIA_TYPE, listReferrers, readBlobBytes, readJsonManifest, readLegacy } from "./attach.js";
import { verifyBundle, type TrustPolicy, type VerifiedBundle } from "./bundle-verify.js";
import { VerifyError, isVerifyError, type CheckName } from "./checks.js";
import { CosignAnnotation, SIMPLE_SIGNING_MEDIA_TYPE, parseSimpleSigning } from "./cosign.js";
import { verifyLegacyAttestation, verifyLegacySignature } from "./legacy-verify.js";
import { checkScanConditions, type ScanConditions } from "./scan-conditions.js";

export type Requirement = "provenance" | "sbom" | "vuln" | "vex" | "gate";

export const REQUIREMENT_TYPES: Record<Requirement, string[]> = {
  provenance: [PredicateType.slsaProvenance],
  sbom: [PredicateType.cyclonedx, PredicateType.spdx],
  vuln: [PredicateType.vulnScan],
  vex: [PredicateType.openvex],
  gate: [PredicateType.gateDecision],
};

export interface VerifyOptions {
  store: ImageStore;
  /** Tag or `sha256:` digest inside the store. */
  ref: string;
  policy: TrustPolicy;
  require?: Requirement[];
  /** Provenance conditions; checked on every provenance attestation that verifies. */
  provenance?: { builderId?: string; sourceRepo?: string };
  /**
   * Scan conditions (scan-conditions.ts); given → a verified vulnerability attestation is required,
   * its newest must be fresh enough and free of unmitigated findings of the `failOn` severities.
   */
  scan?: ScanConditions;
  /** The clock for scan age and VEX expiry (default: now). */
  now?: Date;
}

export interface VerifiedItem {
  format: "bundle-referrer" | "cosign-legacy";
  predicateType?: string;
  identity?: VerifiedBundle["identity"];
}

export interface VerifyReport {
  ok: true;
  digest: string;
  signatures: VerifiedItem[];
  attestations: (VerifiedItem & { predicateType: string })[];
  checks: { check: CheckName; ok: true; detail: string }[];
}

/** Rank so that the most telling failure is reported when every candidate fails. */
const SPECIFICITY: CheckName[] = ["subject", "identity", "certificate", "tlog", "signature"];
function mostSpecific(errors: VerifyError[]): VerifyError | undefined {
  return [...errors].sort((a, b) => SPECIFICITY.indexOf(a.check) - SPECIFICITY.indexOf(b.check))[0];
}

/**
 * The predicate type a failed bundle or layer claims (its unverified annotation): used only to
 * report why a required attestation is missing, never to trust anything.
 */
const claimedType = new WeakMap<VerifyError, string>();
const PREDICATE_ANNOTATION = "dev.sigstore.bundle.predicateType";

function claimed(e: VerifyError, type: string | undefined): VerifyError {
  if (type) claimedType.set(e, type);
  return e;
}

function subjectMatches(st: Statement, digest: string): boolean {
  const hex = digest.slice("sha256:".length);
  return st.subject.some((s) => s.digest.sha256 === hex);
}

async function checkImage(store: ImageStore, desc: Descriptor): Promise<void> {
  let manifest: ImageManifest;
  try {
    manifest = (await readJsonManifest<ImageManifest>(store, desc.digest)).value;
  } catch (e) {
    throw new VerifyError("image.manifest", `manifest ${desc.digest}: ${(e as Error).message}`, "the image was modified after it was resolved", e);
  }
  // Multi-platform indexes: the signature covers the index digest; children are checked by digest on pull.
  if (!manifest.config || !Array.isArray(manifest.layers)) return;
  const drain = async (d: Descriptor, check: CheckName): Promise<void> => {
    try {
      await store.readBlob(d, () => undefined);
    } catch (e) {
      throw new VerifyError(check, `${check === "image.config" ? "config" : "layer"} ${d.digest}: ${(e as Error).message}`, "the image's blobs do not match its manifest", e);
    }
  };
  await drain(manifest.config, "image.config");
  for (const layer of manifest.layers) await drain(layer, "image.layers");
}

interface Candidate {
  item: VerifiedItem;
  statement?: Statement;
}

async function fromReferrers(store: ImageStore, digest: string, policy: TrustPolicy, errors: VerifyError[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  for (const ref of await listReferrers(store, digest)) {
    if (ref.artifactType !== BUNDLE_MEDIA_TYPE) continue;
    try {
      const { value } = await readJsonManifest<ImageManifest & { subject?: Descriptor }>(store, ref.digest);
      if (value.subject?.digest !== digest) throw new VerifyError("subject", `referrer ${ref.digest} names subject ${value.subject?.digest ?? "none"}, not ${digest}`);
      const layer = value.layers[0];
      if (!layer) throw new VerifyError("signature", `referrer ${ref.digest} has no bundle layer`);
      const bundleJson: unknown = JSON.parse((await readBlobBytes(store, layer)).toString("utf8"));
      const verified = verifyBundle(bundleJson, policy);
      if (verified.payloadType !== IN_TOTO_PAYLOAD_TYPE || !verified.payload) throw new VerifyError("signature", `bundle in ${ref.digest} does not hold an in-toto DSSE envelope`);
      const st = parseStatement(verified.payload);
      if (!st) throw new VerifyError("signature", `bundle in ${ref.digest} holds a payload that is not an in-toto Statement v1`);
      if (!subjectMatches(st, digest)) throw new VerifyError("subject", `the statement in ${ref.digest} is about ${st.subject.map((s) => s.digest.sha256).join(", ")}, not ${digest}`);
      out.push({ item: { format: "bundle-referrer", predicateType: st.predicateType, ...(verified.identity ? { identity: verified.identity } : {}) }, statement: st });
    } catch (e) {
      errors.push(claimed(isVerifyError(e) ? e : new VerifyError("signature", `referrer ${ref.digest}: ${(e as Error).message}`, undefined, e), ref.annotations?.[PREDICATE_ANNOTATION]));
    }
  }
  return out;
}

/**
 * cosign's `.sig`/`.att` layers with a certificate (keyless): each layer's annotations are rebuilt
 * into a Sigstore bundle and verified like a referrer (legacy-verify.ts).
 */
async function fromLegacyKeyless(store: ImageStore, digest: string, policy: Extract<TrustPolicy, { kind: "keyless" }>, errors: VerifyError[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  const fail = (e: unknown, what: string, type?: string): void => void errors.push(claimed(isVerifyError(e) ? e : new VerifyError("signature", `${what}: ${(e as Error).message}`, undefined, e), type));
  for (const { descriptor, payload } of await readLegacy(store, digest, "sig")) {
    if (descriptor.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    const where = `legacy signature layer ${descriptor.digest}`;
    try {
      const verified = verifyLegacySignature(payload, descriptor.annotations ?? {}, policy, where);
      const ss = parseSimpleSigning(payload);
      if (ss?.manifestDigest !== digest) throw new VerifyError("subject", `${where} is for ${ss?.manifestDigest ?? "an unreadable payload"}, not ${digest}`);
      out.push({ item: { format: "cosign-legacy", predicateType: PredicateType.cosignSign, ...(verified.identity ? { identity: verified.identity } : {}) } });
    } catch (e) {
      fail(e, where);
    }
  }
  for (const { descriptor, payload } of await readLegacy(store, digest, "att")) {
    if (descriptor.mediaType !== DSSE_MEDIA_TYPE) continue;
    const where = `legacy attestation ${descriptor.digest}`;
    try {
      const verified = verifyLegacyAttestation(payload, descriptor.annotations ?? {}, policy, where);
      const st = verified.payloadType === IN_TOTO_PAYLOAD_TYPE && verified.payload ? parseStatement(verified.payload) : undefined;
      if (!st) throw new VerifyError("signature", `${where} is not an in-toto statement`);
      if (!subjectMatches(st, digest)) throw new VerifyError("subject", `${where} is about another digest`);
      out.push({ item: { format: "cosign-legacy", predicateType: st.predicateType, ...(verified.identity ? { identity: verified.identity } : {}) }, statement: st });
    } catch (e) {
      fail(e, where, descriptor.annotations?.[CosignAnnotation.predicateType]);
    }
  }
  return out;
}

/** cosign's `.sig`/`.att` layers: with the policy's public key, or keyless from their annotations. */
async function fromLegacy(store: ImageStore, digest: string, policy: TrustPolicy, errors: VerifyError[]): Promise<Candidate[]> {
  if (policy.kind !== "key") return fromLegacyKeyless(store, digest, policy, errors);
  const out: Candidate[] = [];
  for (const { descriptor, payload } of await readLegacy(store, digest, "sig")) {
    if (descriptor.mediaType !== SIMPLE_SIGNING_MEDIA_TYPE) continue;
    const sig = Buffer.from(descriptor.annotations?.["dev.cosignproject.cosign/signature"] ?? "", "base64");
    if (sig.byteLength === 0 || !cryptoVerify("sha256", payload, policy.publicKey, sig)) {
      errors.push(new VerifyError("signature", `legacy signature layer ${descriptor.digest} does not verify with the given key`));
      continue;
    }
    const ss = parseSimpleSigning(payload);
    if (ss?.manifestDigest !== digest) {
      errors.push(new VerifyError("subject", `legacy signature ${descriptor.digest} is for ${ss?.manifestDigest ?? "an unreadable payload"}, not ${digest}`));
      continue;
    }
    out.push({ item: { format: "cosign-legacy", predicateType: PredicateType.cosignSign } });
  }
  for (const { descriptor, payload } of await readLegacy(store, digest, "att")) {
    if (descriptor.mediaType !== DSSE_MEDIA_TYPE) continue;
    try {
      const env = JSON.parse(payload.toString("utf8")) as DsseEnvelope;
      const body = Buffer.from(env.payload, "base64");
      const ok = env.signatures.some((s) => cryptoVerify("sha256", pae(env.payloadType, body), policy.publicKey, Buffer.from(s.sig, "base64")));
      if (!ok) throw new VerifyError("signature", `legacy attestation ${descriptor.digest}: no DSSE signature verifies with the given key`);
      const st = env.payloadType === IN_TOTO_PAYLOAD_TYPE ? parseStatement(body) : undefined;
      if (!st) throw new VerifyError("signature", `legacy attestation ${descriptor.digest} is not an in-toto statement`);
      if (!subjectMatches(st, digest)) throw new VerifyError("subject", `legacy attestation ${descriptor.digest} is about another digest`);
      out.push({ item: { format: "cosign-legacy", predicateType: st.predicateType }, statement: st });
    } catch (e) {
      errors.push(isVerifyError(e) ? e : new VerifyError("signature", `legacy attestation ${descriptor.digest}: ${(e as Error).message}`, undefined, e));
    }
  }
  return out;
}

function checkProvenance(st: Statement, cond: NonNullable<VerifyOptions["provenance"]>): string | undefined {
  const p = st.predicate as { runDetails?: { builder?: { id?: string } }; buildDefinition?: { resolvedDependencies?: { uri?: string }[] } };
  const builder = p.runDetails?.builder?.id;
  if (cond.builderId !== undefined && builder !== cond.builderId) return `provenance builder id is ${JSON.stringify(builder)}, policy requires ${JSON.stringify(cond.builderId)}`;
  if (cond.sourceRepo !== undefined) {
    const uris = (p.buildDefinition?.resolvedDependencies ?? []).map((d) => d.uri).filter((u): u is string => typeof u === "string");
    const want = cond.sourceRepo.replace(/\.git$/, "");
    if (!uris.some((u) => u.replace(/^git\+/, "").replace(/\.git$/, "").replace(/@.*$/, "") === want)) {
      return `provenance names source ${JSON.stringify(uris)}, policy requires ${JSON.stringify(cond.sourceRepo)}`;
    }
  }
  return undefined;
}

export async function verifyImage(opts: VerifyOptions): Promise<VerifyReport> {
  const { store, policy } = opts;
  const checks: VerifyReport["checks"] = [];
  const desc = await store.resolve(opts.ref).catch((e: unknown) => {
    throw new VerifyError("reference", `cannot resolve ${opts.ref} in ${store.description}: ${(e as Error).message}`, undefined, e);
  });
  if (!desc) throw new VerifyError("reference", `${opts.ref} is not in ${store.description}`, "check the tag or digest");
  if (/^sha256:/.test(opts.ref) && desc.digest !== opts.ref) throw new VerifyError("reference", `${opts.ref} resolved to ${desc.digest}`);
  const digest = desc.digest;
  checks.push({ check: "reference", ok: true, detail: `${opts.ref} → ${digest}` });

  await checkImage(store, desc);
  checks.push({ check: "image.layers", ok: true, detail: "manifest, config and layers match their digests" });

  const errors: VerifyError[] = [];
  const candidates = [...(await fromReferrers(store, digest, policy, errors)), ...(await fromLegacy(store, digest, policy, errors))];
  const signatures = candidates.filter((c) => c.item.predicateType === PredicateType.cosignSign).map((c) => c.item);
  if (signatures.length === 0) {
    throw mostSpecific(errors) ?? new VerifyError("signature.present", `no signature for ${digest} in ${store.description}`, "sign the image first (`mailknight sign`)");
  }
  checks.push({ check: "signature", ok: true, detail: `${signatures.length} valid signature(s)` });

  const attestations = candidates.filter((c) => c.statement && c.item.predicateType !== PredicateType.cosignSign);
  const required = [...(opts.require ?? [])];
  if (opts.scan && !required.includes("vuln")) required.push("vuln");
  for (const req of required) {
    const types = REQUIREMENT_TYPES[req];
    const matching = attestations.filter((a) => types.includes(a.statement?.predicateType ?? ""));
    if (matching.length === 0) {
      // Signed, but not by the identity the policy trusts (e.g. another pipeline file or ref).
      const untrusted = errors.find((e) => e.check === "identity" && types.includes(claimedType.get(e) ?? ""));
      if (untrusted) throw new VerifyError("identity", `no ${req} attestation by the trusted identity for ${digest}: ${untrusted.message.replace(/^verification failed \[[^\]]*\]: /, "")}`, "attest in the pipeline the policy names", untrusted);
      const failed = mostSpecific(errors.filter((e) => e.check !== "signature.present"));
      throw new VerifyError("attestation.present", `no verified ${req} attestation (${types.join(" or ")}) for ${digest}${failed ? `; an attestation failed: ${failed.message}` : ""}`, "attest the image (`mailknight attest`)");
    }
    if (req === "provenance" && opts.provenance) {
      const cond = opts.provenance;
      const problems = matching.map((a) => checkProvenance(a.statement as Statement, cond));
      if (!problems.some((p) => p === undefined)) throw new VerifyError("attestation.condition", problems[0] ?? "provenance does not satisfy the policy");
    }
    checks.push({ check: "attestation.present", ok: true, detail: `${req}: ${matching.length} verified` });
  }
  if (opts.scan) {
    const of = (types: string[]): Statement[] => attestations.map((a) => a.statement as Statement).filter((st) => types.includes(st.predicateType));
    const detail = checkScanConditions({ digest, scans: of(REQUIREMENT_TYPES.vuln), vex: of(REQUIREMENT_TYPES.vex), gates: of(REQUIREMENT_TYPES.gate), now: opts.now ?? new Date(), conditions: opts.scan });
    checks.push({ check: "attestation.condition", ok: true, detail });
  }
  return {
    ok: true,
    digest,
    signatures,
    attestations: attestations.map((a) => ({ ...a.item, predicateType: a.statement?.predicateType ?? "" })),
    checks,
  };
}
