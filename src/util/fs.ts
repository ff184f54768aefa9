/** File-system helpers. Every write that other code relies on goes through temp file + rename. */
import { randomBytes } from "node:crypto";
import { mkdir, open, rename, rm, stat, lstat, type FileHandle } from "node:fs/promises";
import { dirname, basename, join } from "node:path";

export async function pathExists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

export async function ensureDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true });
}

/** A sibling temp path, in the same directory so that rename() is atomic. */
export function tempSibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`);
}

/**
 * Creates `path` (which must not exist yet), fills it through `fill` and syncs it; on any failure
 * the partial file is removed. The first half of every temp-file-then-rename write.
 */
export async function writeNewFile(path: string, fill: (fh: FileHandle) => Promise<void>, mode = 0o644): Promise<void> {
  const fh = await open(path, "wx", mode);
  try {
    await fill(fh);
    await fh.sync();
  } catch (e) {
    await fh.close();
    await rm(path, { force: true });
    throw e;
  }
  await fh.close();
}

/** Writes data to `path` atomically: readers see the old file or the new one, never a partial one. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  await ensureDir(dirname(path));
  const tmp = tempSibling(path);
  await writeNewFile(tmp, (fh) => fh.writeFile(data), mode);
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

/** Stable JSON: keys sorted recursively, two-space indent, trailing newline. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + "\n";
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value as object).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, stableJson(value));
}

/**
 * Joins an in-image absolute path (`/etc/x`) onto a rootfs directory, refusing `..` segments and
 * any existing parent that is a symlink, so a write can never land outside the root.
 */
export async function safeJoinInRoot(root: string, inImagePath: string): Promise<string> {
  const segments = inImagePath.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.length === 0 || segments.includes("..")) {
    throw new Error(`"${inImagePath}" is not a path inside the image (no "..", not the root itself)`);
  }
  let current = root;
  for (const seg of segments.slice(0, -1)) {
    current = join(current, seg);
    const st = await lstat(current).catch(() => undefined);
    if (st?.isSymbolicLink()) throw new Error(`"${inImagePath}" passes through a symlink at ${current}; refusing to write through it`);
  }
  return join(root, ...segments);
}
