/**
 * Carrying a patchset to a new upstream release, with the real git. On a work tree that holds
 * both the carried commit and the new one, each patch is first checked, then applied:
 *
 *   already-upstream  same `git patch-id --stable` as an upstream commit in old..new, or the patch
 *                     reverse-applies cleanly to the new release (upstream made the change);
 *   clean             `git apply --check` passes at the recorded line numbers;
 *   offset            passes, but some hunks moved (git reports "offset N lines");
 *   three-way         does not apply as is, but `git am -3` merges it using the blobs it names;
 *   conflict          nothing works: the files and hunks are reported and the patch is left out.
 *
 * The applying itself is `applyPatches` (one deterministic commit per patch, tree restored when a
 * patch fails), so a conflict never leaves a half-applied tree. The carried patches are then
 * regenerated with `git format-patch` from those commits, so offsets and merge results are
 * folded into fresh context, and written to the output directory in one rename.
 */
import { mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { isMkError, MkError } from "../errors.js";
import { discardEvents, type EventSink } from "../pipeline/events.js";
import { ensureDir, pathExists, tempSibling } from "../util/fs.js";
import { COMMIT_RE, git as safeGit } from "../util/git.js";
import { applyPatches } from "./apply.js";
import { git, identityEnv, keyLines } from "./git.js";
import type { PatchFile } from "./list.js";
import { parsePatch } from "./parse.js";

export type PatchOutcome = "clean" | "offset" | "three-way" | "already-upstream" | "conflict";

export interface HunkOffset {
  file: string;
  hunk: number;
  /** Lines the hunk moved (positive: further down). */
  offset: number;
}

export interface ConflictFile {
  path: string;
  reason?: string;
  hunks: { index: number; header: string; oldStart: number; oldLines: number }[];
}

export interface PatchClassification {
  name: string;
  subject?: string;
  outcome: PatchOutcome;
  /** One line a human can act on: why this outcome. */
  detail: string;
  /** Files the patch touches that upstream changed between the two releases. */
  touchedUpstream: string[];
  offsets?: HunkOffset[];
  conflict?: { files: ConflictFile[]; gitOutput: string[] };
  /** The regenerated patch file in the output directory (carried patches only). */
  file?: string;
}

export interface RebaseReport {
  oldCommit: string;
  newCommit: string;
  /** Files upstream changed between the two commits (sorted). */
  upstreamChanged: string[];
  patches: PatchClassification[];
  /** The files written to outDir, in order. */
  written: string[];
  outDir: string;
  /** HEAD of the work tree: the new release with every carried patch. */
  headCommit: string;
}

export interface RebaseOptions {
  /** A git work tree containing both commits; it is checked out (detached) and reset. */
  repoDir: string;
  oldCommit: string;
  newCommit: string;
  patches: PatchFile[];
  /** `patches/<p>/<new>/`: replaced as a whole, atomically. */
  outDir: string;
  /** Committer/author date of the patch commits, for deterministic regenerated patches. */
  sourceDateEpoch: number;
  onEvent?: EventSink;
}

export async function rebasePatchset(opts: RebaseOptions): Promise<RebaseReport> {
  const { repoDir, oldCommit, newCommit } = opts;
  for (const c of [oldCommit, newCommit]) {
    if (!COMMIT_RE.test(c)) throw new MkError("E_USAGE", `rebase needs full commit ids, got "${c}"`);
  }
  const emit = opts.onEvent ?? discardEvents;
  await must(["checkout", "--quiet", "--force", "--detach", newCommit], repoDir, `checking out ${newCommit}`);
  await must(["clean", "-fdxq"], repoDir, `cleaning ${repoDir}`);
  const upstreamChanged = (await must(["diff", "--name-only", "-z", oldCommit, newCommit], repoDir, "listing what upstream changed")).stdout.split("\0").filter(Boolean).sort();
  const changedSet = new Set(upstreamChanged);
  const upstreamIds = await upstreamPatchIds(repoDir, oldCommit, newCommit);

  const results: PatchClassification[] = [];
  const carriedCommits: { index: number; commit: string }[] = [];
  for (const [i, patch] of opts.patches.entries()) {
    emit({ type: "progress", stage: "patch", label: patch.name, done: i, total: opts.patches.length, unit: "items" });
    const bytes = await readFile(patch.path);
    const parsed = parsePatch(bytes.toString("utf8"));
    const base = {
      name: patch.name,
      ...(patch.subject ?? parsed.subject ? { subject: (patch.subject ?? parsed.subject)! } : {}),
      touchedUpstream: [...new Set(parsed.files.flatMap((f) => [f.path, f.oldPath ?? f.path]))].filter((p) => changedSet.has(p)).sort(),
    };
    if (parsed.files.length === 0) {
      results.push({ ...base, outcome: "conflict", detail: "not a patch: contains no diff", conflict: { files: [], gitOutput: [] } });
      continue;
    }
    const id = await patchId(repoDir, bytes);
    const upstreamCommit = id ? upstreamIds.get(id) : undefined;
    if (upstreamCommit) {
      results.push({ ...base, outcome: "already-upstream", detail: `upstream commit ${upstreamCommit.slice(0, 12)} has the same patch-id` });
      continue;
    }
    const check = await withFile(bytes, (file) => git(["apply", "--check", "--verbose", file], { cwd: repoDir }));
    if (check.code !== 0) {
      const reverse = await withFile(bytes, (file) => git(["apply", "--check", "--reverse", file], { cwd: repoDir }));
      if (reverse.code === 0) {
        results.push({ ...base, outcome: "already-upstream", detail: "reverse-applies cleanly: the new release already contains this change" });
        continue;
      }
    }
    const offsets = check.code === 0 ? parseOffsets(`${check.stdout}\n${check.stderr}`) : [];
    const before = (await must(["rev-parse", "HEAD"], repoDir, "reading HEAD")).stdout.trim();
    try {
      const r = await applyPatches(repoDir, [patch], { sourceDateEpoch: opts.sourceDateEpoch });
      const commit = r.headCommit;
      if (commit === before) throw new MkError("E_INTERNAL", `applying ${patch.name} made no commit`);
      carriedCommits.push({ index: results.length, commit });
      if (check.code !== 0) results.push({ ...base, outcome: "three-way", detail: "context changed upstream; merged with git am -3 (review the result)" });
      else if (offsets.length > 0) results.push({ ...base, outcome: "offset", detail: `applies with ${offsets.length} hunk(s) moved`, offsets });
      else results.push({ ...base, outcome: "clean", detail: "applies as is" });
    } catch (e) {
      if (!isMkError(e) || e.code !== "E_PATCH_FAILED") throw e;
      const files = ((e.details?.files ?? []) as ConflictFile[]).map((f) => ({
        path: f.path,
        ...(f.reason ? { reason: f.reason } : {}),
        hunks: f.hunks.map((h) => ({ index: h.index, header: h.header, oldStart: h.oldStart, oldLines: h.oldLines })),
      }));
      results.push({ ...base, outcome: "conflict", detail: `does not apply: ${files.map((f) => f.path).join(", ") || "see git output"}`, conflict: { files, gitOutput: (e.details?.gitOutput ?? []) as string[] } });
    }
  }
  emit({ type: "progress", stage: "patch", label: "patches classified", done: opts.patches.length, total: opts.patches.length, unit: "items" });

  const headCommit = (await must(["rev-parse", "HEAD"], repoDir, "reading HEAD")).stdout.trim();
  const written = await regenerate(repoDir, newCommit, carriedCommits.length, opts.outDir, opts.sourceDateEpoch);
  carriedCommits.forEach((c, i) => {
    results[c.index]!.file = written[i];
  });
  return { oldCommit, newCommit, upstreamChanged, patches: results, written, outDir: opts.outDir, headCommit };
}

/** "Hunk #2 succeeded at 57 (offset 3 lines)." under "Checking patch <file>...". */
export function parseOffsets(output: string): HunkOffset[] {
  const out: HunkOffset[] = [];
  let file = "";
  for (const line of output.split("\n")) {
    const c = /^Checking patch (.+)\.\.\.$/.exec(line);
    if (c?.[1]) file = c[1];
    const m = /^Hunk #(\d+) succeeded at \d+ \(offset (-?\d+) lines?\)\.$/.exec(line);
    if (m) out.push({ file, hunk: Number(m[1]), offset: Number(m[2]) });
  }
  return out;
}

/** patch-id → upstream commit for every non-merge commit in old..new. */
async function upstreamPatchIds(repoDir: string, oldCommit: string, newCommit: string): Promise<Map<string, string>> {
  const log = await must(["log", "-p", "--no-merges", "--no-color", "--format=commit %H", `${oldCommit}..${newCommit}`], repoDir, `reading upstream commits ${oldCommit.slice(0, 12)}..${newCommit.slice(0, 12)}`);
  const ids = new Map<string, string>();
  if (log.stdout.trim() === "") return ids;
  for (const line of (await patchIdRun(repoDir, log.stdout)).split("\n")) {
    const [id, commit] = line.trim().split(/\s+/);
    if (id && commit) ids.set(id, commit);
  }
  return ids;
}

async function patchId(repoDir: string, patch: Uint8Array): Promise<string | undefined> {
  const out = await patchIdRun(repoDir, patch);
  return out.trim().split(/\s+/)[0] || undefined;
}

async function patchIdRun(repoDir: string, input: string | Uint8Array): Promise<string> {
  const r = await safeGit(["patch-id", "--stable"], { cwd: repoDir, isolated: true, input });
  if (r.code !== 0) throw new MkError("E_PATCH_FAILED", `git patch-id failed: ${r.stderr.trim()}`);
  return r.stdout;
}

/** format-patch the carried commits into a sibling temp dir, then swap it in for outDir. */
async function regenerate(repoDir: string, newCommit: string, count: number, outDir: string, epoch: number): Promise<string[]> {
  const tmp = tempSibling(outDir);
  await ensureDir(tmp);
  try {
    if (count > 0) {
      // --zero-commit and --no-signature keep the files free of commit ids and our git version;
      // --no-numbered keeps a patch's subject from changing when the series grows or shrinks.
      await must(["format-patch", "--quiet", "--zero-commit", "--no-signature", "--no-numbered", "--full-index", "-o", tmp, `${newCommit}..HEAD`], repoDir, "regenerating the carried patches", identityEnv(epoch, false));
    }
    const names = (await readdir(tmp)).filter((n) => n.endsWith(".patch")).sort();
    if (names.length !== count) throw new MkError("E_INTERNAL", `format-patch wrote ${names.length} patches for ${count} carried commits`);
    const old = `${tmp}.old`;
    const had = await pathExists(outDir);
    if (had) await rename(outDir, old);
    await rename(tmp, outDir);
    if (had) await rm(old, { recursive: true, force: true });
    return names;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function withFile<T>(bytes: Uint8Array, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "mk-rebase-"));
  try {
    const file = join(dir, "p.patch");
    await writeFile(file, bytes, { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function must(args: string[], cwd: string, what: string, env?: Record<string, string>) {
  const r = await git(args, { cwd, ...(env ? { env } : {}) });
  if (r.code !== 0) {
    throw new MkError("E_PATCH_FAILED", `${what} in ${basename(cwd)} failed (git ${args[0]}):\n  ${keyLines(r).join("\n  ")}`, { details: { args, stderr: r.stderr } });
  }
  return r;
}
