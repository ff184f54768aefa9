/**
 * Admission policies from the same trust policy `mailknight verify` uses: a Kyverno ClusterPolicy
 * with `verifyImages`, and a sigstore policy-controller ClusterImagePolicy. Pure: data in, YAML out.
 *
 * Scan conditions: the age of the vulnerability scan is checked by both controllers (Kyverno:
 * `time_since` on `metadata.scanFinishedOn`; policy-controller: a Rego policy with `time.now_ns`).
 * Neither can weigh one attestation against another (a scan result against an OpenVEX statement
 * or a gate waiver), so "no unmitigated finding" is delegated to the signed gate decision: a
 * `gate-decision` attestation with verdict `pass` is required instead (the gate applied VEX).
 */
import { stringify } from "yaml";
import { REQUIREMENT_TYPES, type Requirement } from "./verify-image.js";
import { DEFAULT_SCAN_FAIL_ON, type ScanConditions } from "./scan-conditions.js";

/** Repeated objects are written out in full: YAML anchors/aliases are poorly supported by kubectl tooling. */
const NO_ALIASES = { aliasDuplicateObjects: false } as const;

export interface AdmissionPolicyInput {
  name: string;
  /** Image globs, e.g. `registry.local/team/*`. */
  images: string[];
  trust:
    | { kind: "key"; publicKeyPem: string }
    | { kind: "keyless"; issuer: string; identity?: string; identityRegexp?: string; fulcioURL?: string; rekorURL?: string };
  require: Requirement[];
  builderId?: string;
  /** As `mailknight verify --scan-max-age/--scan-fail-on` (see the module comment). */
  scan?: ScanConditions;
}

/** The requirements the policy checks: the named ones, plus vuln / gate for scan conditions. */
function requirements(input: AdmissionPolicyInput): Requirement[] {
  const out = [...input.require];
  if (input.scan && !out.includes("vuln")) out.push("vuln");
  if (checksSeverities(input.scan) && !out.includes("gate")) out.push("gate");
  return out;
}

/** A Go duration (Kyverno compares `time_since` output against it): whole hours, else seconds. */
function goDuration(days: number): string {
  const hours = days * 24;
  return Number.isInteger(hours) ? `${hours}h` : `${Math.round(days * 86_400)}s`;
}

/** Severity conditions are on unless `failOn` is explicitly empty (as in verify). */
const checksSeverities = (scan: ScanConditions | undefined): boolean => scan !== undefined && (scan.failOn ?? DEFAULT_SCAN_FAIL_ON).length > 0;

function kyvernoConditions(req: Requirement, input: AdmissionPolicyInput): Record<string, unknown>[] {
  const all: Record<string, unknown>[] = [];
  if (req === "provenance" && input.builderId) all.push({ key: "{{ runDetails.builder.id }}", operator: "Equals", value: input.builderId });
  if (req === "vuln" && input.scan?.maxAgeDays !== undefined) {
    all.push({ key: "{{ time_since('','{{ metadata.scanFinishedOn }}','') }}", operator: "LessThanOrEquals", value: goDuration(input.scan.maxAgeDays), message: `the vulnerability scan must be at most ${input.scan.maxAgeDays} days old` });
  }
  if (req === "gate" && checksSeverities(input.scan)) {
    all.push({ key: "{{ verdict }}", operator: "Equals", value: "pass", message: "the signed gate decision must pass (no unmitigated findings)" });
  }
  return all.length > 0 ? [{ all }] : [];
}

