/**
 * In-image paths: always absolute, `/`-separated, normalised, never above `/`. Symlinks are
 * resolved the way the kernel would inside a chroot at the image root: an absolute target
 * starts again at the root, `..` at the root stays at the root, and more than MAX_LINKS hops
 * is a loop (ELOOP). Nothing here touches the host file system.
 */
import { posix } from "node:path";

/** Linux's limit on symlinks followed while resolving one path (MAXSYMLINKS). */
export const MAX_LINKS = 40;

export type EntryNameResult = { path: string; warning?: string } | { path: undefined; warning: string };

/**
 * Normalises a tar entry name to an in-image path. Absolute names are taken relative to the
 * root (with a warning: well-formed layers never have them); a name that climbs above the root
 * with `..` is refused, since a tool that unpacked it would write outside the root.
 */
export function normaliseEntryName(name: string): EntryNameResult {
  const trimmed = name.replace(/\/+$/, "");
  const segments: string[] = [];
  for (const seg of trimmed.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (segments.length === 0) return { path: undefined, warning: `entry ${JSON.stringify(name)} climbs above the image root with ".."; ignored` };
      segments.pop();
      continue;
    }
    segments.push(seg);
  }
  const path = `/${segments.join("/")}`;
  if (trimmed.startsWith("/")) return { path, warning: `entry ${JSON.stringify(name)} has an absolute name; read as ${path}` };
  if (trimmed.split("/").includes("..")) return { path, warning: `entry ${JSON.stringify(name)} contains ".."; read as ${path}` };
  return { path };
}

/** Joins a symlink target onto the directory holding the link, confined to the root. */
export function joinLinkTarget(linkPath: string, target: string): string {
  const base = target.startsWith("/") ? "/" : posix.dirname(linkPath);
  const segments: string[] = [];
  for (const seg of `${base}/${target}`.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") segments.pop();
    else segments.push(seg);
  }
  return `/${segments.join("/")}`;
}

/**
 * Resolves every symlink in `path` (parents and the last component) using `readlink`, which
 * answers for in-image paths only. Returns undefined for a loop or too many hops.
 */
export function resolveInImage(path: string, readlink: (p: string) => string | undefined): string | undefined {
  let hops = 0;
  let pending = path.split("/").filter((s) => s !== "" && s !== ".");
  const done: string[] = [];
  while (pending.length > 0) {
    const seg = pending.shift()!;
    if (seg === "..") {
      done.pop();
      continue;
    }
    const candidate = `/${[...done, seg].join("/")}`;
    const target = readlink(candidate);
    if (target === undefined) {
      done.push(seg);
      continue;
    }
    if (++hops > MAX_LINKS) return undefined;
    // The link's directory is `done` (already free of links); `..` in the target is applied
    // step by step in this loop, after the links before it are followed, as the kernel does.
    if (target.startsWith("/")) done.length = 0;
    pending = [...target.split("/").filter((s) => s !== "" && s !== "."), ...pending];
  }
  return `/${done.join("/")}`;
}
