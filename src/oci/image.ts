/**
 * Images in a layout: read one (following an index to the platform's manifest), assemble one from
 * a base and our layers, and build a single-layer image from a rootfs directory. The JSON is
 * planned by config.ts (pure); this module reads and writes blobs.
 */
import { MkError } from "../errors.js";
import { isDigest } from "../util/digest.js";
import { planConfig, planManifest, isoFromEpoch, type HistoryInput, type ImageConfigInput } from "./config.js";
import { writeLayerFromDir, type DirLayerOptions, type LayerResult } from "./layer.js";
import type { OciLayout } from "./layout.js";
import {
  MediaType,
  canonicalJson,
  imageConfigSchema,
  imageIndexSchema,
  manifestSchema,
  parseSpec,
  type Descriptor,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
} from "./spec.js";

export const DEFAULT_PLATFORM: Platform = { os: "linux", architecture: "amd64" };

export interface ResolvedImage {
  /** Descriptor of the platform-specific manifest. */
  descriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  /** The index the tag pointed to, when it pointed to one. */
  index?: { descriptor: Descriptor; index: ImageIndex };
}

const INDEX_TYPES: string[] = [MediaType.index, MediaType.dockerManifestList];
const MANIFEST_TYPES: string[] = [MediaType.manifest, MediaType.dockerManifest];

