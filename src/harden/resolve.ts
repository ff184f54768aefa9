/**
 * Path resolution confined to a root, the way the image will see it at run time: absolute
 * link targets start at the root, `..` stops at the root. Used to find which tools a symlink
 * (e.g. a busybox applet or an /etc/alternatives chain) really points to, without ever
 * looking at the host.
 */
import { lstat, readlink } from "node:fs/promises";
import { join } from "node:path";

/** Same bound as the kernel's (MAXSYMLINKS). */
const MAX_LINKS = 40;

export interface Resolution {
  /** The resolved path relative to the root (every component a real directory or file), or undefined if it does not exist or loops. */
  rel?: string;
  isDir: boolean;
  /** Every symlink passed through on the way (relative paths), in order. */
  links: string[];
}

export async function resolveInRoot(root: string, path: string): Promise<Resolution> {
  const links: string[] = [];
  let done: string[] = [];
  const todo = path.split("/");
  let isDir = true;
  let followed = 0;
  while (todo.length > 0) {
    const c = todo.shift()!;
    if (c === "" || c === ".") continue;
    if (c === "..") {
      done.pop(); // clamped: `..` at the root stays at the root
      continue;
    }
    if (!isDir) return { isDir: false, links }; // a file used as a directory: ENOTDIR
    const next = [...done, c];
    const abs = join(root, ...next);
    let st;
    try {
      st = await lstat(abs);
    } catch {
      return { isDir: false, links };
    }
    if (st.isSymbolicLink()) {
      if (++followed > MAX_LINKS) return { isDir: false, links };
      links.push(next.join("/"));
      const target = await readlink(abs);
      if (target.startsWith("/")) done = [];
      todo.unshift(...target.split("/"));
      continue;
    }
    done = next;
    isDir = st.isDirectory();
  }
  return { rel: done.join("/"), isDir, links };
}
