/**
 * Content-addressed archive cache: `cacheDir/tarballs/<sha256|sha512>/<hex>`. A file only gets its
 * final name after its bytes were hashed and matched the pin, so nothing unverified is ever in the
 * cache under a name; a cached file is re-hashed before use, so a tampered cache fails closed.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { ensureDir, pathExists, tempSibling } from "../util/fs.js";
import { downloadTo } from "./download.js";

export type HashAlgorithm = "sha256" | "sha512";

export interface ExpectedHash {
  algorithm: HashAlgorithm;
  hex: string;
}

export interface CachedTarball {
  path: string;
  sha256: string;
  sha512: string;
  fromCache: boolean;
}

export interface ObtainOptions {
  /** Recipe URL, for messages. */
  url: string;
  /** Where to download from (after mirror rewriting). */
  effectiveUrl: string;
  /** Pinned hashes, all verified; the first names the cache entry. Empty only for an insecure source. */
  expected: ExpectedHash[];
  cacheDir: string;
  maxBytes: number;
  onProgress?: (done: number, total: number | undefined) => void;
}

export function cachePath(cacheDir: string, algorithm: HashAlgorithm, hex: string): string {
  return join(cacheDir, "tarballs", algorithm, hex);
}

export async function obtainTarball(opts: ObtainOptions): Promise<CachedTarball> {
  const key = opts.expected[0];
  if (key) {
    const path = cachePath(opts.cacheDir, key.algorithm, key.hex);
    if (await pathExists(path)) {
      const actual = await hashFile(path);
      const bad = opts.expected.find((e) => actual[e.algorithm] !== e.hex);
      if (bad) {
        throw new MkError("E_INTEGRITY", `cached archive ${path} has ${bad.algorithm} ${actual[bad.algorithm]}, not the pinned ${bad.hex}; the cache was tampered with or damaged`, {
          hint: `delete ${path} and run again to download ${opts.url} afresh`,
        });
      }
      return { path, ...actual, fromCache: true };
    }
  }

  // The temp file lives inside the cache (same file system, so the final rename is atomic).
  const dir = join(opts.cacheDir, "tarballs", key?.algorithm ?? "sha256");
  await ensureDir(dir);
  const tmp = tempSibling(join(dir, "download"));
  try {
    const got = await downloadTo(opts.effectiveUrl, tmp, { maxBytes: opts.maxBytes, onProgress: opts.onProgress });
    const bad = opts.expected.find((e) => got[e.algorithm] !== e.hex);
    if (bad) {
      const via = opts.effectiveUrl !== opts.url ? ` (via ${opts.effectiveUrl})` : "";
      throw new MkError("E_INTEGRITY", `${opts.url}${via}: ${bad.algorithm} mismatch: expected ${bad.hex}, got ${got[bad.algorithm]}`, {
        hint: "the download is not the archive the recipe pins; do not update the hash unless you have verified the new archive (signature, release notes)",
        details: { url: opts.url, effectiveUrl: opts.effectiveUrl, algorithm: bad.algorithm, expected: bad.hex, actual: got[bad.algorithm] },
      });
    }
    const path = key ? cachePath(opts.cacheDir, key.algorithm, key.hex) : cachePath(opts.cacheDir, "sha256", got.sha256);
    await rename(tmp, path);
    return { path, sha256: got.sha256, sha512: got.sha512, fromCache: false };
  } finally {
    await rm(tmp, { force: true });
  }
}

async function hashFile(path: string): Promise<{ sha256: string; sha512: string }> {
  const a = createHash("sha256");
  const b = createHash("sha512");
  for await (const chunk of createReadStream(path)) {
    a.update(chunk as Buffer);
    b.update(chunk as Buffer);
  }
  return { sha256: a.digest("hex"), sha512: b.digest("hex") };
}
