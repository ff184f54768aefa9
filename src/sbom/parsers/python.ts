/**
 * Python distributions: core metadata (`*.dist-info/METADATA`, `*.egg-info/PKG-INFO` or an
 * `*.egg-info` file) and wheel RECORD files.
 *
 * One package per metadata file: key and PURL name are the PEP 503 normalised name (`PyYAML` →
 * `pyyaml`), the name as written is `python:name`. Licenses: `License-Expression` (PEP 639)
 * when present, else the `License` field (when it is a name, not a pasted license text) and
 * the license classifiers, as SPDX where unambiguous. `Requires-Dist` names become dependsOn by
 * normalised name — keys of the other distributions' results, for the cataloger to link — and
 * environment markers are kept as `python:marker:<name>`.
 */
import { all, first, parseHeaders } from "./python/headers.js";
import { licenseFromClassifier } from "./python/classifiers.js";
import { parseRecordRows, type RecordEntry } from "./python/record.js";
import { normaliseLicense, toSpdxExpression } from "./common/spdx.js";
import { messageOf, show, Warnings } from "./common/warnings.js";
import type { ParseResult } from "./types.js";

export type { RecordEntry } from "./python/record.js";

/** PEP 503: lower case, runs of `-`, `_`, `.` become one `-`. */
export function normalisePythonName(name: string): string {
  return name.replace(/[-_.]+/g, "-").toLowerCase();
}

// PEP 508: a name starts and ends with a letter or digit; `.`, `_`, `-` inside.
const REQUIREMENT_NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)/;
/** A License field longer than this, or on several lines, is a pasted license text, not a name. */
const MAX_LICENSE_NAME = 120;

function licensesOf(headers: Map<string, string[]>): string[] | undefined {
  const expression = first(headers, "License-Expression")?.trim();
  if (expression) return [toSpdxExpression(expression) ?? expression];
  const out: string[] = [];
  const license = first(headers, "License")?.trim();
  const licenseIsName = license !== undefined && license.length <= MAX_LICENSE_NAME && !license.includes("\n");
  if (licenseIsName) {
    const l = normaliseLicense(license);
    if (l !== undefined) out.push(l);
  }
  for (const c of all(headers, "Classifier")) {
    const classified = licenseFromClassifier(c);
    if (!classified) continue;
    // An unmapped classifier adds its text only when nothing better is known.
    const value = classified.spdx ?? (out.length === 0 ? classified.text : undefined);
    if (value !== undefined && !out.includes(value)) out.push(value);
  }
  return out.length > 0 ? out : undefined;
}

export function parseDistInfoMetadata(text: string, location: string): ParseResult {
  const warnings = new Warnings(location);
  try {
    const headers = parseHeaders(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, warnings);
    const name = first(headers, "Name")?.trim();
    const version = first(headers, "Version")?.trim();
    if (!name || !REQUIREMENT_NAME.test(name) || REQUIREMENT_NAME.exec(name)![1] !== name) {
      warnings.add(name ? `"Name" ${show(name)} is not a valid distribution name` : `no "Name" header: not a core metadata file`);
      return { packages: [], warnings: warnings.toArray() };
    }
    if (!version) {
      warnings.add(`no "Version" header for ${name}`);
      return { packages: [], warnings: warnings.toArray() };
    }
    const key = normalisePythonName(name);
    const properties: Record<string, string> = { "python:name": name };
    const metadataVersion = first(headers, "Metadata-Version")?.trim();
    if (metadataVersion) properties["python:metadata-version"] = metadataVersion;
    const dependsOn: string[] = [];
    for (const req of all(headers, "Requires-Dist")) {
      const m = REQUIREMENT_NAME.exec(req);
      if (!m) {
        warnings.add(`unreadable Requires-Dist ${show(req)}`);
        continue;
      }
      const dep = normalisePythonName(m[1]!);
      if (dep === key) continue;
      if (!dependsOn.includes(dep)) dependsOn.push(dep);
      const semicolon = req.indexOf(";");
      if (semicolon !== -1) {
        const marker = req.slice(semicolon + 1).trim();
        const prop = `python:marker:${dep}`;
        properties[prop] = properties[prop] ? `${properties[prop]} || ${marker}` : marker;
      }
    }
    const licenses = licensesOf(headers);
    return {
      packages: [
        {
          ecosystem: "pypi",
          key,
          name: key,
          version,
          ...(licenses ? { licenses } : {}),
          ...(dependsOn.length > 0 ? { dependsOn } : {}),
          properties,
        },
      ],
      warnings: warnings.toArray(),
    };
  } catch (e) {
    warnings.add(`internal error while reading core metadata: ${messageOf(e)}`);
    return { packages: [], warnings: warnings.toArray() };
  }
}

/** The files of an installed wheel with their sha256 hashes and sizes, from its RECORD. */
export function parseRecord(text: string, location = "RECORD"): { files: RecordEntry[]; warnings: string[] } {
  const warnings = new Warnings(location);
  try {
    return { files: parseRecordRows(text, warnings), warnings: warnings.toArray() };
  } catch (e) {
    warnings.add(`internal error while reading RECORD: ${messageOf(e)}`);
    return { files: [], warnings: warnings.toArray() };
  }
}
