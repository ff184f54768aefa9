/**
 * Applies a patchset to a git work tree with the real git, one commit per patch (or per mail):
 * mail patches with `git am -3 --keep-cr`, plain diffs with `git apply --3way --index` + commit.
 * Committer identity and date are fixed (date = sourceDateEpoch), so the same tree and patches
 * give the same commit ids on every machine. On failure the tree is put back at the last good
 * commit and the error says which patch, files and hunks did not apply.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { MkError } from "../errors.js";
import { discardEvents, type EventSink } from "../pipeline/events.js";
import { sha256Digest, type Digest } from "../util/digest.js";
import { pathExists } from "../util/fs.js";
import { diagnoseFailure, type FailedFile } from "./diagnose.js";
import { git, identityEnv, keyLines } from "./git.js";
import { parsePatch, type ParsedPatch } from "./parse.js";
import type { PatchFile } from "./list.js";

export interface ApplyOptions {
  /** Seconds since the epoch: committer date of every patch commit (and author date of plain diffs). */
  sourceDateEpoch: number;
  onEvent?: EventSink;
}

export interface AppliedPatch {
  name: string;
  digest: Digest;
  /** HEAD after this patch. */
  commit: string;
}

export interface ApplyResult {
  applied: AppliedPatch[];
  headCommit: string;
}

export async function applyPatches(repoDir: string, patches: Pick<PatchFile, "name" | "path" | "digest">[], opts: ApplyOptions): Promise<ApplyResult> {
  const epoch = opts.sourceDateEpoch;
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new MkError("E_USAGE", `sourceDateEpoch must be whole seconds since 1970, got ${epoch}`);
  }
  const emit = opts.onEvent ?? discardEvents;
  let head = await checkReady(repoDir);
  const applied: AppliedPatch[] = [];
  for (const [i, patch] of patches.entries()) {
    emit({ type: "progress", stage: "patch", label: patch.name, done: i, total: patches.length, unit: "items" });
    const bytes = await readFile(patch.path);
    const digest = sha256Digest(bytes);
    if (digest !== patch.digest) {
      throw new MkError("E_INTEGRITY", `patch ${patch.path} changed after it was listed (digest was ${patch.digest}, now ${digest})`, {
        hint: "something is editing the patch directory during the run; run again",
      });
    }
    const parsed = parsePatch(bytes.toString("utf8"));
    if (parsed.files.length === 0) {
      throw new MkError("E_PATCH_FAILED", `${patch.path} is not a patch: it contains no diff`, {
        hint: "patches must be `git format-patch` output or unified diffs (diff -u / git diff); remove or fix the file",
        details: { patch: patch.name, files: [] },
      });
    }
    head = parsed.format === "mail" ? await applyMail(repoDir, patch, bytes, parsed, epoch, head) : await applyDiff(repoDir, patch, bytes, parsed, epoch, head);
    applied.push({ name: patch.name, digest, commit: head });
  }
  emit({ type: "progress", stage: "patch", label: "patches applied", done: patches.length, total: patches.length, unit: "items" });
  return { applied, headCommit: head };
}

/** The repository must have a commit, a clean tree and no half-done `git am`. Returns HEAD. */
async function checkReady(repoDir: string): Promise<string> {
  const head = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { cwd: repoDir });
  if (head.code !== 0) {
    throw new MkError("E_PATCH_FAILED", `${repoDir} is not a git work tree with a commit to patch`, { hint: "run the fetch step first; it produces the tree to patch" });
  }
  const status = await git(["status", "--porcelain", "--untracked-files=normal"], { cwd: repoDir });
  if (status.code !== 0 || status.stdout.trim() !== "") {
    throw new MkError("E_PATCH_FAILED", `${repoDir} has uncommitted changes; patches are applied to a clean tree only:\n  ${status.stdout.trim().split("\n").slice(0, 10).join("\n  ")}`, {
      hint: "start from a fresh fetch of the source",
    });
  }
  for (const state of ["rebase-apply", "rebase-merge"]) {
    const r = await git(["rev-parse", "--git-path", state], { cwd: repoDir });
    if (r.code === 0 && (await pathExists(resolve(repoDir, r.stdout.trim())))) {
      throw new MkError("E_PATCH_FAILED", `${repoDir} has a git am or rebase in progress`, { hint: "run `git am --abort` there, or start from a fresh fetch" });
    }
  }
  return head.stdout.trim();
}

async function applyMail(repoDir: string, patch: Pick<PatchFile, "name" | "path" | "digest">, bytes: Buffer, parsed: ParsedPatch, epoch: number, before: string): Promise<string> {
  const input = parsed.hasDate ? bytes : withDate(bytes, epoch);
  const r = await withPatchFile(patch.name, input, (file) => git(["am", "-3", "--keep-cr", file], { cwd: repoDir, env: identityEnv(epoch, false) }));
  if (r.code === 0) return await headOf(repoDir);
  const conflicted = await unmergedFiles(repoDir);
  // --abort rewinds to where this am started; --quit drops the am state should that fail.
  const abort = await git(["am", "--abort"], { cwd: repoDir });
  if (abort.code !== 0) await git(["am", "--quit"], { cwd: repoDir });
  await restore(repoDir, before);
  throw await failure(repoDir, patch, input, parsed, conflicted, "git am -3", keyLines(r));
}

