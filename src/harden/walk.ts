/**
 * Lists a directory tree without ever following a symlink: every entry is lstat()ed, and a
 * symlink to a directory is reported as a symlink, not descended into. Hardening works on
 * untrusted rootfs content, where a link to `/etc` or `../../x` must stay a link.
 */
import { lstat, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";

export type EntryKind = "file" | "dir" | "symlink" | "other";

export interface TreeEntry {
  /** Path relative to the root, `/`-separated, no leading slash. */
  rel: string;
  abs: string;
  kind: EntryKind;
  mode: number;
  dev: number;
  ino: number;
  nlink: number;
}

/** The canonical absolute path of a rootfs directory; refuses anything that is not a directory. */
export async function resolveRoot(rootDir: string): Promise<string> {
  let root: string;
  try {
    root = await realpath(rootDir);
  } catch (e) {
    throw new MkError("E_IO", `cannot harden ${rootDir}: ${(e as Error).message}`, { cause: e, hint: "pass the directory that holds the image's root file system" });
  }
  const st = await lstat(root);
  if (!st.isDirectory()) throw new MkError("E_IO", `cannot harden ${rootDir}: it is not a directory`, { hint: "pass the directory that holds the image's root file system" });
  if (root === "/") throw new MkError("E_USAGE", "refusing to harden / (the host's own root file system)", { hint: "pass the image's rootfs directory" });
  return root;
}

export async function walkTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  async function walk(rel: string): Promise<void> {
    const dir = rel ? join(root, rel) : root;
    const names = (await io(() => readdir(dir), dir)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(root, r);
      const st = await io(() => lstat(abs), abs);
      const kind: EntryKind = st.isSymbolicLink() ? "symlink" : st.isDirectory() ? "dir" : st.isFile() ? "file" : "other";
      out.push({ rel: r, abs, kind, mode: st.mode & 0o7777, dev: st.dev, ino: st.ino, nlink: st.nlink });
      if (kind === "dir") await walk(r);
    }
  }
  await walk("");
  return out;
}

async function io<T>(fn: () => Promise<T>, path: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw new MkError("E_IO", `cannot read ${path} while hardening the rootfs: ${(e as Error).message}`, { cause: e, hint: "check the permissions of the rootfs directory" });
  }
}
