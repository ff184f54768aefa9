/** CSAF 2.0 VEX profile (`document.category: csaf_vex`). */
import { validateCsafSchema } from "../../official-schemas.js";
import { isRecord } from "../shared.js";
import type { VexFormat } from "../types.js";
import { csafVexProfileProblems } from "./profile.js";
import { readCsaf } from "./read.js";
import { writeCsaf } from "./write.js";

export const id = "csaf";

export const format: VexFormat = {
  id,
  title: "CSAF 2.0 VEX",
  detect: (doc) => isRecord(doc) && isRecord(doc.document) && typeof doc.document.csaf_version === "string",
  read: readCsaf,
  write: writeCsaf,
  // Schema first; the profile tests only make sense on a document of the right shape.
  validate: (doc, file) => {
    const schema = validateCsafSchema(doc, file);
    return schema.length ? schema : csafVexProfileProblems(doc, file);
  },
};

export { csafVexProfileProblems } from "./profile.js";
