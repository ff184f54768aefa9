/**
 * Safe tar extraction into an empty directory. An upstream archive is untrusted input, so:
 * - names that are absolute or contain `..` are refused (they would land outside the root);
 * - nothing is written through a symlink: every parent of an entry must be a directory this
 *   extraction made, and files are created with O_EXCL|O_NOFOLLOW;
 * - hardlinks may only point at regular files extracted earlier from the same archive;
 * - the total size (checked against the declared size before writing) and the entry count are
 *   capped, so a tar bomb stops early;
 * - device files and FIFOs are skipped with a warning, setuid/setgid/sticky bits are dropped;
 * - `.git` entries are skipped: the tree becomes a git repository, and a `.git/config` or hook
 *   from the archive would run code the moment we call git in it.
 * What the tree is (the paths, the kinds, the modes) is tracked in a map, which is authoritative
 * because the root started empty and only this code writes to it.
 */
import { constants } from "node:fs";
import { chmod, link, mkdir, open, symlink, unlink } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import { MkError } from "../errors.js";

export interface ExtractOptions {
  /** Leading path components removed from every name (like tar --strip-components). */
  stripComponents: number;
  maxBytes: number;
  maxEntries: number;
  /** Names the archive in messages (its URL). */
  label: string;
  onWarning?: (message: string) => void;
}

export interface ExtractStats {
  entries: number;
  files: number;
  bytes: number;
  /** Newest entry mtime in seconds (0 when no entry carried one). */
  newestMtime: number;
}

type Kind = "dir" | "file" | "symlink";

/** Splits an archive name into safe components, or throws when it could escape the root. */
export function safeComponents(name: string, label: string): string[] {
  if (name.startsWith("/")) {
    throw new MkError("E_INTEGRITY", `${label}: refusing to extract "${name}": absolute path in archive`, {
      hint: "the archive is malformed or hostile; do not use it",
    });
  }
  const parts = name.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.includes("..")) {
    throw new MkError("E_INTEGRITY", `${label}: refusing to extract "${name}": ".." would leave the destination`, {
      hint: "the archive is malformed or hostile; do not use it",
    });
  }
  return parts;
}

