/**
 * Fetch step: pinned upstream source → a git work tree in `destDir`, verified against the pin.
 *
 * - git: a cached bare mirror per URL, a detached checkout of the pinned commit;
 *   sourceDateEpoch = committer time of that commit.
 * - tarball: a hash-verified, cached archive, extracted safely and committed once with a fixed
 *   identity; sourceDateEpoch = newest mtime in the archive.
 * Sources without a commit/hash are refused (E_PIN_MISSING) unless `insecure` is set.
 */
import { fetchGit } from "./git-source.js";
import { fetchTarball } from "./tarball-source.js";
import type { FetchResult, FetchSourceOptions } from "./types.js";

export { applyMirrors, type MirroredUrl } from "./mirrors.js";
export { resolveGitRef } from "./git-ref.js";
export { DEFAULT_LIMITS } from "./types.js";
export type { FetchLimits, FetchResult, FetchSourceOptions, GitPin, SourcePin, TarballPin } from "./types.js";

export async function fetchSource(opts: FetchSourceOptions): Promise<FetchResult> {
  const pin = opts.pin;
  switch (pin.type) {
    case "git":
      return await fetchGit(pin, opts);
    case "tarball":
      return await fetchTarball(pin, opts);
  }
}
