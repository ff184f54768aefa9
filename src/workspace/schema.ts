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
 * Base image reference: `scratch`; `oci:<layout-dir>:<ref>[@sha256:<hex>]` with the layout path
 * relative to the workspace root; or an image in an OCI registry, `[docker://][registry/]
 * repository[:tag][@sha256:<hex>]` with Docker's defaults (docker.io, `library/`). A digest, when
 * given, is verified; a registry base without one is refused unless the recipe is `insecure: true`
 * (checked by the package stage, which knows the recipe).
 */
const REGISTRY_DOMAIN = "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?";
const REPO_COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REGISTRY_BASE = `(?:docker://)?(?:${REGISTRY_DOMAIN}/)?${REPO_COMPONENT}(?:/${REPO_COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?`;
export const baseRefSchema = z
  .string()
  .regex(
    new RegExp(`^(?:scratch|oci:[^:@]+:[A-Za-z0-9][A-Za-z0-9._:/+-]*(?:@sha256:[a-f0-9]{64})?|${REGISTRY_BASE})$`),
    "must be `scratch`, `oci:<layout-dir>:<tag>[@sha256:<digest>]`, or a registry image `[registry/]repository:tag@sha256:<digest>` (e.g. registry.example.com/library/busybox:1.36@sha256:<64 hex>)",
  );

/** Version schemes a tracking policy can order releases with (ids of src/vuln/versioning). */
export const TRACK_SCHEMES = ["semver", "pep440", "go", "maven", "deb", "rpm", "apk"] as const;

