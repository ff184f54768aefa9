/**
 * Where OSV records come from: a directory tree of `*.json` (and the pypa advisory-database's
 * `*.yaml`) files, or a zip export. Each source yields raw record texts named by their file (or
 * `archive.zip!ENTRY.json`), so every problem can be traced to the exact record.
 */
import { lstat, readdir } from "node:fs/promises";
import { isAbsolute, join, relative } from "node:path";
import { parse as parseYaml } from "yaml";
import { MkError, type Problem } from "../../errors.js";
import { parseJson, readTextCapped } from "../json.js";
import { DEFAULT_ZIP_CAPS, readZipJsonEntries, type ZipCaps } from "./zip.js";

export interface RawRecord {
  /** Display name for problems: a path, or `<zip>!<entry>`. */
  file: string;
  value?: unknown;
  problem?: Problem;
}

export type SourceKind = "dir" | "zip" | "file";

export async function sourceKind(path: string): Promise<SourceKind> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    throw new MkError("E_NOT_FOUND", `${path} does not exist`, { cause: e, hint: "pass a directory of OSV JSON files or an OSV zip export (all.zip)" });
  }
  if (st.isDirectory()) return "dir";
  if (path.toLowerCase().endsWith(".zip")) return "zip";
  return "file";
}

/** Files under `dir`, sorted, not following symlinked directories (no loops, no escaping the tree). */
async function listRecordFiles(dir: string, skipped: { count: number }): Promise<string[]> {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const current = stack.pop() as string;
    const entries = await readdir(current, { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const full = join(current, e.name);
      if (e.isDirectory()) stack.push(full);
      else if (e.isFile() && /\.(json|ya?ml)$/i.test(e.name)) out.push(full);
      else skipped.count++;
    }
  }
  return out.sort();
}

/**
 * YAML through the failsafe schema: every scalar stays a string, so an unquoted version such as
 * `1.10` is not turned into the number 1.1, and aliases are capped against "billion laughs".
 */
function parseYamlRecord(text: string, file: string): RawRecord {
  try {
    return { file, value: parseYaml(text, { schema: "failsafe", maxAliasCount: 100, uniqueKeys: true }) as unknown };
  } catch (e) {
    const err = e as Error & { linePos?: { line: number; col: number }[] };
    const pos = err.linePos?.[0];
    return { file, problem: { file, path: "", ...(pos ? { line: pos.line, column: pos.col } : {}), message: `not valid YAML: ${err.message.split("\n")[0]}` } };
  }
}

function parseText(text: string, file: string): RawRecord {
  if (/\.ya?ml$/i.test(file)) return parseYamlRecord(text, file);
  const parsed = parseJson(text, file);
  return "problem" in parsed ? { file, problem: parsed.problem } : { file, value: parsed.value };
}

/** `p` relative to `base` when it lies inside it, else as given: no `../../` chains in messages. */
export function displayPath(p: string, base: string | undefined): string {
  if (!base) return p;
  const rel = relative(base, p);
  return rel && !rel.startsWith("..") && !isAbsolute(rel) ? rel : p;
}

export interface ReadSourceOptions {
  caps?: ZipCaps;
  /** Base directory for display names (the workspace or cwd). */
  displayBase?: string;
  skipped?: { count: number };
}

/** Yields every record text of one source, parsed (or with its syntax problem). */
export async function* readSource(path: string, kind: SourceKind, opts: ReadSourceOptions = {}): AsyncGenerator<RawRecord> {
  const caps = opts.caps ?? DEFAULT_ZIP_CAPS;
  const skipped = opts.skipped ?? { count: 0 };
  const display = (p: string) => displayPath(p, opts.displayBase);
  if (kind === "zip") {
    const shown = display(path);
    for await (const entry of readZipJsonEntries(path, caps, skipped)) yield parseText(entry.text, `${shown}!${entry.name}`);
    return;
  }
  const files = kind === "dir" ? await listRecordFiles(path, skipped) : [path];
  for (const file of files) {
    const text = await readTextCapped(file, caps.maxEntryBytes, display(file));
    yield parseText(text, display(file));
  }
}
