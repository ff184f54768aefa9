/**
 * Test helpers: a real Debian `docker-registry` on 127.0.0.1 with a random free port, optional
 * htpasswd basic auth, its own temp storage; stopped by the caller. Not exported from index.ts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
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
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host") headers[k] = v;
      setTimeout(() => {
        fetch(`http://${upstream}${req.url}`, { method: req.method, headers, body: chunks.length ? Buffer.concat(chunks) : undefined, redirect: "manual" })
          .then(async (up) => {
            const out: Record<string, string> = {};
            up.headers.forEach((v, k) => {
              if (k === "location") out[k] = v.replace(`http://${upstream}`, `http://${host}`);
              else if (k !== "content-encoding" && k !== "transfer-encoding") out[k] = v;
            });
            res.writeHead(up.status, out).end(Buffer.from(await up.arrayBuffer()));
          })
          .catch((e: Error) => res.writeHead(502).end(e.message));
      }, proxy.delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  proxy.close = () => new Promise<void>((r) => server.close(() => r()));
  return proxy;
}
