/**
 * After a patch failed: which files and which hunks do not apply. `git am`/`git apply --3way`
 * only name conflicted files, so the patch is applied again with `git apply --reject --verbose`
 * in a throwaway worktree at the current HEAD, where git reports hunk by hunk. The repository's
 * own work tree is never touched.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { git } from "./git.js";
import { unquote, type Hunk, type ParsedPatch } from "./parse.js";

export interface FailedFile {
  path: string;
  /** Why the whole file failed (e.g. "No such file or directory"), when git said so. */
  reason?: string;
  hunks: Hunk[];
}

export async function diagnoseFailure(repoDir: string, input: Uint8Array, parsed: ParsedPatch, conflicted: string[]): Promise<FailedFile[]> {
  const tmp = await mkdtemp(join(tmpdir(), "mk-patch-check-"));
  const worktree = join(tmp, "wt");
  let output = "";
  try {
    const add = await git(["worktree", "add", "--detach", "--quiet", worktree, "HEAD"], { cwd: repoDir });
    if (add.code === 0) {
      const file = join(tmp, "patch");
      await writeFile(file, input, { mode: 0o600 });
      const r = await git(["apply", "--reject", "--verbose", file], { cwd: worktree });
      output = `${r.stdout}\n${r.stderr}`;
    }
  } finally {
    await git(["worktree", "remove", "--force", worktree], { cwd: repoDir });
    await rm(tmp, { recursive: true, force: true });
    await git(["worktree", "prune"], { cwd: repoDir });
  }
  return failedFiles(output, parsed, conflicted);
}

/** Interprets `git apply --reject --verbose` output against the parsed patch (pure). */
export function failedFiles(output: string, parsed: ParsedPatch, conflicted: string[]): FailedFile[] {
  const byPath = new Map(parsed.files.map((f) => [f.path, f]));
  const known = (p: string) => byPath.has(p) || parsed.files.some((f) => f.oldPath === p);
  const rejected = new Map<string, Set<number>>();
  const reasons = new Map<string, string>();
  let current: string | undefined;
  const name = (raw: string) => {
    // Renames are shown as "old => new".
    const parts = raw.split(" => ");
    return unquote(parts[parts.length - 1] ?? raw);
  };
  for (const line of output.split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^Checking patch (.+)\.\.\.$/.exec(line))) current = name(m[1] ?? "");
    else if ((m = /^Applying patch (.+) with \d+ rejects?\.\.\.$/.exec(line))) current = name(m[1] ?? "");
    else if ((m = /^Rejected hunk #(\d+)\.$/.exec(line)) && current) {
      const set = rejected.get(current) ?? new Set<number>();
      set.add(Number(m[1]));
      rejected.set(current, set);
    } else if ((m = /^error: (.+?): (.+)$/.exec(line)) && m[1] && m[2] && m[1] !== "patch failed" && known(name(m[1]))) {
      reasons.set(name(m[1]), m[2]);
    }
  }

  const paths = [...new Set([...conflicted, ...rejected.keys(), ...reasons.keys()])].sort();
  return paths.map((path) => {
    const file = byPath.get(path) ?? parsed.files.find((f) => f.oldPath === path);
    const all = file?.hunks ?? [];
    const reason = reasons.get(path);
    const numbers = rejected.get(path);
    // A file git could not patch at all fails with every hunk.
    const hunks = numbers ? all.filter((h) => numbers.has(h.index)) : reason ? all : [];
    return { path, ...(reason ? { reason } : {}), hunks };
  });
}