export const upstreamSchema = z
  .strictObject({
    git: nonEmpty.optional().describe("Git URL of the upstream repository"),
    github: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/, "must be `owner/repo`")
      .optional()
      .describe("GitHub repository as owner/repo (the git URL is derived)"),
    gitlab: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)+$/, "must be the project path, e.g. `group/sub/project`")
      .optional()
      .describe("GitLab project path whose releases and tags are polled (use with `git`)"),
    releases: z
      .enum(["github", "gitlab", "git"])
      .optional()
      .describe("Where new releases are looked for; default: github when `github` is set, gitlab when `gitlab` is set, else git tags"),
    apiUrl: nonEmpty
      .regex(/^https?:\/\//, "must be an http(s) URL")
      .optional()
      .describe("Forge API base URL (GitHub Enterprise: https://ghe.example/api/v3; GitLab: https://gitlab.example/api/v4)"),
    tagPattern: nonEmpty
      .default("^v?(\\d+\\.\\d+\\.\\d+)$")
      .describe("Regular expression that release tags match; the first capture group, if any, is the version"),
    stripPrefix: z.string().optional().describe("Prefix removed from a tag to get its version when tagPattern has no capture group (e.g. `release-`)"),
    track: z.array(nonEmpty).default([]).describe("Version lines to track, e.g. [\"2.11.x\", \"2.12.x\"]; empty: the newest release of all"),
    scheme: z.enum(TRACK_SCHEMES).default("semver").describe("Version scheme that orders releases"),
    prereleases: z.boolean().default(false).describe("Take pre-releases (rc, beta, ...; GitHub/GitLab pre-release flag) too"),
    ignore: z.array(nonEmpty).default([]).describe("Tags or versions never to take (e.g. a broken release)"),
    minAge: z
      .string()
      .regex(/^\d+[mhd]$/, "must be a number followed by m, h or d, e.g. 72h or 3d")
      .optional()
      .describe("Only take a release once it is at least this old (gives upstream time to pull a bad one)"),
  })
  .refine((u) => (u.git === undefined) !== (u.github === undefined), {
    message: "give exactly one of `git` (a URL) or `github` (owner/repo)",
  })
  .refine((u) => u.releases !== "gitlab" || u.gitlab !== undefined, {
    message: "releases: gitlab needs `gitlab: <project path>`",
    path: ["gitlab"],
  })
  .refine((u) => u.releases !== "github" || u.github !== undefined, {
    message: "releases: github needs `github: <owner/repo>`",
    path: ["github"],
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
  timeout: z
    .string()
    .regex(/^[1-9]\d*[smh]$/, "must be a number followed by s, m or h, e.g. 90m")
    .default("2h")
    .describe("Longest a single build step may run; a step that runs longer is killed and the build fails"),
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
  registry: z
    .strictObject({
      host: z
        .string()
        .regex(/^[A-Za-z0-9.-]+(?::\d+)?$|^\[[0-9a-fA-F:]+\](?::\d+)?$/, "must be a registry host[:port], e.g. registry.gitlab.com or 127.0.0.1:5000")
        .describe("Registry that `mailknight publish` pushes to"),
      namespace: z
        .string()
        .regex(/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/, "must be lowercase repository path components separated by /, e.g. team/images")
        .optional()
        .describe("Repository prefix: images go to <host>/<namespace>/<project>"),
      insecure: z.boolean().default(false).describe("Allow plain HTTP to this registry (loopback hosts always may)"),
      concurrency: z.number().int().min(1).max(32).default(4).describe("Blob uploads in flight at once"),
    })
    .optional()
    .describe("Where released images are published"),
  signing: z
    .strictObject({
      method: z
        .enum(["auto", "key", "keyless"])
        .default("auto")
        .describe("auto: keyless when an OIDC token is in SIGSTORE_ID_TOKEN (GitLab id_tokens), else the key; key or keyless forces one"),
      key: nonEmpty.optional().describe("Encrypted PKCS#8 or cosign private key, workspace-relative (`mailknight key generate` makes one)"),
      passwordFile: nonEmpty
        .optional()
        .describe("File holding the key's passphrase, workspace-relative; default: the MK_KEY_PASSWORD environment variable"),
      fulcioUrl: nonEmpty.regex(/^https?:\/\//, "must be an http(s) URL").optional().describe("Fulcio for keyless signing (default: Sigstore's public instance)"),
      rekorUrl: nonEmpty.regex(/^https?:\/\//, "must be an http(s) URL").optional().describe("Rekor transparency log (default: Sigstore's public instance)"),
      tsaUrl: nonEmpty.regex(/^https?:\/\//, "must be an http(s) URL").optional().describe("RFC 3161 timestamp authority (default: none)"),
      tlog: z.boolean().default(true).describe("Upload keyless signatures to Rekor (false: private deployments with a TSA)"),
      referrers: z.boolean().default(true).describe("Attach Sigstore bundles as OCI 1.1 referrers (with the sha256-<hex> tag fallback)"),
      legacy: z.boolean().default(true).describe("Also write cosign's legacy sha256-<hex>.sig / .att tags"),
      attest: z.boolean().default(true).describe("Run the attest stage (provenance, SBOM, vulnerability scan, VEX and gate attestations) after sign"),
    })
    .refine((s) => s.method !== "key" || s.key !== undefined, { message: "method: key needs `key: <private key file>`", path: ["key"] })
    .refine((s) => s.referrers || s.legacy, { message: "switch on at least one of `referrers` and `legacy`, or nothing would be attached", path: ["referrers"] })
    .optional()
    .describe("When set, `mailknight run` signs and attests every release after its gate passes, and `publish` refuses unsigned releases"),
  gate: z
    .strictObject({
      failOn: z
        .array(z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"]))
        .default(["CRITICAL", "HIGH"])
        .describe("Severities that fail the gate unless a VEX statement says not_affected or fixed"),
      unknownSeverityAs: z
        .enum(["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE"])
        .default("HIGH")
        .describe("What a finding of UNKNOWN severity counts as (default HIGH: unknown is not safe)"),
      failOnUnreviewed: z.boolean().default(false).describe("Fail on any finding, whatever its severity, that no VEX statement covers"),
      requireJustification: z
        .boolean()
        .default(true)
        .describe("A not_affected statement suppresses only when it carries a justification label (not just an impact statement)"),
      maxDataAgeDays: z.number().int().min(1).optional().describe("Vulnerability data older than this many days is a problem"),
      dataAgeAction: z.enum(["fail", "warn"]).default("fail").describe("What stale (or undated) vulnerability data does: fail the gate or warn"),
      allowMissingData: z
        .boolean()
        .default(false)
        .describe("Let the pipeline's gate pass when no vulnerability data was imported at all (the scan then matched against nothing)"),
      hardening: z
        .strictObject({
          require: z
            .array(z.enum(["pie", "relro", "bindnow", "stack-protector", "fortify"]))
            .default(["pie", "relro", "bindnow", "stack-protector", "fortify"])
            .describe("Hardening properties every ELF executable and shared object the build shipped must have (where they apply)"),
          exempt: z
            .array(
              z.strictObject({
                path: z.string().regex(/^\//, "must be an absolute in-image path").describe("In-image path of the file, e.g. /usr/lib/libfoo.so.1"),
                properties: z
                  .array(z.enum(["pie", "relro", "bindnow", "stack-protector", "fortify", "fips"]))
                  .min(1)
                  .optional()
                  .describe("The properties exempted (default: every property, including an unreadable file)"),
                reason: z.string().trim().min(1, "an exemption needs a reason").describe("Why the file may ship without them (required)"),
              }),
            )
            .default([])
            .describe("Files allowed to miss required properties, each with a reason"),
        })
        .default({ require: ["pie", "relro", "bindnow", "stack-protector", "fortify"], exempt: [] })
        .describe("Hardening and FIPS check of the binaries the build shipped (FIPS is required when the recipe says build.fips: true)"),
    })
    .default({
      failOn: ["CRITICAL", "HIGH"],
      unknownSeverityAs: "HIGH",
      failOnUnreviewed: false,
      requireJustification: true,
      dataAgeAction: "fail",
      allowMissingData: false,
      hardening: { require: ["pie", "relro", "bindnow", "stack-protector", "fortify"], exempt: [] },
    })
    .describe("Release gate policy: which findings and which unhardened binaries block a release"),
});

export type ProjectRecipe = z.infer<typeof projectSchema>;
export type UpstreamConfig = z.infer<typeof upstreamSchema>;
export type SourceEntry = z.infer<typeof sourceSchema>;
export type WorkspaceConfig = z.infer<typeof workspaceConfigSchema>;
export type VariantName = "distroless" | "standard" | "dev";
export const VARIANTS: readonly VariantName[] = ["distroless", "standard", "dev"];
