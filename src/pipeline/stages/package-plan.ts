/**
 * The pure part of packaging: for each variant, which base, which hardening, which image config,
 * annotations and tags. No I/O here, so the decisions are easy to test and to read.
 */
import type { ProjectRecipe, VariantName } from "../../workspace/schema.js";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const NONROOT_UID = 65532;
/** Shells never ship in a distroless image, whatever the recipe says. */
export const SHELLS = ["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"];

export interface VariantPlan {
  variant: VariantName;
  /** `scratch` or `oci:<dir>:<ref>[@digest]` */
  base: string;
  harden: { strip: boolean; removeTools: string[]; dropExecBits: boolean; keepExec: string[] };
  /** distroless only: write /etc/passwd, /etc/group, /tmp, /home/nonroot */
  nonrootFiles: boolean;
  caCertificates: boolean;
  config: {
    user?: string;
    entrypoint?: string[];
    cmd?: string[];
    env: Record<string, string>;
    workingDir?: string;
    labels: Record<string, string>;
  };
  tagSuffix: string;
}

export interface ImageMetadata {
  project: string;
  version: string;
  sourceUrl?: string;
  revision?: string;
  created: string;
  fips: boolean;
  hermetic: boolean;
  patches: number;
  license?: string;
  description?: string;
}

export function enabledVariants(recipe: ProjectRecipe, only?: VariantName[]): VariantName[] {
  const all = (["distroless", "standard", "dev"] as const).filter((v) => recipe.package.variants[v] !== undefined);
  return only ? all.filter((v) => only.includes(v)) : all;
}

export function planVariant(recipe: ProjectRecipe, variant: VariantName): VariantPlan {
  const pkg = recipe.package;
  const spec = pkg.variants[variant] ?? {};
  const labels = { ...pkg.labels };
  const env = { PATH: DEFAULT_PATH, ...pkg.env };
  const common = { entrypoint: pkg.entrypoint, cmd: pkg.cmd, workingDir: pkg.workdir, labels };
  switch (variant) {
    case "distroless": {
      const caCertificates = pkg.caCertificates;
      return {
        variant,
        base: spec.base ?? "scratch",
        harden: {
          strip: pkg.harden.strip,
          removeTools: unique([...pkg.harden.removeTools, ...SHELLS]),
          dropExecBits: pkg.harden.dropExecBits,
          keepExec: pkg.harden.keepExec,
        },
        nonrootFiles: true,
        caCertificates,
        config: {
          ...common,
          user: pkg.user ?? `${NONROOT_UID}:${NONROOT_UID}`,
          env: caCertificates ? { SSL_CERT_FILE: "/etc/ssl/certs/ca-certificates.crt", ...env } : env,
        },
        tagSuffix: "-distroless",
      };
    }
    case "standard":
      return {
        variant,
        base: (spec.base ?? pkg.base)!,
        harden: { ...pkg.harden },
        nonrootFiles: false,
        caCertificates: pkg.caCertificates,
        config: { ...common, user: pkg.user, env },
        tagSuffix: "",
      };
    case "dev": {
      // dev keeps symbols and the tools a developer needs; it is for debugging, not production.
      const keep = new Set(spec.tools ?? []);
      return {
        variant,
        base: (spec.base ?? pkg.base)!,
        harden: { strip: false, removeTools: pkg.harden.removeTools.filter((t) => !keep.has(t)), dropExecBits: false, keepExec: [] },
        nonrootFiles: false,
        caCertificates: pkg.caCertificates,
        config: { ...common, user: pkg.user, env },
        tagSuffix: "-dev",
      };
    }
  }
}

/** `org.opencontainers.image.*` and `dev.mailknight.*` annotations (also used as labels). */
export function imageAnnotations(meta: ImageMetadata, variant: VariantName): Record<string, string> {
  const a: Record<string, string> = {
    "org.opencontainers.image.title": meta.project,
    "org.opencontainers.image.version": meta.version,
    "org.opencontainers.image.created": meta.created,
    "dev.mailknight.project": meta.project,
    "dev.mailknight.upstream-version": meta.version,
    "dev.mailknight.variant": variant,
    "dev.mailknight.fips": String(meta.fips),
    "dev.mailknight.hermetic": String(meta.hermetic),
    "dev.mailknight.patches": String(meta.patches),
  };
  if (meta.sourceUrl) a["org.opencontainers.image.source"] = meta.sourceUrl;
  if (meta.revision) a["org.opencontainers.image.revision"] = meta.revision;
  if (meta.license) a["org.opencontainers.image.licenses"] = meta.license;
  if (meta.description) a["org.opencontainers.image.description"] = meta.description;
  return a;
}

/** `<project>:<version>-lts.<YYYYMMDD><suffix>` and the moving `<project>:<version><suffix>`. */
export function imageTags(project: string, version: string, releaseDate: string, suffix: string): string[] {
  return [`${project}:${version}-lts.${releaseDate}${suffix}`, `${project}:${version}${suffix}`];
}

export function releaseDateOf(now: Date): string {
  return now.toISOString().slice(0, 10).replaceAll("-", "");
}

export function passwdFile(): string {
  return ["root:x:0:0:root:/root:/sbin/nologin", `nonroot:x:${NONROOT_UID}:${NONROOT_UID}:nonroot:/home/nonroot:/sbin/nologin`, ""].join("\n");
}

export function groupFile(): string {
  return ["root:x:0:", `nonroot:x:${NONROOT_UID}:`, ""].join("\n");
}

function unique(list: string[]): string[] {
  return [...new Set(list)].sort();
}
