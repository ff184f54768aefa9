/** The destination directory of a fetch: must start empty, and is emptied again when a fetch fails. */
import { readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { ensureDir } from "../util/fs.js";

export async function prepareEmptyDir(dir: string): Promise<void> {
  await ensureDir(dir);
  const names = await readdir(dir);
  if (names.length > 0) {
    throw new MkError("E_IO", `destination ${dir} is not empty (contains ${names.slice(0, 3).join(", ")}${names.length > 3 ? ", ..." : ""})`, {
      hint: "the fetch step writes a fresh source tree; remove the directory or choose an empty one",
    });
  }
}

/** Removes everything inside `dir` (not `dir` itself), so a failed fetch leaves no half tree behind. */
export async function emptyDir(dir: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  for (const name of names) await rm(join(dir, name), { recursive: true, force: true });
}
