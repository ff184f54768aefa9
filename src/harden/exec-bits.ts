/**
 * Clears the exec bits of regular files that cannot be executed directly: neither ELF programs
 * or shared objects nor `#!` scripts. Such bits only widen what an attacker can run. The mode
 * is changed through an O_NOFOLLOW handle, so a symlink is never chmod-ed (chmod would follow it).
 */
import { classifyHeader, openNoFollow, readHead } from "./classify.js";
import type { TreeEntry } from "./walk.js";

export async function clearExecBits(entries: TreeEntry[], keepExec: ReadonlySet<string>): Promise<string[]> {
  const cleared: string[] = [];
  for (const e of entries) {
    if (e.kind !== "file" || (e.mode & 0o111) === 0 || keepExec.has(e.rel)) continue;
    const fh = await openNoFollow(e.abs);
    try {
      // Mode from the open handle, not the earlier lstat: a hard link may already have been handled.
      const mode = (await fh.stat()).mode & 0o7777;
      if ((mode & 0o111) === 0) continue;
      const cls = classifyHeader(await readHead(fh));
      const runnable = cls.kind === "script" || (cls.kind === "elf" && (cls.elfType === "EXEC" || cls.elfType === "DYN"));
      if (runnable) continue;
      await fh.chmod(mode & ~0o111);
      cleared.push(e.rel);
    } finally {
      await fh.close();
    }
  }
  return cleared.sort();
}
