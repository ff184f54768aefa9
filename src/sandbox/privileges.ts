/**
 * Running builds as a real unprivileged user. Under root, `bwrap --unshare-user --uid 1000`
 * alone would map the sandbox user to root outside, so we first become uid/gid 1000 with
 * `setpriv` (no supplementary groups, no_new_privs so setuid binaries cannot raise privileges
 * again), and hand the source and output trees to that user for the duration of the build.
 */
import { lchown, lstat, readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { MkError } from "../errors.js";
import { BUILD_GID, BUILD_UID } from "./layout.js";

export function runningAsRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Command prefix that drops from root to the build user; empty when we are not root. */
export function dropPrivilegesPrefix(setprivPath: string | undefined): string[] {
  if (!runningAsRoot()) return [];
  if (!setprivPath) {
    throw new MkError("E_TOOL_MISSING", "setpriv is needed to run builds as an unprivileged user (we are root), but it is not installed", {
      hint: "install util-linux (`apt-get install util-linux`), or run Mailknight as a non-root user",
    });
  }
  return [setprivPath, `--reuid=${BUILD_UID}`, `--regid=${BUILD_GID}`, "--clear-groups", "--no-new-privs", "--"];
}

/**
 * Changes the owner of whole trees without following symlinks (lchown, lstat). A regular file
 * with hard links outside the given trees keeps its owner: chown-ing it would also hand over
 * (or take back) the other name, which may be anywhere on the host.
 */
export async function chownTrees(roots: string[], uid: number, gid: number): Promise<void> {
  interface Item {
    path: string;
    isFile: boolean;
    inode: string;
    nlink: number;
  }
  const items: Item[] = [];
  const seenInTrees = new Map<string, number>();
  async function walk(path: string): Promise<void> {
    const st = await lstat(path);
    const inode = `${st.dev}:${st.ino}`;
    items.push({ path, isFile: st.isFile(), inode, nlink: st.nlink });
    if (st.isFile()) seenInTrees.set(inode, (seenInTrees.get(inode) ?? 0) + 1);
    if (st.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  }
  for (const r of roots) await walk(r);
  for (const it of items) {
    if (it.isFile && it.nlink > (seenInTrees.get(it.inode) ?? 0)) continue;
    await lchown(it.path, uid, gid);
  }
}

/**
 * The build user must be able to walk down to a directory to bind or enter it. Checked up
 * front so the failure names the directory that blocks it instead of a bare EACCES from bwrap.
 */
export async function assertReachableByBuildUser(dir: string, what: string): Promise<void> {
  if (!runningAsRoot()) return;
  for (let p = dirname(dir); ; p = dirname(p)) {
    const st = await stat(p);
    const bit = st.uid === BUILD_UID ? 0o100 : st.gid === BUILD_GID ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) {
      throw new MkError("E_IO", `the build user (uid ${BUILD_UID}) cannot reach the ${what} ${dir}: ${p} has mode ${(st.mode & 0o777).toString(8).padStart(4, "0")} (owner uid ${st.uid})`, {
        hint: `keep the workspace under a directory other users may traverse (e.g. \`chmod o+x ${p}\`), or move it (e.g. to /var/lib/mailknight)`,
        details: { dir, blockedAt: p },
      });
    }
    if (p === "/") return;
  }
}
