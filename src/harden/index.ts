/**
 * Rootfs hardening before packaging: strip ELF objects, remove tools an attacker would want
 * (shells, downloaders, interpreters), clear exec bits on files that are not programs.
 * Works on untrusted content: symlinks are never followed out of the root.
 */
import { MkError } from "../errors.js";
import { clearExecBits } from "./exec-bits.js";
import { removeTools, validateToolNames } from "./remove-tools.js";
import { resolveInRoot } from "./resolve.js";
import { stripElfFiles } from "./strip.js";
import { resolveRoot, walkTree } from "./walk.js";

export { BIN_DIRS } from "./remove-tools.js";

export interface HardenOptions {
  strip: boolean;
  /** Program names to remove from the bin dirs, e.g. `curl`, `sh`. */
  removeTools: string[];
  dropExecBits: boolean;
  /** Root-relative paths whose exec bits stay, e.g. `usr/share/app/run.py`. */
  keepExec?: string[];
}

export interface HardenReport {
  /** Root-relative paths, sorted. */
  stripped: string[];
  removed: string[];
  execCleared: string[];
}

export async function hardenRootfs(rootDir: string, opts: HardenOptions): Promise<HardenReport> {
  // Validate every option before touching the tree, so a bad recipe changes nothing.
  validateToolNames(opts.removeTools);
  const keepPaths = (opts.keepExec ?? []).map(normaliseKeepPath);
  const root = await resolveRoot(rootDir);
  // Compare canonical paths: `bin/tool` in a merged-/usr image is the file at `usr/bin/tool`.
  const keep = new Set(await Promise.all(keepPaths.map(async (p) => (await resolveInRoot(root, p)).rel ?? p)));

  // Remove first: no point stripping what is deleted anyway.
  const removed = await removeTools(root, opts.removeTools);
  const entries = opts.strip || opts.dropExecBits ? await walkTree(root) : [];
  const stripped = opts.strip ? await stripElfFiles(entries) : [];
  const execCleared = opts.dropExecBits ? await clearExecBits(entries, keep) : [];
  return { stripped, removed, execCleared };
}

function normaliseKeepPath(p: string): string {
  const parts = p.split("/").filter((c) => c !== "" && c !== ".");
  if (parts.length === 0 || parts.includes("..") || p.includes("\0")) {
    throw new MkError("E_CONFIG_INVALID", `keepExec contains an invalid path: ${JSON.stringify(p)}`, {
      hint: "give paths inside the image, such as `usr/lib/app/run.py`; `..` is not allowed",
      details: { value: p },
    });
  }
  return parts.join("/");
}
