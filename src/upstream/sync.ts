/**
 * `mailknight sync`: for each project and tracked line with a new eligible release, carry the
 * patchset onto it and propose the bump on a branch `mailknight/sync/<project>-<version>`.
 *
 * Crash safety (kill -9 at any point): all work happens in a separate worktree of the workspace
 * repository (the user's checkout is never touched), committed there detached; the branch ref is
 * created only at the very end, by `git update-ref` with "must not exist yet" as the old value.
 * A run that dies leaves at most a stale worktree, which the next run removes before starting
 * over. A branch that exists is complete, so "branch exists" means "already synced" and a second
 * run changes nothing and opens nothing.
 */
import { readFile, rm } from "node:fs/promises";
import { join, relative } from "node:path";
import { isMkError, MkError } from "../errors.js";
import { discardEvents, type EventSink } from "../pipeline/events.js";
import { runPipeline, type RunResult } from "../pipeline/index.js";
import { rebaseProject, versionNameFor } from "../patches/rebase-project.js";
import { ensureDir, pathExists, writeFileAtomic, stableJson } from "../util/fs.js";
import { git, gitOk } from "../util/git.js";
import { withLock } from "../util/lock.js";
import { listProjects, loadProject, openWorkspace, paths, type Workspace } from "../workspace/index.js";
import { checkProject, type CheckDeps } from "./check.js";
import { pushAndOpenMergeRequest, type GitlabHandoff } from "./handoff.js";
import { TagReader, type Candidate } from "./policy.js";
import { addSourceToRecipe } from "./recipe-bump.js";
import { buildReport, renderMarkdown, type SyncOutcome } from "./report.js";

export type SyncStatus = "would-sync" | "synced" | "already-synced" | "not-carried" | "failed";
export type SyncPhase = "worktree" | "rebased" | "committed" | "branch" | "reported" | "handed-off";

export interface SyncItem {
  project: string;
  line: string;
  from?: string;
  release: Candidate;
  version?: string;
  branch?: string;
  status: SyncStatus;
  outcome?: SyncOutcome;
  /** Workspace-relative report files (.md, .json) under .mailknight/sync/. */
  reports?: string[];
  mergeRequest?: { url: string; created: boolean };
  build?: { images: RunResult["images"] };
  /** What the user runs next when nothing was handed off. */
  next?: string;
  error?: { code: string; message: string };
}

export interface SyncOptions extends CheckDeps {
  projects?: string[];
  dryRun?: boolean;
  /** Run the pipeline for the new version (local hand-off). */
  build?: boolean;
  handoff?: GitlabHandoff;
  onEvent?: EventSink;
  /** Progress hook per phase (the CLI logs; tests interrupt here). */
  onPhase?: (phase: SyncPhase, item: SyncItem) => void | Promise<void>;
}

const ZERO = "0".repeat(40);
export const REPORTS_DIR = join("reports", "sync");

export function branchName(project: string, version: string): string {
  return `mailknight/sync/${project}-${version}`;
}

export async function sync(ws: Workspace, opts: SyncOptions): Promise<SyncItem[]> {
  const items: SyncItem[] = [];
  // Looked up on the first release to sync: polling alone needs no repository.
  let repo: Repo | undefined;
  for (const project of opts.projects?.length ? opts.projects : await listProjects(ws.root)) {
    const recipe = await loadProject(ws.root, project);
    const check = await checkProject(ws, recipe, opts);
    const reader = new TagReader(recipe.upstream);
    for (const line of check.lines) {
      const release = line.newer[0];
      if (!release) continue;
      const from = recipe.sources.find((s) => line.ours !== undefined && reader.carriedVersion(s.version) === line.ours);
      const item: SyncItem = { project, line: line.line, release, status: "would-sync" };
      items.push(item);
      if (!from) {
        item.status = "not-carried";
        item.next = `nothing carried on line ${line.line} yet: add a source for it (mailknight project add / edit the recipe), then sync`;
        continue;
      }
      item.from = from.version;
      item.version = versionNameFor(from, release.tag);
      item.branch = branchName(project, item.version);
      if (opts.dryRun) continue;
      try {
        await ensureDir(join(ws.stateDir, "sync"));
        repo ??= await workspaceRepo(ws.root);
        const r = repo;
        await withLock(join(ws.stateDir, "sync", `${project}.lock`), `sync of ${project}`, () => syncOne(ws, r, item, opts));
      } catch (e) {
        if (!isMkError(e)) throw e;
        item.status = "failed";
        item.error = { code: e.code, message: e.message };
      }
    }
  }
  return items;
}

