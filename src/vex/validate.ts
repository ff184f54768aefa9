/**
 * `vex validate`: a document against the official schema of its format (OpenVEX 0.2.0, CSAF 2.0
 * plus its VEX-profile mandatory tests, CycloneDX by its specVersion). Strict where reading is
 * lenient: an unknown field that `loadVex` only warns about is a problem here.
 */
import type { Problem } from "../errors.js";
import { parseJson, readTextCapped } from "../vuln/json.js";
import { detectFormat, VEX_FORMATS } from "./formats/registry.js";
import type { VexFormatId } from "./model.js";
import { MAX_VEX_BYTES } from "./read.js";

export interface ValidationReport {
  file: string;
  format?: VexFormatId;
  problems: Problem[];
}

export function validateVexDocument(doc: unknown, file: string): ValidationReport {
  const format = detectFormat(doc);
  if (!format) {
    return {
      file,
      problems: [{ file, path: "", message: `is none of ${Object.values(VEX_FORMATS).map((f) => f.title).join(", ")}` }],
    };
  }
  return { file, format: format.id, problems: format.validate(doc, file) };
}

export async function validateVexFile(path: string, display = path): Promise<ValidationReport> {
  const parsed = parseJson(await readTextCapped(path, MAX_VEX_BYTES, display), display);
  if ("problem" in parsed) return { file: display, problems: [parsed.problem] };
  return validateVexDocument(parsed.value, display);
}
