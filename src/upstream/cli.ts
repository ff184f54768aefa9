/**
 * `mailknight sync`, `status`, `patch rebase`, `patch new`: argument parsing and rendering only.
 * Tokens come from the environment (GITHUB_TOKEN, GITLAB_TOKEN) and never reach the output.
 */
import type { Command } from "commander";
import { MkError } from "../errors.js";
import { rebaseProject } from "../patches/rebase-project.js";
import { table } from "../cli/render.js";
import { stableJson, writeFileAtomic } from "../util/fs.js";
import { findWorkspaceRoot, openWorkspace } from "../workspace/index.js";
import { join, relative } from "node:path";
import { DEFAULT_MAX_WAIT_MS, systemClock } from "./check.js";
import { handoffFromEnv } from "./handoff.js";
import { newPatch } from "./patch-new.js";
import { buildReport, renderMarkdown } from "./report.js";
import { projectStatus } from "./status.js";
import { sync } from "./sync.js";
import { SyncQueue } from "./queue.js";
import { startWebhookServer } from "./serve.js";
import { withLock } from "../util/lock.js";
import { ensureDir } from "../util/fs.js";
import { isMkError } from "../errors.js";
import { listProjects, loadProject, type ProjectRecipe } from "../workspace/index.js";

interface Globals {
  workspace?: string;
  json?: boolean;
  quiet?: boolean;
}

const g = (cmd: Command) => cmd.optsWithGlobals() as Globals;
const print = (v: unknown): void => void process.stdout.write(JSON.stringify(v, null, 2) + "\n");
const workspaceOf = async (cmd: Command) => await openWorkspace(await findWorkspaceRoot(process.cwd(), g(cmd).workspace));

function maxWait(value: string | undefined): number {
  if (value === undefined) return DEFAULT_MAX_WAIT_MS;
  if (!/^\d+$/.test(value)) throw new MkError("E_USAGE", `--max-wait ${value} is not a number of seconds`);
  return Number(value) * 1000;
}

