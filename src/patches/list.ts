/**
 * The patchset of one project version: `series` (quilt style) when present, else every
 * `*.patch` / `*.diff` in name order. Each patch carries the digest of its bytes, which is what
 * the patch stage's cache key and records use.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { MkError, formatProblem, type Problem } from "../errors.js";
import { sha256Digest, type Digest } from "../util/digest.js";
import { isDirectory, pathExists } from "../util/fs.js";
import { patchSubject } from "./parse.js";

export interface PatchFile {
  /** As listed in `series`, or the file name. */
  name: string;
  path: string;
  /** sha256 of the file's bytes. */
  digest: Digest;
  /** Mail patches: the subject, without `[PATCH n/m]`. */
  subject?: string;
}

export interface SeriesEntry {
  name: string;
  line: number;
}

/** Parses a quilt `series` file: one patch per line, `#` comments, an optional `-p1`. */
export function parseSeries(text: string, file: string): { entries: SeriesEntry[]; problems: Problem[] } {
  const entries: SeriesEntry[] = [];
  const problems: Problem[] = [];
  const seen = new Map<string, number>();
  text.split("\n").forEach((raw, i) => {
    const line = i + 1;
    const content = raw.replace(/(^|\s)#.*$/, "").trim();
    if (content === "") return;
    const [name = "", ...options] = content.split(/\s+/);
    const problem = (message: string, value = name) => problems.push({ file, path: `line ${line}`, line, value, message });
    if (options.some((o) => o !== "-p1")) {
      problem("patch options are not supported; patches apply with -p1 (git format-patch output)", options.join(" "));
      return;
    }
    if (isAbsolute(name) || name.split("/").includes("..")) {
      problem("a series entry must be a path inside the patch directory");
      return;
    }
    const earlier = seen.get(name);
    if (earlier !== undefined) {
      problem(`listed twice (first on line ${earlier}); remove one`);
      return;
    }
    seen.set(name, line);
    entries.push({ name, line });
  });
  return { entries, problems };
}

export async function listPatches(dir: string): Promise<PatchFile[]> {
  if (!(await pathExists(dir))) return [];
  if (!(await isDirectory(dir))) {
    throw new MkError("E_CONFIG_INVALID", `patch directory ${dir} is not a directory`, { hint: "patches live in patches/<project>/<version>/" });
  }
  const seriesFile = join(dir, "series");
  const names = (await pathExists(seriesFile)) ? await fromSeries(dir, seriesFile) : await byName(dir);
  const out: PatchFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const bytes = await readFile(path);
    const subject = patchSubject(bytes.toString("utf8"));
    out.push({ name, path, digest: sha256Digest(bytes), ...(subject !== undefined ? { subject } : {}) });
  }
  return out;
}

async function fromSeries(dir: string, seriesFile: string): Promise<string[]> {
  const { entries, problems } = parseSeries(await readFile(seriesFile, "utf8"), seriesFile);
  for (const entry of entries) {
    const path = join(dir, entry.name);
    const isFile = await stat(path).then((s) => s.isFile(), () => false);
    if (!isFile) {
      problems.push({ file: seriesFile, path: `line ${entry.line}`, line: entry.line, value: entry.name, message: `lists ${entry.name}, but ${path} does not exist` });
    }
  }
  if (problems.length > 0) {
    const onlyMissing = problems.every((p) => p.message.endsWith("does not exist"));
    const first = problems[0]!;
    throw new MkError(onlyMissing ? "E_NOT_FOUND" : "E_CONFIG_INVALID", problems.length === 1 ? formatProblem(first) : `${seriesFile} has ${problems.length} problems`, {
      problems,
      hint: onlyMissing ? "add the missing patch file, or remove (or comment out with #) its line in series" : "fix the series file: one patch file name per line, # for comments",
    });
  }
  return entries.map((e) => e.name);
}

async function byName(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const name of await readdir(dir)) {
    if (!/\.(patch|diff)$/.test(name)) continue;
    if (await stat(join(dir, name)).then((s) => s.isFile(), () => false)) names.push(name);
  }
  // Plain code-unit order, not locale order: the same on every machine.
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
