/**
 * Hand-off to a human on GitLab: push the sync branch and open a merge request whose description
 * is the report, labelled by outcome. Idempotent: an open merge request for the branch is reused,
 * and pushing a branch that is already there is a no-op.
 */
import { MkError } from "../errors.js";
import { gitOk } from "../util/git.js";
import type { SyncReport } from "./report.js";

export interface GitlabHandoff {
  /** e.g. https://gitlab.example/api/v4 (CI_API_V4_URL). */
  apiUrl: string;
  /** Numeric id or path of the workspace's GitLab project (CI_PROJECT_ID). */
  project: string;
  token: string;
  /** Git remote the branch is pushed to. */
  remote: string;
  targetBranch: string;
}

/** From the environment GitLab CI provides (or the user sets), overridable by CLI options. */
export function handoffFromEnv(env: Record<string, string | undefined>, o: { gitlabUrl?: string; gitlabProject?: string; remote?: string; target?: string }): GitlabHandoff | undefined {
  const token = env.GITLAB_TOKEN;
  if (!token) return undefined;
  const apiUrl = o.gitlabUrl ?? env.CI_API_V4_URL;
  const project = o.gitlabProject ?? env.CI_PROJECT_ID ?? env.CI_PROJECT_PATH;
  if (!apiUrl || !project) {
    throw new MkError("E_USAGE", "GITLAB_TOKEN is set, but not where to open merge requests", {
      hint: "set CI_API_V4_URL and CI_PROJECT_ID (GitLab CI sets both), or pass --gitlab-url and --gitlab-project; unset GITLAB_TOKEN to sync locally",
    });
  }
  return { apiUrl: apiUrl.replace(/\/+$/, ""), project, token, remote: o.remote ?? "origin", targetBranch: o.target ?? env.CI_DEFAULT_BRANCH ?? "main" };
}

interface MergeRequest {
  iid: number;
  web_url: string;
}

export async function pushAndOpenMergeRequest(repoRoot: string, branch: string, report: SyncReport, description: string, h: GitlabHandoff): Promise<{ url: string; created: boolean }> {
  // Not isolated: pushing needs the user's (or the runner's) credential configuration.
  await gitOk(["push", "--quiet", "--", h.remote, `refs/heads/${branch}:refs/heads/${branch}`], { cwd: repoRoot }, { code: "E_FETCH", what: `pushing ${branch} to ${h.remote}`, hint: "check that the remote exists and the token may push branches" });
  const base = `${h.apiUrl}/projects/${encodeURIComponent(h.project)}/merge_requests`;
  const existing = (await api(`${base}?state=opened&source_branch=${encodeURIComponent(branch)}`, h, "GET")) as MergeRequest[];
  if (existing.length > 0) return { url: existing[0]!.web_url, created: false };
  const mr = (await api(base, h, "POST", {
    source_branch: branch,
    target_branch: h.targetBranch,
    title: `sync(${report.project}): ${report.onto.version}${report.outcome === "clean" ? "" : ` [${report.outcome}]`}`,
    description,
    labels: ["mailknight-sync", `sync::${report.outcome}`].join(","),
    remove_source_branch: true,
  })) as MergeRequest;
  return { url: mr.web_url, created: true };
}

async function api(url: string, h: GitlabHandoff, method: "GET" | "POST", body?: unknown): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, { method, headers: { "private-token": h.token, accept: "application/json", ...(body ? { "content-type": "application/json" } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}), redirect: "error" });
  } catch (e) {
    throw new MkError("E_FETCH", `GitLab ${method} ${url} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const text = await res.text();
  if (!res.ok) {
    throw new MkError("E_FETCH", `GitLab ${method} ${url}: HTTP ${res.status} ${text.slice(0, 300)}`, {
      hint: res.status === 401 || res.status === 403 ? "the token needs the api scope on the workspace project" : "check --gitlab-url / --gitlab-project",
      details: { status: res.status },
    });
  }
  return JSON.parse(text) as unknown;
}
