/**
 * GitHub releases via @octokit/rest (baseUrl for GitHub Enterprise). Releases first — they carry
 * the publication date and the pre-release flag the policy needs; a repository that publishes
 * only tags falls back to the tags listing, which names the commit but no date.
 */
import { Octokit } from "@octokit/rest";
import { MkError } from "../../../errors.js";
import type { UpstreamConfig } from "../../../workspace/schema.js";
import { listAllPages, type HttpAnswer, type PageFetcher } from "../../forge-http.js";
import type { Release, ReleaseSource, SourceContext } from "../types.js";

export const id = "github";
const DEFAULT_API = "https://api.github.com";

interface GhRelease {
  tag_name: string;
  published_at: string | null;
  created_at?: string;
  prerelease: boolean;
  draft: boolean;
}
interface GhTag {
  name: string;
  commit: { sha: string };
}

/** Octokit throws for 304 and every error status; turn both back into plain answers. */
function fetcher(octokit: Octokit): PageFetcher {
  return async (url, headers) => {
    try {
      const r = await octokit.request({ method: "GET", url, headers });
      return { status: r.status, headers: lower(r.headers as Record<string, unknown>), body: r.data };
    } catch (e) {
      const err = e as { status?: unknown; response?: { headers?: Record<string, unknown>; data?: unknown } };
      if (typeof err.status !== "number" || err.status === 500 && err.response === undefined) {
        throw new MkError("E_FETCH", `GitHub request ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e, hint: "check the network and the API URL (upstream.apiUrl)" });
      }
      return { status: err.status, headers: lower(err.response?.headers ?? {}), body: err.response?.data } satisfies HttpAnswer;
    }
  };
}

function lower(h: Record<string, unknown>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && v !== null) out[k.toLowerCase()] = String(v);
  return out;
}

export const github: ReleaseSource = {
  id,
  description: "GitHub releases (and tags when a repository has no releases) via the REST API; GITHUB_TOKEN; ETag, pagination, rate-limit waits",
  supports: (u: UpstreamConfig) => u.github !== undefined,
  async list(ctx: SourceContext): Promise<Release[]> {
    const repo = ctx.upstream.github;
    if (!repo) throw new MkError("E_CONFIG_INVALID", "the github release source needs upstream.github (owner/repo)");
    const baseUrl = (ctx.upstream.apiUrl ?? DEFAULT_API).replace(/\/+$/, "");
    const token = ctx.env.GITHUB_TOKEN;
    // No retries or throttling inside Octokit: rate limits are handled (and capped) by forge-http.
    const octokit = new Octokit({ baseUrl, ...(token ? { auth: token } : {}), userAgent: "mailknight", log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } });
    const fetchPage = fetcher(octokit);
    const releasesUrl = `${baseUrl}/repos/${repo}/releases?per_page=100`;
    const releases = (await listAllPages(ctx, { key: releasesUrl, firstUrl: releasesUrl, fetchPage, what: `GitHub releases of ${repo}` })) as GhRelease[];
    if (releases.length > 0) {
      return releases.map((r) => ({
        tag: r.tag_name,
        ...(r.published_at ?? r.created_at ? { publishedAt: (r.published_at ?? r.created_at)! } : {}),
        prerelease: r.prerelease,
        draft: r.draft,
      }));
    }
    const tagsUrl = `${baseUrl}/repos/${repo}/tags?per_page=100`;
    const tags = (await listAllPages(ctx, { key: tagsUrl, firstUrl: tagsUrl, fetchPage, what: `GitHub tags of ${repo}` })) as GhTag[];
    return tags.map((t) => ({ tag: t.name, commit: t.commit.sha }));
  },
};
