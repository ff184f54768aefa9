import assert from "node:assert/strict";
import { test } from "node:test";
import { MkError } from "../errors.js";
import { upstreamSchema } from "../workspace/schema.js";
import { linkNext, listAllPages, rateLimitWaitMs, type HttpAnswer } from "./forge-http.js";
import { handoffFromEnv } from "./handoff.js";
import { memoryHttpCache } from "./http-cache.js";

const NOW = 1_800_000_000_000;
const answer = (status: number, headers: Record<string, string> = {}, body: unknown = []): HttpAnswer => ({ status, headers, body });

test("linkNext finds rel=next among several relations", () => {
  assert.equal(linkNext('<https://x/r?page=3>; rel="prev", <https://x/r?page=5>; rel="next", <https://x/r?page=9>; rel="last"'), "https://x/r?page=5");
  assert.equal(linkNext('<https://x/r?page=1>; rel="first"'), undefined);
  assert.equal(linkNext(undefined), undefined);
});

test("rateLimitWaitMs: reset header, retry-after, and a plain 403 that is not a rate limit", () => {
  assert.equal(rateLimitWaitMs(answer(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 60) }), NOW), 61_000);
  assert.equal(rateLimitWaitMs(answer(403, { "retry-after": "7" }), NOW), 7_000, "secondary rate limit");
  assert.equal(rateLimitWaitMs(answer(403, { "x-ratelimit-remaining": "12", "x-ratelimit-reset": String(NOW / 1000 + 60) }), NOW), undefined, "403 with quota left: access denied, fail");
  assert.equal(rateLimitWaitMs(answer(403), NOW), undefined);
  assert.equal(rateLimitWaitMs(answer(429, { "ratelimit-reset": String(NOW / 1000 - 5) }), NOW), 1_000, "reset in the past: retry almost at once");
  assert.equal(rateLimitWaitMs(answer(200), NOW), undefined);
});

test("listAllPages refuses pagination that loops", async () => {
  const ctx = { upstream: upstreamSchema.parse({ github: "a/b" }), cache: memoryHttpCache(), env: {}, clock: { now: () => NOW, sleep: async () => {} }, maxWaitMs: 1000 };
  const fetchPage = async (url: string) => answer(200, { link: `<${url}>; rel="next"` }, [1]);
  await assert.rejects(listAllPages(ctx, { key: "k", firstUrl: "https://x/1", fetchPage, what: "loop" }), (e: unknown) => e instanceof MkError && /does not end/.test(e.message));
});

test("handoffFromEnv: none without a token; a token without a target is a usage error", () => {
  assert.equal(handoffFromEnv({}, {}), undefined);
  assert.throws(() => handoffFromEnv({ GITLAB_TOKEN: "t" }, {}), (e: unknown) => e instanceof MkError && e.code === "E_USAGE");
  assert.deepEqual(handoffFromEnv({ GITLAB_TOKEN: "t", CI_API_V4_URL: "https://gl/api/v4/", CI_PROJECT_ID: "7", CI_DEFAULT_BRANCH: "trunk" }, {}), { apiUrl: "https://gl/api/v4", project: "7", token: "t", remote: "origin", targetBranch: "trunk" });
});
