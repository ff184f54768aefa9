/**
 * SBOMs: catalog what is inside an image (read layer by layer from an OCI layout) or a root
 * file system directory, and write CycloneDX 1.6 or SPDX 2.3 JSON. Catalogers are a plugin
 * family (catalogers/<id>/); sources are a read-only file-tree abstraction (source/).
 */
export type { CatalogResult, ComponentHash, ComponentType, Distro, PatchInfo, Pedigree, SbomComponent, SbomDocument, SbomSubject } from "./model.js";
export type { Cataloger, CatalogInput, ProjectFacts } from "./catalogers/types.js";
export { CATALOGERS } from "./catalogers/registry.js";
export type { CollectedFile, FileSource, FileView, FileWant, SourceInfo } from "./source/types.js";
export { RootfsSource } from "./source/rootfs.js";
export { OciImageSource } from "./source/oci.js";
export { catalogerVersions, generateSbom, type GenerateOptions } from "./generate.js";
export { openTarget, parseTarget, type OpenedTarget, type Target } from "./target.js";
export { SBOM_FORMATS, creationTime, parseFormat, renderSbom, writeSbom, type SbomFormat } from "./render.js";
export { toCycloneDx } from "./writers/cyclonedx.js";
export { toSpdx } from "./writers/spdx.js";
export { sbomStage, type SbomOutput } from "./stage.js";
