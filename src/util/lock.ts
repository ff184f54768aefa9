/**
 * Lock files: exclusive ownership of something on disk (a work directory, an index file, a cache
 * entry) between processes. The file holds the owner's pid; a lock whose owner no longer runs is
 * stale (it crashed) and is taken over. Two ways to meet a held lock:
 * - `withLock` fails at once, naming the holder (two runs of one project@version are a mistake);
 * - `withFileLock` waits up to a timeout (short read-modify-writes of a shared file, such as the
 *   layout's index.json, where parallel stages must queue, not fail).
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

async function holderOf(lockPath: string): Promise<number | undefined> {
  const pid = Number.parseInt(await readFile(lockPath, "utf8").catch(() => ""), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
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

async function held<T>(lockPath: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

/** Runs `fn` holding the lock; fails with E_USAGE when a live process holds it. */
export async function withLock<T>(lockPath: string, what: string, fn: () => Promise<T>): Promise<T> {
  // A lock file without a pid yet is one being taken this instant: give its writer a moment.
  for (let attempt = 0; attempt < 20; attempt++) {
    if (await tryAcquire(lockPath)) return await held(lockPath, fn);
    if (await breakIfStale(lockPath)) continue;
    const holder = await holderOf(lockPath);
    if (holder !== undefined) {
      throw new MkError("E_USAGE", `${what} is busy: process ${holder} holds ${lockPath}`, {
        hint: "wait for the other run to finish; if no such run exists, delete the lock file",
      });
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  throw new MkError("E_IO", `could not take the lock ${lockPath}`, { hint: `if no Mailknight process is running, delete ${lockPath} and retry` });
}

/** Runs `fn` holding the lock, waiting while another process holds it (up to `timeoutMs`). */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!(await tryAcquire(lockPath))) {
    if (await breakIfStale(lockPath)) continue;
    if (Date.now() > deadline) {
      throw new MkError("E_IO", `${lockPath} has been locked by process ${(await holderOf(lockPath)) ?? "?"} for over ${timeoutMs} ms`, {
        hint: `if no Mailknight process is running, delete ${lockPath} and retry`,
      });
    }
    await new Promise((r) => setTimeout(r, RETRY_MS));
  }
  return await held(lockPath, fn);
}
