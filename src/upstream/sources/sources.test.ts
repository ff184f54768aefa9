import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { MkError } from "../../errors.js";
import { upstreamSchema, type UpstreamConfig } from "../../workspace/schema.js";
import { fileHttpCache, memoryHttpCache } from "../http-cache.js";
import { ghRelease, ghTag, glRelease, glTag, startFakeForge, type FakeForge } from "../testing/fake-forge.js";
import { tempDir, UpstreamRepo } from "../testing/repos.js";
import { releaseSources, sourceFor, type Release, type SourceContext } from "./index.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const sha = (n: number) => n.toString(16).padStart(40, "0");

function ctxFor(upstream: Record<string, unknown>, extra: Partial<SourceContext> = {}): SourceContext & { slept: number[] } {
  const slept: number[] = [];
  return {
    upstream: upstreamSchema.parse(upstream) as UpstreamConfig,
    cache: memoryHttpCache(),
    env: {},
    clock: { now: () => 1_800_000_000_000, sleep: async (ms) => void slept.push(ms) },
    maxWaitMs: 120_000,
    stats: { requests: 0, notModified: 0 },
    slept,
    ...extra,
  };
}

/** Shared conformance checks every release source must pass on its answer. */
function conforms(releases: Release[]): void {
  assert.ok(releases.length > 0, "lists releases");
  const tags = releases.map((r) => r.tag);
  assert.equal(new Set(tags).size, tags.length, "no tag listed twice");
  for (const r of releases) {
    assert.ok(typeof r.tag === "string" && r.tag.length > 0);
    if (r.commit !== undefined) assert.match(r.commit, /^[0-9a-f]{40}$/);
    if (r.publishedAt !== undefined) assert.ok(!Number.isNaN(Date.parse(r.publishedAt)), r.publishedAt);
  }
}

