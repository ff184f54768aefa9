/**
 * A build-once cache for expensive test fixtures (Go builds, npm installs) under
 * `.mailknight/test-cache/` (git-ignored). An entry is built under a lock in a temp directory
 * and renamed into place, so concurrent test processes never see a half-built entry nor build
 * it twice; the key is a digest of everything the build depends on, so a changed fixture or
 * tool version builds a new entry.
 */
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256Hex } from "../../../util/digest.js";
import { run } from "../../../util/exec.js";

export const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
export const CACHE_ROOT = join(REPO_ROOT, ".mailknight", "test-cache", "sbom-parsers");

export function cacheKey(parts: unknown[]): string {
  return sha256Hex(JSON.stringify(parts)).slice(0, 16);
}

const isComplete = async (dir: string): Promise<boolean> => (await stat(join(dir, ".complete")).catch(() => undefined)) !== undefined;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Waits while another test process builds the same entry (test files run in parallel), so a
 * cold cache is built once, not once per process. A lock whose owner died is taken over.
 */
async function buildLock(dir: string): Promise<(() => Promise<void>) | undefined> {
  const lock = `${dir}.lock`;
  await mkdir(dirname(dir), { recursive: true });
  for (;;) {
    try {
      await writeFile(lock, String(process.pid), { flag: "wx" });
      return () => rm(lock, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (await isComplete(dir)) return undefined;
    const holder = Number.parseInt(await readFile(lock, "utf8").catch(() => ""), 10);
    if (!(holder > 0 && alive(holder))) await rm(lock, { force: true });
    else await new Promise((r) => setTimeout(r, 500));
  }
}

/** The directory of a cache entry, built by `build(dir)` when absent. */
export async function cached(kind: string, key: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE_ROOT, kind, key);
  if (await isComplete(dir)) return dir;
  const unlock = await buildLock(dir);
  if (!unlock) return dir;
  try {
    if (!(await isComplete(dir))) await buildEntry(dir, build);
  } finally {
    await unlock();
  }
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