export async function extractTar(input: Readable, root: string, opts: ExtractOptions): Promise<ExtractStats> {
  const kinds = new Map<string, Kind>();
  const dirModes = new Map<string, number>();
  const stats: ExtractStats = { entries: 0, files: 0, bytes: 0, newestMtime: 0 };
  const warn = (m: string) => opts.onWarning?.(`${opts.label}: ${m}`);
  const hostile = (name: string, why: string) =>
    new MkError("E_INTEGRITY", `${opts.label}: refusing to extract "${name}": ${why}`, { hint: "the archive is malformed or hostile; do not use it" });

  const extract = tar.extract();
  // Remember why the input failed (e.g. gzip's "unexpected end of file"): the entry being read
  // then only reports that it was destroyed.
  let inputError: Error | undefined;
  input.on("error", (e) => {
    inputError ??= e;
    extract.destroy(e);
  });
  input.pipe(extract);

  /** Makes the parent directories of `parts`, refusing to go through anything but our own directories. */
  async function ensureParents(parts: string[], name: string): Promise<void> {
    for (let i = 1; i < parts.length; i++) {
      const rel = parts.slice(0, i).join("/");
      const kind = kinds.get(rel);
      if (kind === "dir") continue;
      if (kind === "symlink") throw hostile(name, `it would be written through the symlink "${rel}" created earlier in the archive`);
      if (kind === "file") throw hostile(name, `"${rel}" is a file, not a directory`);
      await mkdir(join(root, rel), 0o755);
      kinds.set(rel, "dir");
    }
  }

  /** Clears the way for a new non-directory entry; the archive may legally repeat a name. */
  async function replaceable(rel: string, name: string): Promise<void> {
    const kind = kinds.get(rel);
    if (kind === "dir") throw hostile(name, "it would replace a directory");
    if (kind !== undefined) {
      await unlink(join(root, rel));
      kinds.delete(rel);
    }
  }

  try {
    for await (const entry of extract) {
      const h = entry.header;
      stats.entries += 1;
      if (stats.entries > opts.maxEntries) {
        throw new MkError("E_FETCH", `${opts.label} has more than ${opts.maxEntries} entries`, {
          hint: "this looks like an archive bomb; raise limits.maxEntries only if the archive really is that large",
        });
      }
      if (h.mtime) stats.newestMtime = Math.max(stats.newestMtime, Math.floor(h.mtime.getTime() / 1000));
      const full = safeComponents(h.name, opts.label);
      const parts = full.slice(opts.stripComponents);
      // Unknown type flags (null) are not guessed at: a GNU sparse file or a volume label taken
      // for a regular file would be written wrong.
      const type = h.type ?? "unknown";
      if (parts.length === 0) {
        // The root itself, or shallower than the components being stripped (tar drops those too).
        await drain(entry);
        continue;
      }
      const rel = parts.join("/");
      if (parts.some((p) => p.toLowerCase() === ".git")) {
        warn(`skipped "${h.name}": .git entries are not extracted`);
        await drain(entry);
        continue;
      }
      const abs = join(root, rel);
      switch (type) {
        case "file":
        case "contiguous-file": {
          const size = h.size ?? 0;
          if (stats.bytes + size > opts.maxBytes) {
            throw new MkError("E_FETCH", `${opts.label} unpacks to more than ${opts.maxBytes} bytes (at "${h.name}", ${size} bytes)`, {
              hint: "this looks like an archive bomb; raise limits.maxExtractedBytes only if the archive really is that large",
            });
          }
          await ensureParents(parts, h.name);
          await replaceable(rel, h.name);
          const mode = fileMode(h.mode);
          const fh = await open(abs, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode);
          kinds.set(rel, "file");
          let written = 0;
          try {
            for await (const chunk of entry as AsyncIterable<Buffer>) {
              written += chunk.length;
              if (written > size) throw hostile(h.name, "more data than its header declares");
              await fh.write(chunk);
            }
            await fh.chmod(mode); // open() applied the umask
          } finally {
            await fh.close();
          }
          stats.bytes += written;
          stats.files += 1;
          break;
        }
        case "directory": {
          await ensureParents(parts, h.name);
          const kind = kinds.get(rel);
          if (kind === "symlink" || kind === "file") throw hostile(h.name, `a directory would replace the ${kind === "symlink" ? "symlink" : "file"} "${rel}"`);
          if (kind === undefined) {
            await mkdir(abs, 0o755);
            kinds.set(rel, "dir");
          }
          dirModes.set(rel, dirMode(h.mode));
          await drain(entry);
          break;
        }
        case "symlink": {
          if (!h.linkname) throw hostile(h.name, "symlink without a target");
          await ensureParents(parts, h.name);
          await replaceable(rel, h.name);
          // The target is stored as it is and never followed here; later writes through it are refused.
          await symlink(h.linkname, abs);
          kinds.set(rel, "symlink");
          await drain(entry);
          break;
        }
        case "link": {
          const targetFull = safeComponents(h.linkname ?? "", opts.label);
          const target = targetFull.slice(opts.stripComponents).join("/");
          if (!target || kinds.get(target) !== "file") {
            throw hostile(h.name, `hardlink to "${h.linkname ?? ""}", which is not a regular file extracted earlier from this archive`);
          }
          await ensureParents(parts, h.name);
          await replaceable(rel, h.name);
          await link(join(root, target), abs);
          kinds.set(rel, "file");
          await drain(entry);
          break;
        }
        case "character-device":
        case "block-device":
        case "fifo":
          warn(`skipped "${h.name}": ${type} entries are not extracted`);
          await drain(entry);
          break;
        default:
          warn(`skipped "${h.name}": unsupported entry type ${type}`);
          await drain(entry);
      }
    }
  } catch (e) {
    input.unpipe(extract);
    extract.destroy();
    if (e instanceof MkError) throw e;
    const reason = inputError ?? (e as Error);
    throw new MkError("E_FETCH", `${opts.label} is not a valid tar archive: ${reason.message}`, {
      cause: e,
      details: { reason: "malformed" },
      hint: "the archive is damaged, truncated or not a tar file; if it matched its pinned hash, upstream published it broken",
    });
  }
  // Directory modes last: a read-only directory from the archive must not stop its own entries.
  for (const [rel, mode] of dirModes) await chmod(join(root, rel), mode);
  return stats;
}

/** Permission bits only: setuid, setgid and sticky bits from an archive are never kept. Owner rw stays
 * so the patch step can rewrite files (git only records the executable bit anyway). */
function fileMode(mode: number | undefined): number {
  return ((mode ?? 0o644) & 0o777) | 0o600;
}

function dirMode(mode: number | undefined): number {
  return ((mode ?? 0o755) & 0o777) | 0o700;
}

async function drain(entry: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of entry) {
    // Discard: the parser only moves to the next header once this entry's data was read.
  }
}
