/**
 * Reads the components of a CycloneDX JSON SBOM (1.4-1.6): `components[]` and their nested
 * `components[]`, with `purl`, `bom-ref`, `name`, `version` and evidence locations. Only what
 * matching needs is validated, but that strictly: a component whose `purl` cannot be parsed is an
 * error, not a skip, because skipping it would hide its vulnerabilities.
 */
import { formatPath, isObject, Problems, readJsonFile, throwProblems, type PathSegment } from "../json.js";
import { parsePurl } from "../ecosystem.js";

export interface SbomComponent {
  /** CycloneDX component type: library, operating-system, container, ... */
  type?: string;
  bomRef?: string;
  name?: string;
  version?: string;
  purl?: string;
  /** `evidence.occurrences[].location` (1.5+). */
  locations?: string[];
  /** JSON path in the SBOM, for messages. */
  path: string;
}

export interface SbomRead {
  specVersion: string;
  components: SbomComponent[];
  /** The first `operating-system` component (Syft and Trivy write one: debian 12, alpine 3.19.1). */
  operatingSystem?: { name: string; version: string };
}

/** Nesting deeper than this is not a real SBOM; it is refused rather than walked. */
const MAX_DEPTH = 64;
const MAX_COMPONENTS = 2_000_000;
/** Well above real SBOMs (tens of MB for large images) and below V8's string limit. */
export const MAX_SBOM_BYTES = 256 * 1024 * 1024;

/** Validates and flattens a parsed CycloneDX document; problems name `file` and the JSON path. */
export function componentsFromCycloneDx(doc: unknown, file: string): SbomRead {
  const p = new Problems(file);
  if (!isObject(doc)) {
    p.add([], "a CycloneDX SBOM must be a JSON object", doc);
    throwProblems(`${file} is not a CycloneDX SBOM`, p.list, p.dropped);
  }
  if (doc.bomFormat !== "CycloneDX") p.add(["bomFormat"], 'must be "CycloneDX" (is this an SPDX or other document?)', doc.bomFormat);
  const specVersion = typeof doc.specVersion === "string" ? doc.specVersion : "";
  if (!/^1\.\d+$/.test(specVersion)) p.add(["specVersion"], 'must be a CycloneDX 1.x version such as "1.6"', doc.specVersion);

  const components: SbomComponent[] = [];
  const stack: { value: unknown; path: PathSegment[]; depth: number }[] = [];
  const pushList = (list: unknown, path: PathSegment[], depth: number) => {
    if (list === undefined) return;
    if (!Array.isArray(list)) return p.add(path, "must be an array of components", list);
    if (depth > MAX_DEPTH) return p.add(path, `components are nested more than ${MAX_DEPTH} levels deep`);
    for (let i = list.length - 1; i >= 0; i--) stack.push({ value: list[i], path: [...path, i], depth });
  };
  pushList(doc.components, ["components"], 1);
  while (stack.length > 0) {
    const { value, path, depth } = stack.pop() as (typeof stack)[number];
    if (components.length >= MAX_COMPONENTS) {
      p.add(path, `more than ${MAX_COMPONENTS} components`);
      break;
    }
    if (!isObject(value)) {
      p.add(path, "must be an object", value);
      continue;
    }
    const c: SbomComponent = { path: formatPath(path) };
    for (const [key, field] of [["type", "type"], ["bom-ref", "bomRef"], ["name", "name"], ["version", "version"], ["purl", "purl"]] as const) {
      const v = value[key];
      if (v === undefined) continue;
      if (typeof v !== "string") p.add([...path, key], "must be a string", v);
      else c[field] = v;
    }
    if (c.purl !== undefined && !parsePurl(c.purl)) p.add([...path, "purl"], "is not a valid package URL (https://github.com/package-url/purl-spec)", c.purl);
    const occurrences = isObject(value.evidence) ? value.evidence.occurrences : undefined;
    if (Array.isArray(occurrences)) {
      const locs = occurrences.map((o) => (isObject(o) && typeof o.location === "string" ? o.location : undefined)).filter((x): x is string => !!x);
      if (locs.length) c.locations = locs;
    }
    components.push(c);
    pushList(value.components, [...path, "components"], depth + 1);
  }
  if (p.count > 0) throwProblems(`${file} is not a valid CycloneDX SBOM`, p.list, p.dropped);
  const os = components.find((c) => c.type === "operating-system" && c.name && c.version);
  return os ? { specVersion, components, operatingSystem: { name: os.name as string, version: os.version as string } } : { specVersion, components };
}

export async function readCycloneDx(path: string, display = path): Promise<SbomRead> {
  return componentsFromCycloneDx(await readJsonFile(path, MAX_SBOM_BYTES, display), display);
}
