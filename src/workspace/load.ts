/**
 * Reads a YAML file and validates it against a zod schema in one pass, collecting every problem
 * with its file, YAML path and line:column so the user can fix them all at once.
 */
import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, isMap, isNode, type Document, type Node } from "yaml";
import type { z } from "zod";
import { MkError, type Problem } from "../errors.js";
import { formatPath, type PathSegment } from "../util/json-path.js";

function shortValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Finds the node at `path` (or the nearest existing ancestor) and its key node, if any. */
function locate(doc: Document, path: readonly PathSegment[]): { node?: Node; keyNode?: Node } {
  let current: unknown = doc.contents;
  let keyNode: Node | undefined;
  for (const seg of path) {
    if (!isNode(current)) break;
    const collection = current as Node & { items?: unknown[] };
    if (isMap(collection)) {
      const pair = collection.items.find((p) => isNode(p.key) && (p.key as unknown as { value: unknown }).value === seg);
      if (!pair) break;
      keyNode = isNode(pair.key) ? (pair.key as Node) : undefined;
      current = pair.value;
    } else if (Array.isArray(collection.items) && typeof seg === "number") {
      const item = collection.items[seg];
      if (item === undefined) break;
      keyNode = undefined;
      current = item;
    } else break;
  }
  return { node: isNode(current) ? (current as Node) : undefined, keyNode };
}

function position(lineCounter: LineCounter, node: Node | undefined): { line?: number; column?: number } {
  if (!node?.range) return {};
  const pos = lineCounter.linePos(node.range[0]);
  return { line: pos.line, column: pos.col };
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v: unknown = data;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string | number, unknown>)[seg];
  }
  return v;
}

interface ZodIssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  values?: unknown[];
}

function issueMessage(issue: ZodIssueLike): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field; remove it or check its spelling against the schema`;
    case "invalid_value":
      return issue.values ? `must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}` : issue.message;
    default:
      return issue.message.replace(/^Invalid input: /, "");
  }
}

/** Parses YAML text and validates it; throws E_CONFIG_INVALID listing every problem. */
export function parseYamlWithSchema<S extends z.ZodType>(text: string, file: string, schema: S): z.infer<S> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const problems: Problem[] = [];
  for (const err of doc.errors) {
    const pos = lineCounter.linePos(err.pos[0]);
    problems.push({ file, path: "", line: pos.line, column: pos.col, message: `YAML syntax: ${err.message.split("\n")[0]}` });
  }
  if (problems.length > 0) {
    throw new MkError("E_CONFIG_INVALID", `${file} is not valid YAML`, { problems, hint: "fix the YAML syntax at the lines shown" });
  }
  let data: unknown;
  try {
    // maxAliasCount bounds alias expansion ("billion laughs").
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    throw new MkError("E_CONFIG_INVALID", `${file} cannot be read as YAML data`, {
      cause: e,
      problems: [{ file, path: "", message: (e as Error).message }],
      hint: "fix the anchors/aliases in the file",
    });
  }
  const result = schema.safeParse(data);
  if (result.success) return result.data as z.infer<S>;

  for (const raw of result.error.issues as unknown as ZodIssueLike[]) {
    const basePath = raw.path.filter((p): p is string | number => typeof p !== "symbol");
    const targets = raw.code === "unrecognized_keys" && raw.keys ? raw.keys.map((k) => [...basePath, k]) : [basePath];
    for (const path of targets) {
      const { node, keyNode } = locate(doc, path);
      const at = raw.code === "unrecognized_keys" ? (keyNode ?? node) : node;
      const value = valueAt(data, path);
      problems.push({
        file,
        path: formatPath(path),
        ...position(lineCounter, at),
        ...(value === undefined ? {} : { value: shortValue(value) }),
        message: value === undefined && raw.code === "invalid_type" ? "is required but missing" : issueMessage(raw),
      });
    }
  }
  problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || a.path.localeCompare(b.path));
  throw new MkError("E_CONFIG_INVALID", `${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}`, {
    problems,
    hint: "fix every problem listed; the JSON Schema referenced by `$schema` gives editors completion and checks",
  });
}

export async function loadYamlWithSchema<S extends z.ZodType>(path: string, displayName: string, schema: S): Promise<z.infer<S>> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new MkError("E_NOT_FOUND", `cannot read ${displayName}`, { cause: e, hint: "check the path; `mailknight init` creates a workspace" });
  }
  return parseYamlWithSchema(text, displayName, schema);
}
