/**
 * Reading VEX from disk: files or directories (every `*.json` below them, sorted), any of the
 * three formats, detected from the content. Every file is read before failing, so one run lists
 * the problems of all of them.
 */
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { isMkError, MkError, type Problem } from "../errors.js";
import { parseJson, readTextCapped, throwProblems } from "../vuln/json.js";
import { detectFormat, VEX_FORMATS } from "./formats/registry.js";
import type { VexReadResult, VexStatement } from "./model.js";

/** Real VEX documents are kilobytes; 32 MiB leaves room for vendor feeds and stops runaway input. */
export const MAX_VEX_BYTES = 32 * 1024 * 1024;

/** Parses one document whose text is at hand; throws E_CONFIG_INVALID with file + JSON path. */
export function readVexText(text: string, file: string): VexReadResult {
  const parsed = parseJson(text, file);
  if ("problem" in parsed) throwProblems(`${file} is not valid JSON`, [parsed.problem]);
  const doc = (parsed as { value: unknown }).value;
  const format = detectFormat(doc);
  if (!format) {
    throwProblems(`${file} is not a VEX document`, [
      {
        file,
        path: "",
        message: `is none of ${Object.values(VEX_FORMATS).map((f) => f.title).join(", ")} (no OpenVEX @context, CycloneDX bomFormat or CSAF document.csaf_version)`,
      },
    ]);
  }
  return format!.read(doc, file);
}

export async function readVexFile(path: string, display = path): Promise<VexReadResult> {
  return readVexText(await readTextCapped(path, MAX_VEX_BYTES, display), display);
}

async function listJson(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listJson(path)));
    else if (entry.isFile() && entry.name.endsWith(".json")) out.push(path);
  }
  return out;
}

/** Files named directly, plus every `*.json` under directories named, in a stable order. */
export async function expandVexPaths(paths: readonly string[]): Promise<string[]> {
  const files: string[] = [];
  for (const p of paths) {
    const st = await stat(p).catch((e: unknown) => {
      throw new MkError("E_NOT_FOUND", `${p} does not exist`, { cause: e, hint: "give VEX files or directories that hold them" });
    });
    if (st.isDirectory()) files.push(...(await listJson(p)));
    else files.push(p);
  }
  return files;
}

export interface VexLoad {
  statements: VexStatement[];
  warnings: string[];
  files: string[];
}

/**
 * Reads every VEX file under `paths`. Names in messages are relative to `displayRoot` when given
 * (the workspace root), so errors read `vex/argocd/x.json` rather than an absolute path.
 */
export async function loadVex(paths: readonly string[], displayRoot?: string): Promise<VexLoad> {
  const files = await expandVexPaths(paths);
  const statements: VexStatement[] = [];
  const warnings: string[] = [];
  const problems: Problem[] = [];
  for (const file of files) {
    const display = displayRoot ? relative(displayRoot, file) || file : file;
    try {
      const r = await readVexFile(file, display);
      statements.push(...r.statements);
      warnings.push(...r.warnings);
    } catch (e) {
      if (isMkError(e) && e.code === "E_CONFIG_INVALID") problems.push(...(e.problems.length ? e.problems : [{ file: display, path: "", message: e.message }]));
      else throw e;
    }
  }
  if (problems.length) throwProblems("VEX input is invalid", problems, 0, "fix or remove the documents listed; `mailknight vex validate` checks them against their official schemas");
  return { statements, warnings, files };
}
