/** The VEX format plug-ins, by id. A test checks this map against the folders next to it. */
import type { VexFormatId } from "../model.js";
import * as csaf from "./csaf/index.js";
import * as cyclonedx from "./cyclonedx/index.js";
import * as openvex from "./openvex/index.js";
import type { VexFormat } from "./types.js";

export const VEX_FORMATS: Readonly<Record<VexFormatId, VexFormat>> = {
  openvex: openvex.format,
  cyclonedx: cyclonedx.format,
  csaf: csaf.format,
};

/** The format a parsed document is in, or undefined when none recognises it. */
export function detectFormat(doc: unknown): VexFormat | undefined {
  return Object.values(VEX_FORMATS).find((f) => f.detect(doc));
}
