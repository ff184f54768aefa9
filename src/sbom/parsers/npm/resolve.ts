/**
 * Dependency resolution as Node and npm do it: a package at `a/node_modules/b` that requires
 * `c` gets the nearest `node_modules/c` walking up its folders — `a/node_modules/b/node_modules/c`,
 * then `a/node_modules/c`, then `node_modules/c`. Links (workspaces, `file:` dependencies) are
 * followed to the folder they point at, and a linked package resolves from its real location.
 */
import type { LockEntry } from "./lock-entries.js";

function parentDir(dir: string): string {
  const slash = dir.lastIndexOf("/");
  return slash === -1 ? "" : dir.slice(0, slash);
}

/** The install path `name` resolves to from the package at `from`, links followed; undefined when absent. */
export function resolveDependency(entries: Map<string, LockEntry>, from: string, name: string): string | undefined {
  let dir = from;
  // Every step removes one path segment, so this ends; the cap guards against a bug, not input.
  for (let guard = 0; guard < 10_000; guard++) {
    const last = dir.slice(dir.lastIndexOf("/") + 1);
    if (last !== "node_modules" && last !== "..") {
      const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      const hit = entries.get(candidate);
      if (hit) return followLink(entries, candidate);
    }
    if (dir === "") return undefined;
    dir = parentDir(dir);
  }
  return undefined;
}

/** A link's target when the lockfile has an entry for it, else the link itself (one hop: npm links never chain). */
export function followLink(entries: Map<string, LockEntry>, path: string): string {
  const entry = entries.get(path);
  if (entry?.link !== undefined && entries.has(entry.link) && entries.get(entry.link)!.link === undefined) return entry.link;
  return path;
}
