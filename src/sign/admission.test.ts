import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { kyvernoPolicy, sigstorePolicy } from "./admission.js";

const keyless = { kind: "keyless" as const, issuer: "https://gitlab.example.com", identityRegexp: "^https://gitlab\\.example\\.com/factory/" };

test("kyverno: keyless attestor, provenance condition on builder id, SBOM required", () => {
  const doc = parse(kyvernoPolicy({ name: "mk", images: ["registry.local/team/*"], trust: keyless, require: ["provenance", "sbom"], builderId: "https://gitlab.example.com/factory/images" })) as {
    kind: string;
    spec: { validationFailureAction: string; rules: { verifyImages: { imageReferences: string[]; attestors: { entries: { keyless: { subjectRegExp: string; issuer: string } }[] }[]; attestations: { type: string; conditions?: { all: { value: string }[] }[] }[] }[] }[] };
  };
  assert.equal(doc.kind, "ClusterPolicy");
  assert.equal(doc.spec.validationFailureAction, "Enforce");
  const vi = doc.spec.rules[0]?.verifyImages[0];
  assert.deepEqual(vi?.imageReferences, ["registry.local/team/*"]);
  assert.equal(vi?.attestors[0]?.entries[0]?.keyless.subjectRegExp, keyless.identityRegexp);
  assert.deepEqual(vi?.attestations.map((a) => a.type), ["https://slsa.dev/provenance/v1", "https://cyclonedx.org/bom"]);
  assert.equal(vi?.attestations[0]?.conditions?.[0]?.all[0]?.value, "https://gitlab.example.com/factory/images");
});

test("kyverno: output has no YAML anchors or aliases", () => {
  const text = kyvernoPolicy({ name: "mk", images: ["r/*"], trust: keyless, require: ["provenance", "sbom"] });
  assert.doesNotMatch(text, /[&*]a\d/);
});

test("sigstore policy-controller: key authority with the PEM and attestation types", () => {
  const pem = "-----BEGIN PUBLIC KEY-----\nMFk=\n-----END PUBLIC KEY-----\n";
  const doc = parse(sigstorePolicy({ name: "mk", images: ["registry.local/team/**"], trust: { kind: "key", publicKeyPem: pem }, require: ["provenance"], builderId: "b" })) as {
    apiVersion: string;
    spec: { images: { glob: string }[]; authorities: { key: { data: string }; attestations: { predicateType: string; policy: { type: string; data: string } }[] }[] };
  };
  assert.equal(doc.apiVersion, "policy.sigstore.dev/v1beta1");
  assert.equal(doc.spec.images[0]?.glob, "registry.local/team/**");
  assert.equal(doc.spec.authorities[0]?.key.data, pem);
  assert.equal(doc.spec.authorities[0]?.attestations[0]?.predicateType, "https://slsa.dev/provenance/v1");
  assert.match(doc.spec.authorities[0]?.attestations[0]?.policy.data ?? "", /builder: id: "b"/);
});

test("kyverno: scan conditions → time_since on scanFinishedOn, and a passing gate decision for severities", () => {
  const doc = parse(kyvernoPolicy({ name: "mk", images: ["r/*"], trust: keyless, require: ["sbom"], scan: { maxAgeDays: 7 } })) as {
    spec: { rules: { verifyImages: { attestations: { type: string; conditions?: { all: { key: string; operator: string; value: string }[] }[] }[] }[] }[] };
  };
  const atts = doc.spec.rules[0]?.verifyImages[0]?.attestations ?? [];
  assert.deepEqual(atts.map((a) => a.type), ["https://cyclonedx.org/bom", "https://in-toto.io/attestation/vulns/v0.1", "https://mailknight.dev/attestations/gate-decision/v1"]);
  assert.equal(atts[0]?.conditions, undefined);
  assert.deepEqual(atts[1]?.conditions?.[0]?.all[0] && { key: atts[1].conditions[0].all[0].key, operator: atts[1].conditions[0].all[0].operator, value: atts[1].conditions[0].all[0].value }, {
    key: "{{ time_since('','{{ metadata.scanFinishedOn }}','') }}",
    operator: "LessThanOrEquals",
    value: "168h",
  });
  assert.deepEqual(atts[2]?.conditions?.[0]?.all.map((c) => [c.key, c.value]), [["{{ verdict }}", "pass"]]);
  // Age only (--scan-fail-on none): no gate decision needed; fractional days become seconds.
  const ageOnly = parse(kyvernoPolicy({ name: "mk", images: ["r/*"], trust: keyless, require: [], scan: { maxAgeDays: 1.01, failOn: [] } })) as typeof doc;
  const a2 = ageOnly.spec.rules[0]?.verifyImages[0]?.attestations ?? [];
  assert.deepEqual(a2.map((a) => a.type), ["https://in-toto.io/attestation/vulns/v0.1"]);
  assert.equal(a2[0]?.conditions?.[0]?.all[0]?.value, "87264s");
});

test("sigstore policy-controller: scan age as a Rego policy, gate verdict as CUE", () => {
  const doc = parse(sigstorePolicy({ name: "mk", images: ["r/**"], trust: keyless, require: ["vuln"], scan: { maxAgeDays: 7 } })) as {
    spec: { authorities: { attestations: { name: string; predicateType: string; policy?: { type: string; data: string } }[] }[] };
  };
  const atts = doc.spec.authorities[0]?.attestations ?? [];
  assert.deepEqual(atts.map((a) => a.name), ["vuln", "gate"]);
  assert.equal(atts[0]?.policy?.type, "rego");
  assert.match(atts[0]?.policy?.data ?? "", /^package sigstore\n/);
  assert.match(atts[0]?.policy?.data ?? "", /time\.parse_rfc3339_ns\(input\.predicate\.metadata\.scanFinishedOn\)/);
  assert.match(atts[0]?.policy?.data ?? "", /age <= 604800000000000\n/);
  assert.deepEqual(atts[1]?.policy, { type: "cue", data: 'predicateType: "https://mailknight.dev/attestations/gate-decision/v1"\npredicate: verdict: "pass"\n' });
});
