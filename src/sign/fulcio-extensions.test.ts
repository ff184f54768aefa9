import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { isVerifyError } from "./checks.js";
import { checkCertificateExtensions, readFulcioExtensions } from "./fulcio-extensions.js";

// A certificate real Fulcio issued (sigstore-conformance's happy-path bundle, GitHub Actions).
const bundle = JSON.parse(readFileSync(new URL("../../../shared/fixtures/sigstore/conformance-happy-path-v0.3.messageSignature.sigstore.json", import.meta.url), "utf8")) as { verificationMaterial: { certificate: { rawBytes: string } } };
const cert = Buffer.from(bundle.verificationMaterial.certificate.rawBytes, "base64");
const WORKFLOW = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";

test("a real Fulcio certificate: the v2 extensions decode from their DER UTF8Strings", () => {
  assert.deepEqual(readFulcioExtensions(cert), {
    buildSignerUri: WORKFLOW,
    runnerEnvironment: "github-hosted",
    sourceRepositoryUri: "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon",
    sourceRepositoryRef: "refs/heads/main",
    buildConfigUri: WORKFLOW,
  });
});

test("pins: exact and regexp matches pass; another value or a regexp miss fails on identity", () => {
  checkCertificateExtensions(cert, { buildConfigUri: WORKFLOW, sourceRepositoryRef: "refs/heads/main", runnerEnvironment: "github-hosted" });
  checkCertificateExtensions(cert, { buildConfigUri: /\/\.github\/workflows\/extremely-dangerous-oidc-beacon\.yml@refs\/heads\/main$/ });
  for (const pins of [{ sourceRepositoryRef: "refs/tags/v1" }, { buildConfigUri: WORKFLOW.replace("main", "dev") }, { buildConfigUri: /release\.yml/ }, { runnerEnvironment: "self-hosted" }]) {
    assert.throws(() => checkCertificateExtensions(cert, pins), (e) => isVerifyError(e) && e.check === "identity", JSON.stringify(pins));
  }
});

test("an unparseable certificate fails on certificate, not silently", () => {
  assert.throws(() => checkCertificateExtensions(Buffer.from("not a certificate"), { sourceRepositoryRef: "refs/heads/main" }), (e) => isVerifyError(e) && e.check === "certificate");
});
