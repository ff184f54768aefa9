/**
 * The OCI image-spec v1.1 shapes Mailknight reads and writes: media types, TypeScript types, zod
 * schemas for validating what we read from disk, and the canonical JSON we write.
 *
 * Schemas are loose (unknown fields are kept): a layout written by another tool may carry fields
 * we do not model (`artifactType`, `urls`, `data`, ...) and rewriting index.json must not drop them.
 */
import { z } from "zod";
import { MkError, type Problem } from "../errors.js";
import { sortKeys } from "../util/fs.js";

export const MediaType = {
  layout: "application/vnd.oci.layout.header.v1+json",
  index: "application/vnd.oci.image.index.v1+json",
  manifest: "application/vnd.oci.image.manifest.v1+json",
  config: "application/vnd.oci.image.config.v1+json",
  layerTarGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  layerTar: "application/vnd.oci.image.layer.v1.tar",
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  dockerLayerTarGzip: "application/vnd.docker.image.rootfs.diff.tar.gzip",
} as const;

/** Annotation keys from the image-spec (annotations.md). */
export const Annotation = {
  refName: "org.opencontainers.image.ref.name",
  created: "org.opencontainers.image.created",
  baseName: "org.opencontainers.image.base.name",
  baseDigest: "org.opencontainers.image.base.digest",
} as const;

export const IMAGE_LAYOUT_VERSION = "1.0.0";

/** Digest grammar from descriptor.md; blob storage itself only supports sha256 (see layout.ts). */
const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

export const platformSchema = z.looseObject({
  architecture: z.string().min(1),
  os: z.string().min(1),
  "os.version": z.string().optional(),
  "os.features": z.array(z.string()).optional(),
  variant: z.string().optional(),
});
export type Platform = z.infer<typeof platformSchema>;

const annotationsSchema = z.record(z.string(), z.string());

export const descriptorSchema = z.looseObject({
  mediaType: z.string().min(1),
  digest: z.string().regex(DIGEST_GRAMMAR, "must be <algorithm>:<encoded>, e.g. sha256:<64 hex>"),
  size: z.number().int().nonnegative(),
  annotations: annotationsSchema.optional(),
  platform: platformSchema.optional(),
  artifactType: z.string().optional(),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export const layoutFileSchema = z.looseObject({
  imageLayoutVersion: z.literal(IMAGE_LAYOUT_VERSION),
});

export const imageIndexSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.enum([MediaType.index, MediaType.dockerManifestList]).optional(),
  manifests: z.array(descriptorSchema),
  annotations: annotationsSchema.optional(),
});
export type ImageIndex = z.infer<typeof imageIndexSchema>;

export const manifestSchema = z.looseObject({
  schemaVersion: z.literal(2),
  mediaType: z.enum([MediaType.manifest, MediaType.dockerManifest]).optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  annotations: annotationsSchema.optional(),
});
export type ImageManifest = z.infer<typeof manifestSchema>;

export const historySchema = z.looseObject({
  created: z.string().optional(),
  created_by: z.string().optional(),
  author: z.string().optional(),
  comment: z.string().optional(),
  empty_layer: z.boolean().optional(),
});
export type HistoryEntry = z.infer<typeof historySchema>;

/** The `config` member of an image config (what a runtime uses to start the container). */
export const runConfigSchema = z.looseObject({
  User: z.string().optional(),
  ExposedPorts: z.record(z.string(), z.object({})).optional(),
  Env: z.array(z.string()).optional(),
  Entrypoint: z.array(z.string()).nullable().optional(),
  Cmd: z.array(z.string()).nullable().optional(),
  Volumes: z.record(z.string(), z.object({})).optional(),
  WorkingDir: z.string().optional(),
  Labels: z.record(z.string(), z.string()).nullable().optional(),
  StopSignal: z.string().optional(),
});
export type RunConfig = z.infer<typeof runConfigSchema>;

export const imageConfigSchema = z.looseObject({
  created: z.string().optional(),
  author: z.string().optional(),
  architecture: z.string().min(1),
  os: z.string().min(1),
  variant: z.string().optional(),
  config: runConfigSchema.optional(),
  rootfs: z.looseObject({
    type: z.literal("layers"),
    diff_ids: z.array(z.string().regex(DIGEST_GRAMMAR, "must be a digest")),
  }),
  history: z.array(historySchema).optional(),
});
export type ImageConfig = z.infer<typeof imageConfigSchema>;

/** `manifests[0].digest` from a zod issue path. */
function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out ? `.${String(key)}` : String(key);
  }
  return out || "(document root)";
}

/**
 * Validates `value` against `schema`; on failure throws E_OCI listing every problem with its
 * JSON path, so a damaged file is reported in one go rather than one field per run.
 */
export function parseSpec<S extends z.ZodType>(schema: S, value: unknown, file: string, what: string, hint: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems: Problem[] = result.error.issues.map((issue) => ({
    file,
    path: formatPath(issue.path),
    message: issue.message,
  }));
  const first = problems[0];
  throw new MkError(
    "E_OCI",
    `${file} is not a valid ${what}: ${first ? `${first.path}: ${first.message}` : "schema mismatch"}` +
      (problems.length > 1 ? ` (and ${problems.length - 1} more problem(s))` : ""),
    { problems, hint },
  );
}

/** Parses JSON text, throwing E_OCI naming the file when it is not JSON at all. */
export function parseJsonText(text: string, file: string, hint: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new MkError("E_OCI", `${file} is not valid JSON: ${(e as Error).message}`, { cause: e, hint });
  }
}

/**
 * Canonical JSON for blobs (manifests, configs): keys sorted recursively, no whitespace. The
 * bytes are what gets digested, so the same object must always serialise the same way.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}
