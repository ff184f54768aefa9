/**
 * The pure part of packaging: for each variant, which base, which hardening, which image config,
 * annotations and tags. No I/O here, so the decisions are easy to test and to read.
 */
import type { Problem } from "../../errors.js";
import { formatReference, parseReference, type ImageReference } from "../../oci/registry/reference.js";
import type { ProjectRecipe, VariantName } from "../../workspace/schema.js";

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
export const NONROOT_UID = 65532;
/** Shells never ship in a distroless image, whatever the recipe says. */
export const SHELLS = ["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"];

export interface VariantPlan {
  variant: VariantName;
  /** `scratch`, `oci:<dir>:<ref>[@digest]` or a registry reference (see parseBase) */
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

/** What a base string names. Pure: layout paths stay as written (workspace-relative). */
export type BaseSpec =
  | { kind: "scratch" }
  | { kind: "oci"; layoutDir: string; ref: string; digest?: string }
  /** `name` is the fully qualified reference without the digest (it goes into base.name). */
  | { kind: "registry"; reference: ImageReference; name: string };

/**
 * Parses a base: `scratch`, `oci:<layout-dir>:<tag>[@sha256:..]`, or `[docker://]<reference>`
 * with Docker's defaults (docker.io, library/). Throws E_USAGE (from the reference parser) or
 * returns undefined for something that is none of these.
 */
export function parseBase(base: string): BaseSpec | undefined {
  if (base === "scratch") return { kind: "scratch" };
  if (base.startsWith("oci:")) {
    const m = /^oci:([^:@]+):([^@]+)(?:@(sha256:[a-f0-9]{64}))?$/.exec(base);
    return m ? { kind: "oci", layoutDir: m[1]!, ref: m[2]!, ...(m[3] ? { digest: m[3] } : {}) } : undefined;
  }
  const text = base.startsWith("docker://") ? base.slice("docker://".length) : base;
  let reference: ImageReference;
  try {
    reference = parseReference(text);
  } catch {
    return undefined;
  }
  if (reference.digest !== undefined && !reference.digest.startsWith("sha256:")) return undefined;
  const name = formatReference({ ...reference, tag: reference.tag ?? (reference.digest ? undefined : "latest"), digest: undefined });
  return { kind: "registry", reference, name };
}

/** Every base a recipe names, with its YAML path, in a stable order. */
export function recipeBases(recipe: ProjectRecipe): { path: string; base: string }[] {
  const out: { path: string; base: string }[] = [];
  if (recipe.package.base !== undefined) out.push({ path: "package.base", base: recipe.package.base });
  for (const v of ["distroless", "standard", "dev"] as const) {
    const b = recipe.package.variants[v]?.base;
    if (b !== undefined) out.push({ path: `package.variants.${v}.base`, base: b });
  }
  return out;
}

/**
 * Registry bases without a digest, as problems naming the recipe file and field, unless the
 * recipe says `insecure: true` (then the tag is resolved at package time and the digest recorded).
 */
export function unpinnedBaseProblems(recipe: ProjectRecipe, file: string): Problem[] {
  const problems: Problem[] = [];
  for (const { path, base } of recipeBases(recipe)) {
    const spec = parseBase(base);
    if (spec === undefined) {
      problems.push({
        file,
        path,
        value: JSON.stringify(base),
        message: "is not a base image: use scratch, oci:<layout-dir>:<tag>[@sha256:<digest>] or [registry/]repository:tag@sha256:<digest>",
      });
    } else if (spec.kind === "registry" && spec.reference.digest === undefined && !recipe.insecure) {
      problems.push({
        file,
        path,
        value: JSON.stringify(base),
        message: `registry base has no digest: append @sha256:<digest> (\`mailknight pin fix ${file}\` resolves the tag) or set insecure: true`,
      });
    }
  }
  return problems;
}

function unique(list: string[]): string[] {
  return [...new Set(list)].sort();
}
