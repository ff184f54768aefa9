/**
 * Mirror rewriting: air-gapped sites point upstream URLs at local copies, e.g.
 * `{"https://github.com/": "file:///srv/mirrors/github/"}`. Matching is by plain string prefix,
 * like git's `url.<base>.insteadOf`, and the longest prefix wins so that a specific repository can
 * override a whole host. Records keep both URLs: the original names what was pinned, the effective
 * one says where the bytes came from.
 */

export interface MirroredUrl {
  url: string;
  effectiveUrl: string;
  /** The mirror key that matched, when one did. */
  mirrorPrefix?: string;
}

export function applyMirrors(url: string, mirrors: Record<string, string> = {}): MirroredUrl {
  let best: string | undefined;
  for (const prefix of Object.keys(mirrors)) {
    // An empty prefix would glue every URL onto the replacement; it is never what was meant.
    if (prefix === "" || !url.startsWith(prefix)) continue;
    if (best === undefined || prefix.length > best.length) best = prefix;
  }
  if (best === undefined) return { url, effectiveUrl: url };
  return { url, effectiveUrl: mirrors[best] + url.slice(best.length), mirrorPrefix: best };
}
