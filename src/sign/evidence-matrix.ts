/**
 * The evidence matrix for the images a deployment references: from an image BOM (`pin bom`) or
 * by scanning deployment files with the pin scanner; each reference is resolved to its digest
 * and read in parallel (bounded), and the result goes back onto the BOM as
 * `dev.mailknight:evidence:*` properties. Discovery only, like collectEvidence: nothing is verified.
 */
import { imageBom, imagesOfBom, withEvidence, type BomOptions } from "../pin/bom.js";
import { scanPaths } from "../pin/scan.js";
import { collectEvidenceAll, type EvidenceOptions, type EvidenceRow } from "./evidence.js";

export interface BomEvidence<T> {
  /** One row per container component, in the BOM's order. */
  rows: EvidenceRow[];
  /** The BOM with the evidence properties. */
  bom: T;
}

/** Reads the evidence of every container component of `bom` and returns it with the rows. */
export async function bomEvidence<T>(bom: T, opts: EvidenceOptions & { file?: string } = {}): Promise<BomEvidence<T>> {
  const images = imagesOfBom(bom, opts.file);
  const rows = await collectEvidenceAll(
    images.map((i) => ({ image: i.reference, location: `docker://${i.reference}`, ...(i.bomRef !== undefined ? { bomRef: i.bomRef } : {}), referencedIn: i.referencedIn })),
    opts,
  );
  return { rows, bom: withEvidence(bom, rows.map((r, n) => ({ ...r, key: (images[n] as (typeof images)[number]).key }))) };
}

/** Scans deployment files (Dockerfiles, Kubernetes, Helm, compose, CI), builds the image BOM and reads its evidence. */
export async function scanEvidence(paths: string[], opts: EvidenceOptions & { cwd?: string; bomOptions: BomOptions }): Promise<BomEvidence<Record<string, unknown>>> {
  const scanned = await scanPaths(paths, { cwd: opts.cwd });
  return await bomEvidence(imageBom(scanned.refs, opts.bomOptions), opts);
}

/** The matrix as a text table; an unreadable image has `-` in the unknown cells and its error last. */
export function evidenceTableRows(rows: EvidenceRow[]): { headers: string[]; rows: string[][] } {
  const cell = (r: EvidenceRow, b: boolean): string => (r.error !== undefined ? "-" : b ? "yes" : "no");
  return {
    headers: ["IMAGE", "DIGEST", ".sig", "REFERRER", "SBOM", "PROVENANCE", "SIGNERS (claimed)"],
    rows: rows.map((r) => [
      r.image,
      r.digest?.slice(0, 19) ?? "-",
      cell(r, r.signedLegacy),
      cell(r, r.signedReferrer),
      cell(r, r.sbom),
      cell(r, r.provenance),
      r.error !== undefined ? `error: ${r.error}` : r.signers.join("; "),
    ]),
  };
}