async function applyDiff(repoDir: string, patch: Pick<PatchFile, "name" | "path" | "digest">, bytes: Buffer, parsed: ParsedPatch, epoch: number, before: string): Promise<string> {
  const r = await withPatchFile(patch.name, bytes, (file) => git(["apply", "--3way", "--index", file], { cwd: repoDir }));
  if (r.code !== 0) {
    const conflicted = await unmergedFiles(repoDir);
    await restore(repoDir, before);
    throw await failure(repoDir, patch, bytes, parsed, conflicted, "git apply --3way", keyLines(r));
  }
  const c = await git(["commit", "--quiet", "--no-verify", "-m", patch.name], { cwd: repoDir, env: identityEnv(epoch, true) });
  if (c.code !== 0) {
    await restore(repoDir, before);
    throw new MkError("E_PATCH_FAILED", `${patch.path} applied but could not be committed:\n  ${keyLines(c).join("\n  ")}`, {
      hint: "a patch that changes nothing cannot be committed; remove it if upstream already contains the change",
      details: { patch: patch.name, files: [] },
    });
  }
  return await headOf(repoDir);
}

/**
 * `git am` takes the author date from the mail's Date header and uses the current time without
 * one; a Date from sourceDateEpoch keeps such a patch's commit deterministic.
 */
function withDate(bytes: Buffer, epoch: number): Buffer {
  const firstLineEnd = bytes.indexOf(0x0a) + 1;
  const eol = firstLineEnd >= 2 && bytes[firstLineEnd - 2] === 0x0d ? "\r\n" : "\n";
  const date = Buffer.from(`Date: ${new Date(epoch * 1000).toUTCString().replace(/GMT$/, "+0000")}${eol}`);
  // After an mbox "From <id> <date>" line, else first: headers come before the blank line.
  const mbox = /^From \S+/.test(bytes.subarray(0, 80).toString("latin1"));
  return mbox ? Buffer.concat([bytes.subarray(0, firstLineEnd), date, bytes.subarray(firstLineEnd)]) : Buffer.concat([date, bytes]);
}

/**
 * Hands git the bytes that were hashed (not the patch file again, which could have changed) as a
 * private temp file; a file rather than stdin because git may exit before reading its input.
 */
async function withPatchFile<T>(name: string, bytes: Uint8Array, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "mk-patch-"));
  try {
    const file = join(dir, basename(name));
    await writeFile(file, bytes, { mode: 0o600 });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function headOf(repoDir: string): Promise<string> {
  const r = await git(["rev-parse", "HEAD"], { cwd: repoDir });
  if (r.code !== 0) throw new MkError("E_PATCH_FAILED", `cannot read HEAD of ${repoDir}: ${keyLines(r).join(" / ")}`);
  return r.stdout.trim();
}

async function unmergedFiles(repoDir: string): Promise<string[]> {
  const r = await git(["diff", "--name-only", "--diff-filter=U", "-z"], { cwd: repoDir });
  return r.stdout.split("\0").filter((p) => p !== "");
}

/** Back to the last good commit with a clean tree, whatever the failed command left behind. */
async function restore(repoDir: string, commit: string): Promise<void> {
  const reset = await git(["reset", "--hard", "--quiet", commit], { cwd: repoDir });
  const clean = await git(["clean", "-fdq"], { cwd: repoDir });
  if (reset.code !== 0 || clean.code !== 0) {
    throw new MkError("E_PATCH_FAILED", `could not restore ${repoDir} to ${commit} after a failed patch: ${keyLines(reset.code !== 0 ? reset : clean).join(" / ")}`, {
      hint: "the tree is in an unknown state; fetch the source again",
    });
  }
}

async function failure(
  repoDir: string,
  patch: Pick<PatchFile, "name" | "path">,
  input: Uint8Array,
  parsed: ParsedPatch,
  conflicted: string[],
  command: string,
  gitLines: string[],
): Promise<MkError> {
  const files = await diagnoseFailure(repoDir, input, parsed, conflicted);
  const lines = files.map((f) => `  ${f.path}: ${describeFile(f)}`);
  const message = [
    `patch ${patch.name} does not apply (${patch.path})${files.length ? ":" : ""}`,
    ...lines,
    `${command} said:`,
    ...gitLines.map((l) => `  ${l}`),
  ].join("\n");
  return new MkError("E_PATCH_FAILED", message, {
    hint: `rebase the patch on this upstream version: apply it by hand (git am -3), resolve the conflicts, then replace ${patch.path} with the output of git format-patch`,
    details: {
      patch: patch.name,
      path: patch.path,
      files: files.map((f) => ({ path: f.path, ...(f.reason ? { reason: f.reason } : {}), hunks: f.hunks })),
      gitOutput: gitLines,
    },
  });
}

function describeFile(f: FailedFile): string {
  const hunks = f.hunks.map((h) => `hunk #${h.index} ${h.header.replace(/^(@@[^@]*@@).*$/, "$1")} (lines ${h.oldStart}-${h.oldStart + Math.max(h.oldLines, 1) - 1})`);
  if (f.reason) return `${f.reason}${hunks.length ? `; ${hunks.join(", ")}` : ""}`;
  return hunks.length ? `${hunks.join(", ")} did not apply` : "conflict";
}
