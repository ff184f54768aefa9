/**
 * Runs the real `git` for the patch step, isolated from the user's and the system's git
 * configuration: settings like `am.keepcr`, `apply.whitespace`, `core.autocrlf` or
 * `commit.gpgsign` would otherwise change whether a patch applies and which commit ids come out.
 * Hooks never run (the tree is upstream code), messages are in English so they can be parsed.
 */
import { run, type RunResult } from "../util/exec.js";

const FORCED_CONFIG = ["core.hooksPath=/dev/null", "core.fsmonitor=false", "commit.gpgsign=false", "core.autocrlf=false", "advice.detachedHead=false"];

/** Variables that would point git at another repository than the one we name (e.g. inside a hook). */
const REPO_VARS = ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_PREFIX", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT"];

/** Who commits patches: fixed, so that commit ids depend only on the tree, the patches and the epoch. */
export const PATCH_IDENTITY = { name: "Mailknight", email: "patches@mailknight.invalid" };

export interface PatchGitOptions {
  cwd: string;
  env?: Record<string, string>;
}

export async function git(args: string[], opts: PatchGitOptions): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REPO_VARS) delete env[name];
  Object.assign(env, {
    LC_ALL: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    // Even bookkeeping (reflogs of reset, am --abort) needs an identity; there is no user config.
    GIT_COMMITTER_NAME: PATCH_IDENTITY.name,
    GIT_COMMITTER_EMAIL: PATCH_IDENTITY.email,
    ...opts.env,
  });
  const config = FORCED_CONFIG.flatMap((c) => ["-c", c]);
  return await run("git", [...config, ...args], { cwd: opts.cwd, env });
}

/** Environment that fixes committer (and, for our own commits, author) identity and date. */
export function identityEnv(epoch: number, withAuthor: boolean): Record<string, string> {
  // "@" marks a raw timestamp; without it git rejects small values (an archive with zero mtimes).
  const date = `@${epoch} +0000`;
  const committer = { GIT_COMMITTER_NAME: PATCH_IDENTITY.name, GIT_COMMITTER_EMAIL: PATCH_IDENTITY.email, GIT_COMMITTER_DATE: date };
  return withAuthor ? { ...committer, GIT_AUTHOR_NAME: PATCH_IDENTITY.name, GIT_AUTHOR_EMAIL: PATCH_IDENTITY.email, GIT_AUTHOR_DATE: date } : committer;
}

/** The lines of git's output worth showing a user: errors, conflicts, failures. */
export function keyLines(result: RunResult, max = 12): string[] {
  const lines = `${result.stdout}\n${result.stderr}`.split("\n").map((l) => l.trimEnd());
  const key = lines.filter((l) => /^(fatal|error|CONFLICT|Patch failed|warning)\b/i.test(l));
  return (key.length > 0 ? key : lines.filter((l) => l.trim() !== "")).slice(0, max);
}
