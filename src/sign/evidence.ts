/**
 * Evidence matrix: for each image, what is attached — signatures (cosign tag scheme and bundle
 * referrers), who claims to have signed, SBOM and provenance. Discovery only: nothing here is
 * verified (that is `mailknight verify` with a trust policy), so identities are "claimed".
 */
import { X509Certificate } from "@sigstore/core";
import { OciLayout } from "../oci/layout.js";
import type { ImageManifest } from "../oci/spec.js";
import type { FetchFn, RegistryClientOptions } from "../oci/registry/client.js";
import { openLocation } from "../oci/registry/location.js";
import { mapBounded } from "../oci/registry/parallel.js";
import { LayoutStore, type ImageStore } from "../oci/registry/store.js";
import { parseStatement, PredicateType } from "../attest/statement.js";
import { BUNDLE_MEDIA_TYPE, listReferrers, readBlobBytes, readJsonManifest, readLegacy } from "./attach.js";
import { CosignAnnotation } from "./cosign.js";
import { REQUIREMENT_TYPES } from "./verify-image.js";

export interface EvidenceRow {
  image: string;
  digest?: string;
  signedLegacy: boolean;
  signedReferrer: boolean;
  /** Claimed signer identities: `<SAN> (<issuer>)` for certificates, `key <hint>` for keys. */
  signers: string[];
  sbom: boolean;
  provenance: boolean;
  predicateTypes: string[];
  /** Why the image could not be read (unreachable registry, missing image, ...); the other cells are then unknown. */
  error?: string;
  /** From an image BOM: the container component this row belongs to. */
  bomRef?: string;
  /** From an image BOM or a scan: `file:line` of each reference. */
  referencedIn?: string[];
}

const OID_ISSUER_V2 = "1.3.6.1.4.1.57264.1.8";
const OID_ISSUER_V1 = "1.3.6.1.4.1.57264.1.1";

function identityOfCert(der: Buffer): string {
  try {
    const cert = X509Certificate.parse(Buffer.from(der));
    const v2 = cert.extension(OID_ISSUER_V2);
    const issuer = v2 ? v2.valueObj.subs[0]?.value.toString("ascii") : cert.extension(OID_ISSUER_V1)?.value.toString("ascii");
    return `${cert.subjectAltName ?? "?"}${issuer ? ` (${issuer})` : ""}`;
  } catch {
    return "unparseable certificate";
  }
}

function pemToDer(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[A-Z ]+-----/g, "").replace(/\s+/g, ""), "base64");
}

export async function collectEvidence(image: string, store: ImageStore, ref: string): Promise<EvidenceRow> {
  const row: EvidenceRow = { image, signedLegacy: false, signedReferrer: false, signers: [], sbom: false, provenance: false, predicateTypes: [] };
  try {
    const desc = await store.resolve(ref);
    if (!desc) throw new Error(`${ref} not found in ${store.description}`);
    row.digest = desc.digest;
    const types = new Set<string>();
    const signers = new Set<string>();
    for (const r of await listReferrers(store, desc.digest)) {
      if (r.artifactType !== BUNDLE_MEDIA_TYPE) continue;
      const { value } = await readJsonManifest<ImageManifest>(store, r.digest);
      const layer = value.layers[0];
      if (!layer) continue;
      const b = JSON.parse((await readBlobBytes(store, layer)).toString("utf8")) as {
        verificationMaterial?: { certificate?: { rawBytes: string }; publicKey?: { hint?: string } };
        dsseEnvelope?: { payload: string };
      };
      const vm = b.verificationMaterial;
      if (vm?.certificate) signers.add(identityOfCert(Buffer.from(vm.certificate.rawBytes, "base64")));
      else if (vm?.publicKey) signers.add(`key ${vm.publicKey.hint || "(no hint)"}`);
      const st = b.dsseEnvelope ? parseStatement(Buffer.from(b.dsseEnvelope.payload, "base64")) : undefined;
      if (st?.predicateType === PredicateType.cosignSign) row.signedReferrer = true;
      else if (st) types.add(st.predicateType);
    }
    for (const { descriptor } of await readLegacy(store, desc.digest, "sig")) {
      row.signedLegacy = true;
      const cert = descriptor.annotations?.[CosignAnnotation.certificate];
      signers.add(cert ? identityOfCert(pemToDer(cert)) : "key (cosign .sig)");
    }
    for (const { descriptor } of await readLegacy(store, desc.digest, "att")) {
      const t = descriptor.annotations?.[CosignAnnotation.predicateType];
      if (t) types.add(t);
    }
    row.signers = [...signers].sort();
    row.predicateTypes = [...types].sort();
    row.sbom = REQUIREMENT_TYPES.sbom.some((t) => types.has(t));
    row.provenance = REQUIREMENT_TYPES.provenance.some((t) => types.has(t)) || [...types].some((t) => t.startsWith("https://slsa.dev/provenance/"));
  } catch (e) {
    row.error = errorText(e);
  }
  return row;
}

