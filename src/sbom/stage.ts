/**
 * sbom: catalogs every image variant the package stage built, straight from the output layout,
 * and writes `<variant>.cdx.json` and `<variant>.spdx.json` into the stage directory. The built
 * project itself (upstream identity, applied patches) comes from the recipe and the fetch and
 * patch records. Inputs: the package output digest, the cataloger versions and those project
 * facts — so a new cataloger version re-runs the stage, an unchanged image does not.
 */
import { readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { MkError } from "../errors.js";
import { recordOf, sourceDateEpochOf, type StageContext, type StageDefinition } from "../pipeline/context.js";
import type { PackagedImage } from "../pipeline/stages/package.js";
import { digestOfJson, sha256File } from "../util/digest.js";
import { paths, upstreamGitUrl } from "../workspace/workspace.js";
import type { ProjectFacts } from "./catalogers/types.js";
import { catalogerVersions, generateSbom } from "./generate.js";
import type { PatchInfo } from "./model.js";
import { writeSbom } from "./render.js";
import { OciImageSource } from "./source/oci.js";

/** Patches larger than this are referenced, not embedded, in the CycloneDX pedigree. */
const MAX_EMBEDDED_PATCH = 256 * 1024;

export interface SbomOutput {
  variant: string;
  imageDigest: string;
  components: number;
  warnings: number;
  cyclonedx: { path: string; digest: string };
  spdx: { path: string; digest: string };
}

interface RecordedPatch {
  name: string;
  digest: string;
  commit?: string;
}

/** What the recipe and the records say about the build, without reading patch bodies (cheap). */
function projectFacts(ctx: StageContext): ProjectFacts {
  const fetched = recordOf(ctx, "fetch").outputs;
  const patched = recordOf(ctx, "patch").outputs;
  const patchDir = relative(ctx.ws.root, paths.patchDir(ctx.ws.root, ctx.project, ctx.version));
  const patches: PatchInfo[] = ((patched.patches as RecordedPatch[] | undefined) ?? []).map((p) => ({
    name: p.name,
    digest: p.digest,
    path: `${patchDir}/${p.name}`,
    ...(p.commit ? { commit: p.commit } : {}),
  }));
  const facts: ProjectFacts = { name: ctx.project, version: ctx.version, patches };
  if (ctx.recipe.license) facts.license = ctx.recipe.license;
  if (ctx.recipe.description) facts.description = ctx.recipe.description;
  if (ctx.recipe.upstream.github) facts.github = ctx.recipe.upstream.github;
  if (ctx.source.git) {
    const url = ctx.source.git.url ?? upstreamGitUrl(ctx.recipe);
    if (url) facts.gitUrl = url;
  }
  if (ctx.source.tarball) facts.tarballUrl = ctx.source.tarball.url;
  if (typeof fetched.upstreamCommit === "string") facts.upstreamCommit = fetched.upstreamCommit;
  if (typeof fetched.tarballDigest === "string") facts.tarballDigest = fetched.tarballDigest;
  if (typeof patched.commit === "string") facts.builtCommit = patched.commit;
  return facts;
}

/** Embeds each patch's text when the file still has the recorded digest (else only references it). */
async function withPatchTexts(ctx: StageContext, facts: ProjectFacts): Promise<ProjectFacts> {
  const patches: PatchInfo[] = [];
  for (const p of facts.patches) {
    const file = join(ctx.ws.root, p.path ?? "");
    const bytes = await readFile(file).catch(() => undefined);
    const matches = bytes && bytes.byteLength <= MAX_EMBEDDED_PATCH && (await sha256File(file)) === p.digest;
    patches.push(matches ? { ...p, text: bytes.toString("utf8") } : p);
  }
  return { ...facts, patches };
}

export const sbomStage: StageDefinition = {
  name: "sbom",
  async inputs(ctx) {
    return {
      package: recordOf(ctx, "package").outputDigest,
      catalogers: catalogerVersions(),
      project: digestOfJson(projectFacts(ctx)),
      sourceDateEpoch: sourceDateEpochOf(ctx),
    };
  },
  async outputsIntact(_ctx, record) {
    const sboms = (record.outputs.sboms as SbomOutput[] | undefined) ?? [];
    for (const s of sboms) {
      for (const f of [s.cyclonedx, s.spdx]) {
        const actual = await sha256File(f.path).catch(() => undefined);
        if (actual !== f.digest) return false;
      }
    }
    return true;
  },
  async run(ctx, dir) {
    const pkg = recordOf(ctx, "package");
    const images = pkg.outputs.images as PackagedImage[] | undefined;
    const layoutDir = pkg.outputs.layoutDir as string | undefined;
    if (!images || !layoutDir) throw new MkError("E_INTERNAL", `the package record of ${ctx.ref} has no images or layoutDir`);
    const project = await withPatchTexts(ctx, projectFacts(ctx));
    const created = new Date(sourceDateEpochOf(ctx) * 1000);
    const sboms: SbomOutput[] = [];
    for (const img of images) {
      const source = await OciImageSource.open(layoutDir, img.digest);
      const doc = await generateSbom(source, {
        project,
        created,
        onProgress: (files) => ctx.emit({ type: "progress", stage: "sbom", label: `${img.variant}: entries read`, done: files, unit: "files" }),
      });
      doc.subject.properties["mailknight:variant"] = img.variant;
      doc.subject.properties["mailknight:project"] = `${ctx.project}@${ctx.version}`;
      for (const w of doc.warnings) ctx.emit({ type: "log", stage: "sbom", level: "warn", message: `${img.variant}: ${w}` });
      const cdxPath = join(dir, `${img.variant}.cdx.json`);
      const spdxPath = join(dir, `${img.variant}.spdx.json`);
      const cdx = await writeSbom(cdxPath, doc, "cyclonedx-json");
      const spdx = await writeSbom(spdxPath, doc, "spdx-json");
      sboms.push({
        variant: img.variant,
        imageDigest: img.digest,
        components: doc.components.length,
        warnings: doc.warnings.length,
        cyclonedx: { path: cdxPath, digest: cdx.digest },
        spdx: { path: spdxPath, digest: spdx.digest },
      });
      ctx.emit({ type: "log", stage: "sbom", level: "info", message: `${img.variant}: ${doc.components.length} components (${doc.warnings.length} warnings)` });
    }
    return {
      outputs: { sboms, componentCounts: Object.fromEntries(sboms.map((s) => [s.variant, s.components])) },
      outputDigest: digestOfJson(sboms.map((s) => [s.variant, s.cyclonedx.digest, s.spdx.digest])),
      toolVersions: Object.fromEntries(Object.entries(catalogerVersions()).map(([k, v]) => [`cataloger:${k}`, v])),
    };
  },
};
