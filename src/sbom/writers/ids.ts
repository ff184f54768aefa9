/**
 * Stable identifiers: the same subject and contents give the same serial number and SPDX
 * namespace on every machine, so SBOM files are reproducible byte for byte.
 */
import { createHash } from "node:crypto";
import { stableJson } from "../../util/fs.js";
import type { SbomDocument } from "../model.js";

/** Mailknight's UUID namespace for name-based (v5) UUIDs. */
const NAMESPACE = "6f1c8a6e-3b0e-5d4a-9a43-2d9b1c0e7f21";

/** RFC 9562 version-5 UUID (SHA-1 of namespace + name): the CycloneDX schema allows versions 1–5 only. */
export function uuidV5(name: string, namespace = NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ""), "hex");
  const h = createHash("sha1").update(ns).update(name, "utf8").digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The document's identity: its subject digest plus a digest of what it says, so a re-scan with
 * different results (a new cataloger version) is a different document, and the same is the same.
 */
export function documentUuid(doc: SbomDocument): string {
  const content = createHash("sha256").update(stableJson({ components: doc.components, catalogers: doc.catalogers, created: doc.created })).digest("hex");
  return uuidV5(`${doc.subject.digest}\n${content}`);
}
