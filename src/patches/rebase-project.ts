/**
 * `mailknight patch rebase <project> --onto <tag>`: the workspace side of rebasePatchset. Reads
 * the recipe and the carried patchset from `root`, brings both upstream commits into the shared
 * fetch cache (so the new release is mirrored as a side effect), replays the patches in a
 * scratch tree and writes `patches/<p>/<new>/`. `root` may be a sync worktree while the cache
 * and scratch space stay the main workspace's.
 */
import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { applyMirrors, fetchSource, resolveGitRef, type FetchResult } from "../fetch/index.js";
import type { EventSink } from "../pipeline/events.js";
import { resolveMirrors } from "../pipeline/stages/fetch.js";
import { COMMIT_RE } from "../util/git.js";
import { loadProject, paths, selectSource, upstreamGitUrl, type ProjectRecipe, type SourceEntry } from "../workspace/index.js";
import { listPatches } from "./list.js";
import { rebasePatchset, type RebaseReport } from "./rebase.js";

export interface RebaseProjectOptions {
  /** Where the recipe and patches are read and the new patches written. */
  root: string;
  /** The main workspace: its fetch cache, scratch space and mirrors are used. */
  cacheDir: string;
  workDir: string;
  mirrors: Record<string, string>;
  mirrorsRoot: string;
  project: string;
  /** Upstream tag to carry the patchset onto. */
  onto: string;
  /** Its commit when already known (sync: from the release source); else resolved now. */
  ontoCommit?: string;
  /** Carried version to start from (default: the recipe's newest on the same line, else its first). */
  from?: string;
  /** Version name of the new source (default: derived like the carried one's). */
  version?: string;
  onEvent?: EventSink;
}

export interface ProjectRebase {
  project: string;
  url: string;
  from: { version: string; tag?: string; commit: string };
  onto: { version: string; tag: string; commit: string };
  report: RebaseReport;
}

/** A new source's version name follows the carried one: the tag when it was the tag, else the tag minus its `v`. */
export function versionNameFor(carried: SourceEntry, tag: string): string {
  if (carried.git?.tag === undefined || carried.version === carried.git.tag) return tag;
  return tag.replace(/^v(?=\d)/, "");
}

export async function rebaseProject(opts: RebaseProjectOptions): Promise<ProjectRebase> {
  const recipe = await loadProject(opts.root, opts.project);
  const from = selectSource(recipe, opts.from);
  const { url, commit: oldCommit } = gitPinOf(recipe, from);
  const mirrors = resolveMirrors(opts.mirrorsRoot, opts.mirrors);
  const newCommit = opts.ontoCommit ?? (await resolveGitRef(applyMirrors(url, mirrors).effectiveUrl, opts.onto));
  if (!COMMIT_RE.test(newCommit)) throw new MkError("E_FETCH", `tag ${opts.onto} resolved to "${newCommit}", not a commit id`);
  const version = opts.version ?? versionNameFor(from, opts.onto);
  if (version === from.version) throw new MkError("E_USAGE", `${opts.project} already carries ${version}; nothing to rebase onto`);

  const scratch = join(opts.workDir, "rebase", `${opts.project}-${version}-${process.pid}`);
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const common = { cacheDir: opts.cacheDir, mirrors, onEvent: opts.onEvent };
    // The carried commit first, so the cache holds both and the second clone has old..new.
    await fetchSource({ ...common, pin: { type: "git", url, ...(from.git?.tag ? { tag: from.git.tag } : {}), commit: oldCommit }, destDir: join(scratch, "old") });
    await rm(join(scratch, "old"), { recursive: true, force: true });
    const fetched: FetchResult = await fetchSource({ ...common, pin: { type: "git", url, tag: opts.onto, commit: newCommit }, destDir: join(scratch, "tree") });
    const patches = await listPatches(paths.patchDir(opts.root, opts.project, from.version));
    const report = await rebasePatchset({
      repoDir: join(scratch, "tree"),
      oldCommit,
      newCommit,
      patches,
      outDir: paths.patchDir(opts.root, opts.project, version),
      sourceDateEpoch: fetched.sourceDateEpoch,
      onEvent: opts.onEvent,
    });
    return {
      project: opts.project,
      url,
      from: { version: from.version, ...(from.git?.tag ? { tag: from.git.tag } : {}), commit: oldCommit },
      onto: { version, tag: opts.onto, commit: newCommit },
      report,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function gitPinOf(recipe: ProjectRecipe, source: SourceEntry): { url: string; commit: string } {
  const url = source.git?.url ?? upstreamGitUrl(recipe);
  if (!source.git || !url) {
    throw new MkError("E_USAGE", `${recipe.name}@${source.version} is not a git source; patch rebase needs the upstream history`, {
      hint: "tarball sources cannot be diffed against a tag; add a git source for this project",
    });
  }
  if (!source.git.commit) throw new MkError("E_PIN_MISSING", `${recipe.name}@${source.version} has no pinned commit`, { hint: `run \`mailknight project pin ${recipe.name}\`` });
  return { url, commit: source.git.commit };
}