/** One image to look at: `image` is what the row shows, `location` what is opened. */
export interface EvidenceTarget {
  image: string;
  /** `docker://<reference>`, `oci:<dir>:<tag>` or `oci:<dir>@sha256:<hex>`. */
  location: string;
  bomRef?: string;
  referencedIn?: string[];
}

export interface EvidenceOptions {
  /** Images read at once (default 8). */
  concurrency?: number;
  /** Per HTTP request, including the body (default 10 s): an unreachable registry gives an error row quickly. */
  timeoutMs?: number;
  /** Attempts per request (default 2: one retry). */
  attempts?: number;
  /** Registries allowed over plain HTTP although not on loopback. */
  insecure?: string[];
  client?: Partial<RegistryClientOptions>;
}

function timedFetch(base: FetchFn, ms: number): FetchFn {
  return (input, init) => {
    const timeout = AbortSignal.timeout(ms);
    return base(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout });
  };
}

/** The message, plus the low-level reason (ENOTFOUND, ECONNREFUSED, "bad port", a timeout) when there is one. */
function errorText(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  let c: unknown = e instanceof Error ? e.cause : undefined;
  let reason: string | undefined;
  for (let i = 0; i < 5 && c; i++) {
    const x = c as { code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
    if (x.name === "TimeoutError") reason = "timed out";
    else if (typeof x.code === "string") reason = x.code;
    else if (typeof x.message === "string" && x.message && x.message !== "fetch failed") reason = x.message;
    c = x.cause;
  }
  return reason && !msg.includes(reason) ? `${msg}: ${reason}` : msg;
}

export function emptyRow(target: Pick<EvidenceTarget, "image" | "bomRef" | "referencedIn">): EvidenceRow {
  return {
    image: target.image,
    signedLegacy: false,
    signedReferrer: false,
    signers: [],
    sbom: false,
    provenance: false,
    predicateTypes: [],
    ...(target.bomRef !== undefined ? { bomRef: target.bomRef } : {}),
    ...(target.referencedIn ? { referencedIn: target.referencedIn } : {}),
  };
}

async function openTarget(location: string, opts: EvidenceOptions): Promise<{ store: ImageStore; ref: string }> {
  const m = /^oci:(.+)@(sha256:[a-f0-9]{64})$/.exec(location);
  if (m) return { store: new LayoutStore(await OciLayout.open(m[1] as string)), ref: m[2] as string };
  const base = opts.client?.fetch ?? fetch;
  const loc = await openLocation(location, {
    insecure: opts.insecure,
    client: { backoffMs: 100, ...opts.client, attempts: opts.attempts ?? opts.client?.attempts ?? 2, fetch: timedFetch(base, opts.timeoutMs ?? 10_000) },
  });
  return { store: loc.store, ref: loc.ref };
}

/**
 * The matrix for many images, read in parallel (bounded). A tag is resolved to its digest first
 * and everything else is looked up by that digest. Never throws for one image: an image that
 * cannot be read (bad reference, unreachable registry, missing tag) is a row with `error`.
 * Rows come back in the order of `targets`.
 */
export async function collectEvidenceAll(targets: readonly EvidenceTarget[], opts: EvidenceOptions = {}): Promise<EvidenceRow[]> {
  return await mapBounded(targets, opts.concurrency ?? 8, async (t) => {
    try {
      const { store, ref } = await openTarget(t.location, opts);
      const row = await collectEvidence(t.image, store, ref);
      return { ...row, ...(t.bomRef !== undefined ? { bomRef: t.bomRef } : {}), ...(t.referencedIn ? { referencedIn: t.referencedIn } : {}) };
    } catch (e) {
      return { ...emptyRow(t), error: errorText(e) };
    }
  });
}
