import assert from "node:assert/strict";
import { sign } from "@octokit/webhooks-methods";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { projectSchema } from "../workspace/schema.js";
import { SyncQueue, type Job } from "./queue.js";
import { startWebhookServer, type WebhookServer } from "./serve.js";
import { tempDir } from "./testing/repos.js";

const SECRET = "gh-secret";
const TOKEN = "gl-token";
const recipe = (name: string, upstream: Record<string, unknown>) =>
  projectSchema.parse({ name, upstream, sources: [{ version: "v1.0.0", git: { tag: "v1.0.0", commit: "a".repeat(40) } }], build: { steps: ["make"] } });
const recipes = async () => [recipe("argocd", { github: "argoproj/argo-cd" }), recipe("tool", { git: "https://gitlab.example/g/tool.git", gitlab: "g/tool" })];

const release = JSON.stringify({ action: "published", release: { tag_name: "v2.11.4", prerelease: false }, repository: { full_name: "argoproj/argo-cd" } });

describe("mailknight serve", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let srv: WebhookServer;
  let ran: Job[];
  const queueFile = () => join(tmp.path, "queue.json");

  before(async () => {
    tmp = await tempDir("mk-serve-");
    ran = [];
    // Jobs of this first server never finish: it stands for a server killed with work queued.
    const never = new Promise<void>(() => {});
    srv = await startWebhookServer({ queue: await SyncQueue.open(queueFile()), recipes, githubSecret: SECRET, gitlabToken: TOKEN, runJob: async (j) => { ran.push(j); await never; } });
  });
  after(async () => {
    await srv.close();
    await tmp.cleanup();
  });

  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const r = await fetch(`${srv.url}${path}`, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const gh = async (body: string, id: string, signature?: string) =>
    await post("/webhooks/github", body, { "x-github-event": "release", "x-github-delivery": id, "x-hub-signature-256": signature ?? (await sign(SECRET, body)) });

  test("a signed GitHub release is queued for the project tracking that repository", async () => {
    const r = await gh(release, "d-1");
    assert.equal(r.status, 202);
    assert.deepEqual(r.body.queued, ["argocd"]);
  });

  test("a forged signature is refused and nothing is queued", async () => {
    const r = await gh(release.replace("v2.11.4", "v6.6.6"), "d-2", await sign("wrong-secret", release));
    assert.equal(r.status, 401);
    const none = await gh(release, "d-3", "sha256=" + "0".repeat(64));
    assert.equal(none.status, 401);
    const missing = await post("/webhooks/github", release, { "x-github-event": "release", "x-github-delivery": "d-4" });
    assert.equal(missing.status, 401);
  });

  test("a replayed delivery is dropped", async () => {
    const r = await gh(release, "d-1");
    assert.equal(r.status, 200);
    assert.equal(r.body.duplicate, "d-1");
  });

  test("GitLab: wrong token refused, tag push queued", async () => {
    const body = JSON.stringify({ object_kind: "tag_push", ref: "refs/tags/v3.0.1", project: { path_with_namespace: "g/tool" } });
    assert.equal((await post("/webhooks/gitlab", body, { "x-gitlab-token": "nope", "x-gitlab-event-uuid": "u-1" })).status, 401);
    const ok = await post("/webhooks/gitlab", body, { "x-gitlab-token": TOKEN, "x-gitlab-event-uuid": "u-1" });
    assert.equal(ok.status, 202);
    assert.deepEqual(ok.body.queued, ["tool"]);
    assert.equal((await post("/webhooks/gitlab", body, { "x-gitlab-token": TOKEN, "x-gitlab-event-uuid": "u-1" })).status, 200);
  });

  test("the queue survives a restart and is worked off by the next server", async () => {
    await srv.close();
    const q = await SyncQueue.open(queueFile());
    assert.deepEqual(q.pending().map((j) => [j.project, j.tag]), [["argocd", "v2.11.4"], ["tool", "v3.0.1"]]);
    const done: string[] = [];
    const second = await startWebhookServer({ queue: q, recipes, githubSecret: SECRET, runJob: async (j) => void done.push(j.project) });
    await second.idle();
    assert.deepEqual(done, ["argocd", "tool"]);
    assert.deepEqual(ran.map((j) => j.project), ["argocd"], "the first server had started the first job only");
    assert.deepEqual((await SyncQueue.open(queueFile())).pending(), []);
    // Replay protection outlives the restart too.
    srv = second;
    assert.equal((await gh(release, "d-1")).status, 200);
  });
});
