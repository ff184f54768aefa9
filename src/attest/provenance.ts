/**
 * SLSA provenance v1 predicate (https://slsa.dev/spec/v1.0/provenance) built from the pipeline's
 * stage records. Pure: the caller reads the records and the environment and passes them in.
 *
 * Stage records become byproducts by digest and summary only: a record's free-form outputs can hold
 * build environment values, and secrets must never reach an attestation.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { sha256Digest } from "../util/digest.js";
import { STAGE_RECORD_TYPE, type StageName, type StageRecord } from "../pipeline/record.js";
import type { ResourceDescriptor } from "./statement.js";

export const BUILD_TYPE = "https://mailknight.dev/buildtypes/stage-dag/v1";
export const LOCAL_BUILDER_ID = "https://mailknight.dev/builders/local/v1";

export interface SlsaProvenance {
  buildDefinition: {
    buildType: string;
    externalParameters: Record<string, unknown>;
    internalParameters?: Record<string, unknown>;
    resolvedDependencies: ResourceDescriptor[];
  };
  runDetails: {
    builder: { id: string; version?: Record<string, string> };
    metadata: { invocationId: string; startedOn?: string; finishedOn?: string };
    byproducts: ResourceDescriptor[];
  };
}

/** A stage record and the exact bytes it was read from (the byproduct digest is of those bytes). */
export interface RecordFile {
  stage: StageName;
  bytes: Buffer;
  record: StageRecord;
}

export interface ProvenanceInput {
  project: string;
  version: string;
  variant: string;
  recipeDigest: string;
  records: RecordFile[];
  /** process.env or a test double; only CI_* / GITLAB_* identity variables are read. */
  env: Record<string, string | undefined>;
  mailknightVersion: string;
  /** The base image manifest digest, when the image has a base. */
  baseDigest?: string;
}

export interface Builder {
  id: string;
  invocationId: string;
}

/** GitLab CI job when its variables are present, else the local builder. */
export function builderOf(env: Record<string, string | undefined>, fallbackInvocation: string): Builder {
  const server = env.CI_SERVER_URL;
  const path = env.CI_PROJECT_PATH;
  if (env.GITLAB_CI === "true" && server && path) {
    const job = env.CI_JOB_URL ?? (env.CI_JOB_ID ? `${server}/${path}/-/jobs/${env.CI_JOB_ID}` : undefined);
    return { id: `${server}/${path}`, invocationId: job ?? fallbackInvocation };
  }
  return { id: LOCAL_BUILDER_ID, invocationId: fallbackInvocation };
}

function recordOf(records: RecordFile[], stage: StageName): StageRecord | undefined {
  return records.find((r) => r.stage === stage)?.record;
}

function hexOf(digest: unknown): string | undefined {
  if (typeof digest !== "string") return undefined;
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  return m?.[1];
}

export function buildProvenance(input: ProvenanceInput): SlsaProvenance {
  const fetch = recordOf(input.records, "fetch");
  const patch = recordOf(input.records, "patch");
  const build = recordOf(input.records, "build");
  const deps: ResourceDescriptor[] = [];

  if (fetch) {
    const o = fetch.outputs;
    const url = typeof o.url === "string" ? o.url : undefined;
    const commit = typeof o.upstreamCommit === "string" ? o.upstreamCommit : undefined;
    const tarball = hexOf(o.tarballDigest);
    if (commit) deps.push({ name: "upstream-source", ...(url ? { uri: url } : {}), digest: { gitCommit: commit } });
    if (tarball) deps.push({ name: "upstream-tarball", ...(url ? { uri: url } : {}), digest: { sha256: tarball } });
  }
  if (patch && Array.isArray(patch.outputs.patches)) {
    for (const p of patch.outputs.patches as { name?: unknown; digest?: unknown }[]) {
      const hex = hexOf(p.digest);
      if (typeof p.name === "string" && hex) deps.push({ name: `patches/${input.project}/${input.version}/${p.name}`, digest: { sha256: hex } });
    }
  }
  const baseHex = hexOf(input.baseDigest);
  if (baseHex) deps.push({ name: "base-image", digest: { sha256: baseHex } });
  if (build) {
    const toolchain = build.inputs.toolchain;
    deps.push({
      name: "toolchain",
      annotations: { profile: typeof toolchain === "string" ? toolchain : "unknown", toolVersions: build.toolVersions, hermetic: build.hermetic },
    });
  }

  const sorted = [...input.records].sort((a, b) => a.record.startedAt.localeCompare(b.record.startedAt));
  const invocationFallback = `urn:mailknight:${input.project}@${input.version}:${sha256Digest(sorted.map((r) => r.record.inputDigest).join(",")).slice(7, 23)}`;
  const builder = builderOf(input.env, invocationFallback);
  const startedOn = sorted[0]?.record.startedAt;
  const finishedOn = sorted.map((r) => r.record.finishedAt).sort().at(-1);

  return {
    buildDefinition: {
      buildType: BUILD_TYPE,
      externalParameters: { project: input.project, version: input.version, recipeDigest: input.recipeDigest, variant: input.variant },
      internalParameters: { mailknightVersion: input.mailknightVersion },
      resolvedDependencies: deps,
    },
    runDetails: {
      builder: { id: builder.id, version: { mailknight: input.mailknightVersion } },
      metadata: { invocationId: builder.invocationId, ...(startedOn ? { startedOn } : {}), ...(finishedOn ? { finishedOn } : {}) },
      byproducts: sorted.map((r) => ({
        name: `stage/${r.stage}/stage.json`,
        digest: { sha256: sha256Digest(r.bytes).slice(7) },
        mediaType: "application/json",
        annotations: {
          inputDigest: r.record.inputDigest,
          outputDigest: r.record.outputDigest,
          hermetic: r.record.hermetic,
          startedAt: r.record.startedAt,
          finishedAt: r.record.finishedAt,
        },
      })),
    },
  };
}

/** Reads `<workDir>/<stage>/stage.json` for each stage that has one (missing stages are skipped). */
export async function readStageRecords(workDir: string, stages: readonly StageName[]): Promise<RecordFile[]> {
  const out: RecordFile[] = [];
  for (const stage of stages) {
    let bytes: Buffer;
    try {
      bytes = await readFile(join(workDir, stage, "stage.json"));
    } catch {
      continue;
    }
    const record = JSON.parse(bytes.toString("utf8")) as StageRecord;
    if (record._type === STAGE_RECORD_TYPE) out.push({ stage, bytes, record });
  }
  return out;
}
