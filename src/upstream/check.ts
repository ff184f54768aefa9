/**
 * One poll of one project: list its releases from the configured source (conditional requests,
 * cached under `.mailknight/upstream-cache/`) and apply the tracking policy. Shared by `status`,
 * `sync` and the bench, so they always agree on what is new.
 */
import { join } from "node:path";
import { resolveMirrors } from "../pipeline/stages/fetch.js";
import type { ProjectRecipe, Workspace } from "../workspace/index.js";
import { fileHttpCache, type HttpCache } from "./http-cache.js";
import { evaluatePolicy, type PolicyResult } from "./policy.js";
import { sourceFor, type RequestStats, type SourceContext } from "./sources/index.js";

export interface CheckDeps {
  env: Record<string, string | undefined>;
  clock: SourceContext["clock"];
  /** Longest rate-limit wait accepted (default 15 minutes). */
  maxWaitMs?: number;
  stats?: RequestStats;
  cache?: HttpCache;
}

export interface ProjectCheck extends PolicyResult {
  project: string;
  source: string;
}

export const DEFAULT_MAX_WAIT_MS = 15 * 60_000;

export function upstreamCacheDir(ws: Workspace): string {
  return join(ws.stateDir, "upstream-cache");
}

export const systemClock: SourceContext["clock"] = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export async function checkProject(ws: Workspace, recipe: ProjectRecipe, deps: CheckDeps): Promise<ProjectCheck> {
  const source = sourceFor(recipe.upstream);
  const releases = await source.list({
    upstream: recipe.upstream,
    cache: deps.cache ?? fileHttpCache(upstreamCacheDir(ws)),
    env: deps.env,
    clock: deps.clock,
    maxWaitMs: deps.maxWaitMs ?? DEFAULT_MAX_WAIT_MS,
    mirrors: resolveMirrors(ws.root, ws.config.mirrors),
    ...(deps.stats ? { stats: deps.stats } : {}),
  });
  const result = evaluatePolicy(recipe.upstream, releases, recipe.sources.map((s) => s.version), deps.clock.now());
  return { project: recipe.name, source: source.id, ...result };
}