interface Repo {
  top: string;
  /** The workspace root relative to the repository's top level ("" when they are the same). */
  prefix: string;
}

async function workspaceRepo(root: string): Promise<Repo> {
  const r = await git(["rev-parse", "--show-toplevel"], { cwd: root, isolated: true });
  if (r.code !== 0) {
    throw new MkError("E_USAGE", `sync proposes changes on a git branch, but ${root} is not in a git repository`, { hint: "run `git init && git add -A && git commit -m init` in the workspace first" });
  }
  const head = await git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { cwd: root, isolated: true });
  if (head.code !== 0) throw new MkError("E_USAGE", `the workspace repository at ${r.stdout.trim()} has no commit yet`, { hint: "commit the workspace first; sync branches start from HEAD" });
  const top = r.stdout.trim();
  return { top, prefix: relative(top, root) };
}

async function syncOne(ws: Workspace, repo: Repo, item: SyncItem, opts: SyncOptions): Promise<void> {
  const emit = opts.onEvent ?? discardEvents;
  const version = item.version!;
  const branch = item.branch!;
  const base = `${item.project}-${version}`;
  const localReports = [join(ws.stateDir, "sync", `${base}.md`), join(ws.stateDir, "sync", `${base}.json`)];
  const inBranch = [join(repo.prefix, REPORTS_DIR, `${base}.md`), join(repo.prefix, REPORTS_DIR, `${base}.json`)];
  const local = { cwd: repo.top, isolated: true };

  const wt = join(ws.stateDir, "sync", "work", base);
  // Left by a run that was killed: never reused, since we cannot know how far it got.
  await removeWorktree(repo.top, wt);
  const existing = await git(["rev-parse", "--verify", "--quiet", `refs/heads/${branch}`], local);
  if (existing.code === 0) {
    item.status = "already-synced";
    // A run killed after creating the branch may not have written the local copies yet.
    for (const [i, file] of localReports.entries()) {
      if (await pathExists(file)) continue;
      const shown = await git(["show", `${branch}:${inBranch[i]}`], local);
      if (shown.code === 0) await writeFileAtomic(file, shown.stdout);
    }
    const json = await readFile(localReports[1]!, "utf8").catch(() => undefined);
    if (json) item.outcome = (JSON.parse(json) as { outcome: SyncOutcome }).outcome;
  } else {
    await gitOk(["worktree", "add", "--quiet", "--detach", wt, "HEAD"], local, { code: "E_IO", what: `creating the sync worktree ${wt}` });
    try {
      await opts.onPhase?.("worktree", item);
      const wtRoot = join(wt, repo.prefix);
      emit({ type: "log", stage: "patch", level: "info", message: `${item.project}: carrying ${item.from} onto ${item.release.tag}` });
      const rebased = await rebaseProject({
        root: wtRoot,
        cacheDir: ws.cacheDir,
        workDir: ws.workDir,
        mirrors: ws.config.mirrors,
        mirrorsRoot: ws.root,
        project: item.project,
        onto: item.release.tag,
        ...(item.release.commit ? { ontoCommit: item.release.commit } : {}),
        from: item.from!,
        version,
        onEvent: opts.onEvent,
      });
      await opts.onPhase?.("rebased", item);
      const recipeFile = paths.projectFile(wtRoot, item.project);
      const text = await readFile(recipeFile, "utf8");
      await writeFileAtomic(recipeFile, addSourceToRecipe(text, relative(wtRoot, recipeFile), { version, tag: item.release.tag, commit: rebased.onto.commit }, item.from!));
      const report = buildReport(rebased, { line: item.line, branch });
      const markdown = renderMarkdown(report);
      await writeFileAtomic(join(wt, inBranch[0]!), markdown);
      await writeFileAtomic(join(wt, inBranch[1]!), stableJson(report));
      const changed = [relative(wt, recipeFile), ...inBranch];
      if (await pathExists(rebased.report.outDir)) changed.push(relative(wt, rebased.report.outDir));
      await gitOk(["add", "-A", "--", ...changed], { cwd: wt, isolated: true }, { code: "E_IO", what: "staging the sync changes" });
      const when = `@${Math.floor(opts.clock.now() / 1000)} +0000`;
      const identity = { GIT_AUTHOR_NAME: "Mailknight sync", GIT_AUTHOR_EMAIL: "sync@mailknight.invalid", GIT_COMMITTER_NAME: "Mailknight sync", GIT_COMMITTER_EMAIL: "sync@mailknight.invalid", GIT_AUTHOR_DATE: when, GIT_COMMITTER_DATE: when };
      const message = `sync(${item.project}): ${version} (${report.outcome})\n\nCarried ${item.from} onto ${item.release.tag} (${rebased.onto.commit}).\nReport: ${inBranch[0]}\n`;
      await gitOk(["commit", "--quiet", "--no-verify", "-m", message], { cwd: wt, isolated: true, env: identity }, { code: "E_IO", what: "committing the sync changes" });
      const commit = (await gitOk(["rev-parse", "HEAD"], { cwd: wt, isolated: true }, { code: "E_IO", what: "reading the sync commit" })).stdout.trim();
      await opts.onPhase?.("committed", item);
      // The one step that publishes the work: create the branch, only if it still does not exist.
      await gitOk(["update-ref", "-m", "mailknight sync", `refs/heads/${branch}`, commit, ZERO], local, { code: "E_IO", what: `creating branch ${branch}`, hint: "another sync created it meanwhile; run sync again" });
      await opts.onPhase?.("branch", item);
      await writeFileAtomic(localReports[0]!, markdown);
      await writeFileAtomic(localReports[1]!, stableJson(report));
      item.status = "synced";
      item.outcome = report.outcome;
    } finally {
      await removeWorktree(repo.top, wt);
    }
  }
  item.reports = localReports.map((f) => relative(ws.root, f));
  await opts.onPhase?.("reported", item);
  await handOff(ws, repo, item, localReports, opts);
}

