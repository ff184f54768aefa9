/**
 * Keyless identity pinned to one pipeline file and ref: Fulcio's Build Config URI
 * (1.3.6.1.4.1.57264.1.18) and Source Repository Ref (1.3.6.1.4.1.57264.1.14) extensions, checked
 * on every signature and attestation in both layouts (bundle referrers, legacy .sig/.att), offline
 * against @sigstore/mock's Fulcio, Rekor and TSA issuing GitLab-style certificates.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PredicateType } from "../attest/statement.js";
import { attestImage, signImage } from "./image-sign.js";
import { keylessSigner } from "./signer.js";
import { verifyImage } from "./verify-image.js";
import { FULCIO_EXTENSIONS, type CertificateExtensionPolicy } from "./fulcio-extensions.js";
import { startMockSigstore, fakeIdToken, type MockSigstore } from "./sigstore-mock.js";
import { testImage, type TestImage } from "./testing.js";
import { expectVerifyFail as expectFail } from "./testing.js";

const ISSUER = "https://gitlab.example.com";
const IDENTITY = "https://gitlab.example.com/factory/images//.gitlab-ci.yml@refs/heads/main";
const BUILD_CONFIG = "https://gitlab.example.com/factory/images//.gitlab-ci.yml@refs/heads/main";
const GITLAB_CLAIMS = { ci_config_ref_uri: "gitlab.example.com/factory/images//.gitlab-ci.yml@refs/heads/main", ref: "main", ref_type: "branch", project_path: "factory/images", runner_environment: "gitlab-hosted" };
const SBOM = { bomFormat: "CycloneDX", specVersion: "1.6" };

let mock: MockSigstore;
/** Signed and attested in the main pipeline: one image per layout. */
const images: Record<"referrers" | "legacy", TestImage> = {} as Record<"referrers" | "legacy", TestImage>;
/** Signed without GitLab claims (no Build Config URI / Source Repository Ref extensions). */
let bare: TestImage;
/** Signed by main, attested by a tag pipeline with another pipeline file. */
let mixed: TestImage;

function signer(claims: Record<string, string>) {
  return keylessSigner({ identityToken: fakeIdToken({ iss: ISSUER, sub: IDENTITY, ...claims }), fulcioURL: mock.url, rekorURL: mock.url, tsaURL: mock.url, rekorEntryType: "intoto" });
}

before(async () => {
  mock = await startMockSigstore();
  const main = signer(GITLAB_CLAIMS);
  for (const layout of ["referrers", "legacy"] as const) {
    const img = await testImage();
    const switches = layout === "referrers" ? { legacy: false } : { referrers: false };
    await signImage(img.store, img.manifest, "registry.local/greeter", main, switches);
    await attestImage(img.store, img.manifest, "registry.local/greeter", main, PredicateType.cyclonedx, SBOM, switches);
    images[layout] = img;
  }
  bare = await testImage();
  await signImage(bare.store, bare.manifest, "registry.local/greeter", signer({}));
  mixed = await testImage();
  await signImage(mixed.store, mixed.manifest, "registry.local/greeter", main);
  const other = signer({ ...GITLAB_CLAIMS, ci_config_ref_uri: "gitlab.example.com/factory/images//ci/release.yml@refs/tags/v1", ref: "v1", ref_type: "tag" });
  await attestImage(mixed.store, mixed.manifest, "registry.local/greeter", other, PredicateType.cyclonedx, SBOM);
});

after(async () => {
  for (const img of [...Object.values(images), bare, mixed]) img.cleanup();
  await mock.close();
});

function keyless(pins: CertificateExtensionPolicy) {
  return { kind: "keyless" as const, trustedRoot: mock.trustedRoot, issuer: ISSUER, identity: IDENTITY, certificateExtensions: pins };
}


for (const layout of ["referrers", "legacy"] as const) {
  test(`pins (${layout}): matching pipeline file and ref pass, exact and regexp; the report shows the extensions`, async () => {
    const img = images[layout];
    const r = await verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ buildConfigUri: BUILD_CONFIG, sourceRepositoryRef: "refs/heads/main" }), require: ["sbom"] });
    assert.equal(r.signatures.length, 1);
    assert.deepEqual(r.signatures[0]?.identity?.extensions, {
      buildConfigUri: BUILD_CONFIG,
      buildSignerUri: BUILD_CONFIG,
      runnerEnvironment: "gitlab-hosted",
      sourceRepositoryRef: "refs/heads/main",
      sourceRepositoryUri: "https://gitlab.example.com/factory/images",
    });
    assert.equal(r.attestations[0]?.identity?.extensions?.buildConfigUri, BUILD_CONFIG);
    await verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ buildConfigUri: /^https:\/\/gitlab\.example\.com\/factory\/images\/\/\.gitlab-ci\.yml@refs\/heads\/main$/ }), require: ["sbom"] });
  });

  test(`pins (${layout}): another ref fails on identity, naming the extension and both values`, async () => {
    await expectFail(
      verifyImage({ store: images[layout].store, ref: "greeter:v1", policy: keyless({ sourceRepositoryRef: "refs/tags/v1" }) }),
      "identity",
      /Source Repository Ref \(1\.3\.6\.1\.4\.1\.57264\.1\.14\) is "refs\/heads\/main", policy requires "refs\/tags\/v1"/,
    );
  });

  test(`pins (${layout}): another pipeline file fails on identity`, async () => {
    await expectFail(
      verifyImage({ store: images[layout].store, ref: "greeter:v1", policy: keyless({ buildConfigUri: "https://gitlab.example.com/factory/images//ci/release.yml@refs/heads/main" }) }),
      "identity",
      /Build Config URI \(1\.3\.6\.1\.4\.1\.57264\.1\.18\) is ".*\.gitlab-ci\.yml@refs\/heads\/main", policy requires ".*release\.yml/,
    );
    await expectFail(verifyImage({ store: images[layout].store, ref: "greeter:v1", policy: keyless({ buildConfigUri: /release\.yml/ }) }), "identity", /policy requires a match for \/release\\.yml\//);
  });
}

test("pins: a certificate without the extensions fails on identity (missing extension), both layouts", async () => {
  // Unpinned, the same image verifies: the failure is the pin, nothing else.
  await verifyImage({ store: bare.store, ref: "greeter:v1", policy: keyless({}) });
  await expectFail(verifyImage({ store: bare.store, ref: "greeter:v1", policy: keyless({ buildConfigUri: BUILD_CONFIG }) }), "identity", /has no Build Config URI extension \(1\.3\.6\.1\.4\.1\.57264\.1\.18\)/);
  await expectFail(verifyImage({ store: bare.store, ref: "greeter:v1", policy: keyless({ sourceRepositoryRef: "refs/heads/main" }) }), "identity", new RegExp(`no ${FULCIO_EXTENSIONS.sourceRepositoryRef.title} extension`));
});

test("pins: an attestation made by another pipeline does not count; verify names the identity", async () => {
  const policy = keyless({ buildConfigUri: BUILD_CONFIG, sourceRepositoryRef: "refs/heads/main" });
  // The signature (main pipeline) verifies; the SBOM attestation (tag pipeline, release.yml) does not.
  await verifyImage({ store: mixed.store, ref: "greeter:v1", policy });
  await expectFail(verifyImage({ store: mixed.store, ref: "greeter:v1", policy, require: ["sbom"] }), "identity", /no sbom attestation by the trusted identity.*Build Config URI.*release\.yml/);
  // Without pins the attestation is accepted: same SAN and issuer.
  await verifyImage({ store: mixed.store, ref: "greeter:v1", policy: keyless({}), require: ["sbom"] });
});
