/**
 * Pure construction of image configs and manifests (plan, then apply: image.ts does the I/O).
 * Everything here is a function of its arguments, so the same inputs give the same JSON bytes.
 */
import { MkError } from "../errors.js";
import { Annotation, MediaType, type Descriptor, type HistoryEntry, type ImageConfig, type ImageManifest, type Platform, type RunConfig } from "./spec.js";

/** What a recipe can say about how the container runs. Omitted fields keep the base's value. */
export interface ImageConfigInput {
  user?: string;
  entrypoint?: string[];
  cmd?: string[];
  /** Merged into the base's Env: same key → ours wins; new keys appended in the order given. */
  env?: Record<string, string> | string[];
  workingDir?: string;
  /** Merged into the base's labels; ours win. */
  labels?: Record<string, string>;
  /** `8080`, `8080/tcp`, `53/udp`; merged with the base's. */
  exposedPorts?: (string | number)[];
  stopSignal?: string;
  volumes?: string[];
}

export interface HistoryInput {
  createdBy?: string;
  comment?: string;
}

export interface ConfigPlanInput {
  base?: ImageConfig;
  diffIds: string[];
  config: ImageConfigInput;
  created: string;
  platform: Platform;
  /** One per layer in diffIds; missing entries get a generic one. */
  history?: HistoryInput[];
}

const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

