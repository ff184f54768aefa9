/** OpenVEX 0.2.0: the format Mailknight stores its own decisions in. */
import { validateOpenVexSchema } from "../../official-schemas.js";
import { isRecord } from "../shared.js";
import type { VexFormat } from "../types.js";
import { readOpenVex } from "./read.js";
import { writeOpenVex } from "./write.js";

export const id = "openvex";

export const format: VexFormat = {
  id,
  title: "OpenVEX 0.2.0",
  detect: (doc) => isRecord(doc) && typeof doc["@context"] === "string" && doc["@context"].startsWith("https://openvex.dev/ns"),
  read: readOpenVex,
  write: writeOpenVex,
  validate: (doc, file) => validateOpenVexSchema(doc, file),
};

export { OPENVEX_CONTEXT } from "./write.js";
export { joinStatusNotes, splitStatusNotes } from "./expiry.js";
