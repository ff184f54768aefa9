/**
 * OCI distribution-spec client for one registry host: authentication (anonymous, basic, bearer
 * token challenge), retries with backoff on 429/5xx and network errors, and the API calls the
 * stores need. HTTP goes through an injectable `fetch`, so tests can count requests.
 *
 * Plain HTTP is used only for loopback hosts or hosts the caller marks insecure; everything else
 * is HTTPS, and a credential is never sent over plain HTTP to a non-loopback host unless marked.
 */
import { createHash } from "node:crypto";
import { MkError } from "../../errors.js";
import { parseChallenges } from "./challenge.js";
import { findCredentials, type Credentials, type CredentialSourceOptions } from "./credentials.js";
import { apiHost, isLoopbackHost } from "./reference.js";

export type FetchFn = typeof fetch;

export interface RegistryClientOptions {
  /** Registry name as in references (docker.io, host:port). */
  registry: string;
  /** Allow plain HTTP to a non-loopback host. */
  insecure?: boolean;
  /** Explicit credentials; otherwise looked up with findCredentials. */
  credentials?: Credentials | null;
  credentialSource?: CredentialSourceOptions;
  fetch?: FetchFn;
  /** Attempts per request (1 = no retry). */
  attempts?: number;
  /** First backoff delay; doubles per attempt. */
  backoffMs?: number;
  userAgent?: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Token scope needed, e.g. `repository:team/app:pull,push`. */
  scope: string;
  /** Statuses that are answers, not errors (others throw). */
  ok: number[];
  /** What we were doing, for error messages. */
  what: string;
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Reads `error.errors[0]` from a distribution-spec error body, if it is one. */
async function errorSummary(res: Response): Promise<string> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { errors?: { code?: string; message?: string }[] };
    const e = body.errors?.[0];
    if (e) return `${e.code ?? "ERROR"}: ${e.message ?? ""}`.trim();
  } catch {
    /* not JSON: fall through */
  }
  return text.slice(0, 200).trim();
}

export class RegistryClient {
  readonly registry: string;
  readonly baseUrl: string;
  private readonly fetchFn: FetchFn;
  private readonly attempts: number;
  private readonly backoffMs: number;
  private readonly userAgent: string;
  private credentials: Credentials | null | undefined;
  private readonly credentialSource: CredentialSourceOptions;
  /** Bearer tokens per scope; basic auth is remembered once a challenge asked for it. */
  private readonly tokens = new Map<string, string>();
  private basic = false;
  /** Every request made, for tests and progress ("a second publish uploads nothing"). */
  readonly stats = { requests: 0, byMethod: {} as Record<string, number>, uploadedBytes: 0, retries: 0 };

  constructor(opts: RegistryClientOptions) {
    this.registry = opts.registry;
    const host = apiHost(opts.registry);
    const plain = isLoopbackHost(host) || opts.insecure === true;
    this.baseUrl = `${plain ? "http" : "https"}://${host}`;
    this.fetchFn = opts.fetch ?? fetch;
    this.attempts = Math.max(1, opts.attempts ?? 4);
    this.backoffMs = opts.backoffMs ?? 200;
    this.userAgent = opts.userAgent ?? "mailknight";
    this.credentials = opts.credentials;
    this.credentialSource = opts.credentialSource ?? {};
  }

  private async creds(): Promise<Credentials | null> {
    if (this.credentials === undefined) this.credentials = (await findCredentials(this.registry, this.credentialSource)) ?? null;
    return this.credentials;
  }

  private basicHeader(c: Credentials): string {
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  }

  private async authHeader(scope: string): Promise<string | undefined> {
    const token = this.tokens.get(scope);
    if (token) return `Bearer ${token}`;
    const c = await this.creds();
    if (this.basic && c) return this.basicHeader(c);
    return undefined;
  }

