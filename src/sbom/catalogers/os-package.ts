/**
 * Shared by the OS package catalogers (dpkg, apk, rpm): one installed package as an SBOM
 * component. Edges (`dependsOn`) are filled in by each cataloger once every package has a ref,
 * since each database names its dependencies its own way.
 */
import type { SbomComponent } from "../model.js";

export interface OsPackage {
  ref: string;
  purl?: string;
  name: string;
  version: string;
  licenses: string[];
  locations: string[];
  properties: Record<string, string>;
  cataloger: string;
  supplier?: string;
  description?: string;
  /** The package's home page; kept only when it is an http(s) URL (databases hold anything). */
  url?: string;
}

export function osPackageComponent(p: OsPackage): SbomComponent {
  return {
    ref: p.ref,
    type: "library",
    name: p.name,
    version: p.version,
    licenses: p.licenses,
    hashes: [],
    locations: p.locations,
    dependsOn: [],
    properties: p.properties,
    cataloger: p.cataloger,
    ...(p.purl ? { purl: p.purl } : {}),
    ...(p.supplier ? { supplier: p.supplier } : {}),
    ...(p.description ? { description: p.description } : {}),
    ...(p.url && /^https?:\/\//.test(p.url) ? { externalReferences: [{ type: "website" as const, url: p.url }] } : {}),
  };
}
