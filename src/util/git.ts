/**
 * Runs the real `git` safely, for every part of Mailknight. Two environments:
 * - network operations (ls-remote, fetch from upstream) keep the user's git configuration,
 *   because proxies, credential helpers and `insteadOf` rewrites live there;
 * - local operations (clone from the cache, import commits) are isolated from it, so that
 *   settings like `core.autocrlf`, `commit.gpgsign` or an LFS filter cannot change the tree or
 *   the commit ids we produce.
 * Neither may prompt for credentials or run hooks: the fetch runs unattended and the trees it
 * touches are upstream code we do not trust yet.
 */
import { MkError, type ErrorCode } from "../errors.js";
import { run, type RunResult } from "./exec.js";

/** Configuration forced on every invocation, whatever the user or the repository says. */
const FORCED_CONFIG = [
  // file:// and plain-path remotes are how mirrors and tests reach repositories.
  "protocol.file.allow=always",
  // Never run hooks from a repository or from a user-wide hooks directory.
  "core.hooksPath=/dev/null",
  "core.fsmonitor=false",
  "commit.gpgsign=false",
  "core.autocrlf=false",
  "advice.detachedHead=false",
  "init.defaultBranch=main",
];

/** Variables that would point git at another repository than the one we name (e.g. inside a hook). */
const REPO_VARS = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_INDEX_FILE",
  "GIT_OBJECT_DIRECTORY",
  "GIT_ALTERNATE_OBJECT_DIRECTORIES",
  "GIT_COMMON_DIR",
  "GIT_NAMESPACE",
  "GIT_PREFIX",
];

export interface GitOptions {
  cwd?: string;
  /** Ignore the user's and the system's git configuration (local operations). */
  isolated?: boolean;
  /** Extra environment, e.g. a fixed author/committer. */
  env?: Record<string, string>;
  /** Bytes for git's stdin (`patch-id`, `hash-object --stdin`, ...). */
  input?: string | Uint8Array;
}

export function gitEnv(opts: GitOptions = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of REPO_VARS) delete env[name];
  // Parse git's messages in English, never hang on a prompt.
  env.LC_ALL = "C";
  env.GIT_TERMINAL_PROMPT = "0";
  env.GCM_INTERACTIVE = "never";
  // ssh asks on the terminal, which GIT_TERMINAL_PROMPT does not cover; keep a user's own command.
  if (!env.GIT_SSH_COMMAND && !env.GIT_SSH) env.GIT_SSH_COMMAND = "ssh -o BatchMode=yes";
  if (opts.isolated) {
    env.GIT_CONFIG_NOSYSTEM = "1";
    env.GIT_CONFIG_GLOBAL = "/dev/null";
    delete env.GIT_CONFIG_PARAMETERS;
    delete env.GIT_CONFIG_COUNT;
  }
  return { ...env, ...opts.env };
}

export async function git(args: string[], opts: GitOptions = {}): Promise<RunResult> {
  const config = FORCED_CONFIG.flatMap((c) => ["-c", c]);
  return await run("git", [...config, ...args], { cwd: opts.cwd, env: gitEnv(opts), input: opts.input });
}

/** The lines of git's output worth showing a user: errors, fatals, conflicts, hints. */
export function keyLines(result: RunResult, max = 12): string[] {
  const lines = `${result.stderr}\n${result.stdout}`.split("\n").map((l) => l.trimEnd());
  const key = lines.filter((l) => /^(fatal|error|warning|CONFLICT|Patch failed|hint)\b/i.test(l));
  return (key.length > 0 ? key : lines.filter((l) => l.trim() !== "")).slice(0, max);
}

export interface GitFailure {
  code: ErrorCode;
  /** What we were trying to do, e.g. "cloning the cache of https://... into /dest". */
  what: string;
  hint?: string;
}

/** Runs git and throws a typed error naming what failed and git's key output lines. */
export async function gitOk(args: string[], opts: GitOptions, failure: GitFailure): Promise<RunResult> {
  const result = await git(args, opts);
  if (result.code !== 0) {
    const lines = keyLines(result);
    throw new MkError(failure.code, `${failure.what} failed (git ${args[0]} exited with ${result.code})${lines.length ? `:\n  ${lines.join("\n  ")}` : ""}`, {
      hint: failure.hint,
      details: { args, exitCode: result.code, stderr: result.stderr },
    });
  }
  return result;
}

export const COMMIT_RE = /^[0-9a-f]{40}$/;
