/**
 * Validation against official JSON Schemas with ajv, reported as Problems (file + JSON path +
 * value + what is allowed), the same shape as every other input error in Mailknight.
 */
import { readFileSync } from "node:fs";
import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import * as ajvFormats from "ajv-formats";
import type { Problem } from "../errors.js";
import { formatPath, shortValue, type PathSegment } from "../vuln/json.js";

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats = (ajvFormats as unknown as { default: (ajv: Ajv) => Ajv }).default;

/**
 * OpenVEX uses `format: iri`, CycloneDX `iri-reference` and `idn-email`; ajv-formats has none of
 * them. A non-empty string with a scheme is an IRI for our purposes (PURLs and URNs are IRIs).
 */
function addExtraFormats(ajv: Ajv): void {
  ajv.addFormat("iri", /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/u);
  ajv.addFormat("iri-reference", /^\S*$/u);
  ajv.addFormat("idn-email", /^[^\s@]+@[^\s@]+$/u);
}

export type Draft = "draft-07" | "2020-12";

/**
 * `unicodeRegExp: false` is for schemas whose patterns are not valid with the `u` flag (SARIF
 * 2.1.0-rtm.5 has `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`); keep the default everywhere else.
 */
export function newAjv(draft: Draft, extra: { unicodeRegExp?: boolean } = {}): Ajv {
  const options = { strict: false, allErrors: true, validateFormats: true, ...extra };
  const ajv = draft === "2020-12" ? (new Ajv2020(options) as unknown as Ajv) : new Ajv(options);
  addFormats(ajv);
  addExtraFormats(ajv);
  return ajv;
}

export function loadJsonSchema(url: URL | string): AnySchema {
  return JSON.parse(readFileSync(url, "utf8")) as AnySchema;
}

function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (!pointer) return [];
  const out: PathSegment[] = [];
  let node: unknown = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node) && /^\d+$/.test(key)) {
      out.push(Number(key));
      node = node[Number(key)];
    } else {
      out.push(key);
      node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
    }
  }
  return out;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

export interface SchemaIssue extends Problem {
  /** The ajv keyword that failed (`required`, `enum`, `additionalProperties`, ...). */
  keyword: string;
}

/** Turns ajv errors into problems; `if` errors are dropped because their `then` error says it all. */
export function issuesFromAjv(errors: readonly ErrorObject[] | null | undefined, file: string, data: unknown): SchemaIssue[] {
  const out: SchemaIssue[] = [];
  const seen = new Set<string>();
  for (const e of errors ?? []) {
    if (e.keyword === "if") continue;
    let path = pointerToPath(e.instancePath, data);
    let message = e.message ?? "is not valid";
    let withValue = true;
    switch (e.keyword) {
      case "required":
        path = [...path, String((e.params as { missingProperty: string }).missingProperty)];
        message = "is required but missing";
        withValue = false;
        break;
      case "additionalProperties":
        path = [...path, String((e.params as { additionalProperty: string }).additionalProperty)];
        message = "unknown field; the schema does not allow it (remove it or check its spelling)";
        break;
      case "enum":
        message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map((v) => JSON.stringify(v)).join(", ")}`;
        break;
      case "const":
        message = `must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`;
        break;
    }
    const formatted = formatPath(path);
    const key = `${formatted}\0${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const value = withValue ? valueAt(data, path) : undefined;
    out.push({ file, path: formatted, message, keyword: e.keyword, ...(value === undefined ? {} : { value: shortValue(value) }) });
  }
  return out;
}

/** Compiles lazily and once: schemas are large and most runs need none or one of them. */
export function lazyValidator(build: () => ValidateFunction): (data: unknown, file: string) => SchemaIssue[] {
  let fn: ValidateFunction | undefined;
  return (data, file) => {
    fn ??= build();
    return fn(data) ? [] : issuesFromAjv(fn.errors, file, data);
  };
}
