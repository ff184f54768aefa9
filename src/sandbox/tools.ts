/** Finds host tools in the system directories only: a caller's PATH must not choose our sandbox binary. */
import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { join } from "node:path";
import { SANDBOX_PATH } from "./profile.js";

export async function findTool(name: string, path: string = SANDBOX_PATH): Promise<string | undefined> {
  for (const dir of path.split(":")) {
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
