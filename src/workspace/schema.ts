/**
 * The schemas of the workspace's own files: `mailknight.yaml` (global policy) and
 * `projects/<p>/project.yaml` (a recipe). One zod schema per file; the JSON Schemas in
 * `schemas/` are generated from these (`npm run schemas`) and referenced with `$schema`.
 */
import { z } from "zod";

const nonEmpty = z.string().min(1, "must not be empty");
const sha256Hex = z.string().regex(/^[a-f0-9]{64}$/, "must be 64 lowercase hex characters (a sha256)");
const sha512Hex = z.string().regex(/^[a-f0-9]{128}$/, "must be 128 lowercase hex characters (a sha512)");
const commitHex = z.string().regex(/^[a-f0-9]{40}$/, "must be a full 40-character git commit id");
const absolutePath = z
  .string()
  .regex(/^\/(?!.*(?:^|\/)\.\.(?:\/|$))/, "must be an absolute path inside the image (start with /, no `..` segments)");
const octalMode = z.string().regex(/^0?[0-7]{3,4}$/, "must be an octal file mode such as \"0644\"");
const envMap = z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be a valid environment variable name"), z.string());
const projectName = z
  .string()
  .regex(/^[a-z0-9]+(?:[._-][a-z0-9]+)*$/, "must be lowercase letters, digits and . _ - (it becomes an image repository name)");
const versionName = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._+-]*$/, "must start with a letter or digit and use only letters, digits and . _ + -");

/**
 * Base image reference: `scratch`, or `oci:<layout-dir>:<ref>[@sha256:<hex>]` with the layout
 * path relative to the workspace root. A digest, when given, is verified.
 */
export const baseRefSchema = z
  .string()
  .regex(
    /^(scratch|oci:[^:@]+:[A-Za-z0-9][A-Za-z0-9._:/+-]*(@sha256:[a-f0-9]{64})?)$/,
    "must be `scratch` or `oci:<layout-dir>:<tag>` optionally followed by `@sha256:<digest>`",
  );

export const upstreamSchema = z
  .strictObject({
    git: nonEmpty.optional().describe("Git URL of the upstream repository"),
    github: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be `owner/repo`")
      .optional()
      .describe("GitHub repository as owner/repo (the git URL is derived)"),
    tagPattern: nonEmpty
      .default("^v?(\\d+\\.\\d+\\.\\d+)$")
      .describe("Regular expression that release tags match; the first capture group is the version"),
    track: z.array(nonEmpty).default([]).describe("Version lines to track, e.g. [\"2.11.x\", \"2.12.x\"]"),
  })
  .refine((u) => (u.git === undefined) !== (u.github === undefined), {
    message: "give exactly one of `git` (a URL) or `github` (owner/repo)",
  });

export const gitSourceSchema = z.strictObject({
  tag: nonEmpty.optional().describe("Upstream tag; verified to still point at `commit`"),
  commit: commitHex.optional().describe("The pinned commit; required unless insecure: true"),
  url: nonEmpty.optional().describe("Overrides the upstream git URL for this version"),
});

export const tarballSourceSchema = z
  .strictObject({
    url: nonEmpty,
    sha256: sha256Hex.optional(),
    sha512: sha512Hex.optional(),
    stripComponents: z.number().int().min(0).max(10).optional(),
  });

export const sourceSchema = z
  .strictObject({
    version: versionName.describe("Upstream version this source is, e.g. v1.1.0"),
    git: gitSourceSchema.optional(),
    tarball: tarballSourceSchema.optional(),
  })
  .refine((s) => (s.git === undefined) !== (s.tarball === undefined), {
    message: "give exactly one of `git` or `tarball`",
  });

