/** Test fixtures for the patch step: temp dirs and real git repositories with fixed identities. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../util/exec.js";

export async function tempDir(): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "mk-patches-"));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** Runs a command for a fixture, failing loudly; git runs with a fixed identity and date. */
export async function sh(cwd: string, cmd: string, args: string[], date = 1_700_000_000): Promise<string> {
  const env = {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Patch Author",
    GIT_AUTHOR_EMAIL: "author@example.org",
    GIT_COMMITTER_NAME: "Patch Author",
    GIT_COMMITTER_EMAIL: "author@example.org",
    GIT_AUTHOR_DATE: `${date} +0000`,
    GIT_COMMITTER_DATE: `${date} +0000`,
  };
  const full = cmd === "git" ? ["-c", "init.defaultBranch=main", ...args] : args;
  const r = await run(cmd, full, { cwd, env });
  if (r.code !== 0 && !(cmd === "diff" && r.code === 1)) throw new Error(`fixture: ${cmd} ${args.join(" ")} in ${cwd} failed: ${r.stderr}`);
  return r.stdout;
}

export const git = (cwd: string, args: string[], date?: number) => sh(cwd, "git", args, date).then((o) => o.trim());
