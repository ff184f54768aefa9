/**
 * An exclusive lock file, so two runs of the same project@version cannot trample each other's
 * work directory. A lock left by a process that no longer exists is taken over.
 */
import { open, readFile, rm } from "node:fs/promises";
import { MkError } from "../errors.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function acquire(path: string, what: string): Promise<void> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, "wx");
      await fh.writeFile(String(process.pid));
      await fh.close();
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number.parseInt(await readFile(path, "utf8").catch(() => ""), 10);
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new MkError("E_USAGE", `${what} is busy: process ${holder} holds ${path}`, {
          hint: "wait for the other run to finish; if no such run exists, delete the lock file",
        });
      }
      await rm(path, { force: true }); // stale: its owner is gone
    }
  }
  throw new MkError("E_IO", `could not take the lock ${path}`);
}

export async function withLock<T>(path: string, what: string, fn: () => Promise<T>): Promise<T> {
  await acquire(path, what);
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