export const buildSchema = z.strictObject({
  toolchain: z.enum(["c", "go", "custom"]).default("c").describe("Toolchain profile: hardened flags injected"),
  fips: z.boolean().default(false).describe("Build against FIPS-validated crypto (Go: boringcrypto)"),
  env: envMap.default({}),
  steps: z.array(nonEmpty).min(1, "needs at least one build step").describe("Shell commands, run in order in the sandbox"),
  sandbox: z
    .enum(["required", "preferred"])
    .default("preferred")
    .describe("required: fail when bubblewrap cannot run; preferred: build anyway and record hermetic: false"),
});

export const extraFileSchema = z.strictObject({
  src: nonEmpty.describe("Path relative to the project directory"),
  dest: absolutePath,
  mode: octalMode.default("0644"),
});

export const hardenSchema = z.strictObject({
  strip: z.boolean().default(true),
  removeTools: z
    .array(z.string().regex(/^[A-Za-z0-9_.+-]+$/, "must be a plain program name"))
    .default(["curl", "wget", "jq", "perl", "nc"]),
  dropExecBits: z.boolean().default(true),
  keepExec: z.array(absolutePath).default([]),
});

const variantBase = z.strictObject({
  base: baseRefSchema.optional().describe("Base image; defaults to `package.base`"),
  tools: z.array(nonEmpty).optional().describe("dev only: programs to keep that harden.removeTools would remove"),
});

export const packageSchema = z.strictObject({
  base: baseRefSchema.optional().describe("Default base for standard and dev variants"),
  entrypoint: z.array(nonEmpty).optional(),
  cmd: z.array(z.string()).optional(),
  user: nonEmpty.optional().describe("User for standard/dev; distroless always runs as 65532 unless set here"),
  workdir: absolutePath.optional(),
  env: envMap.default({}),
  labels: z.record(z.string(), z.string()).default({}),
  files: z.array(extraFileSchema).default([]),
  caCertificates: z.boolean().default(false).describe("Add the host's CA bundle at /etc/ssl/certs/ca-certificates.crt"),
  harden: hardenSchema.default({ strip: true, removeTools: ["curl", "wget", "jq", "perl", "nc"], dropExecBits: true, keepExec: [] }),
  variants: z
    .strictObject({
      distroless: variantBase.optional(),
      standard: variantBase.optional(),
      dev: variantBase.optional(),
    })
    .default({ distroless: {} }),
});

export const projectSchema = z.strictObject({
  $schema: z.string().optional(),
  name: projectName,
  description: z.string().optional(),
  license: z.string().optional().describe("SPDX license expression of the upstream project"),
  upstream: upstreamSchema,
  sources: z.array(sourceSchema).min(1, "needs at least one source; the first is the default version"),
  insecure: z.boolean().default(false).describe("Allow sources without a pinned commit or hash (never for releases)"),
  build: buildSchema,
  package: packageSchema.default({
    env: {},
    labels: {},
    files: [],
    caCertificates: false,
    harden: { strip: true, removeTools: ["curl", "wget", "jq", "perl", "nc"], dropExecBits: true, keepExec: [] },
    variants: { distroless: {} },
  }),
});

export const workspaceConfigSchema = z.strictObject({
  $schema: z.string().optional(),
  name: nonEmpty.optional(),
  output: z
    .strictObject({
      layout: nonEmpty.default("out/layout").describe("OCI image layout that images are written to (workspace-relative)"),
    })
    .default({ layout: "out/layout" }),
  mirrors: z
    .record(nonEmpty, nonEmpty)
    .default({})
    .describe("URL prefix → replacement, for air-gapped sites (longest prefix wins)"),
  build: z
    .strictObject({
      sandbox: z.enum(["required", "preferred"]).optional().describe("Overrides every recipe's build.sandbox"),
    })
    .default({}),
});

export type ProjectRecipe = z.infer<typeof projectSchema>;
export type SourceEntry = z.infer<typeof sourceSchema>;
export type WorkspaceConfig = z.infer<typeof workspaceConfigSchema>;
export type VariantName = "distroless" | "standard" | "dev";
export const VARIANTS: readonly VariantName[] = ["distroless", "standard", "dev"];
