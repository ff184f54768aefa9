/**
 * Test helpers: a real Debian `docker-registry` on 127.0.0.1 with a random free port, optional
 * htpasswd basic auth, its own temp storage; stopped by the caller. Not exported from index.ts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestRegistry {
  host: string;
  port: number;
  storage: string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A bcrypt htpasswd line (the only hash docker-registry accepts). apache2-utils' htpasswd is
 * used when installed; otherwise Python's crypt module with METHOD_BLOWFISH (libxcrypt).
 */
export function htpasswdLine(user: string, password: string): string {
  const h = spawnSync("htpasswd", ["-nbB", user, password], { encoding: "utf8" });
  if (h.status === 0) return h.stdout.trim();
  const py = spawnSync("python3", ["-W", "ignore", "-c", "import crypt,sys; print(crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=2**4)))", password], { encoding: "utf8" });
  if (py.status !== 0 || !py.stdout.startsWith("$2")) throw new Error(`cannot make a bcrypt hash (no htpasswd, python3 crypt failed: ${py.stderr})`);
  return `${user}:${py.stdout.trim()}`;
}

export async function startRegistry(opts: { auth?: { user: string; password: string } } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), "mk-registry-"));
  const port = await freePort();
  const storage = join(dir, "storage");
  const auth = opts.auth ? `auth:\n  htpasswd:\n    realm: mailknight-test\n    path: ${join(dir, "htpasswd")}\n` : "";
  if (opts.auth) writeFileSync(join(dir, "htpasswd"), htpasswdLine(opts.auth.user, opts.auth.password) + "\n");
  writeFileSync(
    join(dir, "config.yml"),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  );
  const child: ChildProcess = spawn("/usr/bin/docker-registry", ["serve", join(dir, "config.yml")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const host = `127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      await res.body?.cancel();
      break;
    } catch {
      if (i > 100 || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`docker-registry did not start on ${host}: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    host,
    port,
    storage,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Forwards one request (its body already read) to the registry at `upstream` and writes the answer
 * back, with upload `Location`s rewritten to point at `host` (the front) so clients keep coming
 * through it. `onAnswer` may add response headers before they are sent. A failed forward is a 502.
 */
export function forwardToRegistry(
  req: IncomingMessage,
  res: ServerResponse,
  opts: { upstream: string; host: string; path: string; body?: Buffer<ArrayBuffer>; dropHeaders?: string[]; onAnswer?: (status: number, headers: Record<string, string>) => void },
): void {
  const headers: Record<string, string> = {};
  const drop = new Set(["host", ...(opts.dropHeaders ?? [])]);
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && !drop.has(k)) headers[k] = v;
  fetch(`http://${opts.upstream}${opts.path}`, { method: req.method, headers, body: opts.body, redirect: "manual" })
    .then(async (up) => {
      const out: Record<string, string> = {};
      up.headers.forEach((v, k) => {
        if (k === "location") out[k] = v.replace(`http://${opts.upstream}`, `http://${opts.host}`);
        else if (k !== "content-encoding" && k !== "transfer-encoding") out[k] = v;
      });
      opts.onAnswer?.(up.status, out);
      res.writeHead(up.status, out).end(Buffer.from(await up.arrayBuffer()));
    })
    .catch((e: Error) => res.writeHead(502).end(e.message));
}

export interface TestProxy {
  host: string;
  /** Requests seen, as `METHOD path`. */
  log: string[];
  /** Delay added to every request (ms), to make uploads slow enough to interrupt. */
  delayMs: number;
  close(): Promise<void>;
}

/** A plain forwarding proxy in front of a test registry, rewriting upload Locations to itself. */
export async function startProxy(upstream: string): Promise<TestProxy> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const proxy: TestProxy = { host, log: [], delayMs: 0, close: async () => {} };
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      proxy.log.push(`${req.method} ${req.url}`);
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      setTimeout(() => forwardToRegistry(req, res, { upstream, host, path: req.url ?? "/", body }), proxy.delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  proxy.close = () => new Promise<void>((r) => server.close(() => r()));
  return proxy;
}

export interface TestReferrersFront {
  host: string;
  /** Requests seen, as `METHOD path?query`. */
  log: string[];
  /** Referrers per page of the API's answer (pagination with `Link`). */
  pageSize: number;
  close(): Promise<void>;
}

/**
 * An OCI 1.1 registry in front of a real docker-registry (which has no referrers API): forwards
 * everything, and adds the referrers API of distribution-spec v1.1 on top of it. A manifest PUT
 * with a `subject` is answered with `OCI-Subject: <subject digest>` and indexed;
 * `GET /v2/<name>/referrers/<digest>[?artifactType=]` answers an image index
 * (`application/vnd.oci.image.index.v1+json`) of descriptors with `artifactType` and
 * `annotations`, `OCI-Filters-Applied: artifactType` when it filtered, and `Link: <...>; rel="next"`
 * when there are more than `pageSize`.
 */
export async function startReferrersFront(upstream: string, opts: { pageSize?: number } = {}): Promise<TestReferrersFront> {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const front: TestReferrersFront = { host, log: [], pageSize: opts.pageSize ?? 100, close: async () => {} };
  /** `<repository> <subject digest>` → descriptors, in push order. */
  const index = new Map<string, { mediaType: string; digest: string; size: number; artifactType?: string; annotations?: Record<string, string> }[]>();
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", `http://${host}`);
      front.log.push(`${req.method} ${url.pathname}${url.search}`);
      const referrers = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
      if (referrers && req.method === "GET") {
        const type = url.searchParams.get("artifactType");
        const all = (index.get(`${referrers[1]} ${referrers[2]}`) ?? []).filter((d) => !type || d.artifactType === type);
        const page = Number(url.searchParams.get("page") ?? "0");
        const manifests = all.slice(page * front.pageSize, (page + 1) * front.pageSize);
        const headers: Record<string, string> = { "content-type": "application/vnd.oci.image.index.v1+json", "docker-distribution-api-version": "registry/2.0" };
        if (type) headers["oci-filters-applied"] = "artifactType";
        if ((page + 1) * front.pageSize < all.length) {
          const next = new URLSearchParams({ ...(type ? { artifactType: type } : {}), page: String(page + 1) });
          headers.link = `<${url.pathname}?${next.toString()}>; rel="next"`;
        }
        res.writeHead(200, headers).end(JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests }));
        return;
      }
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const contentType = typeof req.headers["content-type"] === "string" ? req.headers["content-type"] : "";
      forwardToRegistry(req, res, {
        upstream,
        host,
        path: `${url.pathname}${url.search}`,
        body,
        onAnswer: (status, out) => {
          const manifestPut = /^\/v2\/(.+)\/manifests\/[^/]+$/.exec(url.pathname);
          if (manifestPut && req.method === "PUT" && status === 201 && body) {
            let parsed: { mediaType?: string; artifactType?: string; config?: { mediaType?: string }; subject?: { digest?: string }; annotations?: Record<string, string> } = {};
            try {
              parsed = JSON.parse(body.toString("utf8")) as typeof parsed;
            } catch {
              /* not JSON: the registry would have refused it */
            }
            const subject = parsed.subject?.digest;
            if (subject) {
              const key = `${manifestPut[1]} ${subject}`;
              const digest = `sha256:${createHash("sha256").update(body).digest("hex")}`;
              const list = index.get(key) ?? [];
              if (!list.some((d) => d.digest === digest)) {
                const artifactType = parsed.artifactType ?? parsed.config?.mediaType;
                list.push({ mediaType: parsed.mediaType ?? contentType, digest, size: body.byteLength, ...(artifactType ? { artifactType } : {}), ...(parsed.annotations ? { annotations: parsed.annotations } : {}) });
              }
              index.set(key, list);
              out["oci-subject"] = subject;
            }
          }
        },
      });
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  front.close = () => new Promise<void>((r) => server.close(() => r()));
  return front;
}
