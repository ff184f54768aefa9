/**
 * OCI image store and image building: layouts on disk, deterministic layers, image configs,
 * manifests and tags. Everything else in Mailknight goes through this interface.
 */
export { OciLayout, isValidRefName } from "./layout.js";
export {
  writeLayerFromDir,
  writeLayerFromEntries,
  compareLayerPaths,
  type DirLayerOptions,
  type LayerEntryInfo,
  type LayerResult,
  type LayerWriteOptions,
  type MemoryEntry,
} from "./layer.js";
export {
  assembleImage,
  readImage,
  imageFromRootfs,
  DEFAULT_PLATFORM,
  type AssembleInput,
  type AssembledImage,
  type ResolvedImage,
  type RootfsImageOptions,
} from "./image.js";
export { isoFromEpoch, mergeEnv, type HistoryInput, type ImageConfigInput } from "./config.js";
export type { ParallelGzipOptions } from "./gzip.js";
export type { TarEntryType } from "./tar.js";
export {
  Annotation,
  MediaType,
  canonicalJson,
  type Descriptor,
  type HistoryEntry,
  type ImageConfig,
  type ImageIndex,
  type ImageManifest,
  type Platform,
  type RunConfig,
} from "./spec.js";
