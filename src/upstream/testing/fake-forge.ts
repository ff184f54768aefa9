/**
 * A local GitHub + GitLab REST server for tests and the bench (127.0.0.1 only). It answers the
 * endpoints Mailknight calls with the real response shapes: JSON arrays, `Link` pagination
 * (GitHub and GitLab) or `x-next-page` only (GitLab, `linkHeaders: false`), strong ETags with
 * 304 on `If-None-Match`, a 403 rate limit with `x-ratelimit-reset`, and GitLab merge requests.
 */
import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeRepo {
  /** GitHub release objects or GitLab release objects, newest first, as the forge returns them. */
  releases: Record<string, unknown>[];
  tags: Record<string, unknown>[];
}

export interface FakeMergeRequest {
  iid: number;
  source_branch: string;
  target_branch: string;
  title: string;
  description: string;
  labels: string[];
  state: "opened";
  web_url: string;
}

export interface FakeForge {
  url: string;
  github: Map<string, FakeRepo>;
  gitlab: Map<string, FakeRepo>;
  mergeRequests: Map<string, FakeMergeRequest[]>;
  /** Every request: method, path+query, selected headers. */
  log: { method: string; url: string; ifNoneMatch?: string; auth?: string; status: number }[];
  /** The next N requests answer 403 (GitHub style) / 429 (GitLab style) with this reset time. */
  rateLimit: { remaining: number; resetEpoch: number };
  pageSize: number;
  /** GitLab: send `Link` headers (true) or only `x-next-page` (false). */
  linkHeaders: boolean;
  close(): Promise<void>;
}

function etagOf(body: string): string {
  return `"${createHash("sha256").update(body).digest("hex").slice(0, 32)}"`;
}

