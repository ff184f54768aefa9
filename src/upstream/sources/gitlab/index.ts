/**
 * GitLab releases (falling back to tags) via the REST API v4, for gitlab.com and self-managed
 * instances (upstream.apiUrl). Token: GITLAB_TOKEN as PRIVATE-TOKEN. Pagination: `Link` when
 * the instance sends it, else `x-next-page` (GitLab omits Link on some endpoints/versions).
 */
import { MkError } from "../../../errors.js";
import type { UpstreamConfig } from "../../../workspace/schema.js";
import { linkNext, listAllPages, type HttpAnswer, type PageFetcher } from "../../forge-http.js";
import type { Release, ReleaseSource, SourceContext } from "../types.js";

export const id = "gitlab";
const DEFAULT_API = "https://gitlab.com/api/v4";

interface GlRelease {
  tag_name: string;
  released_at?: string | null;
  created_at?: string | null;
  upcoming_release?: boolean;
  commit?: { id?: string };
}
interface GlTag {
  name: string;
  commit?: { id?: string; created_at?: string };
  created_at?: string | null;
}

export function gitlabFetcher(token: string | undefined): PageFetcher {
  return async (url, headers) => {
    let res: Response;
    try {
      res = await fetch(url, { headers: { accept: "application/json", ...(token ? { "private-token": token } : {}), ...headers }, redirect: "error" });
    } catch (e) {
      throw new MkError("E_FETCH", `GitLab request ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e, hint: "check the network and the API URL (upstream.apiUrl)" });
    }
    const h: Record<string, string> = {};
    res.headers.forEach((v, k) => (h[k.toLowerCase()] = v));
    const text = await res.text();
    let body: unknown = undefined;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        body = { message: text.slice(0, 200) };
      }
    }
    return { status: res.status, headers: h, body } satisfies HttpAnswer;
  };
}

/** `x-next-page` holds a page number; keep every other query parameter of the current URL. */
export function gitlabNext(answer: HttpAnswer, url: string): string | undefined {
  const link = linkNext(answer.headers.link);
  if (link) return link;
  const page = answer.headers["x-next-page"]?.trim();
  if (!page || !/^\d+$/.test(page)) return undefined;
  const u = new URL(url);
  u.searchParams.set("page", page);
  return u.toString();
}

export const gitlab: ReleaseSource = {
  id,
  description: "GitLab releases (and tags when a project has no releases) via the REST API v4; GITLAB_TOKEN; ETag, pagination, rate-limit waits",
  supports: (u: UpstreamConfig) => u.gitlab !== undefined,
  async list(ctx: SourceContext): Promise<Release[]> {
    const project = ctx.upstream.gitlab;
    if (!project) throw new MkError("E_CONFIG_INVALID", "the gitlab release source needs upstream.gitlab (the project path)");
    const base = (ctx.upstream.apiUrl ?? DEFAULT_API).replace(/\/+$/, "");
    const fetchPage = gitlabFetcher(ctx.env.GITLAB_TOKEN);
    const pid = encodeURIComponent(project);
    const releasesUrl = `${base}/projects/${pid}/releases?per_page=100`;
    const releases = (await listAllPages(ctx, { key: releasesUrl, firstUrl: releasesUrl, fetchPage, next: gitlabNext, what: `GitLab releases of ${project}` })) as GlRelease[];
    if (releases.length > 0) {
      return releases.map((r) => {
        const at = r.released_at ?? r.created_at;
        return { tag: r.tag_name, ...(r.commit?.id ? { commit: r.commit.id } : {}), ...(at ? { publishedAt: at } : {}), prerelease: r.upcoming_release === true };
      });
    }
    const tagsUrl = `${base}/projects/${pid}/repository/tags?per_page=100`;
    const tags = (await listAllPages(ctx, { key: tagsUrl, firstUrl: tagsUrl, fetchPage, next: gitlabNext, what: `GitLab tags of ${project}` })) as GlTag[];
    return tags.map((t) => {
      const at = t.created_at ?? t.commit?.created_at;
      return { tag: t.name, ...(t.commit?.id ? { commit: t.commit.id } : {}), ...(at ? { publishedAt: at } : {}) };
    });
  },
};
