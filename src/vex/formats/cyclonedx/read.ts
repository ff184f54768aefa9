/**
 * CycloneDX VEX (`vulnerabilities[].analysis` + `affects[]`, spec 1.4–1.6) → statements.
 *
 * Product identity: `affects[].ref` names a component by bom-ref, either in this document or, as a
 * BOM-Link (`urn:cdx:<serial>/<version>#<bom-ref>`), in another BOM. A ref becomes a PURL when the
 * component it names has one, or when the bom-ref itself is a PURL (tools such as Trivy and
 * Dependency-Track use the PURL as bom-ref). The BOM-Link's serial is not checked against any SBOM
 * here: the referenced BOM is not at hand when a VEX file is read.
 *
 * Containment: a VEX BOM with `metadata.component` speaks about that product, so a ref to any other
 * component means "that component inside the product" (a subcomponent, as in OpenVEX).
 *
 * Per-version status: `affects[].versions[]` entries become one product each — a `version` pins the
 * PURL version, a `range` is kept as `versionRange` (which matching only evaluates for `vers:all/*`);
 * `unaffected` → not_affected, `unknown` → under_investigation, `affected` → the analysis state.
 */
import { PackageURL } from "packageurl-js";
import {
  CDX_JUSTIFICATIONS,
  CDX_STATES,
  justificationFromCdx,
  statusFromCdxState,
  type CdxJustification,
  type CdxState,
} from "../../justifications.js";
import { JUSTIFICATIONS, type Justification, type VexComponent, type VexProduct, type VexReadResult, type VexStatement, type VexStatus } from "../../model.js";
import { normalizePurl } from "../../purl.js";
import { aliasList, failOnProblems, isRecord, Problems, text, type PathSegment } from "../shared.js";

export const PROP_EXPIRES = "mailknight:vex:expires";
export const PROP_JUSTIFICATION = "mailknight:vex:justification";

interface ComponentInfo {
  bomRef: string;
  purl?: string;
  name?: string;
}

/** Nesting is bounded: hostile input must not exhaust the stack; real BOMs nest a few levels. */
function collectComponents(list: unknown, into: Map<string, ComponentInfo>, depth = 0): void {
  if (!Array.isArray(list) || depth > 64) return;
  for (const c of list) {
    if (!isRecord(c)) continue;
    const ref = text(c["bom-ref"]);
    if (ref) {
      const purl = text(c.purl) ? normalizePurl(String(c.purl)) : undefined;
      into.set(ref, { bomRef: ref, ...(purl ? { purl } : {}), ...(text(c.name) ? { name: String(c.name) } : {}) });
    }
    collectComponents(c.components, into, depth + 1);
  }
}

function withVersion(purl: string, version: string): string | undefined {
  try {
    const p = PackageURL.fromString(purl);
    return new PackageURL(p.type, p.namespace, p.name, version, p.qualifiers, p.subpath).toString();
  } catch {
    return undefined;
  }
}

function propertyValue(props: unknown, name: string): string | undefined {
  if (!Array.isArray(props)) return undefined;
  for (const p of props) if (isRecord(p) && p.name === name) return text(p.value);
  return undefined;
}

function resolveRef(ref: string, components: Map<string, ComponentInfo>): VexComponent {
  let bomRef = ref;
  if (ref.startsWith("urn:cdx:")) {
    const hash = ref.indexOf("#");
    bomRef = hash >= 0 ? decodeURIComponent(ref.slice(hash + 1)) : ref;
  }
  const local = components.get(bomRef);
  const purl = local?.purl ?? (bomRef.startsWith("pkg:") ? normalizePurl(bomRef) : undefined);
  return { id: ref, bomRef, ...(purl ? { purl } : {}), ...(local?.name ? { name: local.name } : {}) };
}

function authorOf(metadata: Record<string, unknown>): string | undefined {
  if (Array.isArray(metadata.authors)) {
    const names = metadata.authors.map((a) => (isRecord(a) ? text(a.name) ?? text(a.email) : undefined)).filter(Boolean);
    if (names.length) return names.join(", ");
  }
  for (const k of ["supplier", "manufacturer", "manufacture"]) {
    const o = metadata[k];
    if (isRecord(o) && text(o.name)) return text(o.name);
  }
  return undefined;
}

