/**
 * Walks the given paths, picks the files that can hold image or chart references, and collects
 * them. Pure per file (text in, references out); only the walk touches the file system.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative } from "node:path";
import { MkError } from "../errors.js";
import { isDockerfileName, scanDockerfile } from "./dockerfile.js";
import { exemptionFor, type Exemption } from "./exemptions.js";
import type { FoundRef } from "./model.js";
import { scanYaml } from "./yaml-files.js";

const SKIP_DIRS = new Set([".git", "node_modules", ".mailknight", "vendor"]);

export function isScannable(name: string): boolean {
  return isDockerfileName(name) || /\.ya?ml$/i.test(name);
}

/** References in one file's text (the path decides the format). */
export function scanText(path: string, text: string): FoundRef[] {
  const name = path.split("/").pop() ?? path;
  if (isDockerfileName(name)) return scanDockerfile(path, text);
  if (/\.ya?ml$/i.test(name)) return scanYaml(path, text);
  return [];
}

export async function listFiles(paths: string[]): Promise<string[]> {
  const out: string[] = [];
  async function walk(p: string): Promise<void> {
    const entries = await readdir(p, { withFileTypes: true });
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) await walk(join(p, e.name));
      } else if (e.isFile() && isScannable(e.name)) out.push(join(p, e.name));
    }
  }
  for (const p of paths) {
    const st = await stat(p).catch(() => undefined);
    if (!st) throw new MkError("E_NOT_FOUND", `${p} does not exist`, { hint: "pass files or directories to scan" });
    if (st.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

export interface ScanResult {
  files: number;
  refs: (FoundRef & { exemption?: string })[];
  /** Unpinned and not exempted: what `--gate` fails on. */
  violations: FoundRef[];
}

export async function scanPaths(paths: string[], opts: { exemptions?: Exemption[]; cwd?: string } = {}): Promise<ScanResult> {
  const files = await listFiles(paths);
  const refs: ScanResult["refs"] = [];
  for (const f of files) {
    const text = await readFile(f, "utf8");
    const shown = opts.cwd ? relative(opts.cwd, f) : f;
    for (const r of scanText(f, text)) {
      const ex = r.pinned ? undefined : exemptionFor({ ...r, file: shown }, opts.exemptions ?? []);
      refs.push({ ...r, file: shown, ...(ex ? { exemption: ex.reason } : {}) });
    }
  }
  return { files: files.length, refs, violations: refs.filter((r) => !r.pinned && !r.exemption) };
}
