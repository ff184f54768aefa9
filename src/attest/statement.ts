/** in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md). */

export const STATEMENT_TYPE = "https://in-toto.io/Statement/v1";

export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
  mediaType?: string;
}

export interface Subject {
  name: string;
  digest: Record<string, string>;
}

export interface Statement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

/** Predicate types Mailknight writes (and verify understands). */
export const PredicateType = {
  slsaProvenance: "https://slsa.dev/provenance/v1",
  cyclonedx: "https://cyclonedx.org/bom",
  spdx: "https://spdx.dev/Document",
  vulnScan: "https://in-toto.io/attestation/vulns/v0.1",
  openvex: "https://openvex.dev/ns/v0.2.0",
  gateDecision: "https://mailknight.dev/attestations/gate-decision/v1",
  /** What `cosign sign --new-bundle-format` puts in the DSSE of an image signature. */
  cosignSign: "https://sigstore.dev/cosign/sign/v1",
} as const;

/** `sha256:<hex>` → `{ sha256: "<hex>" }`, refusing anything else so no subject is ever vague. */
export function digestSet(digest: string): Record<string, string> {
  const m = /^sha256:([a-f0-9]{64})$/.exec(digest);
  if (!m) throw new Error(`internal: ${JSON.stringify(digest)} is not a sha256 digest`);
  return { sha256: m[1] as string };
}

export function statement<P>(subjects: Subject[], predicateType: string, predicate: P): Statement<P> {
  if (subjects.length === 0) throw new Error("internal: an in-toto statement needs at least one subject");
  return { _type: STATEMENT_TYPE, subject: subjects, predicateType, predicate };
}

/** Parses a payload as a Statement v1, returning undefined for anything else (caller fails closed). */
export function parseStatement(payload: Buffer | string): Statement | undefined {
  let value: unknown;
  try {
    value = JSON.parse(typeof payload === "string" ? payload : payload.toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const s = value as Partial<Statement>;
  if (s._type !== STATEMENT_TYPE || typeof s.predicateType !== "string" || !Array.isArray(s.subject)) return undefined;
  for (const sub of s.subject) {
    if (typeof sub !== "object" || sub === null || typeof sub.digest !== "object" || sub.digest === null) return undefined;
  }
  return s as Statement;
}
