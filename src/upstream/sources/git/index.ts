/**
 * Plain git tags: `git ls-remote --tags`, annotated tags peeled to their commit. Works for any
 * host and for local mirrors; knows no dates or pre-release flags (the policy then relies on the
 * version scheme for pre-releases and cannot apply a minimum age).
 */
import { MkError } from "../../../errors.js";
import { applyMirrors } from "../../../fetch/index.js";
import { keyLines, git } from "../../../util/git.js";
import type { UpstreamConfig } from "../../../workspace/schema.js";
import type { Release, ReleaseSource, SourceContext } from "../types.js";

export const id = "git";

/** Tag name → commit from `ls-remote --tags` output; a peeled `^{}` entry wins over the tag object. */
export function tagsFromLsRemote(output: string): Release[] {
  const commits = new Map<string, string>();
  const peeled = new Set<string>();
  for (const line of output.split("\n")) {
    const m = /^([0-9a-f]{40})\trefs\/tags\/(.+?)(\^\{\})?$/.exec(line.trim());
    if (!m?.[1] || !m[2]) continue;
    if (m[3]) {
      commits.set(m[2], m[1]);
      peeled.add(m[2]);
    } else if (!peeled.has(m[2])) commits.set(m[2], m[1]);
  }
  return [...commits].map(([tag, commit]) => ({ tag, commit }));
}

export function upstreamUrl(u: UpstreamConfig): string | undefined {
  return u.git ?? (u.github ? `https://github.com/${u.github}.git` : undefined);
}

export const gitTags: ReleaseSource = {
  id,
  description: "tags of any git repository via git ls-remote --tags (peeled to commits)",
  supports: (u: UpstreamConfig) => upstreamUrl(u) !== undefined,
  async list(ctx: SourceContext): Promise<Release[]> {
    const url = upstreamUrl(ctx.upstream);
    if (!url) throw new MkError("E_CONFIG_INVALID", "the git release source needs upstream.git (a URL)");
    const { effectiveUrl } = applyMirrors(url, ctx.mirrors);
    const r = await git(["ls-remote", "--tags", "--", effectiveUrl]);
    if (r.code !== 0) {
      throw new MkError("E_FETCH", `cannot list the tags of ${effectiveUrl}:\n  ${keyLines(r).join("\n  ")}`, {
        hint: "check the URL and the network; on an air-gapped machine map the URL to a local copy with a mirror",
      });
    }
    return tagsFromLsRemote(r.stdout);
  },
};