export function registerUpstreamCommands(program: Command): void {
  program
    .command("sync")
    .argument("[projects...]", "only these projects (default: all)")
    .option("--dry-run", "poll upstream and say what would be synced; change nothing")
    .option("--build", "after syncing, run the pipeline for the new version (local hand-off)")
    .option("--max-wait <seconds>", "longest wait for a forge rate limit to reset", String(DEFAULT_MAX_WAIT_MS / 1000))
    .option("--gitlab-url <url>", "GitLab API URL for merge requests (default: $CI_API_V4_URL)")
    .option("--gitlab-project <id>", "GitLab project id or path of the workspace (default: $CI_PROJECT_ID)")
    .option("--remote <name>", "git remote to push sync branches to", "origin")
    .option("--target <branch>", "merge request target branch (default: $CI_DEFAULT_BRANCH, else main)")
    .description("carry patchsets onto new upstream releases of tracked lines, on branches mailknight/sync/<project>-<version>")
    .action(async (projects: string[], o: { dryRun?: boolean; build?: boolean; maxWait?: string; gitlabUrl?: string; gitlabProject?: string; remote?: string; target?: string }, cmd: Command) => {
      const ws = await workspaceOf(cmd);
      const handoff = o.dryRun ? undefined : handoffFromEnv(process.env, o);
      const stats = { requests: 0, notModified: 0 };
      const items = await sync(ws, {
        projects,
        env: process.env,
        clock: systemClock,
        maxWaitMs: maxWait(o.maxWait),
        stats,
        ...(o.dryRun ? { dryRun: true } : {}),
        ...(o.build ? { build: true } : {}),
        ...(handoff ? { handoff } : {}),
        onPhase: (phase, item) => {
          if (!g(cmd).quiet && !g(cmd).json) process.stderr.write(`${item.project} ${item.version}: ${phase}\n`);
        },
      });
      if (g(cmd).json) return print({ items, requests: stats });
      if (items.length === 0) console.log("nothing new upstream on any tracked line");
      else {
        console.log(table(["PROJECT", "LINE", "FROM", "RELEASE", "STATUS", "OUTCOME", "BRANCH"], items.map((i) => [i.project, i.line, i.from ?? "-", i.release.tag, i.status, i.outcome ?? "", i.branch ?? ""])));
        for (const i of items) {
          if (i.error) console.log(`\n${i.project} ${i.release.tag}: error[${i.error.code}] ${i.error.message}`);
          if (i.mergeRequest) console.log(`\n${i.project} ${i.version}: merge request ${i.mergeRequest.url}${i.mergeRequest.created ? " (opened)" : " (already open)"}`);
          else if (i.next && !i.build) console.log(`\n${i.project} ${i.version ?? i.release.tag}: next: ${i.next}`);
          if (i.reports) console.log(`  report: ${i.reports.join(", ")}`);
          if (i.build) console.log(`  built: ${i.build.images.map((im) => im.tags[0] ?? im.digest).join(", ")} in oci:${ws.layoutDir}`);
        }
      }
      if (items.some((i) => i.status === "failed")) throw new MkError("E_PATCH_FAILED", `${items.filter((i) => i.status === "failed").length} sync(s) failed`, { hint: "see the errors above" });
    });

  program
    .command("status")
    .argument("[projects...]", "only these projects")
    .option("--max-wait <seconds>", "longest wait for a forge rate limit to reset", String(DEFAULT_MAX_WAIT_MS / 1000))
    .description("per project and tracked line: upstream latest, ours, releases behind")
    .action(async (projects: string[], o: { maxWait?: string }, cmd: Command) => {
      const ws = await workspaceOf(cmd);
      const rows = await projectStatus(ws, projects, { env: process.env, clock: systemClock, maxWaitMs: maxWait(o.maxWait) });
      if (g(cmd).json) return print(rows);
      console.log(table(["PROJECT", "LINE", "UPSTREAM", "OURS", "BEHIND", "SOURCE"], rows.map((r) => [r.project, r.line, r.upstreamLatest ?? "-", r.ours ?? "-", r.error ? `error[${r.error.code}]: ${r.error.message}` : String(r.behind ?? 0), r.source ?? ""])));
    });
  registerServe(program);
}

function registerServe(program: Command): void {
  program
    .command("serve")
    .option("--port <port>", "port to listen on", "8787")
    .option("--host <address>", "address to listen on (put a TLS-terminating proxy in front for the forge)", "127.0.0.1")
    .description("accept GitHub release / GitLab tag webhooks and run the syncs they ask for (secrets: $MAILKNIGHT_GITHUB_WEBHOOK_SECRET, $MAILKNIGHT_GITLAB_WEBHOOK_TOKEN)")
    .action(async (o: { port: string; host: string }, cmd: Command) => {
      const ws = await workspaceOf(cmd);
      const githubSecret = process.env.MAILKNIGHT_GITHUB_WEBHOOK_SECRET || undefined;
      const gitlabToken = process.env.MAILKNIGHT_GITLAB_WEBHOOK_TOKEN || undefined;
      if (!githubSecret && !gitlabToken) {
        throw new MkError("E_USAGE", "serve refuses unauthenticated webhooks: no secret configured", { hint: "set MAILKNIGHT_GITHUB_WEBHOOK_SECRET and/or MAILKNIGHT_GITLAB_WEBHOOK_TOKEN to the secret configured on the forge's webhook" });
      }
      if (!/^\d+$/.test(o.port)) throw new MkError("E_USAGE", `--port ${o.port} is not a port number`);
      const handoff = handoffFromEnv(process.env, {});
      await ensureDir(join(ws.stateDir, "sync"));
      await withLock(join(ws.stateDir, "sync", "serve.lock"), "mailknight serve for this workspace", async () => {
        const queue = await SyncQueue.open(join(ws.stateDir, "sync", "queue.json"));
        const recipes = async (): Promise<ProjectRecipe[]> => {
          const out: ProjectRecipe[] = [];
          for (const name of await listProjects(ws.root)) {
            // A broken recipe must not stop webhooks for the others; validate reports it.
            const r = await loadProject(ws.root, name).catch((e: unknown) => (isMkError(e) ? undefined : Promise.reject(e)));
            if (r) out.push(r);
          }
          return out;
        };
        const log = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);
        const srv = await startWebhookServer(
          {
            queue,
            recipes,
            ...(githubSecret ? { githubSecret } : {}),
            ...(gitlabToken ? { gitlabToken } : {}),
            runJob: async (job) => {
              const items = await sync(ws, { projects: [job.project], env: process.env, clock: systemClock, ...(handoff ? { handoff } : {}) });
              for (const i of items) log(`${i.project} ${i.release.tag}: ${i.status}${i.mergeRequest ? ` ${i.mergeRequest.url}` : ""}${i.error ? ` ${i.error.message}` : ""}`);
            },
            log,
          },
          Number(o.port),
          o.host,
        );
        log(`listening on ${srv.url}/webhooks/{github,gitlab}; ${queue.pending().length} queued sync(s) from before`);
        await new Promise<void>((resolve) => {
          for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => resolve());
        });
        await srv.close();
      });
    });
}

