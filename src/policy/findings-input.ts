/**
 * Findings for the gate from a JSON file: either an array of `Finding` or the object that
 * `mailknight scan -o` writes (`{ findings: [...], dataAge: { ageDays } }`). Every finding is
 * checked against the model and every problem is reported with its JSON path, because a finding
 * the gate misreads is a finding the gate may wrongly pass.
 */
import { MkError } from "../errors.js";
import { isObject, Problems, readJsonFile, throwProblems, type PathSegment } from "../vuln/json.js";
import { SEVERITIES, type Finding } from "../vuln/model.js";

export const MAX_FINDINGS_BYTES = 256 * 1024 * 1024;

export interface FindingsInput {
  findings: Finding[];
  /** Data age in days when the file says (a scan result's `dataAge.ageDays`). */
  dataAgeDays?: number;
}

const SOURCE_KINDS = ["osv", "trivy", "grype"];

function checkFinding(raw: unknown, path: PathSegment[], problems: Problems): void {
  if (!isObject(raw)) return problems.add(path, "must be an object (a Finding)", raw);
  const str = (key: string, where: Record<string, unknown>, at: PathSegment[], required = true) => {
    const v = where[key];
    if (v === undefined && !required) return;
    if (typeof v !== "string" || v.trim() === "") problems.add([...at, key], required ? "is required: a non-empty string" : "must be a non-empty string", v);
  };
  const strings = (key: string, where: Record<string, unknown>, at: PathSegment[], required = true) => {
    const v = where[key];
    if (v === undefined && !required) return;
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) problems.add([...at, key], "must be an array of strings", v);
  };
  str("id", raw, path);
  strings("aliases", raw, path);
  if (!(SEVERITIES as readonly unknown[]).includes(raw.severity)) problems.add([...path, "severity"], `must be one of ${SEVERITIES.join(", ")}`, raw.severity);
  strings("fixedVersions", raw, path);
  if (!Array.isArray(raw.cvss)) problems.add([...path, "cvss"], "must be an array (empty when there is no CVSS vector)", raw.cvss);
  else {
    raw.cvss.forEach((c, i) => {
      if (!isObject(c) || typeof c.score !== "number" || typeof c.vector !== "string") problems.add([...path, "cvss", i], "must be { version, vector, score }", c);
    });
  }
  const pkg = raw.package;
  if (!isObject(pkg)) problems.add([...path, "package"], "is required: { ecosystem, name, version, purl? }", pkg);
  else {
    for (const k of ["ecosystem", "name", "version"]) str(k, pkg, [...path, "package"]);
    str("purl", pkg, [...path, "package"], false);
    str("bomRef", pkg, [...path, "package"], false);
    strings("locations", pkg, [...path, "package"], false);
  }
  const src = raw.source;
  if (!isObject(src) || !SOURCE_KINDS.includes(String(src.kind))) problems.add([...path, "source", "kind"], `must be one of ${SOURCE_KINDS.join(", ")}`, isObject(src) ? src.kind : src);
  strings("references", raw, path, false);
  for (const k of ["summary", "published", "modified"]) str(k, raw, path, false);
}

export function parseFindingsDocument(doc: unknown, file: string): FindingsInput {
  const problems = new Problems(file);
  let list: unknown;
  let base: PathSegment[] = [];
  let dataAgeDays: number | undefined;
  if (Array.isArray(doc)) list = doc;
  else if (isObject(doc) && Array.isArray(doc.findings)) {
    list = doc.findings;
    base = ["findings"];
    const age = isObject(doc.dataAge) ? doc.dataAge.ageDays : undefined;
    if (typeof age === "number" && Number.isFinite(age)) dataAgeDays = age;
  } else {
    throwProblems(`${file} holds no findings`, [{ file, path: "", message: "must be an array of findings or an object with a `findings` array (what `mailknight scan -o` writes)" }]);
  }
  (list as unknown[]).forEach((f, i) => checkFinding(f, [...base, i], problems));
  if (problems.count) throwProblems(`${file} has malformed findings`, problems.list, problems.dropped, "findings follow src/vuln/model.ts; `mailknight scan -o <file>` writes them");
  return { findings: list as Finding[], ...(dataAgeDays !== undefined ? { dataAgeDays } : {}) };
}

export async function readFindingsFile(path: string, display = path): Promise<FindingsInput> {
  const doc = await readJsonFile(path, MAX_FINDINGS_BYTES, display).catch((e: unknown) => {
    if (e instanceof MkError && e.code === "E_NOT_FOUND") throw new MkError("E_NOT_FOUND", `findings file ${display} does not exist`, { cause: e });
    throw e;
  });
  return parseFindingsDocument(doc, display);
}
