/**
 * Evidence matrix: for each image, what is attached — signatures (cosign tag scheme and bundle
 * referrers), who claims to have signed, SBOM and provenance. Discovery only: nothing here is
 * verified (that is `mailknight verify` with a trust policy), so identities are "claimed".
 */
import { X509Certificate } from "@sigstore/core";
import type { ImageManifest } from "../oci/spec.js";
import type { ImageStore } from "../oci/registry/store.js";
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
  error?: string;
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
    if (!desc) throw new Error(`${ref} not found`);
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
    row.error = (e as Error).message;
  }
  return row;
}
