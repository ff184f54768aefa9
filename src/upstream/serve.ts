/**
 * `mailknight serve`: receives release webhooks, queues a sync per matching project, and runs the
 * queue one job at a time. Routes: POST /webhooks/github, POST /webhooks/gitlab. Answers:
 * 202 queued, 200 ignored/duplicate, 401 bad signature/token, 400 malformed, 413 too large.
 * Polling (`mailknight sync` from a schedule) stays the safety net; webhooks only make it faster.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { ProjectRecipe } from "../workspace/schema.js";
import type { Job, SyncQueue } from "./queue.js";
import { checkGithub, checkGitlab, projectsFor, type Verdict } from "./webhooks.js";

const MAX_BODY = 1024 * 1024; // GitHub caps payloads at 25 MB, but release payloads are small

export interface ServeOptions {
  queue: SyncQueue;
  recipes: () => Promise<ProjectRecipe[]>;
  githubSecret?: string;
  gitlabToken?: string;
  /** Runs one queued sync; a failure is logged and the job dropped (the next poll retries). */
  runJob: (job: Job) => Promise<void>;
  now?: () => Date;
  log?: (line: string) => void;
}

export interface WebhookServer {
  server: Server;
  url: string;
  /** Resolves when the queue is empty and no job runs. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookServer(opts: ServeOptions, port = 0, host = "127.0.0.1"): Promise<WebhookServer> {
  const log = opts.log ?? (() => {});
  const now = opts.now ?? (() => new Date());
  let running: Promise<void> | undefined;

  const work = (): Promise<void> => {
    running ??= (async () => {
      for (let job = opts.queue.pending()[0]; job; job = opts.queue.pending()[0]) {
        try {
          await opts.runJob(job);
          log(`sync of ${job.project} (delivery ${job.id}) done`);
        } catch (e) {
          log(`sync of ${job.project} (delivery ${job.id}) failed: ${e instanceof Error ? e.message : String(e)}`);
        }
        await opts.queue.done(job);
      }
    })().finally(() => {
      running = undefined;
    });
    return running;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const reply = (status: number, body: Record<string, unknown>) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      const forge = req.method === "POST" ? (req.url === "/webhooks/github" ? "github" : req.url === "/webhooks/gitlab" ? "gitlab" : undefined) : undefined;
      if (!forge) return reply(404, { error: "POST /webhooks/github or /webhooks/gitlab" });
      const secret = forge === "github" ? opts.githubSecret : opts.gitlabToken;
      if (!secret) return reply(404, { error: `${forge} webhooks are not enabled on this server` });
      const body = await readBody(req);
      if (body === undefined) return reply(413, { error: "payload too large" });
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v[0] : v]));
      const verdict: Verdict = forge === "github" ? await checkGithub(secret, body, headers) : checkGitlab(secret, body, headers);
      if (!verdict.ok) {
        log(`refused a ${forge} delivery: ${verdict.reason}`);
        return reply(verdict.status, { error: verdict.reason });
      }
      if (!verdict.delivery) return reply(200, { ignored: verdict.ignored });
      const d = verdict.delivery;
      const projects = projectsFor(d, await opts.recipes());
      const jobs = projects.map((project) => ({ id: d.id, project, ...(d.tag ? { tag: d.tag } : {}), receivedAt: now().toISOString() }));
      if (!(await opts.queue.accept(d.id, jobs))) {
        log(`dropped replayed ${forge} delivery ${d.id}`);
        return reply(200, { duplicate: d.id });
      }
      if (jobs.length === 0) return reply(200, { ignored: `no project tracks ${d.repository}` });
      void work();
      reply(202, { queued: projects });
    })().catch((e: unknown) => {
      log(`webhook handler failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  void work(); // what a previous run queued and did not finish
  return {
    server,
    url: `http://${addr.address.includes(":") ? `[${addr.address}]` : addr.address}:${addr.port}`,
    idle: async () => {
      while (running) await running;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY) return undefined;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}
