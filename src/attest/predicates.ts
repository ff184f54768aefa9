/**
 * The non-provenance predicates: SBOM (CycloneDX or SPDX, the document itself is the predicate),
 * vulnerability scan (in-toto vulns v0.1), OpenVEX (the document is the predicate) and our gate
 * decision. Each returns [predicateType, predicate]; the statement wraps them.
 */
import { PredicateType } from "./statement.js";

export type Predicate = [type: string, predicate: unknown];

/** An SBOM document → its predicate type, from the document's own format markers. */
export function sbomPredicate(doc: unknown): Predicate {
  const d = doc as { bomFormat?: unknown; spdxVersion?: unknown };
  if (d && d.bomFormat === "CycloneDX") return [PredicateType.cyclonedx, doc];
  if (d && typeof d.spdxVersion === "string") return [PredicateType.spdx, doc];
  throw new Error("the SBOM is neither CycloneDX (bomFormat) nor SPDX (spdxVersion)");
}

export function openvexPredicate(doc: unknown): Predicate {
  const ctx = (doc as { "@context"?: unknown })["@context"];
  if (typeof ctx !== "string" || !ctx.startsWith("https://openvex.dev/ns")) throw new Error("the VEX document has no OpenVEX @context");
  return [PredicateType.openvex, doc];
}

export interface VulnScanInput {
  scanner: { uri: string; version: string };
  dbUri?: string;
  dbVersion?: string;
  startedOn: string;
  finishedOn: string;
  results: { id: string; severity?: string; package?: string }[];
}

/** https://github.com/in-toto/attestation/blob/main/spec/predicates/vulns_02.md (v0.1 URI). */
export function vulnScanPredicate(input: VulnScanInput): Predicate {
  return [
    PredicateType.vulnScan,
    {
      scanner: {
        uri: input.scanner.uri,
        version: input.scanner.version,
        ...(input.dbUri ? { db: { uri: input.dbUri, version: input.dbVersion ?? "" } } : {}),
        result: input.results.map((r) => ({ id: r.id, severity: r.severity ? [{ method: "mailknight", score: r.severity }] : [], ...(r.package ? { package: r.package } : {}) })),
      },
      metadata: { scanStartedOn: input.startedOn, scanFinishedOn: input.finishedOn },
    },
  ];
}

/** Our gate-decision predicate; its schema is documented in the README ("Gate decision predicate"). */
export interface GateDecision {
  verdict: "pass" | "fail";
  policy: { digest: string; uri?: string };
  decidedOn: string;
  /** Findings that blocked, and findings let through with the VEX statement that justified it. */
  blocking: { id: string; severity: string; package: string }[];
  waived: { id: string; severity: string; package: string; vex: string }[];
}

export function gateDecisionPredicate(decision: GateDecision): Predicate {
  if (decision.verdict === "pass" && decision.blocking.length > 0) throw new Error("a gate decision cannot pass with blocking findings");
  return [PredicateType.gateDecision, decision];
}