  /** Answers a 401 challenge: fetch a bearer token for the scope, or switch to basic auth. */
  private async answerChallenge(res: Response, scope: string, what: string): Promise<boolean> {
    const header = res.headers.get("www-authenticate") ?? "";
    const challenges = parseChallenges(header);
    const bearer = challenges.find((c) => c.scheme === "bearer");
    const c = await this.creds();
    if (bearer?.params.realm) {
      const url = new URL(bearer.params.realm);
      if (bearer.params.service) url.searchParams.set("service", bearer.params.service);
      // Ask for the scope we need; the challenge's own scope can be narrower (pull only).
      url.searchParams.delete("scope");
      for (const one of scope.split(" ")) url.searchParams.append("scope", one);
      if (url.protocol === "http:" && !isLoopbackHost(url.host) && this.baseUrl.startsWith("https:")) {
        throw new MkError("E_FETCH", `${this.registry} sends us to a plain-HTTP token service ${url.origin}`, {
          hint: "refusing to send credentials over plain HTTP; fix the registry's token realm",
        });
      }
      const headers: Record<string, string> = { "user-agent": this.userAgent };
      let tokenRes: Response;
      if (c?.identityToken) {
        // OAuth2 refresh-token grant (distribution's token spec, "oauth.md"): POST a form.
        const form = new URLSearchParams({ grant_type: "refresh_token", refresh_token: c.password, client_id: "mailknight", service: bearer.params.service ?? "" });
        for (const one of scope.split(" ")) form.append("scope", one);
        tokenRes = await this.fetchFn(`${url.origin}${url.pathname}`, { method: "POST", headers: { ...headers, "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
      } else {
        if (c) headers.authorization = this.basicHeader(c);
        tokenRes = await this.fetchFn(url, { headers });
      }
      this.stats.requests++;
      if (!tokenRes.ok) {
        throw new MkError("E_FETCH", `${what}: the token service ${url.origin}${url.pathname} refused a token for "${scope}" (HTTP ${tokenRes.status})`, {
          hint: c ? `check the credentials for ${this.registry} (docker login ${this.registry})` : `log in first: docker login ${this.registry}`,
        });
      }
      const body = (await tokenRes.json()) as { token?: string; access_token?: string };
      const token = body.token ?? body.access_token;
      if (!token) throw new MkError("E_FETCH", `${what}: the token service ${url.origin} answered without a token`, { hint: "the registry's token service is misconfigured" });
      this.tokens.set(scope, token);
      return true;
    }
    if (challenges.some((x) => x.scheme === "basic") && c) {
      this.basic = true;
      return true;
    }
    return false;
  }

  /** One API call with auth and retries; the body must be replayable (a buffer). */
  async request(path: string, opts: RequestOptions): Promise<Response> {
    const url = path.startsWith("http") ? path : `${this.baseUrl}${path}`;
    const method = opts.method ?? "GET";
    let authRetried = false;
    for (let attempt = 1; ; attempt++) {
      const headers: Record<string, string> = { "user-agent": this.userAgent, ...opts.headers };
      const auth = await this.authHeader(opts.scope);
      if (auth) headers.authorization = auth;
      let res: Response;
      try {
        this.stats.requests++;
        this.stats.byMethod[method] = (this.stats.byMethod[method] ?? 0) + 1;
        res = await this.fetchFn(url, { method, headers, body: opts.body as BodyInit | undefined, redirect: "follow" });
      } catch (e) {
        if (attempt < this.attempts) {
          this.stats.retries++;
          await sleep(this.backoffMs * 2 ** (attempt - 1));
          continue;
        }
        throw new MkError("E_FETCH", `${opts.what}: cannot reach ${this.baseUrl} (${(e as Error).message})`, {
          cause: e,
          hint: `check that ${this.registry} is up and reachable; for a plain-HTTP registry that is not on loopback, mark it insecure`,
        });
      }
      if (res.status === 401 && !authRetried) {
        authRetried = true;
        if (await this.answerChallenge(res, opts.scope, opts.what)) {
          await res.body?.cancel();
          attempt--; // answering a challenge is not a failed attempt
          continue;
        }
      }
      if (opts.body) this.stats.uploadedBytes += opts.body.byteLength;
      if (opts.ok.includes(res.status)) return res;
      if (RETRY_STATUS.has(res.status) && attempt < this.attempts) {
        this.stats.retries++;
        const retryAfter = Number(res.headers.get("retry-after"));
        await res.body?.cancel();
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? Math.min(retryAfter * 1000, 30_000) : this.backoffMs * 2 ** (attempt - 1));
        continue;
      }
      const summary = await errorSummary(res);
      const code = res.status === 404 ? "E_NOT_FOUND" : "E_FETCH";
      throw new MkError(code, `${opts.what}: ${this.registry} answered HTTP ${res.status}${summary ? ` (${summary})` : ""}`, {
        hint:
          res.status === 401 || res.status === 403
            ? `check the credentials for ${this.registry} (docker login ${this.registry}, or CI_REGISTRY_* in GitLab CI) and that they may ${opts.scope.split(":").pop()}`
            : res.status === 404
              ? "check the repository and tag or digest"
              : "retry later; if it persists, check the registry's logs",
        details: { status: res.status, url, method },
      });
    }
  }
}

/** sha256 of bytes in OCI form. */
export function digestBytes(data: Uint8Array): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}