export function registerPatchCommands(program: Command): void {
  const patch = program.command("patch").description("manage carried patchsets");
  patch
    .command("rebase")
    .argument("<project>")
    .requiredOption("--onto <tag>", "upstream tag to carry the patchset onto")
    .option("--from <version>", "carried version to start from (default: the recipe's first source)")
    .option("--version <name>", "version name of the new patch directory (default: follows the carried one)")
    .description("replay patches/<p>/<old>/ onto a new upstream tag, classify each patch, write patches/<p>/<new>/")
    .action(async (project: string, o: { onto: string; from?: string; version?: string }, cmd: Command) => {
      const ws = await workspaceOf(cmd);
      const r = await rebaseProject({ root: ws.root, cacheDir: ws.cacheDir, workDir: ws.workDir, mirrors: ws.config.mirrors, mirrorsRoot: ws.root, project, onto: o.onto, ...(o.from ? { from: o.from } : {}), ...(o.version ? { version: o.version } : {}) });
      const report = buildReport(r);
      const base = join(ws.stateDir, "rebase", `${project}-${r.onto.version}`);
      await writeFileAtomic(`${base}.json`, stableJson(report));
      await writeFileAtomic(`${base}.md`, renderMarkdown(report));
      if (g(cmd).json) return print(report);
      console.log(table(["PATCH", "OUTCOME", "DETAIL"], report.patches.map((p) => [p.name, p.outcome, p.detail])));
      console.log(`\n${report.outcome}: ${r.report.written.length} patch(es) in ${relative(ws.root, r.report.outDir)}; report ${relative(ws.root, base)}.md`);
      if (report.outcome === "conflicts") console.log(`add the recipe source for ${r.onto.tag} (commit ${r.onto.commit}) once the conflicts are resolved`);
    });
  patch
    .command("new")
    .argument("<project>")
    .requiredOption("--from <commit|file>", "upstream commit id (e.g. a CVE fix to backport) or a patch file")
    .option("--version <version>", "carried version to add it to (default: the recipe's first source)")
    .description("add a patch to a carried patchset, after proving it applies on top of the existing ones")
    .action(async (project: string, o: { from: string; version?: string }, cmd: Command) => {
      const ws = await workspaceOf(cmd);
      const r = await newPatch(ws, project, o);
      if (g(cmd).json) return print(r);
      console.log(`added ${r.file} (${r.applied === "clean" ? "applies cleanly" : "merged three-way; review it"})`);
    });
}
