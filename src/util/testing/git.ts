/**
 * Test fixtures shared by fetch/, patches/ and upstream/: temporary directories and a git runner
 * with a fixed identity and date and no user or system configuration, so fixture commits have the
 * same ids on every machine.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../exec.js";

export async function tempDir(prefix: string): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

export interface FixtureIdentity {
  name: string;
  email: string;
}

export const UPSTREAM_DEV: FixtureIdentity = { name: "Upstream Dev", email: "dev@upstream.example" };

/** The environment git runs with in fixtures: `date` is seconds since the epoch. */
export function fixtureGitEnv(date: number, who: FixtureIdentity = UPSTREAM_DEV): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    GIT_AUTHOR_DATE: `@${date} +0000`,
    GIT_COMMITTER_DATE: `@${date} +0000`,
  };
}

/** Runs git for a fixture, failing loudly; returns trimmed stdout. */
export async function fixtureGit(cwd: string, args: string[], date = 1_700_000_000, who: FixtureIdentity = UPSTREAM_DEV): Promise<string> {
  const r = await run("git", ["-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false", ...args], { cwd, env: fixtureGitEnv(date, who) });
  if (r.code !== 0) throw new Error(`fixture: git ${args.join(" ")} in ${cwd} failed: ${r.stderr}`);
  return r.stdout.trim();
}
