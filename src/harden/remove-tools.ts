/**
 * Removes named tools (shells, downloaders, interpreters) from the usual bin directories of a
 * rootfs, together with everything in those directories that is the same program under another
 * name: symlinks whose chain ends at or passes through a removed entry (busybox applets,
 * /etc/alternatives chains) and hard links to a removed file.
 */
import { lstat, readdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { resolveInRoot } from "./resolve.js";

export const BIN_DIRS = ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin"];

/** Rejects names that could reach outside a bin directory. */
export function validateToolNames(names: string[]): void {
  const bad = names.filter((n) => n === "" || n === "." || n === ".." || n.includes("/") || n.includes("\0"));
  if (bad.length > 0) {
    throw new MkError("E_CONFIG_INVALID", `removeTools contains invalid tool names: ${bad.map((n) => JSON.stringify(n)).join(", ")}`, {
      hint: "list plain program names such as `curl` or `sh`; paths, `.` and `..` are not allowed",
      details: { invalid: bad },
    });
  }
}

interface BinEntry {
  rel: string;
  abs: string;
  name: string;
  isLink: boolean;
  isFile: boolean;
  inode: string;
}

export async function removeTools(root: string, tools: string[]): Promise<string[]> {
  validateToolNames(tools);
  if (tools.length === 0) return [];
  const wanted = new Set(tools);

  // Resolve the bin dirs inside the root (merged-/usr images have /bin -> usr/bin) and list each real one once.
  const dirs = new Set<string>();
  for (const d of BIN_DIRS) {
    const r = await resolveInRoot(root, d);
    if (r.rel !== undefined && r.isDir && r.rel !== "") dirs.add(r.rel);
  }
  const entries: BinEntry[] = [];
  for (const dir of [...dirs].sort()) {
    for (const name of (await readdir(join(root, dir))).sort()) {
      const rel = `${dir}/${name}`;
      const abs = join(root, rel);
      const st = await lstat(abs);
      entries.push({ rel, abs, name, isLink: st.isSymbolicLink(), isFile: st.isFile(), inode: `${st.dev}:${st.ino}` });
    }
  }

  // 1. By name (never a directory); 2. hard links to those files; 3. symlinks reaching any of them.
  const remove = new Set(entries.filter((e) => wanted.has(e.name) && (e.isLink || e.isFile)).map((e) => e.rel));
  const inodes = new Set(entries.filter((e) => remove.has(e.rel) && e.isFile).map((e) => e.inode));
  for (const e of entries) if (e.isFile && inodes.has(e.inode)) remove.add(e.rel);
  // Resolve every link before deleting anything, so chains are judged on the original tree.
  const linkHits: string[] = [];
  for (const e of entries) {
    if (!e.isLink || remove.has(e.rel)) continue;
    const r = await resolveInRoot(root, e.rel);
    const passed = [...r.links.slice(1), ...(r.rel !== undefined ? [r.rel] : [])];
    if (passed.some((p) => remove.has(p))) linkHits.push(e.rel);
  }
  for (const rel of linkHits) remove.add(rel);

  const removed = [...remove].sort();
  for (const rel of removed) await unlink(join(root, rel)); // unlink never follows a symlink
  return removed;
}
