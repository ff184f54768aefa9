/** Test fixtures for the fetch step: temp dirs, real git repositories, a loopback HTTP server. */
import { readdir } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fixtureGit, tempDir as sharedTempDir } from "../../util/testing/git.js";

export const tempDir = (prefix = "mk-fetch-") => sharedTempDir(prefix);

/** Runs git for a fixture with a fixed identity and the given date (seconds), failing loudly. */
export const sh = (cwd: string, args: string[], date?: number): Promise<string> => fixtureGit(cwd, args, date);

/** All regular files and links below `dir`, relative, sorted (directories are implied). */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(rel: string): Promise<void> {
    for (const e of await readdir(join(dir, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(p);
      else out.push(p);
    }
  }
  await walk("");
  return out.sort();
}

export type Route = { body: Buffer; headers?: Record<string, string> } | { redirect: string } | { status: number };

export interface TestServer {
  url: string;
  /** Requests per path, to prove what was (not) downloaded. */
  hits: Map<string, number>;
  close: () => Promise<void>;
}

/** A real HTTP server on 127.0.0.1 with fixed routes. */
export async function serve(routes: Record<string, Route>): Promise<TestServer> {
  const hits = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const route = routes[path];
    if (!route) {
      res.writeHead(404).end("not found");
    } else if ("redirect" in route) {
      res.writeHead(302, { location: route.redirect }).end();
    } else if ("status" in route) {
      res.writeHead(route.status).end();
    } else {
      res.writeHead(200, { "content-length": String(route.body.length), "content-type": "application/octet-stream", ...route.headers });
      res.end(route.body);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