function sigstoreAttestationPolicy(req: Requirement, type: string, input: AdmissionPolicyInput): Record<string, unknown> | undefined {
  if (req === "provenance" && input.builderId) return { type: "cue", data: `predicateType: "${type}"\npredicate: runDetails: builder: id: ${JSON.stringify(input.builderId)}\n` };
  if (req === "vuln" && input.scan?.maxAgeDays !== undefined) {
    const ns = BigInt(Math.round(input.scan.maxAgeDays * 86_400)) * 1_000_000_000n;
    return {
      type: "rego",
      data: [
        "package sigstore",
        "",
        "default isCompliant = false",
        "",
        "# The scan finished at most the allowed number of days ago (and not in the future).",
        "isCompliant {",
        `  input.predicateType == ${JSON.stringify(type)}`,
        "  age := time.now_ns() - time.parse_rfc3339_ns(input.predicate.metadata.scanFinishedOn)",
        "  age >= -300000000000",
        `  age <= ${ns.toString()}`,
        "}",
        "",
      ].join("\n"),
    };
  }
  if (req === "gate" && checksSeverities(input.scan)) return { type: "cue", data: `predicateType: "${type}"\npredicate: verdict: "pass"\n` };
  return undefined;
}

function kyvernoAttestor(t: AdmissionPolicyInput["trust"]): Record<string, unknown> {
  if (t.kind === "key") {
    // Key-signed bundles carry no Rekor entry or SCT; Kyverno would otherwise demand them.
    return { keys: { publicKeys: t.publicKeyPem, rekor: { ignoreTlog: true }, ctlog: { ignoreSCT: true } } };
  }
  return {
    keyless: {
      issuer: t.issuer,
      ...(t.identity ? { subject: t.identity } : {}),
      ...(t.identityRegexp ? { subjectRegExp: t.identityRegexp } : {}),
      ...(t.rekorURL ? { rekor: { url: t.rekorURL } } : {}),
    },
  };
}

export function kyvernoPolicy(input: AdmissionPolicyInput): string {
  const attestors = [{ count: 1, entries: [kyvernoAttestor(input.trust)] }];
  const attestations = requirements(input).flatMap((req) =>
    REQUIREMENT_TYPES[req].slice(0, 1).map((type) => {
      const conditions = kyvernoConditions(req, input);
      return { type, attestors, ...(conditions.length > 0 ? { conditions } : {}) };
    }),
  );
  return stringify({
    apiVersion: "kyverno.io/v1",
    kind: "ClusterPolicy",
    metadata: { name: input.name, annotations: { "policies.kyverno.io/description": "Generated by mailknight: images must be signed (and attested) as mailknight verify checks." } },
    spec: {
      validationFailureAction: "Enforce",
      background: false,
      webhookTimeoutSeconds: 30,
      rules: [
        {
          name: "verify-images",
          match: { any: [{ resources: { kinds: ["Pod"] } }] },
          verifyImages: [{ imageReferences: input.images, mutateDigest: true, verifyDigest: true, required: true, attestors, ...(attestations.length > 0 ? { attestations } : {}) }],
        },
      ],
    },
  }, NO_ALIASES);
}

export function sigstorePolicy(input: AdmissionPolicyInput): string {
  const t = input.trust;
  const authority: Record<string, unknown> =
    t.kind === "key"
      ? { name: "mailknight-key", key: { data: t.publicKeyPem, hashAlgorithm: "sha256" } }
      : {
          name: "mailknight-keyless",
          keyless: {
            ...(t.fulcioURL ? { url: t.fulcioURL } : {}),
            identities: [{ issuer: t.issuer, ...(t.identity ? { subject: t.identity } : {}), ...(t.identityRegexp ? { subjectRegExp: t.identityRegexp } : {}) }],
          },
          ...(t.rekorURL ? { ctlog: { url: t.rekorURL } } : {}),
        };
  const attestations = requirements(input).map((req) => {
    const type = REQUIREMENT_TYPES[req][0] as string;
    const policy = sigstoreAttestationPolicy(req, type, input);
    return { name: req, predicateType: type, ...(policy ? { policy } : {}) };
  });
  if (attestations.length > 0) authority.attestations = attestations;
  return stringify({
    apiVersion: "policy.sigstore.dev/v1beta1",
    kind: "ClusterImagePolicy",
    metadata: { name: input.name },
    spec: { images: input.images.map((glob) => ({ glob })), authorities: [authority] },
  }, NO_ALIASES);
}
