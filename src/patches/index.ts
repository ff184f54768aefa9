/**
 * Patch step: the carried patchset of a project version, applied with the real git.
 * `listPatches` reads `patches/<project>/<version>/` (series file or name order);
 * `applyPatches` turns each patch into one deterministic commit, or fails with E_PATCH_FAILED
 * naming the patch, the files and the hunks that did not apply, leaving the tree at the last
 * good commit.
 */
export { listPatches, parseSeries, type PatchFile, type SeriesEntry } from "./list.js";
export { applyPatches, type AppliedPatch, type ApplyOptions, type ApplyResult } from "./apply.js";
export { parsePatch, type FilePatch, type Hunk, type ParsedPatch } from "./parse.js";
export { rebasePatchset, type PatchOutcome, type PatchClassification, type RebaseReport, type RebaseOptions } from "./rebase.js";
