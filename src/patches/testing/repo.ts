/** Test fixtures for the patch step: temp dirs and real git repositories with fixed identities. */
import { run } from "../../util/exec.js";
import { fixtureGitEnv, tempDir as sharedTempDir, type FixtureIdentity } from "../../util/testing/git.js";

const PATCH_AUTHOR: FixtureIdentity = { name: "Patch Author", email: "author@example.org" };

export const tempDir = () => sharedTempDir("mk-patches-");

/** Runs a command for a fixture, failing loudly; git runs with a fixed identity and date. */
export async function sh(cwd: string, cmd: string, args: string[], date = 1_700_000_000): Promise<string> {
  const full = cmd === "git" ? ["-c", "init.defaultBranch=main", ...args] : args;
  const r = await run(cmd, full, { cwd, env: fixtureGitEnv(date, PATCH_AUTHOR) });
  if (r.code !== 0 && !(cmd === "diff" && r.code === 1)) throw new Error(`fixture: ${cmd} ${args.join(" ")} in ${cwd} failed: ${r.stderr}`);
  return r.stdout;
}

export const git = (cwd: string, args: string[], date?: number) => sh(cwd, "git", args, date).then((o) => o.trim());
