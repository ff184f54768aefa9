/**
 * A lock file guarding a read-modify-write of one file (index.json) against other processes and
 * other async callers in this process. Parallel pipeline stages tag into the same layout; without
 * the lock two of them could each read the old index and one tag would silently be lost.
 *
 * The lock file holds the owner's pid. A lock whose pid no longer runs is stale (the owner
 * crashed) and is taken over.
 */
import { open, readFile, rm } from "node:fs/promises";
import { MkError } from "../errors.js";

const RETRY_MS = 10;
const DEFAULT_TIMEOUT_MS = 30_000;

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else; only ESRCH means it is gone.
    return (e as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

async function tryAcquire(lockPath: string): Promise<boolean> {
  try {
    const fh = await open(lockPath, "wx", 0o644);
    try {
      await fh.writeFile(String(process.pid));
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
}

/** Removes the lock when its owner is dead. Returns true when something was removed. */
async function breakIfStale(lockPath: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(lockPath, "utf8");
  } catch {
    return true; // released between our attempt and this read: just retry
  }
  const pid = Number.parseInt(text, 10);
  // An empty file is a lock being written right now (open and write are two steps): wait.
  if (!Number.isInteger(pid) || pid <= 0 || processIsAlive(pid)) return false;
  await rm(lockPath, { force: true });
  return true;
}

export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!(await tryAcquire(lockPath))) {
    if (await breakIfStale(lockPath)) continue;
    if (Date.now() > deadline) {
      const owner = await readFile(lockPath, "utf8").catch(() => "?");
      throw new MkError("E_OCI", `${lockPath} has been locked by process ${owner.trim() || "?"} for over ${timeoutMs} ms`, {
        hint: `if no Mailknight process is running, delete ${lockPath} and retry`,
      });
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}
