/**
 * git for the patch step: always isolated from the user's and the system's configuration
 * (settings like `am.keepcr`, `apply.whitespace`, `core.autocrlf` or `commit.gpgsign` would
 * change whether a patch applies and which commit ids come out), with a fixed identity.
 */
import type { RunResult } from "../util/exec.js";
import { git as safeGit } from "../util/git.js";

export { keyLines } from "../util/git.js";

/** Who commits patches: fixed, so that commit ids depend only on the tree, the patches and the epoch. */
export const PATCH_IDENTITY = { name: "Mailknight", email: "patches@mailknight.invalid" };

export interface PatchGitOptions {
  cwd: string;
  env?: Record<string, string>;
}

export async function git(args: string[], opts: PatchGitOptions): Promise<RunResult> {
  // Even bookkeeping (reflogs of reset, am --abort) needs an identity; there is no user config.
  const env = { GIT_COMMITTER_NAME: PATCH_IDENTITY.name, GIT_COMMITTER_EMAIL: PATCH_IDENTITY.email, ...opts.env };
  return await safeGit(args, { cwd: opts.cwd, isolated: true, env });
}

/** Environment that fixes committer (and, for our own commits, author) identity and date. */
export function identityEnv(epoch: number, withAuthor: boolean): Record<string, string> {
  // "@" marks a raw timestamp; without it git rejects small values (an archive with zero mtimes).
  const date = `@${epoch} +0000`;
  const committer = { GIT_COMMITTER_NAME: PATCH_IDENTITY.name, GIT_COMMITTER_EMAIL: PATCH_IDENTITY.email, GIT_COMMITTER_DATE: date };
  return withAuthor ? { ...committer, GIT_AUTHOR_NAME: PATCH_IDENTITY.name, GIT_AUTHOR_EMAIL: PATCH_IDENTITY.email, GIT_AUTHOR_DATE: date } : committer;
}