export async function startFakeForge(): Promise<FakeForge> {
  const forge: Omit<FakeForge, "url" | "close"> = {
    github: new Map(),
    gitlab: new Map(),
    mergeRequests: new Map(),
    log: [],
    rateLimit: { remaining: 0, resetEpoch: 0 },
    pageSize: 30,
    linkHeaders: true,
  };
  let base = "";
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch((e: unknown) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: String(e) }));
    });
  });

  function send(req: IncomingMessage, res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    const text = body === undefined ? "" : JSON.stringify(body);
    forge.log.push({ method: req.method ?? "", url: req.url ?? "", ifNoneMatch: req.headers["if-none-match"], auth: (req.headers.authorization ?? req.headers["private-token"]) as string | undefined, status });
    res.writeHead(status, { ...(text ? { "content-type": "application/json; charset=utf-8" } : {}), ...headers });
    res.end(text);
  }

  function paged(req: IncomingMessage, res: ServerResponse, url: URL, items: unknown[], gitlabStyle: boolean): void {
    const perPage = Math.min(Number(url.searchParams.get("per_page") ?? forge.pageSize), forge.pageSize);
    const page = Number(url.searchParams.get("page") ?? "1");
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const body = JSON.stringify(slice);
    const etag = etagOf(body);
    const headers: Record<string, string> = { etag };
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const link = (p: number) => {
      const u = new URL(url.toString(), base);
      u.searchParams.set("page", String(p));
      return `${base}${u.pathname}${u.search}`;
    };
    const rels: string[] = [];
    if (page < last) rels.push(`<${link(page + 1)}>; rel="next"`);
    if (page > 1) rels.push(`<${link(page - 1)}>; rel="prev"`);
    rels.push(`<${link(1)}>; rel="first"`, `<${link(last)}>; rel="last"`);
    if (!gitlabStyle || forge.linkHeaders) headers.link = rels.join(", ");
    if (gitlabStyle) {
      headers["x-page"] = String(page);
      headers["x-per-page"] = String(perPage);
      headers["x-total"] = String(items.length);
      headers["x-total-pages"] = String(last);
      headers["x-next-page"] = page < last ? String(page + 1) : "";
    }
    if (req.headers["if-none-match"] === etag) return send(req, res, 304, undefined, headers);
    send(req, res, 200, slice, headers);
  }

  async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString();
    if (!text) return {};
    if ((req.headers["content-type"] ?? "").includes("json")) return JSON.parse(text) as Record<string, unknown>;
    return Object.fromEntries(new URLSearchParams(text));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", base);
    const path = url.pathname;
    if (forge.rateLimit.remaining > 0) {
      forge.rateLimit.remaining--;
      const gitlabStyle = path.startsWith("/api/v4/");
      return send(req, res, gitlabStyle ? 429 : 403, { message: "API rate limit exceeded" }, gitlabStyle
        ? { "ratelimit-remaining": "0", "ratelimit-reset": String(forge.rateLimit.resetEpoch) }
        : { "x-ratelimit-limit": "60", "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(forge.rateLimit.resetEpoch) });
    }
    let m = /^\/repos\/([^/]+\/[^/]+)\/(releases|tags)$/.exec(path);
    if (m && req.method === "GET") {
      const repo = forge.github.get(m[1]!);
      if (!repo) return send(req, res, 404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" });
      return paged(req, res, url, m[2] === "releases" ? repo.releases : repo.tags, false);
    }
    m = /^\/api\/v4\/projects\/([^/]+)\/(releases|repository\/tags|merge_requests)$/.exec(path);
    if (m) {
      const project = decodeURIComponent(m[1]!);
      if (m[2] === "merge_requests") {
        const list = forge.mergeRequests.get(project) ?? [];
        if (req.method === "GET") {
          const branch = url.searchParams.get("source_branch");
          return send(req, res, 200, list.filter((mr) => branch === null || mr.source_branch === branch));
        }
        if (req.method === "POST") {
          const body = await readBody(req);
          const mr: FakeMergeRequest = {
            iid: list.length + 1,
            source_branch: String(body.source_branch),
            target_branch: String(body.target_branch),
            title: String(body.title),
            description: String(body.description ?? ""),
            labels: typeof body.labels === "string" ? body.labels.split(",").filter(Boolean) : [],
            state: "opened",
            web_url: `${base}/${project}/-/merge_requests/${list.length + 1}`,
          };
          if (list.some((x) => x.source_branch === mr.source_branch)) return send(req, res, 409, { message: ["Another open merge request already exists for this source branch"] });
          forge.mergeRequests.set(project, [...list, mr]);
          return send(req, res, 201, mr);
        }
      }
      const repo = forge.gitlab.get(project);
      if (!repo) return send(req, res, 404, { message: "404 Project Not Found" });
      return paged(req, res, url, m[2] === "releases" ? repo.releases : repo.tags, true);
    }
    send(req, res, 404, { message: "Not Found" });
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The same object the handler reads, so tests can change pageSize, rateLimit, linkHeaders.
  return Object.assign(forge, {
    url: base,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A GitHub release object with the fields GitHub returns (trimmed of URLs we never read). */
export function ghRelease(tag: string, publishedAt: string, opts: { prerelease?: boolean; draft?: boolean } = {}): Record<string, unknown> {
  return {
    url: `https://api.github.com/repos/o/r/releases/${tag}`,
    id: Math.abs(hashCode(tag)),
    node_id: "RE_kwDO",
    tag_name: tag,
    target_commitish: "main",
    name: tag,
    draft: opts.draft ?? false,
    prerelease: opts.prerelease ?? false,
    created_at: publishedAt,
    published_at: opts.draft ? null : publishedAt,
    author: { login: "release-bot", id: 1, type: "Bot" },
    assets: [],
    tarball_url: `https://api.github.com/repos/o/r/tarball/${tag}`,
    zipball_url: `https://api.github.com/repos/o/r/zipball/${tag}`,
    body: `Release ${tag}`,
  };
}

export function ghTag(name: string, sha: string): Record<string, unknown> {
  return { name, commit: { sha, url: `https://api.github.com/repos/o/r/commits/${sha}` }, zipball_url: "", tarball_url: "", node_id: "REF_kwDO" };
}

export function glRelease(tag: string, releasedAt: string, commit: string, opts: { upcoming?: boolean } = {}): Record<string, unknown> {
  return {
    name: tag,
    tag_name: tag,
    description: `Release ${tag}`,
    created_at: releasedAt,
    released_at: releasedAt,
    upcoming_release: opts.upcoming ?? false,
    author: { id: 1, username: "maintainer" },
    commit: { id: commit, short_id: commit.slice(0, 8), created_at: releasedAt, title: `Release ${tag}` },
    assets: { count: 0, sources: [], links: [] },
    _links: { self: `https://gitlab.example/g/p/-/releases/${tag}` },
  };
}

export function glTag(name: string, commit: string, createdAt: string | null): Record<string, unknown> {
  return { name, message: "", target: commit, commit: { id: commit, short_id: commit.slice(0, 8), created_at: createdAt }, release: null, protected: false, created_at: createdAt };
}

function hashCode(s: string): number {
  let h = 0;
  for (const c of s) h = (h * 31 + c.charCodeAt(0)) | 0;
  return h;
}
