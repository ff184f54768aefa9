/**
 * Hardening a variant that sits on a base image: tools listed in `harden.removeTools` may come
 * from the base (busybox's wget, a distro's curl). They are removed the OCI way, with whiteout
 * files (`.wh.<name>`) in our layer, so the final image does not have them.
 */
import { createReadStream } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, posix } from "node:path";
import { safeJoinInRoot } from "../../util/fs.js";
import { createGunzip } from "node:zlib";
import { extract } from "tar-stream";
import type { OciLayout } from "../../oci/index.js";

export const TOOL_DIRS = ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "usr/local/sbin"];

function normalise(name: string): string {
  return posix.normalize(name.replace(/^\.?\/+/, "")).replace(/\/$/, "");
}

export type EntryType = "file" | "directory" | "symlink" | "other";

/** Paths present in the image after applying every layer's whiteouts, with their types. */
export async function imagePaths(layout: OciLayout, layers: { digest: string; mediaType: string }[]): Promise<Map<string, EntryType>> {
  const present = new Map<string, EntryType>();
  for (const layer of layers) {
    const gz = layer.mediaType.endsWith("gzip");
    const source = createReadStream(layout.blobPath(layer.digest));
    const tar = extract();
    const done = new Promise<void>((resolve, reject) => {
      tar.on("entry", (header, stream, next) => {
        const path = normalise(header.name);
        const base = posix.basename(path);
        const dir = posix.dirname(path);
        if (base === ".wh..wh..opq") {
          for (const p of [...present.keys()]) if (p.startsWith(`${dir}/`)) present.delete(p);
        } else if (base.startsWith(".wh.")) {
          const target = posix.join(dir, base.slice(4));
          present.delete(target);
          for (const p of [...present.keys()]) if (p.startsWith(`${target}/`)) present.delete(p);
        } else {
          const type = header.type === "file" || header.type === "link" ? "file" : header.type === "directory" ? "directory" : header.type === "symlink" ? "symlink" : "other";
          present.set(path, type);
        }
        stream.on("end", next);
        stream.resume();
      });
      tar.on("finish", resolve);
      tar.on("error", reject);
      source.on("error", reject);
    });
    (gz ? source.pipe(createGunzip()) : source).pipe(tar);
    await done;
  }
  return present;
}

/**
 * Writes `.wh.<tool>` into `rootfs` for each listed tool the base provides; returns their paths.
 * Only under tool directories that are real directories in the base: writing `bin/` into our
 * layer where the base has `bin -> usr/bin` would replace the base's symlink.
 */
export async function whiteoutBaseTools(rootfs: string, basePaths: Map<string, EntryType>, tools: string[]): Promise<string[]> {
  const written: string[] = [];
  for (const dir of TOOL_DIRS) {
    const parts = dir.split("/");
    const realDirs = parts.every((_, i) => basePaths.get(parts.slice(0, i + 1).join("/")) === "directory");
    if (!realDirs) continue;
    for (const tool of tools) {
      if (!basePaths.has(`${dir}/${tool}`)) continue;
      const target = await safeJoinInRoot(rootfs, `/${dir}/.wh.${tool}`);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, "", { mode: 0o644 });
      written.push(`/${dir}/${tool}`);
    }
  }
  return written.sort();
}
