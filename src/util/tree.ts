/**
 * Deterministic digest of a directory tree: relative paths, types, modes, symlink targets and
 * file contents. Symlinks are recorded, never followed, so a tree cannot pull in the host.
 */
import { createHash } from "node:crypto";
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { sha256File, type Digest } from "./digest.js";

export interface TreeDigestOptions {
  /** Relative paths (or top-level names) to leave out, e.g. `.git`. */
  exclude?: string[];
}

export async function treeDigest(root: string, opts: TreeDigestOptions = {}): Promise<Digest> {
  const exclude = new Set(opts.exclude ?? []);
  const hash = createHash("sha256");
  async function walk(rel: string): Promise<void> {
    const names = (await readdir(join(root, rel))).sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      if (exclude.has(relPath)) continue;
      const abs = join(root, relPath);
      const st = await lstat(abs);
      const mode = (st.mode & 0o7777).toString(8);
      if (st.isSymbolicLink()) hash.update(`L ${relPath} ${await readlink(abs)}\n`);
      else if (st.isDirectory()) {
        hash.update(`D ${relPath} ${mode}\n`);
        await walk(relPath);
      } else if (st.isFile()) hash.update(`F ${relPath} ${mode} ${await sha256File(abs)}\n`);
      else hash.update(`O ${relPath} ${mode}\n`);
    }
  }
  await walk("");
  return `sha256:${hash.digest("hex")}`;
}
