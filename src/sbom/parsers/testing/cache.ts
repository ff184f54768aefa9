/**
 * A build-once cache for expensive test fixtures (Go builds, npm installs) under
 * `.mailknight/test-cache/` (git-ignored). An entry is built under a lock in a temp directory
 * and renamed into place, so concurrent test processes never see a half-built entry nor build
 * it twice; the key is a digest of everything the build depends on, so a changed fixture or
 * tool version builds a new entry.
 */
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../../../util/digest.js";
import { run } from "../../../util/exec.js";
import { withFileLock } from "../../../util/lock.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const CACHE_ROOT = join(REPO_ROOT, ".mailknight", "test-cache", "sbom-parsers");

export function cacheKey(parts: unknown[]): string {
  return sha256Hex(JSON.stringify(parts)).slice(0, 16);
}

/** A cold Go or npm fixture build can take minutes on a loaded machine. */
const BUILD_TIMEOUT_MS = 20 * 60_000;

const isComplete = async (dir: string): Promise<boolean> => (await stat(join(dir, ".complete")).catch(() => undefined)) !== undefined;

/**
 * Builds an entry once across test processes (test files run in parallel): the others wait on the
 * lock and then find it complete. A lock whose owner died is taken over (util/lock.ts).
 */
export async function cached(kind: string, key: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE_ROOT, kind, key);
  if (await isComplete(dir)) return dir;
  await mkdir(dirname(dir), { recursive: true });
  await withFileLock(`${dir}.lock`, async () => {
    if (!(await isComplete(dir))) await buildEntry(dir, build);
  }, BUILD_TIMEOUT_MS);
  return dir;
}

async function buildEntry(dir: string, build: (dir: string) => Promise<void>): Promise<void> {
  await rm(dir, { recursive: true, force: true }); // a half-built leftover from a killed run
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await mkdir(tmp, { recursive: true });
  try {
    await build(tmp);
    await mkdir(join(tmp, ".complete"));
    await rename(tmp, dir);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** Runs a tool for a fixture; a failure is a broken fixture, so it throws with the output. */
export async function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<string> {
  const r = await run(cmd, args, { cwd: opts.cwd, env: { ...process.env, LC_ALL: "C", ...opts.env }, timeoutMs: opts.timeoutMs ?? 300_000 });
  if (r.code !== 0) throw new Error(`fixture: ${cmd} ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

export async function hasTool(cmd: string, args: string[] = ["--version"]): Promise<boolean> {
  try {
    return (await run(cmd, args)).code === 0;
  } catch {
    return false;
  }
}
