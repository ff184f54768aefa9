/** The gate report formats, by id. */
import { gitlab } from "./gitlab.js";
import { json } from "./json.js";
import { junit } from "./junit.js";
import { sarif } from "./sarif.js";
import { table } from "./table.js";
import type { Reporter } from "./types.js";

export const REPORT_FORMATS = ["table", "json", "sarif", "junit", "gitlab"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export const REPORTERS: Readonly<Record<ReportFormat, Reporter>> = { table, json, sarif, junit, gitlab };

export type { ReportContext, Reporter } from "./types.js";
