/**
 * Webhook deliveries from GitHub (`release` events) and GitLab (tag push and release events):
 * authenticity check, then what to sync. GitHub signs the raw body (`X-Hub-Signature-256`,
 * HMAC-SHA256, checked by @octokit/webhooks-methods in constant time); GitLab sends a shared
 * secret (`X-Gitlab-Token`), compared in constant time here. Nothing is parsed before the check.
 */
import { verify } from "@octokit/webhooks-methods";
import { createHash, timingSafeEqual } from "node:crypto";
import type { ProjectRecipe } from "../workspace/schema.js";

export type Forge = "github" | "gitlab";

export interface Delivery {
  forge: Forge;
  /** X-GitHub-Delivery / X-Gitlab-Event-UUID (or a hash of the body when GitLab sends none). */
  id: string;
  /** owner/repo or group/project as the forge names it. */
  repository: string;
  tag?: string;
}

export type Verdict = { ok: true; delivery?: Delivery; ignored?: string } | { ok: false; status: 400 | 401; reason: string };

export async function checkGithub(secret: string, body: string, headers: Record<string, string | undefined>): Promise<Verdict> {
  const signature = headers["x-hub-signature-256"];
  if (!signature) return { ok: false, status: 401, reason: "missing X-Hub-Signature-256" };
  let valid = false;
  try {
    valid = await verify(secret, body, signature);
  } catch {
    valid = false; // malformed signature header
  }
  if (!valid) return { ok: false, status: 401, reason: "signature does not match" };
  const id = headers["x-github-delivery"];
  if (!id) return { ok: false, status: 400, reason: "missing X-GitHub-Delivery" };
  const event = headers["x-github-event"];
  if (event === "ping") return { ok: true, ignored: "ping" };
  if (event !== "release") return { ok: true, ignored: `event ${event ?? "(none)"}` };
  const payload = parse(body) as { action?: string; release?: { tag_name?: string }; repository?: { full_name?: string } } | undefined;
  if (!payload?.repository?.full_name) return { ok: false, status: 400, reason: "release payload without repository.full_name" };
  if (!["published", "released", "prereleased", "created"].includes(payload.action ?? "")) return { ok: true, ignored: `release action ${payload.action}` };
  return { ok: true, delivery: { forge: "github", id, repository: payload.repository.full_name, ...(payload.release?.tag_name ? { tag: payload.release.tag_name } : {}) } };
}

export function checkGitlab(token: string, body: string, headers: Record<string, string | undefined>): Verdict {
  const given = headers["x-gitlab-token"];
  if (!given || !sameSecret(given, token)) return { ok: false, status: 401, reason: "X-Gitlab-Token does not match" };
  const payload = parse(body) as { object_kind?: string; ref?: string; tag?: string; project?: { path_with_namespace?: string }; action?: string } | undefined;
  if (!payload?.project?.path_with_namespace) return { ok: false, status: 400, reason: "payload without project.path_with_namespace" };
  const id = headers["x-gitlab-event-uuid"] ?? headers["idempotency-key"] ?? createHash("sha256").update(body).digest("hex");
  const repository = payload.project.path_with_namespace;
  if (payload.object_kind === "tag_push") {
    if (!payload.ref?.startsWith("refs/tags/")) return { ok: true, ignored: "tag push without a tag ref" };
    return { ok: true, delivery: { forge: "gitlab", id, repository, tag: payload.ref.slice("refs/tags/".length) } };
  }
  if (payload.object_kind === "release") return { ok: true, delivery: { forge: "gitlab", id, repository, ...(payload.tag ? { tag: payload.tag } : {}) } };
  return { ok: true, ignored: `event ${payload.object_kind ?? "(none)"}` };
}

/** Projects whose upstream is the repository a delivery names. */
export function projectsFor(delivery: Delivery, recipes: ProjectRecipe[]): string[] {
  const want = delivery.repository.toLowerCase();
  return recipes.filter((r) => (delivery.forge === "github" ? r.upstream.github : r.upstream.gitlab)?.toLowerCase() === want).map((r) => r.name);
}

function sameSecret(a: string, b: string): boolean {
  // Hash first so that lengths never leak through timingSafeEqual's length check.
  return timingSafeEqual(createHash("sha256").update(a).digest(), createHash("sha256").update(b).digest());
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}
