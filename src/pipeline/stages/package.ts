/**
 * package: hardens a copy of the built rootfs per variant and assembles OCI images into the
 * workspace's output layout, daemonlessly and deterministically.
 */
import { chmod, copyFile, cp, mkdir, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { hardenRootfs } from "../../harden/index.js";
import { OciLayout, assembleImage, readImage, writeLayerFromDir, type Descriptor, type ResolvedImage } from "../../oci/index.js";
import { imagePaths, whiteoutBaseTools } from "./base-whiteouts.js";
import { MkError } from "../../errors.js";
import { sha256File, digestOfJson } from "../../util/digest.js";
import { pathExists, safeJoinInRoot } from "../../util/fs.js";
import { paths } from "../../workspace/workspace.js";
import type { VariantName } from "../../workspace/schema.js";
import { recordOf, sourceDateEpochOf, type StageContext, type StageDefinition } from "../context.js";
import {
  enabledVariants,
  groupFile,
  imageAnnotations,
  imageTags,
  parseBase,
  passwdFile,
  planVariant,
  releaseDateOf,
  unpinnedBaseProblems,
  type BaseSpec,
  type VariantPlan,
} from "./package-plan.js";
import { baseCacheDir, ensureRegistryBase, insecureRegistriesOf, resolveRegistryTag } from "./registry-base.js";

const HOST_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

export interface PackagedImage {
  variant: VariantName;
  digest: string;
  /** The manifest's descriptor, as tags in the layout's index.json point to it. */
  descriptor: Descriptor;
  /** Manifest + config + every layer, compressed. */
  size: number;
  baseDigest?: string;
  /** The base as base.name records it (a registry base: fully qualified, without the digest). */
  baseName?: string;
  /** True when an insecure recipe named a registry base by tag only and it was resolved now. */
  baseUnpinned?: boolean;
  /** Digest of the layer holding the build's rootfs: what the gate's binary check judges. */
  builtLayer?: string;
}

interface ResolvedBase {
  layout: OciLayout;
  /** Tag or digest of the base inside `layout`. */
  ref: string;
  /** The base's manifest digest for the platform (what base.digest and the record say). */
  digest: string;
  image: ResolvedImage;
  /** What goes into org.opencontainers.image.base.name. */
  name: string;
  /** A registry base (served from the workspace's base cache). */
  registry?: boolean;
  /** A registry base named by tag only (insecure recipes), resolved at package time. */
  unpinned?: boolean;
}

/** Every base problem of the recipe at once (unparseable, or a registry base without a digest). */
function checkBases(ctx: StageContext): void {
  const file = relative(ctx.ws.root, paths.projectFile(ctx.ws.root, ctx.project));
  const problems = unpinnedBaseProblems(ctx.recipe, file);
  if (problems.length > 0) {
    throw new MkError("E_CONFIG_INVALID", `${file} has ${problems.length} base image problem${problems.length === 1 ? "" : "s"}`, {
      problems,
      hint: "pin every registry base by digest (repo:tag@sha256:<digest>); a recipe with insecure: true may name a tag, resolved at package time",
    });
  }
}

function parseOrThrow(base: string): BaseSpec {
  const spec = parseBase(base);
  if (!spec) {
    throw new MkError("E_CONFIG_INVALID", `base "${base}" is not scratch, oci:<layout-dir>:<tag>[@sha256:<digest>] or [registry/]repository:tag@sha256:<digest>`, {
      hint: "fix package.base / package.variants.<variant>.base in the recipe",
    });
  }
  return spec;
}

/**
 * The digest that identifies a base for the cache key, without network for everything pinned:
 * `scratch`, an `oci:` base's manifest digest (read from the layout), a registry base's pinned
 * digest. Only an unpinned registry base (insecure recipes) asks the registry what its tag is now.
 */
async function baseIdentity(ctx: StageContext, base: string): Promise<string> {
  const spec = parseOrThrow(base);
  if (spec.kind === "scratch") return "scratch";
  if (spec.kind === "oci") return (await resolveOciBase(base, spec, ctx.ws.root)).digest;
  if (spec.reference.digest) return spec.reference.digest;
  const digest = await resolveRegistryTag(spec.reference, { cacheDir: baseCacheDir(ctx.ws), insecureRegistries: insecureRegistriesOf(ctx.ws) });
  ctx.emit({
    type: "log",
    stage: "package",
    level: "warn",
    message: `base ${spec.name} is not pinned (insecure: true): its tag resolved to ${digest} now; pin it as ${spec.name}@${digest}`,
  });
  return digest;
}

async function resolveOciBase(base: string, parsed: Extract<BaseSpec, { kind: "oci" }>, root: string): Promise<ResolvedBase> {
  const layoutDir = resolve(root, parsed.layoutDir);
  if (!(await pathExists(layoutDir))) {
    throw new MkError("E_NOT_FOUND", `base image layout ${layoutDir} does not exist (from base "${base}")`, {
      hint: "create the base image first (the example does it with examples/bases/make-busybox-base.sh)",
    });
  }
  const layout = await OciLayout.open(layoutDir);
  const image = await readImage(layout, parsed.ref);
  if (parsed.digest && image.descriptor.digest !== parsed.digest) {
    throw new MkError("E_INTEGRITY", `base "${base}" resolves to ${image.descriptor.digest}, not the pinned ${parsed.digest}`, {
      hint: "the base layout changed; re-pin the base digest only if you trust the new image",
    });
  }
  return { layout, ref: parsed.ref, digest: image.descriptor.digest, image, name: base };
}

/**
 * Resolves a base to its image, verifying a pinned digest. A registry base comes from the
 * workspace's base cache, pulled first when missing; `identity` is the digest the stage's inputs
 * recorded for it (so an insecure tag is not resolved twice to different images).
 */
async function resolveBase(ctx: StageContext, base: string, identity?: string): Promise<ResolvedBase | undefined> {
  const spec = parseOrThrow(base);
  if (spec.kind === "scratch") return undefined;
  if (spec.kind === "oci") return await resolveOciBase(base, spec, ctx.ws.root);
  const digest = spec.reference.digest ?? identity ?? (await baseIdentity(ctx, base));
  const cached = await ensureRegistryBase(spec.reference, digest, { cacheDir: baseCacheDir(ctx.ws), insecureRegistries: insecureRegistriesOf(ctx.ws) });
  if (cached.pulled) ctx.emit({ type: "log", stage: "package", level: "info", message: `pulled base ${spec.name}@${digest} into ${relative(ctx.ws.root, baseCacheDir(ctx.ws))}` });
  return {
    layout: cached.layout,
    ref: digest,
    digest: cached.image.descriptor.digest,
    image: cached.image,
    name: spec.name,
    registry: true,
    ...(spec.reference.digest ? {} : { unpinned: true }),
  };
}

async function extraFileDigests(ctx: StageContext): Promise<{ dest: string; mode: string; digest: string }[]> {
  const dir = paths.projectDir(ctx.ws.root, ctx.project);
  const out = [];
  for (const f of ctx.recipe.package.files) out.push({ dest: f.dest, mode: f.mode, digest: await sha256File(join(dir, f.src)) });
  return out;
}

async function installExtraFiles(ctx: StageContext, rootfs: string, plan: VariantPlan): Promise<void> {
  const dir = paths.projectDir(ctx.ws.root, ctx.project);
  for (const f of ctx.recipe.package.files) {
    const target = await safeJoinInRoot(rootfs, f.dest).catch((e: Error) => {
      throw new MkError("E_CONFIG_INVALID", `package.files dest ${f.dest}: ${e.message}`);
    });
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(dir, f.src), target);
    await chmod(target, Number.parseInt(f.mode, 8));
  }
  if (plan.caCertificates) {
    const target = await safeJoinInRoot(rootfs, HOST_CA_BUNDLE);
    await mkdir(dirname(target), { recursive: true });
    await copyFile(HOST_CA_BUNDLE, target).catch((e: unknown) => {
      throw new MkError("E_TOOL_MISSING", `package.caCertificates is set but ${HOST_CA_BUNDLE} is missing on this machine`, {
        cause: e,
        hint: "install Debian's ca-certificates (scripts/install-deps.sh does)",
      });
    });
    await chmod(target, 0o644);
  }
}

