/**
 * The local executor: runs the stage DAG of one project@version in this process. Each stage's
 * inputs are digested; an unchanged stage whose outputs are intact is skipped. `runStage` runs
 * exactly one stage on the recorded outputs of the ones before it (what a CI job does).
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError, formatError, isMkError } from "../errors.js";
import { digestOfJson } from "../util/digest.js";
import { ensureDir } from "../util/fs.js";
import { withLock } from "../util/lock.js";
import { loadProject, selectSource, type Workspace } from "../workspace/workspace.js";
import { stageDir, type RunOptions, type StageContext, type StageDefinition } from "./context.js";
import type { EventSink } from "./events.js";
import { gateVerdict, readRecord, releaseStagesOf, requireRecord, writeRecord, ALL_STAGES, STAGE_ORDER, type PipelineStage, type StageName, type StageRecord, type GateVerdict, STAGE_RECORD_TYPE } from "./record.js";
import { fetchStage } from "./stages/fetch.js";
import { patchStage } from "./stages/patch.js";
import { buildStage } from "./stages/build.js";
import { packageStage, tagImages, type PackagedImage } from "./stages/package.js";
import { MAILKNIGHT_VERSION } from "./version.js";
import { sbomStage } from "../sbom/stage.js";
import { scanStage } from "../vuln/stage.js";
import { gateStage } from "../policy/stage.js";
import { attestStage, signStage, type SignedImage } from "../sign/stage.js";
import { checkSigningReady } from "../sign/configured-signer.js";
import { publishStage } from "../release/stage.js";

export const STAGES: Record<PipelineStage, StageDefinition> = {
  fetch: fetchStage,
  patch: patchStage,
  build: buildStage,
  package: packageStage,
  sbom: sbomStage,
  scan: scanStage,
  gate: gateStage,
  sign: signStage,
  attest: attestStage,
  publish: publishStage,
};

export interface StageOutcome {
  stage: StageName;
  status: "ran" | "skipped";
  record: StageRecord;
}

export interface ImageSummary extends PackagedImage {
  tags: string[];
  /** Components in the variant's SBOM, once the sbom stage has run. */
  components?: number;
}

export interface RunResult {
  project: string;
  version: string;
  outcomes: StageOutcome[];
  images: ImageSummary[];
  hermetic: boolean;
  /** The gate stage's verdict; "fail" means nothing may be signed or published. */
  gate: GateVerdict;
  /** What the sign and attest stages attached per image, when signing is configured and the gate passed. */
  signed?: SignedImage[];
  durationMs: number;
}


/** After package ran or was skipped: point the release tags at its images. */
async function releaseImages(ctx: StageContext, record: StageRecord): Promise<ImageSummary[]> {
  const images = record.outputs.images as PackagedImage[];
  const tags = await tagImages(ctx, images);
  return images.map((img) => ({ ...img, tags: tags[img.variant] ?? [] }));
}

async function makeContext(ws: Workspace, projectName: string, version: string | undefined, options: RunOptions, emit: EventSink): Promise<StageContext> {
  const recipe = await loadProject(ws.root, projectName);
  const source = selectSource(recipe, version);
  return {
    ws,
    recipe,
    source,
    project: recipe.name,
    version: source.version,
    ref: `${recipe.name}@${source.version}`,
    workDir: join(ws.workDir, recipe.name, source.version),
    options,
    emit,
    records: {},
  };
}

/** Runs one stage (or skips it when cached); fills ctx.records[stage]. */
async function executeStage(ctx: StageContext, def: StageDefinition): Promise<StageOutcome> {
  const dir = stageDir(ctx, def.name);
  const inputs = await def.inputs(ctx);
  const inputDigest = digestOfJson({ stage: def.name, recordType: STAGE_RECORD_TYPE, inputs });
  const base = { project: ctx.project, version: ctx.version, stage: def.name };

  const cached = await readRecord(dir);
  if (!ctx.options.force && cached && cached.inputDigest === inputDigest && (await def.outputsIntact(ctx, cached))) {
    ctx.emit({ type: "stage-skip", ...base, inputDigest, reason: "cached" });
    ctx.records[def.name] = cached;
    return { stage: def.name, status: "skipped", record: cached };
  }

  ctx.emit({ type: "stage-start", ...base, inputDigest });
  const started = new Date();
  // A stage starts from an empty directory so that no output of an earlier attempt leaks in.
  await rm(dir, { recursive: true, force: true });
  await ensureDir(dir);
  try {
    const result = await def.run(ctx, dir, inputs);
    const finished = new Date();
    const record: StageRecord = {
      _type: STAGE_RECORD_TYPE,
      ...base,
      inputDigest,
      inputs,
      outputDigest: result.outputDigest,
      outputs: result.outputs,
      toolVersions: result.toolVersions ?? {},
      hermetic: result.hermetic ?? true,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      mailknightVersion: MAILKNIGHT_VERSION,
    };
    await writeRecord(dir, record);
    ctx.emit({ type: "stage-done", ...base, durationMs: record.durationMs, outputDigest: record.outputDigest });
    ctx.records[def.name] = record;
    return { stage: def.name, status: "ran", record };
  } catch (e) {
    ctx.emit({ type: "stage-fail", ...base, durationMs: Date.now() - started.getTime(), error: isMkError(e) ? e.message : formatError(e) });
    throw e;
  }
}

