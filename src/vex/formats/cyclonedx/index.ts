/** CycloneDX VEX (spec 1.4–1.6 read, 1.6 written): `vulnerabilities[].analysis` and `affects[]`. */
import { validateCycloneDxSchema } from "../../official-schemas.js";
import { isRecord } from "../shared.js";
import type { VexFormat } from "../types.js";
import { readCycloneDx } from "./read.js";
import { writeCycloneDx } from "./write.js";

export const id = "cyclonedx";

export const format: VexFormat = {
  id,
  title: "CycloneDX VEX",
  detect: (doc) => isRecord(doc) && doc.bomFormat === "CycloneDX",
  read: readCycloneDx,
  write: writeCycloneDx,
  validate: (doc, file) => validateCycloneDxSchema(doc, file, isRecord(doc) ? String(doc.specVersion) : ""),
};
