/**
 * When Mailknight runs as root in a workspace the build user cannot reach (a home directory
 * with mode 0700, a private temp dir), the build runs on a staged copy under the system temp
 * directory instead of failing: the source is copied in, the output is copied back.
 */
import { chmod, cp, mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMkError } from "../errors.js";
import { assertReachableByBuildUser } from "./privileges.js";

export async function reachableByBuildUser(dir: string): Promise<boolean> {
  try {
    await assertReachableByBuildUser(dir, "directory");
    return true;
  } catch (e) {
    if (isMkError(e)) return false;
    throw e;
  }
}

const COPY = { recursive: true, verbatimSymlinks: true, preserveTimestamps: true, force: true } as const;

/** Runs `fn` on copies of srcDir and destDir; destDir gets the staged output afterwards. */
export async function withStagedTrees<T>(srcDir: string, destDir: string, fn: (src: string, dest: string) => Promise<T>): Promise<T> {
  const stage = await mkdtemp(join(tmpdir(), "mk-stage-"));
  try {
    await chmod(stage, 0o755);
    const src = join(stage, "src");
    const out = join(stage, "out");
    await cp(srcDir, src, COPY);
    await mkdir(out);
    await cp(destDir, out, COPY);
    const result = await fn(src, out);
    // Replace destDir's contents with the output (the source copy is a throwaway, like the build's own clone).
    for (const name of await readdir(destDir)) await rm(join(destDir, name), { recursive: true, force: true });
    await cp(out, destDir, COPY);
    return result;
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}