function signedImages(ctx: StageContext): SignedImage[] | undefined {
  const sign = ctx.records.sign?.outputs.images as SignedImage[] | undefined;
  if (!sign) return undefined;
  const attest = (ctx.records.attest?.outputs.images ?? []) as SignedImage[];
  return sign.map((img) => ({ ...img, attached: [...img.attached, ...(attest.find((a) => a.digest === img.digest)?.attached ?? [])] }));
}

/** fetch → … → gate, then sign → attest when configured and the gate passed, for one project@version. */
export async function runPipeline(ws: Workspace, projectName: string, version: string | undefined, options: RunOptions, emit: EventSink): Promise<RunResult> {
  const started = Date.now();
  // A release that is to be signed must be signable: say so before building, not after.
  if (releaseStagesOf(ws).length > 0) await checkSigningReady(ws);
  if (options.publish && !ws.config.registry) {
    throw new MkError("E_CONFIG_INVALID", `--publish: ${join(ws.root, "mailknight.yaml")} has no registry to publish to`, {
      hint: "add `registry: { host: registry.example.com, namespace: team/images }` to mailknight.yaml",
    });
  }
  const ctx = await makeContext(ws, projectName, version, options, emit);
  await ensureDir(ctx.workDir);
  return await withLock(join(ctx.workDir, ".lock"), ctx.ref, async () => {
    const outcomes: StageOutcome[] = [];
    for (const name of STAGE_ORDER) outcomes.push(await executeStage(ctx, STAGES[name]));
    const gate = gateVerdict(ctx.records.gate!);
    // Only a release that passed its gate is signed: a signature vouches for the gate's decision.
    if (gate.verdict === "pass") {
      for (const name of releaseStagesOf(ws)) outcomes.push(await executeStage(ctx, STAGES[name]));
      if (options.publish) outcomes.push(await executeStage(ctx, STAGES.publish));
    }
    const counts = (ctx.records.sbom?.outputs.componentCounts ?? {}) as Record<string, number>;
    const images = (await releaseImages(ctx, ctx.records.package!)).map((img) => ({ ...img, components: counts[img.variant] }));
    const signed = signedImages(ctx);
    return { project: ctx.project, version: ctx.version, outcomes, images, hermetic: ctx.records.build!.hermetic, gate, ...(signed ? { signed } : {}), durationMs: Date.now() - started };
  });
}

/** Runs exactly one stage, on the recorded outputs of the stages before it. */
export async function runStage(
  ws: Workspace,
  stage: string,
  projectName: string,
  version: string | undefined,
  options: RunOptions,
  emit: EventSink,
): Promise<StageOutcome & { images: ImageSummary[] }> {
  if (!(ALL_STAGES as readonly string[]).includes(stage)) {
    throw new MkError("E_USAGE", `unknown stage "${stage}"`, { hint: `stages: ${ALL_STAGES.join(", ")}` });
  }
  const name = stage as PipelineStage;
  const ctx = await makeContext(ws, projectName, version, options, emit);
  await ensureDir(ctx.workDir);
  return await withLock(join(ctx.workDir, ".lock"), ctx.ref, async () => {
    // The stages before it that this workspace runs: sign and attest only when configured.
    const configured = new Set<PipelineStage>([...STAGE_ORDER, ...releaseStagesOf(ws)]);
    for (const before of ALL_STAGES.slice(0, ALL_STAGES.indexOf(name)).filter((s) => configured.has(s))) {
      ctx.records[before] = await requireRecord(stageDir(ctx, before), before, ctx.ref);
    }
    // Every stage after the gate (sign, attest, publish) acts on a release the gate let through.
    if (ALL_STAGES.indexOf(name) > ALL_STAGES.indexOf("gate")) {
      const gate = gateVerdict(ctx.records.gate!);
      if (gate.verdict !== "pass") {
        throw new MkError("E_GATE_FAILED", `the gate of ${ctx.ref} did not pass; refusing to ${name}`, { hint: gate.reasons.join("; ") || "see the gate stage's decision files" });
      }
    }
    const outcome = await executeStage(ctx, STAGES[name]);
    const images = name === "package" ? await releaseImages(ctx, outcome.record) : [];
    return { ...outcome, images };
  });
}