/** The files that make a scratch image usable by a nonroot user. */
async function writeNonrootFiles(dir: string): Promise<void> {
  await mkdir(join(dir, "etc"), { recursive: true });
  await writeFile(join(dir, "etc/passwd"), passwdFile(), { mode: 0o644 });
  await writeFile(join(dir, "etc/group"), groupFile(), { mode: 0o644 });
  await mkdir(join(dir, "home/nonroot"), { recursive: true });
  await mkdir(join(dir, "tmp"), { recursive: true });
  await chmod(join(dir, "tmp"), 0o1777);
}

async function packageVariant(ctx: StageContext, dir: string, plan: VariantPlan, layout: OciLayout, baseIdentity: string | undefined): Promise<PackagedImage & { harden: unknown }> {
  const sde = sourceDateEpochOf(ctx);
  const build = recordOf(ctx, "build");
  const fetched = recordOf(ctx, "fetch");
  const patched = recordOf(ctx, "patch");
  const variantDir = join(dir, plan.variant);
  const rootfs = join(variantDir, "rootfs");
  await cp(build.outputs.rootfsDir as string, rootfs, { recursive: true, verbatimSymlinks: true, preserveTimestamps: false });
  await installExtraFiles(ctx, rootfs, plan);
  const hardenReport = await hardenRootfs(rootfs, plan.harden);
  const base = await resolveBase(ctx, plan.base, baseIdentity);
  const whiteouts = base && plan.harden.removeTools.length > 0
    ? await whiteoutBaseTools(rootfs, await imagePaths(base.layout, base.image.manifest.layers), plan.harden.removeTools)
    : [];

  const layers = [];
  if (plan.nonrootFiles) {
    const baseFiles = join(variantDir, "nonroot");
    await writeNonrootFiles(baseFiles);
    layers.push(await writeLayerFromDir(layout, baseFiles, { sourceDateEpoch: sde }));
  }
  const builtLayer = await writeLayerFromDir(layout, rootfs, { sourceDateEpoch: sde });
  layers.push(builtLayer);

  const created = new Date(sde * 1000).toISOString();
  const annotations = imageAnnotations(
    {
      project: ctx.project,
      version: ctx.version,
      sourceUrl: (fetched.outputs.url as string | undefined) ?? undefined,
      revision: (fetched.outputs.upstreamCommit as string | undefined) ?? (fetched.outputs.commit as string),
      created,
      fips: ctx.recipe.build.fips,
      hermetic: build.hermetic,
      patches: (patched.outputs.patches as unknown[]).length,
      license: ctx.recipe.license,
      description: ctx.recipe.description,
    },
    plan.variant,
  );
  const image = await assembleImage(layout, {
    base: base ? { layout: base.layout, ref: base.ref, name: base.name } : undefined,
    layers,
    config: { ...plan.config, labels: { ...annotations, ...plan.config.labels } },
    annotations,
    created,
  });
  const size = image.manifestDescriptor.size + image.configDescriptor.size + image.manifest.layers.reduce((n: number, l: { size: number }) => n + l.size, 0);
  return {
    variant: plan.variant,
    digest: image.manifestDescriptor.digest,
    descriptor: image.manifestDescriptor,
    size,
    baseDigest: base?.digest,
    ...(base?.registry ? { baseName: base.name } : {}),
    ...(base?.unpinned ? { baseUnpinned: true } : {}),
    harden: { ...hardenReport, baseToolsRemoved: whiteouts },
    builtLayer: builtLayer.descriptor.digest,
  };
}