export function readCycloneDx(doc: unknown, file: string): VexReadResult {
  const problems = new Problems(file);
  const warnings: string[] = [];
  if (!isRecord(doc) || doc.bomFormat !== "CycloneDX") {
    problems.add(["bomFormat"], 'must be "CycloneDX"', isRecord(doc) ? doc.bomFormat : doc);
    failOnProblems(`${file} is not a CycloneDX document`, problems);
  }
  const d = doc as Record<string, unknown>;
  const metadata = isRecord(d.metadata) ? d.metadata : {};
  const components = new Map<string, ComponentInfo>();
  collectComponents(d.components, components);
  let productCtx: ComponentInfo | undefined;
  if (isRecord(metadata.component)) {
    collectComponents([metadata.component], components);
    const ref = text(metadata.component["bom-ref"]);
    const purl = text(metadata.component.purl) ? normalizePurl(String(metadata.component.purl)) : undefined;
    productCtx = { bomRef: ref ?? purl ?? "metadata.component", ...(purl ? { purl } : {}) };
  }
  const serial = text(d.serialNumber);
  const documentId = serial ? `${serial}/${typeof d.version === "number" ? d.version : 1}` : file;
  const docTimestamp = text(metadata.timestamp);
  const author = authorOf(metadata);
  const statements: VexStatement[] = [];

  if (d.vulnerabilities !== undefined && !Array.isArray(d.vulnerabilities)) problems.add(["vulnerabilities"], "must be an array", d.vulnerabilities);
  const vulns = Array.isArray(d.vulnerabilities) ? d.vulnerabilities : [];
  if (vulns.length === 0) warnings.push(`${file}: no vulnerabilities; nothing to read`);

  vulns.forEach((v, i) => {
    const path: PathSegment[] = ["vulnerabilities", i];
    if (!isRecord(v)) return problems.add(path, "must be an object", v);
    const id = text(v.id);
    if (!id) return problems.add([...path, "id"], "is required: a VEX statement needs the vulnerability id", v.id);

    // analysis → base status and wording
    let state: CdxState | undefined;
    let justification: Justification | undefined;
    let sourceJustification: string | undefined;
    let detail: string | undefined;
    let responses: string[] = [];
    let analysisTime: string | undefined;
    let stateGiven = false;
    if (v.analysis !== undefined) {
      const a = v.analysis;
      if (!isRecord(a)) problems.add([...path, "analysis"], "must be an object", a);
      else {
        if (a.state !== undefined) {
          stateGiven = true;
          if ((CDX_STATES as readonly unknown[]).includes(a.state)) state = a.state as CdxState;
          else problems.add([...path, "analysis", "state"], `must be one of ${CDX_STATES.join(", ")}`, a.state);
        }
        if (a.justification !== undefined) {
          if ((CDX_JUSTIFICATIONS as readonly unknown[]).includes(a.justification)) {
            sourceJustification = a.justification as CdxJustification;
            justification = justificationFromCdx[a.justification as CdxJustification];
          } else problems.add([...path, "analysis", "justification"], `must be one of ${CDX_JUSTIFICATIONS.join(", ")}`, a.justification);
        }
        if (a.response !== undefined) {
          if (Array.isArray(a.response) && a.response.every((r) => typeof r === "string")) responses = a.response as string[];
          else problems.add([...path, "analysis", "response"], "must be an array of strings", a.response);
        }
        detail = text(a.detail);
        analysisTime = text(a.lastUpdated) ?? text(a.firstIssued);
      }
    }
    // Our own writer keeps the exact OpenVEX label; trust it over the lossy CycloneDX mapping.
    const exact = propertyValue(v.properties, PROP_JUSTIFICATION);
    if (exact && (JUSTIFICATIONS as readonly string[]).includes(exact)) justification = exact as Justification;
    const expires = propertyValue(v.properties, PROP_EXPIRES);
    if (expires !== undefined && Number.isNaN(Date.parse(expires))) problems.add([...path, "properties"], `${PROP_EXPIRES} must be an RFC 3339 date-time`, expires);

    if (!Array.isArray(v.affects) || v.affects.length === 0) {
      warnings.push(`${file} at vulnerabilities[${i}]: no affects[]; the statement applies to nothing`);
      return;
    }
    const hasVersionStatuses = v.affects.some((a) => isRecord(a) && Array.isArray(a.versions) && a.versions.length > 0);
    if (v.analysis === undefined && !hasVersionStatuses) {
      // A vulnerability without analysis is a scanner's report (a BOV), not a VEX statement.
      warnings.push(`${file} at vulnerabilities[${i}]: no analysis; not a VEX statement, skipped`);
      return;
    }
    const byStatus = new Map<VexStatus, VexProduct[]>();
    const add = (status: VexStatus, component: VexComponent) => {
      const product: VexProduct =
        productCtx && component.bomRef !== productCtx.bomRef
          ? { id: productCtx.bomRef, bomRef: productCtx.bomRef, ...(productCtx.purl ? { purl: productCtx.purl } : {}), subcomponents: [component] }
          : { ...component, subcomponents: [] };
      byStatus.set(status, [...(byStatus.get(status) ?? []), product]);
    };
    const base: VexStatus | undefined = state ? statusFromCdxState[state] : undefined;
    v.affects.forEach((aff, j) => {
      const apath: PathSegment[] = [...path, "affects", j];
      if (!isRecord(aff) || !text(aff.ref)) return problems.add([...apath, "ref"], "is required: a bom-ref or BOM-Link of the affected component", isRecord(aff) ? aff.ref : aff);
      const target = resolveRef(String(aff.ref), components);
      if (!Array.isArray(aff.versions) || aff.versions.length === 0) {
        if (!base) {
          // An invalid state was reported already; a missing one is a problem of its own.
          if (!stateGiven) problems.add([...path, "analysis", "state"], "is required when affects[] has no versions with a status");
          return;
        }
        return add(base, target);
      }
      aff.versions.forEach((ver, k) => {
        const vpath: PathSegment[] = [...apath, "versions", k];
        if (!isRecord(ver)) return problems.add(vpath, "must be an object", ver);
        const vs = ver.status ?? "affected"; // the CycloneDX default
        if (vs !== "affected" && vs !== "unaffected" && vs !== "unknown") return problems.add([...vpath, "status"], 'must be one of "affected", "unaffected", "unknown"', vs);
        // "unaffected" under a resolved analysis is a fix, otherwise "not affected".
        const status: VexStatus =
          vs === "unaffected" ? (base === "fixed" ? "fixed" : "not_affected") : vs === "unknown" ? "under_investigation" : (base ?? "affected");
        const version = text(ver.version);
        const range = text(ver.range);
        if (!version && !range) return problems.add(vpath, "needs `version` or `range`");
        let c: VexComponent = { ...target, id: `${target.id}@${version ?? range}` };
        if (version) {
          const purl = target.purl ? withVersion(target.purl, version) : undefined;
          c = { ...c, ...(purl ? { purl } : {}) };
          if (!purl) delete c.purl;
        } else c = { ...c, versionRange: range };
        add(status, c);
      });
    });

    const aliases = aliasList(id, Array.isArray(v.references) ? v.references.map((r) => (isRecord(r) ? text(r.id) : undefined)) : []);
    const timestamp = analysisTime ?? text(v.updated) ?? text(v.published) ?? text(v.created) ?? docTimestamp;
    const recommendation = [text(v.recommendation), text(v.workaround)].filter(Boolean).join("\n");
    const responseNote = responses.length ? `CycloneDX response: ${responses.join(", ")}` : undefined;
    for (const [status, products] of byStatus) {
      const s: VexStatement = {
        vulnerability: id,
        aliases,
        products,
        status,
        ...(timestamp ? { timestamp } : {}),
        ...(author ? { author } : {}),
        ...(expires ? { expires } : {}),
        source: { format: "cyclonedx", file, documentId, path: `vulnerabilities[${i}]` },
      };
      if (status === "not_affected") {
        if (justification) s.justification = justification;
        if (sourceJustification) s.sourceJustification = sourceJustification;
        if (detail) s.impactStatement = detail;
        else if (state === "false_positive") s.impactStatement = "Marked as a false positive (CycloneDX analysis.state).";
      } else if (status === "affected") {
        const action = [detail, recommendation].filter(Boolean).join("\n");
        if (action) s.actionStatement = action;
      } else if (detail) s.statusNotes = detail;
      if (responseNote) s.statusNotes = s.statusNotes ? `${s.statusNotes}\n${responseNote}` : responseNote;
      statements.push(s);
    }
  });
  failOnProblems(`${file} is not a usable CycloneDX VEX document`, problems, "fix the fields listed (CycloneDX 1.6 `vulnerabilities[].analysis` and `affects[]`)");
  return { format: "cyclonedx", statements, warnings };
}
