/**
 * The VEX format plug-in family: one folder per format under `formats/<id>/`, each exporting `id`
 * and a `format` implementing this interface; `registry.ts` maps ids to them.
 */
import type { Problem } from "../../errors.js";
import type { VexFormatId, VexReadResult, VexStatement } from "../model.js";

export interface VexWriteOptions {
  /** Document author / CSAF publisher name. */
  author: string;
  /** Stable document identity (OpenVEX `@id`, CSAF `tracking.id`, CycloneDX serial seed). */
  documentId: string;
  /** PURL of the product the document is about (e.g. the image), when there is one. */
  subject?: string;
  /** Mailknight's version, for generator/tool fields. */
  toolVersion: string;
  /**
   * Document timestamp. Writers never read the clock: when this is not given they use the latest
   * statement timestamp, so the same statements always give the same bytes.
   */
  timestamp?: string;
  /** CSAF `publisher.namespace` (a URI the publisher controls). */
  namespace?: string;
}

export interface VexWriteResult {
  document: Record<string, unknown>;
  warnings: string[];
}

export interface VexFormat {
  id: VexFormatId;
  /** Human name, for messages. */
  title: string;
  /** True when a parsed JSON document looks like this format (cheap structural sniff, no validation). */
  detect(doc: unknown): boolean;
  /**
   * Reads a parsed document into statements. Throws MkError E_CONFIG_INVALID listing every
   * problem with the file and JSON path; anything it cannot use safely is a problem, not a guess.
   */
  read(doc: unknown, file: string): VexReadResult;
  /**
   * Renders statements as one document of this format; deterministic for the same input. What
   * the format cannot express (e.g. a product with no identifier it accepts) is left out and
   * said in `warnings`, never invented.
   */
  write(statements: readonly VexStatement[], options: VexWriteOptions): VexWriteResult;
  /** Problems of a document against the format's official JSON Schema (empty = valid). */
  validate(doc: unknown, file: string): Problem[];
}