async function handOff(ws: Workspace, repo: Repo, item: SyncItem, localReports: string[], opts: SyncOptions): Promise<void> {
  if (opts.handoff) {
    const json = JSON.parse(await readFile(localReports[1]!, "utf8")) as ReturnType<typeof buildReport>;
    item.mergeRequest = await pushAndOpenMergeRequest(repo.top, item.branch!, json, await readFile(localReports[0]!, "utf8"), opts.handoff);
    await opts.onPhase?.("handed-off", item);
    return;
  }
  item.next = `git switch ${item.branch} && mailknight run ${item.project}@${item.version}`;
  if (!opts.build) return;
  // Build what the branch holds, in its own worktree, with the main workspace's caches and output.
  const wt = join(ws.stateDir, "sync", "build", `${item.project}-${item.version}`);
  await removeWorktree(repo.top, wt);
  await gitOk(["worktree", "add", "--quiet", "--detach", wt, `refs/heads/${item.branch}`], { cwd: repo.top, isolated: true }, { code: "E_IO", what: `checking out ${item.branch} to build it` });
  try {
    const branchWs = await openWorkspace(join(wt, repo.prefix));
    const result = await runPipeline({ ...branchWs, stateDir: ws.stateDir, cacheDir: ws.cacheDir, workDir: ws.workDir, layoutDir: ws.layoutDir }, item.project, item.version, {}, opts.onEvent ?? discardEvents);
    item.build = { images: result.images };
  } finally {
    await removeWorktree(repo.top, wt);
  }
}

async function removeWorktree(top: string, wt: string): Promise<void> {
  if (await pathExists(wt)) await git(["worktree", "remove", "--force", "--force", wt], { cwd: top, isolated: true });
  await rm(wt, { recursive: true, force: true });
  await git(["worktree", "prune"], { cwd: top, isolated: true });
}