function describePlatform(p: Platform | undefined): string {
  if (!p) return "(no platform)";
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ""}`;
}

function platformMatches(candidate: Platform | undefined, wanted: Platform): boolean {
  if (!candidate) return false;
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  return wanted.variant === undefined || candidate.variant === wanted.variant;
}

/** Reads a descriptor's blob as a document of the kind its media type says (index or manifest). */
async function readDocument(layout: OciLayout, d: Descriptor): Promise<{ kind: "index"; doc: ImageIndex } | { kind: "manifest"; doc: ImageManifest }> {
  const json = await layout.readJson(d.digest);
  const file = layout.blobPath(d.digest);
  const hint = "the image in the layout is damaged or not an image; copy it into the layout again";
  const declared = (json as { mediaType?: unknown })?.mediaType;
  if (d.mediaType && typeof declared === "string" && declared !== d.mediaType) {
    throw new MkError("E_OCI", `${file} says its media type is ${declared} but the descriptor pointing to it says ${d.mediaType}`, { hint });
  }
  // A bare digest ref has no descriptor media type yet: take it from the document itself.
  const mediaType = d.mediaType || declared;
  if (typeof mediaType === "string" && INDEX_TYPES.includes(mediaType)) {
    return { kind: "index", doc: parseSpec(imageIndexSchema, json, file, "image index", hint) };
  }
  if (typeof mediaType === "string" && MANIFEST_TYPES.includes(mediaType)) {
    return { kind: "manifest", doc: parseSpec(manifestSchema, json, file, "image manifest", hint) };
  }
  throw new MkError("E_OCI", `${file} has media type ${JSON.stringify(mediaType)}, which is neither an image manifest nor an image index`, {
    hint: "point at an image tag or digest, not at an artifact or layer",
  });
}

/**
 * Reads the image `ref` (a tag in index.json, or a `sha256:` manifest/index digest) from
 * `layout`. An index is followed to the manifest for `platform` (default linux/amd64).
 */
export async function readImage(layout: OciLayout, ref: string, platform: Platform = DEFAULT_PLATFORM): Promise<ResolvedImage> {
  let top: Descriptor | undefined;
  if (isDigest(ref)) {
    const data = await layout.readBlob(ref);
    top = { mediaType: "", digest: ref, size: data.byteLength };
  } else {
    top = await layout.resolve(ref);
    if (!top) {
      const tags = await layout.tags();
      throw new MkError("E_NOT_FOUND", `image ${JSON.stringify(ref)} is not tagged in layout ${layout.dir}`, {
        hint: tags.length ? `tags present: ${tags.slice(0, 20).join(", ")}${tags.length > 20 ? ", ..." : ""}` : "the layout has no tags",
      });
    }
  }
  let doc = await readDocument(layout, top);
  let descriptor: Descriptor = top;
  let index: ResolvedImage["index"];
  if (doc.kind === "index") {
    if (!top.mediaType) top = { ...top, mediaType: doc.doc.mediaType ?? MediaType.index };
    index = { descriptor: top, index: doc.doc };
    const chosen = doc.doc.manifests.find((m) => MANIFEST_TYPES.includes(m.mediaType) && platformMatches(m.platform, platform));
    if (!chosen) {
      const available = doc.doc.manifests.map((m) => describePlatform(m.platform)).join(", ") || "none";
      throw new MkError("E_NOT_FOUND", `image ${ref} in layout ${layout.dir} has no manifest for ${describePlatform(platform)} (available: ${available})`, {
        hint: "build for one of the available platforms, or copy the image for this platform into the layout",
      });
    }
    descriptor = chosen;
    doc = await readDocument(layout, chosen);
    if (doc.kind !== "manifest") {
      throw new MkError("E_OCI", `index ${top.digest} in layout ${layout.dir} points to another index for ${describePlatform(platform)}`, {
        hint: "nested indexes are not supported; copy the platform image itself into the layout",
      });
    }
  } else if (!descriptor.mediaType) {
    descriptor = { ...descriptor, mediaType: doc.doc.mediaType ?? MediaType.manifest };
  }
  const manifest = doc.doc;
  const configFile = layout.blobPath(manifest.config.digest);
  const config = parseSpec(
    imageConfigSchema,
    await layout.readJson(manifest.config.digest),
    configFile,
    "image config",
    "the image config is damaged; copy the image into the layout again",
  );
  if (config.rootfs.diff_ids.length !== manifest.layers.length) {
    throw new MkError("E_OCI", `image ${ref} in ${layout.dir}: config ${configFile} lists ${config.rootfs.diff_ids.length} diff_ids but the manifest has ${manifest.layers.length} layers`, {
      hint: "the image is inconsistent; copy it into the layout again",
    });
  }
  const result: ResolvedImage = { descriptor, manifest, config };
  if (index) result.index = index;
  return result;
}

export interface AssembleInput {
  /** Base image (undefined: scratch). `name` goes into base.name (default: `ref`). */
  base?: { layout: OciLayout; ref: string; name?: string };
  /** Our layers, already written into the target layout, in order. */
  layers: LayerResult[];
  config: ImageConfigInput;
  annotations?: Record<string, string>;
  /** RFC 3339 UTC creation time, from SOURCE_DATE_EPOCH (see isoFromEpoch). */
  created: string;
  /** Default linux/amd64. */
  platform?: Platform;
  /** One entry per layer in `layers`. */
  history?: HistoryInput[];
}

export interface AssembledImage {
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
  configDescriptor: Descriptor;
}

/**
 * Writes the config and manifest of an image made of the base's layers plus ours into `layout`
 * (copying the base's blobs when the base lives in another layout). Does not tag: call
 * `layout.tag(tag, result.manifestDescriptor)`.
 */
export async function assembleImage(layout: OciLayout, input: AssembleInput): Promise<AssembledImage> {
  const platform = input.platform ?? DEFAULT_PLATFORM;
  for (const l of input.layers) {
    if (!(await layout.hasBlob(l.descriptor.digest))) {
      throw new MkError("E_NOT_FOUND", `layer ${l.descriptor.digest} is not in layout ${layout.dir}`, {
        hint: "write layers into the same layout the image is assembled in",
      });
    }
  }
  let base: ResolvedImage | undefined;
  if (input.base) {
    base = await readImage(input.base.layout, input.base.ref, platform);
    if (!(await layout.sameAs(input.base.layout))) {
      for (const d of base.manifest.layers) await layout.importBlob(input.base.layout, d);
    }
  }
  const config = planConfig({
    base: base?.config,
    diffIds: input.layers.map((l) => l.diffId),
    config: input.config,
    created: input.created,
    platform,
    history: input.history,
  });
  const configDescriptor = await layout.putBlob(Buffer.from(canonicalJson(config)), MediaType.config);
  const manifest = planManifest({
    config: configDescriptor,
    baseLayers: base?.manifest.layers ?? [],
    layers: input.layers.map((l) => l.descriptor),
    annotations: input.annotations,
    created: input.created,
    base: input.base && base ? { name: input.base.name ?? input.base.ref, digest: base.descriptor.digest } : undefined,
  });
  const written = await layout.putBlob(Buffer.from(canonicalJson(manifest)), MediaType.manifest);
  const manifestDescriptor: Descriptor = { ...written, platform: { architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}) } };
  return { manifestDescriptor, manifest, config, configDescriptor };
}

export interface RootfsImageOptions {
  sourceDateEpoch: number;
  config?: ImageConfigInput;
  annotations?: Record<string, string>;
  platform?: Platform;
  /** Passed to writeLayerFromDir (filter, devices, gzip tuning). */
  layer?: Omit<DirLayerOptions, "sourceDateEpoch">;
}

/**
 * A one-layer image from a rootfs directory on scratch, tagged `tag` — how base images (e.g.
 * from Debian's busybox-static) are made offline.
 */
export async function imageFromRootfs(layout: OciLayout, rootDir: string, tag: string, opts: RootfsImageOptions): Promise<AssembledImage & { layer: LayerResult }> {
  const layer = await writeLayerFromDir(layout, rootDir, { ...(opts.layer ?? {}), sourceDateEpoch: opts.sourceDateEpoch });
  const image = await assembleImage(layout, {
    layers: [layer],
    config: opts.config ?? {},
    annotations: opts.annotations,
    created: isoFromEpoch(opts.sourceDateEpoch),
    platform: opts.platform,
    history: [{ createdBy: "mailknight: rootfs layer" }],
  });
  await layout.tag(tag, image.manifestDescriptor);
  return { ...image, layer };
}
