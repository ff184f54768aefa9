/**
 * What GitHub and GitLab release listing have in common: a conditional first page (ETag →
 * 304 means "nothing new", answered from the cache), the remaining pages followed by `Link`
 * (or GitLab's `x-next-page`), and rate limits handled by waiting until the reset time the
 * forge names, up to a cap, instead of failing a poll that would succeed a minute later.
 */
import { MkError } from "../errors.js";
import type { SourceContext } from "./sources/types.js";

export interface HttpAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string | undefined>;
  body: unknown;
}

export type PageFetcher = (url: string, headers: Record<string, string>) => Promise<HttpAnswer>;

/** Guards against a forge (or a proxy) that links pages in a circle. */
const MAX_PAGES = 200;
const MAX_ATTEMPTS = 5;

/** `<https://…?page=2>; rel="next", <…>; rel="last"` → the next URL. */
export function linkNext(link: string | undefined): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (m?.[2]?.split(/\s+/).includes("next")) return m[1];
  }
  return undefined;
}

/**
 * How long to wait before retrying a rate-limited answer, or undefined when the answer is not a
 * rate limit (a 403 for a private repository must fail, not wait).
 */
export function rateLimitWaitMs(answer: HttpAnswer, now: number): number | undefined {
  if (answer.status !== 403 && answer.status !== 429) return undefined;
  const h = answer.headers;
  const retryAfter = h["retry-after"];
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter.trim())) return Number(retryAfter) * 1000;
  const reset = h["x-ratelimit-reset"] ?? h["ratelimit-reset"];
  const remaining = h["x-ratelimit-remaining"] ?? h["ratelimit-remaining"];
  if (reset !== undefined && /^\d+$/.test(reset.trim()) && (remaining === undefined || remaining.trim() === "0" || answer.status === 429)) {
    // Reset is in epoch seconds; one second of slack because clocks and rounding differ.
    return Math.max(0, Number(reset) * 1000 - now) + 1000;
  }
  return answer.status === 429 ? 60_000 : undefined;
}

export async function requestWithRateLimit(ctx: SourceContext, what: string, send: () => Promise<HttpAnswer>): Promise<HttpAnswer> {
  for (let attempt = 1; ; attempt++) {
    const answer = await send();
    if (ctx.stats) ctx.stats.requests++;
    const wait = rateLimitWaitMs(answer, ctx.clock.now());
    if (wait === undefined) return answer;
    if (wait > ctx.maxWaitMs || attempt >= MAX_ATTEMPTS) {
      throw new MkError("E_FETCH", `${what}: rate limited (HTTP ${answer.status}); the limit resets in ${Math.ceil(wait / 1000)} s, more than the ${Math.ceil(ctx.maxWaitMs / 1000)} s we wait`, {
        hint: "set a token (GITHUB_TOKEN / GITLAB_TOKEN) for a higher limit, poll less often, or raise --max-wait",
        details: { status: answer.status, waitMs: wait, attempt },
      });
    }
    await ctx.clock.sleep(wait);
  }
}

export interface PagedListing {
  /** Cache key: the first page's URL (no token in it). */
  key: string;
  firstUrl: string;
  fetchPage: PageFetcher;
  /** What is being listed, for messages: "GitHub releases of argoproj/argo-cd". */
  what: string;
  /** Next page URL from an answer (default: Link rel=next). */
  next?: (answer: HttpAnswer, url: string) => string | undefined;
}

/** Every item of a paged JSON-array listing; one 304 when nothing changed since the last call. */
export async function listAllPages(ctx: SourceContext, listing: PagedListing): Promise<unknown[]> {
  const cached = await ctx.cache.get(listing.key);
  const first = await requestWithRateLimit(ctx, listing.what, () => listing.fetchPage(listing.firstUrl, cached ? { "if-none-match": cached.etag } : {}));
  if (first.status === 304) {
    if (!cached) throw new MkError("E_FETCH", `${listing.what}: the server answered 304 Not Modified to a request that was not conditional`);
    if (ctx.stats) ctx.stats.notModified++;
    return cached.items;
  }
  const items = [...pageItems(first, listing)];
  const next = listing.next ?? ((a: HttpAnswer) => linkNext(a.headers.link));
  let url = next(first, listing.firstUrl);
  const seen = new Set([listing.firstUrl]);
  while (url !== undefined) {
    if (seen.has(url) || seen.size >= MAX_PAGES) throw new MkError("E_FETCH", `${listing.what}: pagination does not end (page ${url} again, or more than ${MAX_PAGES} pages)`);
    seen.add(url);
    const pageUrl = url;
    const answer = await requestWithRateLimit(ctx, listing.what, () => listing.fetchPage(pageUrl, {}));
    items.push(...pageItems(answer, listing));
    url = next(answer, pageUrl);
  }
  const etag = first.headers.etag;
  if (etag) await ctx.cache.put({ key: listing.key, etag, items });
  return items;
}

function pageItems(answer: HttpAnswer, listing: PagedListing): unknown[] {
  if (answer.status === 200 && Array.isArray(answer.body)) return answer.body as unknown[];
  const message = typeof answer.body === "object" && answer.body !== null && "message" in answer.body ? String((answer.body as { message: unknown }).message) : "";
  const hint =
    answer.status === 401
      ? "the token was refused: check GITHUB_TOKEN / GITLAB_TOKEN"
      : answer.status === 404
        ? "check the repository name in the recipe's upstream section (a private repository also answers 404 without a token)"
        : answer.status === 403
          ? "access denied: the token lacks the read scope for this repository"
          : "try again later; if it persists, check the forge's status page";
  return fail(`${listing.what}: HTTP ${answer.status}${message ? ` (${message})` : ""}${answer.status === 200 ? " with a body that is not a JSON array" : ""}`, hint, answer.status);
}

function fail(message: string, hint: string, status: number): never {
  throw new MkError("E_FETCH", message, { hint, details: { status } });
}
