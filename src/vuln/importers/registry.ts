/**
 * The report importers, by id. Adding one: a folder `importers/<id>/index.ts` exporting `id` and a
 * `ReportImporter`, and a line here; the conformance test fails until both exist and agree.
 */
import { grype } from "./grype/index.js";
import { trivy } from "./trivy/index.js";
import type { ReportImporter } from "./types.js";

export const IMPORTERS: ReadonlyMap<string, ReportImporter> = new Map<string, ReportImporter>([
  [grype.id, grype],
  [trivy.id, trivy],
]);

export function importerIds(): string[] {
  return [...IMPORTERS.keys()].sort();
}
