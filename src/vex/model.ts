/**
 * The one VEX statement model every reader produces and every writer consumes, whatever the
 * format on disk (OpenVEX 0.2.0, CycloneDX VEX, CSAF 2.0 VEX). Vocabulary is OpenVEX's: it is
 * the format Mailknight stores, and the other two map onto it (see `justifications.ts`).
 */

export const VEX_STATUSES = ["not_affected", "affected", "fixed", "under_investigation"] as const;
export type VexStatus = (typeof VEX_STATUSES)[number];

/** OpenVEX 0.2.0 / CSAF flag labels (the two vocabularies are identical). */
export const JUSTIFICATIONS = [
  "component_not_present",
  "vulnerable_code_not_present",
  "vulnerable_code_not_in_execute_path",
  "vulnerable_code_cannot_be_controlled_by_adversary",
  "inline_mitigations_already_exist",
] as const;
export type Justification = (typeof JUSTIFICATIONS)[number];

export const VEX_FORMAT_IDS = ["openvex", "cyclonedx", "csaf"] as const;
export type VexFormatId = (typeof VEX_FORMAT_IDS)[number];

/** A thing a statement is about: a package, an image, or a product known only by name. */
export interface VexComponent {
  /** The identifier as written in the source (`@id`, bom-ref, CSAF product_id). */
  id: string;
  /** Normalised package URL when the component has one; only components with a PURL or bom-ref can match findings. */
  purl?: string;
  /** CycloneDX bom-ref, matched against `Finding.package.bomRef`. */
  bomRef?: string;
  cpe?: string;
  /** Human name (CSAF full_product_name.name). */
  name?: string;
  /**
   * A version range the source attached instead of a single version (CycloneDX `affects[].versions[].range`,
   * CSAF `product_version_range`), in `vers:` syntax. Only `vers:all/*` can be evaluated here; any
   * other range makes the component match nothing, because a range we cannot evaluate must never suppress.
   */
  versionRange?: string;
}

export interface VexProduct extends VexComponent {
  /** Parts of the product the statement is really about (OpenVEX subcomponents, CSAF relationships). Empty = the whole product. */
  subcomponents: VexComponent[];
}

export interface VexSource {
  format: VexFormatId;
  /** File the statement was read from, as the caller named it. */
  file: string;
  /** Document identity: OpenVEX `@id`, CSAF `tracking.id`, CycloneDX `serialNumber` (or the file when absent). */
  documentId: string;
  /** JSON path of the statement in its file, e.g. `statements[3]` or `vulnerabilities[0]`. */
  path: string;
}

export interface VexStatement {
  /** The vulnerability's main id as the source names it (a CVE, GHSA, ...). */
  vulnerability: string;
  /** Other ids of the same vulnerability, sorted, without `vulnerability` itself. */
  aliases: string[];
  products: VexProduct[];
  status: VexStatus;
  justification?: Justification;
  /** The source's own justification label when it is not OpenVEX vocabulary (e.g. CycloneDX `code_not_reachable`). */
  sourceJustification?: string;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  /** RFC 3339; the statement's own, else inherited from its document. Statements without one sort oldest. */
  timestamp?: string;
  author?: string;
  /** RFC 3339 re-review date after which the statement no longer suppresses anything. */
  expires?: string;
  source: VexSource;
}

/** A reader's result: statements plus non-fatal remarks (e.g. unknown fields in lenient mode). */
export interface VexReadResult {
  format: VexFormatId;
  statements: VexStatement[];
  warnings: string[];
}
