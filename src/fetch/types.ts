/** Public types of the fetch step. */
import type { EventSink } from "../pipeline/events.js";
import type { Digest } from "../util/digest.js";

export type GitPin = { type: "git"; url: string; tag?: string; commit?: string };
export type TarballPin = { type: "tarball"; url: string; sha256?: string; sha512?: string; stripComponents?: number };
export type SourcePin = GitPin | TarballPin;

/** Caps that keep a hostile or broken archive from filling the disk. */
export interface FetchLimits {
  /** Largest download accepted, in bytes (compressed size). */
  maxDownloadBytes: number;
  /** Largest total size of the files extracted from one archive, in bytes. */
  maxExtractedBytes: number;
  /** Most entries (files, directories, links) accepted in one archive. */
  maxEntries: number;
}

export const DEFAULT_LIMITS: FetchLimits = {
  maxDownloadBytes: 16 * 1024 ** 3,
  maxExtractedBytes: 32 * 1024 ** 3,
  maxEntries: 2_000_000,
};

export interface FetchSourceOptions {
  pin: SourcePin;
  /** Where the source tree goes; must be missing or empty. Becomes a git work tree. */
  destDir: string;
  /** Shared cache: `git/<sha256(url)>.git` mirrors and `tarballs/<alg>/<hex>` archives. */
  cacheDir: string;
  /** URL prefix → replacement (URL or local path); the longest matching prefix wins. */
  mirrors?: Record<string, string>;
  /** Accept a pin without commit/hash (the recipe said `insecure: true`). */
  insecure?: boolean;
  onEvent?: EventSink;
  limits?: Partial<FetchLimits>;
}

export interface FetchResult {
  kind: "git" | "tarball";
  /** The URL the recipe names. */
  url: string;
  /** The URL actually used after mirror rewriting. */
  effectiveUrl: string;
  /** git: the pinned (or, unpinned, resolved) commit. tarball: the import commit made in destDir. */
  commit?: string;
  tag?: string;
  /** tarball: sha256 of the archive bytes. */
  tarballDigest?: Digest;
  /** Seconds since the epoch; see fetchSource for how each kind derives it. */
  sourceDateEpoch: number;
  /** True when no upstream download was needed (git objects or archive came from the cache). */
  fromCache: boolean;
  /** True when the pin had no commit/hash and `insecure` let it through: nothing was verified. */
  unpinned: boolean;
}
