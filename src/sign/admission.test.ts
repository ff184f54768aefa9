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
