/**
 * Stage records (`stage.json`): what a stage consumed and produced, with which tools, how long it
 * took and whether it ran hermetically. They are the cache index and, later, the raw material of
 * provenance. A record is written last, atomically, so a crashed stage leaves no valid record and
 * simply runs again.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { writeJsonAtomic } from "../util/fs.js";
import { MkError } from "../errors.js";

export const STAGE_RECORD_TYPE = "https://mailknight.dev/stage-record/v1";

/** Every stage there is. */
export type StageName = "fetch" | "patch" | "build" | "package" | "sbom" | "scan" | "gate" | "sign" | "attest" | "publish";
/** The stages every run goes through, in order; each CI child pipeline has one job per stage. */
export const STAGE_ORDER = ["fetch", "patch", "build", "package", "sbom", "scan", "gate"] as const satisfies readonly StageName[];
/**
 * Stages that run after a passed gate when the workspace configures `signing:` (in CI they run
 * in the sign job, on tags, where the OIDC token for keyless signing exists).
 */
export const RELEASE_STAGES = ["sign", "attest"] as const satisfies readonly StageName[];
/** A stage the executor runs. */
export type PipelineStage = (typeof STAGE_ORDER)[number] | (typeof RELEASE_STAGES)[number] | "publish";
/** Every stage in order; publish runs on request (`run --publish`, `stage publish`). */
export const ALL_STAGES: readonly PipelineStage[] = [...STAGE_ORDER, ...RELEASE_STAGES, "publish"];

/** The release stages a workspace runs after a passed gate: none without `signing:`. */
export function releaseStagesOf(ws: { config: { signing?: { attest: boolean } } }): PipelineStage[] {
  const s = ws.config.signing;
  if (!s) return [];
  return s.attest ? [...RELEASE_STAGES] : ["sign"];
}

export interface StageRecord {
  _type: typeof STAGE_RECORD_TYPE;
  stage: StageName;
  project: string;
  version: string;
  /** Digest of the declared inputs; the cache key. */
  inputDigest: string;
  inputs: Record<string, unknown>;
  outputDigest: string;
  outputs: Record<string, unknown>;
  toolVersions: Record<string, string>;
  hermetic: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  mailknightVersion: string;
}

export function recordPath(stageDir: string): string {
  return join(stageDir, "stage.json");
}

export async function readRecord(stageDir: string): Promise<StageRecord | undefined> {
  let text: string;
  try {
    text = await readFile(recordPath(stageDir), "utf8");
  } catch {
    return undefined;
  }
  try {
    const record = JSON.parse(text) as StageRecord;
    if (record._type !== STAGE_RECORD_TYPE || typeof record.inputDigest !== "string") return undefined;
    return record;
  } catch {
    // A corrupt record means the stage must run again, not that the run must fail.
    return undefined;
  }
}

export async function writeRecord(stageDir: string, record: StageRecord): Promise<void> {
  await writeJsonAtomic(recordPath(stageDir), record);
}

export async function requireRecord(stageDir: string, stage: StageName, ref: string): Promise<StageRecord> {
  const record = await readRecord(stageDir);
  if (!record) {
    throw new MkError("E_NOT_FOUND", `the ${stage} stage of ${ref} has no record in ${stageDir}`, {
      hint: `run \`mailknight stage ${stage} ${ref}\` first (or \`mailknight run ${ref}\`); in CI, pass that job's artifacts`,
    });
  }
  return record;
}

export interface GateVerdict {
  verdict: "pass" | "fail";
  /** `<variant>: <why>` for each variant that failed. */
  reasons: string[];
}

/** What a gate record decided; anything but an explicit "pass" is a fail. */
export function gateVerdict(record: StageRecord): GateVerdict {
  const gates = (record.outputs.gates ?? []) as { variant: string; reason?: string }[];
  return {
    verdict: record.outputs.verdict === "pass" ? "pass" : "fail",
    reasons: gates.filter((g) => g.reason).map((g) => `${g.variant}: ${g.reason}`),
  };
}
