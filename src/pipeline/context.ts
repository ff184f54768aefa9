/** What every stage gets: the workspace, the recipe, where to work, and how to report. */
import { join } from "node:path";
import type { ProjectRecipe, SourceEntry, VariantName } from "../workspace/schema.js";
import type { Workspace } from "../workspace/workspace.js";
import type { EventSink } from "./events.js";
import type { StageName, StageRecord } from "./record.js";

export interface RunOptions {
  /** YYYYMMDD used in LTS tags; defaults to today's UTC date from the injected clock. */
  releaseDate?: string;
  /** Only these variants (default: every variant the recipe enables). */
  variants?: VariantName[];
  /** Re-run stages even when their inputs are unchanged. */
  force?: boolean;
  /** After a passed gate (and signing, when configured), push the release: the publish stage. */
  publish?: boolean;
  now?: () => Date;
}

export interface StageContext {
  ws: Workspace;
  recipe: ProjectRecipe;
  source: SourceEntry;
  project: string;
  version: string;
  /** `<project>@<version>`, for messages. */
  ref: string;
  /** `.mailknight/work/<project>/<version>` */
  workDir: string;
  options: RunOptions;
  emit: EventSink;
  /** Records of the stages before this one, by name. */
  records: Partial<Record<StageName, StageRecord>>;
}

export function stageDir(ctx: Pick<StageContext, "workDir">, stage: StageName): string {
  return join(ctx.workDir, stage);
}

/** The record of an earlier stage; the executor guarantees it is there. */
export function recordOf(ctx: StageContext, stage: StageName): StageRecord {
  const r = ctx.records[stage];
  if (!r) throw new Error(`internal: ${stage} record missing for ${ctx.ref}`);
  return r;
}

export function sourceDateEpochOf(ctx: StageContext): number {
  const sde = recordOf(ctx, "fetch").outputs.sourceDateEpoch;
  if (typeof sde !== "number") throw new Error(`internal: fetch record of ${ctx.ref} has no sourceDateEpoch`);
  return sde;
}

export interface StageResult {
  outputs: Record<string, unknown>;
  outputDigest: string;
  toolVersions?: Record<string, string>;
  hermetic?: boolean;
}

export interface StageDefinition {
  name: StageName;
  /** The declared inputs; their digest is the cache key. Must be cheap: it runs on every run. */
  inputs(ctx: StageContext): Promise<Record<string, unknown>>;
  /** True when a cached run's outputs are still on disk as recorded. */
  outputsIntact(ctx: StageContext, record: StageRecord): Promise<boolean>;
  run(ctx: StageContext, dir: string, inputs: Record<string, unknown>): Promise<StageResult>;
}