export const packageStage: StageDefinition = {
  name: "package",
  async inputs(ctx) {
    const variants = enabledVariants(ctx.recipe, ctx.options.variants);
    const plans = variants.map((v) => planVariant(ctx.recipe, v));
    checkBases(ctx);
    // Pinned bases are identified by digest without network; the same base string resolves once.
    const identities = new Map<string, string>();
    const bases: Record<string, string> = {};
    for (const p of plans) {
      if (!identities.has(p.base)) identities.set(p.base, await baseIdentity(ctx, p.base));
      bases[p.variant] = identities.get(p.base)!;
    }
    return {
      rootfs: recordOf(ctx, "build").outputDigest,
      hermetic: recordOf(ctx, "build").hermetic,
      sourceDateEpoch: sourceDateEpochOf(ctx),
      upstream: { url: recordOf(ctx, "fetch").outputs.url, commit: recordOf(ctx, "fetch").outputs.upstreamCommit ?? null },
      patches: recordOf(ctx, "patch").outputs.patches,
      recipe: { license: ctx.recipe.license ?? null, description: ctx.recipe.description ?? null, fips: ctx.recipe.build.fips },
      plans,
      bases,
      files: await extraFileDigests(ctx),
      layout: ctx.ws.layoutDir,
    };
  },
  async outputsIntact(ctx, record) {
    const images = record.outputs.images as PackagedImage[];
    if (!(await pathExists(ctx.ws.layoutDir))) return false;
    const layout = await OciLayout.open(ctx.ws.layoutDir);
    for (const img of images) if (!(await layout.hasBlob(img.digest))) return false;
    return true;
  },
  async run(ctx, dir, inputs) {
    checkBases(ctx);
    const identities = (inputs.bases ?? {}) as Record<string, string>;
    const layout = await OciLayout.create(ctx.ws.layoutDir);
    const images = [];
    const hardening: Record<string, unknown> = {};
    for (const variant of enabledVariants(ctx.recipe, ctx.options.variants)) {
      const { harden, ...img } = await packageVariant(ctx, dir, planVariant(ctx.recipe, variant), layout, identities[variant]);
      images.push(img);
      hardening[variant] = harden;
    }
    return { outputs: { images, hardening, layoutDir: ctx.ws.layoutDir }, outputDigest: digestOfJson(images.map((i) => [i.variant, i.digest])) };
  },
};

/** Points the release tags at the packaged manifests (cheap; runs after a skipped stage too). */
export async function tagImages(ctx: StageContext, images: PackagedImage[]): Promise<Record<string, string[]>> {
  const layout = await OciLayout.create(ctx.ws.layoutDir);
  const date = ctx.options.releaseDate ?? releaseDateOf((ctx.options.now ?? (() => new Date()))());
  const tags: Record<string, string[]> = {};
  for (const img of images) {
    const plan = planVariant(ctx.recipe, img.variant);
    const names = imageTags(ctx.project, ctx.version, date, plan.tagSuffix);
    for (const name of names) await layout.tag(name, img.descriptor);
    tags[img.variant] = names;
  }
  return tags;
}
