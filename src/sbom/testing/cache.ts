/**
 * Test inputs built with real tools (mmdebstrap, rpmbuild, rpm) are cached under
 * `.mailknight/test-cache/sbom/` (git-ignored): built into a temp sibling, then renamed, so an
 * interrupted build never leaves a half tree that a later run would trust.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const CACHE = new URL("../../../.mailknight/test-cache/sbom/", import.meta.url).pathname;

export function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 30, ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (${r.status}): ${r.stderr || r.error?.message}`);
  return r.stdout;
}

/** `dir` under the cache, built by `build(tmpDir)` the first time; a `.done` marker says it is complete. */
export async function cached(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE, name);
  if (existsSync(`${dir}.done`) && existsSync(dir)) return dir;
  await mkdir(CACHE, { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await build(tmp);
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  await writeFile(`${dir}.done`, new Date().toISOString());
  return dir;
}