/** `2024-01-01T00:00:00Z` from SOURCE_DATE_EPOCH seconds (no milliseconds: they are never set). */
export function isoFromEpoch(epoch: number): string {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new MkError("E_OCI", `SOURCE_DATE_EPOCH must be a non-negative integer number of seconds, got ${epoch}`, {
      hint: "set SOURCE_DATE_EPOCH to e.g. the commit time of the source (`git log -1 --format=%ct`)",
    });
  }
  return new Date(epoch * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

function checkCreated(created: string): void {
  if (!RFC3339_UTC.test(created) || Number.isNaN(Date.parse(created))) {
    throw new MkError("E_OCI", `image creation time ${JSON.stringify(created)} is not an RFC 3339 UTC timestamp`, {
      hint: "derive it from SOURCE_DATE_EPOCH with isoFromEpoch(), e.g. 2024-01-01T00:00:00Z",
    });
  }
}

function envPairs(env: Record<string, string> | string[]): [string, string][] {
  if (Array.isArray(env)) {
    return env.map((item) => {
      const eq = item.indexOf("=");
      if (eq <= 0) {
        throw new MkError("E_OCI", `environment entry ${JSON.stringify(item)} is not KEY=VALUE`, { hint: "write env entries as KEY=VALUE" });
      }
      return [item.slice(0, eq), item.slice(eq + 1)];
    });
  }
  return Object.entries(env);
}

/** Base Env with ours applied: replaced values keep their position, new keys go at the end. */
export function mergeEnv(base: string[] | undefined, ours: Record<string, string> | string[] | undefined): string[] | undefined {
  if (ours === undefined) return base;
  const merged = new Map<string, string>(base ? envPairs(base) : []);
  for (const [k, v] of envPairs(ours)) merged.set(k, v);
  return [...merged].map(([k, v]) => `${k}=${v}`);
}

function normalizePort(port: string | number): string {
  const s = String(port);
  const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(s);
  if (!m || Number(m[1]) > 65535) {
    throw new MkError("E_OCI", `exposed port ${JSON.stringify(s)} is not PORT or PORT/PROTOCOL`, { hint: "use e.g. 8080, 8080/tcp or 53/udp" });
  }
  return `${m[1]}/${m[2] ?? "tcp"}`;
}

function toSet(keys: string[]): Record<string, Record<string, never>> {
  const out: Record<string, Record<string, never>> = {};
  for (const k of keys) out[k] = {};
  return out;
}

export function mergeRunConfig(base: RunConfig | undefined, input: ImageConfigInput): RunConfig {
  const out: RunConfig = { ...(base ?? {}) };
  if (input.user !== undefined) out.User = input.user;
  if (input.entrypoint !== undefined) {
    out.Entrypoint = input.entrypoint;
    // Docker semantics: a new ENTRYPOINT drops the base's CMD, which was written for the old one.
    if (input.cmd === undefined) delete out.Cmd;
  }
  if (input.cmd !== undefined) out.Cmd = input.cmd;
  const env = mergeEnv(base?.Env, input.env);
  if (env !== undefined) out.Env = env;
  if (input.workingDir !== undefined) out.WorkingDir = input.workingDir;
  if (input.labels !== undefined) out.Labels = { ...(base?.Labels ?? {}), ...input.labels };
  if (input.exposedPorts !== undefined) {
    out.ExposedPorts = { ...(base?.ExposedPorts ?? {}), ...toSet(input.exposedPorts.map(normalizePort)) };
  }
  if (input.volumes !== undefined) out.Volumes = { ...(base?.Volumes ?? {}), ...toSet(input.volumes) };
  if (input.stopSignal !== undefined) out.StopSignal = input.stopSignal;
  return out;
}

/** The image config: base config (if any) with our run config, layers and history applied. */
export function planConfig(input: ConfigPlanInput): ImageConfig {
  checkCreated(input.created);
  const base = input.base;
  if (base && (base.os !== input.platform.os || base.architecture !== input.platform.architecture)) {
    throw new MkError("E_OCI", `the base image is ${base.os}/${base.architecture} but the image being built is ${input.platform.os}/${input.platform.architecture}`, {
      hint: "pick the base for the same platform, or set the platform to match the base",
    });
  }
  if (input.history && input.history.length > input.diffIds.length) {
    throw new MkError("E_OCI", `${input.history.length} history entries given for ${input.diffIds.length} layer(s)`, { hint: "give at most one history entry per layer" });
  }
  const baseDiffIds = base?.rootfs.diff_ids ?? [];
  const ours: HistoryEntry[] = input.diffIds.map((_, i) => {
    const h = input.history?.[i];
    const entry: HistoryEntry = { created: input.created, created_by: h?.createdBy ?? "mailknight" };
    if (h?.comment !== undefined) entry.comment = h.comment;
    return entry;
  });
  // History must line up with the layers. A base that has layers but no history would leave ours
  // misaligned, so then we write none (as the base did).
  const keepHistory = !base || base.history !== undefined || baseDiffIds.length === 0;

  const config: ImageConfig = { ...(base ?? {}), architecture: input.platform.architecture, os: input.platform.os, rootfs: { type: "layers", diff_ids: [] } };
  // Docker build metadata describes how the *base* was built; carried over it would mislead.
  delete (config as Record<string, unknown>).container;
  delete (config as Record<string, unknown>).container_config;
  if (input.platform.variant !== undefined) config.variant = input.platform.variant;
  config.created = input.created;
  config.config = mergeRunConfig(base?.config, input.config);
  config.rootfs = { type: "layers", diff_ids: [...baseDiffIds, ...input.diffIds] };
  if (keepHistory) config.history = [...(base?.history ?? []), ...ours];
  else delete config.history;
  return config;
}

/** Docker layer media types name the same bytes as their OCI counterparts. */
function ociLayer(d: Descriptor): Descriptor {
  if (d.mediaType === MediaType.dockerLayerTarGzip) return { ...d, mediaType: MediaType.layerTarGzip };
  return d;
}

export interface ManifestPlanInput {
  config: Descriptor;
  baseLayers: Descriptor[];
  layers: Descriptor[];
  annotations?: Record<string, string>;
  created: string;
  base?: { name: string; digest: string };
}

export function planManifest(input: ManifestPlanInput): ImageManifest {
  const annotations: Record<string, string> = { ...(input.annotations ?? {}), [Annotation.created]: input.created };
  if (input.base) {
    annotations[Annotation.baseName] = input.base.name;
    annotations[Annotation.baseDigest] = input.base.digest;
  }
  return {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: input.config.digest, size: input.config.size },
    layers: [...input.baseLayers.map(ociLayer), ...input.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size }))],
    annotations,
  };
}