describe("release sources", () => {
  let forge: FakeForge;
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let bare: string;
  let commits: Record<string, string>;

  before(async () => {
    forge = await startFakeForge();
    forge.pageSize = 2;
    tmp = await tempDir();
    const repo = await UpstreamRepo.create(join(tmp.path, "work"));
    commits = {};
    for (const [i, tag] of ["v1.0.0", "v1.0.1", "v1.1.0-rc.1", "v1.1.0"].entries()) {
      commits[tag] = await repo.commit(`release ${tag}`, { "VERSION": `${tag}\n` });
      await repo.tag(tag, i % 2 === 0);
    }
    bare = await repo.publish(join(tmp.path, "up.git"));
    const ghReleases = [ghRelease("v1.1.0", "2026-01-04T00:00:00Z"), ghRelease("v1.1.0-rc.1", "2026-01-03T00:00:00Z", { prerelease: true }), ghRelease("v1.0.1", "2026-01-02T00:00:00Z"), ghRelease("v1.0.0", "2026-01-01T00:00:00Z"), ghRelease("v2.0.0", "2026-01-05T00:00:00Z", { draft: true })];
    forge.github.set("acme/widget", { releases: ghReleases, tags: [] });
    forge.github.set("acme/tagsonly", { releases: [], tags: [ghTag("v0.9.0", sha(9)), ghTag("v0.8.0", sha(8)), ghTag("v0.7.0", sha(7))] });
    forge.gitlab.set("group/sub/widget", { releases: [glRelease("v3.1.0", "2026-02-02T00:00:00Z", sha(31)), glRelease("v3.0.1", "2026-02-01T00:00:00Z", sha(301)), glRelease("v3.0.0", "2026-01-31T00:00:00Z", sha(300))], tags: [] });
    forge.gitlab.set("group/tagsonly", { releases: [], tags: [glTag("r5", sha(5), "2026-03-01T00:00:00Z"), glTag("r4", sha(4), null), glTag("r3", sha(3), null)] });
  });
  after(async () => {
    await forge.close();
    await tmp.cleanup();
  });

  test("the registry matches the folders", async () => {
    const dirs = (await readdir(here, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name).sort();
    assert.deepEqual(Object.keys(releaseSources).sort(), dirs);
    for (const [key, source] of Object.entries(releaseSources)) assert.equal(source.id, key);
  });

  test("sourceFor picks by recipe", () => {
    assert.equal(sourceFor(upstreamSchema.parse({ github: "a/b" })).id, "github");
    assert.equal(sourceFor(upstreamSchema.parse({ git: "https://x/y.git", gitlab: "g/p" })).id, "gitlab");
    assert.equal(sourceFor(upstreamSchema.parse({ git: "https://x/y.git" })).id, "git");
    assert.equal(sourceFor(upstreamSchema.parse({ github: "a/b", releases: "git" })).id, "git");
  });

  test("github: paginates releases, then answers from the cache on 304", async () => {
    const ctx = ctxFor({ github: "acme/widget", apiUrl: forge.url }, { env: { GITHUB_TOKEN: "ghp_test" } });
    const first = await releaseSources.github.list(ctx);
    conforms(first);
    assert.equal(ctx.stats!.requests, 3, "5 releases at 2 per page");
    assert.deepEqual(first.map((r) => r.tag), ["v1.1.0", "v1.1.0-rc.1", "v1.0.1", "v1.0.0", "v2.0.0"]);
    assert.equal(first[1]!.prerelease, true);
    assert.equal(first[4]!.draft, true);
    assert.equal(forge.log.at(-1)!.auth, "token ghp_test");
    const again = await releaseSources.github.list(ctx);
    assert.deepEqual(again, first);
    assert.equal(ctx.stats!.requests, 4);
    assert.equal(ctx.stats!.notModified, 1);
    assert.equal(forge.log.at(-1)!.status, 304);
    assert.ok(forge.log.at(-1)!.ifNoneMatch);
  });

  test("github: the ETag cache survives on disk", async () => {
    const cache = fileHttpCache(join(tmp.path, "cache"));
    await releaseSources.github.list(ctxFor({ github: "acme/widget", apiUrl: forge.url }, { cache }));
    const ctx = ctxFor({ github: "acme/widget", apiUrl: forge.url }, { cache });
    const second = await releaseSources.github.list(ctx);
    assert.equal(second.length, 5);
    assert.deepEqual(ctx.stats, { requests: 1, notModified: 1 });
  });

  test("github: falls back to tags when there are no releases", async () => {
    const ctx = ctxFor({ github: "acme/tagsonly", apiUrl: forge.url });
    const got = await releaseSources.github.list(ctx);
    conforms(got);
    assert.deepEqual(got.map((r) => [r.tag, r.commit]), [["v0.9.0", sha(9)], ["v0.8.0", sha(8)], ["v0.7.0", sha(7)]]);
  });

  test("github: waits until the rate limit resets, then succeeds", async () => {
    const ctx = ctxFor({ github: "acme/widget", apiUrl: forge.url });
    forge.rateLimit = { remaining: 1, resetEpoch: 1_800_000_030 };
    const got = await releaseSources.github.list(ctx);
    assert.equal(got.length, 5);
    assert.deepEqual(ctx.slept, [31_000]);
  });

  test("github: a reset beyond the cap fails clearly, without sleeping", async () => {
    const ctx = ctxFor({ github: "acme/widget", apiUrl: forge.url });
    forge.rateLimit = { remaining: 1, resetEpoch: 1_800_003_600 };
    await assert.rejects(releaseSources.github.list(ctx), (e: unknown) => e instanceof MkError && e.code === "E_FETCH" && /rate limited/.test(e.message));
    assert.deepEqual(ctx.slept, []);
    forge.rateLimit.remaining = 0;
  });

  test("github: an unknown repository is E_FETCH with the status", async () => {
    await assert.rejects(releaseSources.github.list(ctxFor({ github: "acme/nope", apiUrl: forge.url })), (e: unknown) => e instanceof MkError && e.code === "E_FETCH" && e.details?.status === 404);
  });

  for (const linkHeaders of [true, false]) {
    test(`gitlab: paginates via ${linkHeaders ? "Link" : "x-next-page"}, ETag on the second poll`, async () => {
      forge.linkHeaders = linkHeaders;
      const ctx = ctxFor({ git: "https://gitlab.example/group/sub/widget.git", gitlab: "group/sub/widget", apiUrl: `${forge.url}/api/v4` }, { env: { GITLAB_TOKEN: "glpat-x" } });
      const got = await releaseSources.gitlab.list(ctx);
      conforms(got);
      assert.deepEqual(got.map((r) => [r.tag, r.commit]), [["v3.1.0", sha(31)], ["v3.0.1", sha(301)], ["v3.0.0", sha(300)]]);
      assert.equal(ctx.stats!.requests, 2);
      assert.equal(forge.log.at(-1)!.auth, "glpat-x");
      await releaseSources.gitlab.list(ctx);
      assert.equal(ctx.stats!.notModified, 1);
      forge.linkHeaders = true;
    });
  }

  test("gitlab: tags when there are no releases; 429 waits", async () => {
    const ctx = ctxFor({ git: "https://gitlab.example/group/tagsonly.git", gitlab: "group/tagsonly", apiUrl: `${forge.url}/api/v4` });
    forge.rateLimit = { remaining: 1, resetEpoch: 1_800_000_010 };
    const got = await releaseSources.gitlab.list(ctx);
    conforms(got);
    assert.deepEqual(got.map((r) => r.tag), ["r5", "r4", "r3"]);
    assert.equal(got[0]!.publishedAt, "2026-03-01T00:00:00Z");
    assert.deepEqual(ctx.slept, [11_000]);
  });

  test("git: ls-remote tags, annotated ones peeled to their commit", async () => {
    const got = await releaseSources.git.list(ctxFor({ git: `file://${bare}` }));
    conforms(got);
    const map = Object.fromEntries(got.map((r) => [r.tag, r.commit]));
    assert.deepEqual(map, commits);
  });

  test("git: mirrors rewrite the URL; an unreachable repository is E_FETCH", async () => {
    const got = await releaseSources.git.list(ctxFor({ git: "https://up.example/widget.git" }, { mirrors: { "https://up.example/widget.git": `file://${bare}` } }));
    assert.equal(got.length, 4);
    await assert.rejects(releaseSources.git.list(ctxFor({ git: `file://${tmp.path}/missing.git` })), (e: unknown) => e instanceof MkError && e.code === "E_FETCH");
  });
});
