import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { bundleFromJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { PredicateType } from "../attest/statement.js";
import { attestImage, signImage } from "./image-sign.js";
import { keylessSigner } from "./signer.js";
import { verifyImage } from "./verify-image.js";
import { collectEvidence } from "./evidence.js";
import { startMockSigstore, fakeIdToken, type MockSigstore } from "./sigstore-mock.js";
import { expectVerifyFail, keylessPolicy, testImage, TEST_IDENTITY, TEST_ISSUER, type TestImage } from "./testing.js";
import { BUNDLE_MEDIA_TYPE, attachReferrer, legacyTag, listReferrers, readBlobBytes, readJsonManifest } from "./attach.js";
import type { Descriptor, ImageManifest } from "../oci/spec.js";

const ISSUER = TEST_ISSUER;
const IDENTITY = TEST_IDENTITY;
const keyless = (extra: Parameters<typeof keylessPolicy>[1] = {}) => keylessPolicy(mock, extra);
const expectFail = expectVerifyFail;

// @sigstore/mock's Rekor returns the proposed entry as the log body; for "dsse" entries real Rekor
// rewrites that body (hashes, signatures), so only "intoto" entries verify against the mock.
let mock: MockSigstore;
let img: TestImage;

before(async () => {
  mock = await startMockSigstore();
  img = await testImage();
  const signer = keylessSigner({ identityToken: fakeIdToken({ iss: ISSUER, sub: IDENTITY }), fulcioURL: mock.url, rekorURL: mock.url, tsaURL: mock.url, rekorEntryType: "intoto" });
  await signImage(img.store, img.manifest, "registry.local/greeter", signer);
  await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.cyclonedx, { bomFormat: "CycloneDX", specVersion: "1.6" });
});

after(async () => {
  img.cleanup();
  await mock.close();
});



test("keyless: matching identity (exact and regexp) and issuer passes, with SBOM required", async () => {
  const r = await verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless(), require: ["sbom"] });
  assert.equal(r.signatures[0]?.identity?.san, IDENTITY);
  assert.equal(r.signatures[0]?.identity?.issuer, ISSUER);
  await verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ identityRegexp: /^https:\/\/gitlab\.example\.com\/factory\// }) });
});

test("keyless: legacy .sig layer carries cosign's certificate and Rekor bundle annotations", async () => {
  const sig = (await img.store.resolve(legacyTag(img.manifest.digest, "sig"))) as Descriptor;
  const { value } = await readJsonManifest<ImageManifest>(img.store, sig.digest);
  const a = value.layers[0]?.annotations ?? {};
  assert.match(a["dev.cosignproject.cosign/signature"] ?? "", /^[A-Za-z0-9+/]+=*$/);
  assert.match(a["dev.sigstore.cosign/certificate"] ?? "", /^-----BEGIN CERTIFICATE-----\n/);
  const rekor = JSON.parse(a["dev.sigstore.cosign/bundle"] ?? "{}") as { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
  assert.deepEqual(Object.keys(rekor).sort(), ["Payload", "SignedEntryTimestamp"]);
  assert.deepEqual(Object.keys(rekor.Payload).sort(), ["body", "integratedTime", "logID", "logIndex"]);
  assert.match(rekor.Payload.logID, /^[0-9a-f]{64}$/);
  const body = JSON.parse(Buffer.from(rekor.Payload.body, "base64").toString()) as { kind: string };
  assert.equal(body.kind, "hashedrekord");
});

test("keyless: evidence matrix shows the claimed certificate identity and issuer", async () => {
  const row = await collectEvidence("greeter:v1", img.store, "greeter:v1");
  assert.deepEqual(row.signers, [`${IDENTITY} (${ISSUER})`]);
  assert.equal(row.sbom, true);
  assert.equal(row.signedLegacy && row.signedReferrer, true);
});

test("keyless: another identity fails on identity", async () => {
  await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ identity: "https://gitlab.example.com/evil/x" }) }), "identity");
  await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ identityRegexp: /^https:\/\/gitlab\.example\.com\/evil\// }) }), "identity");
});

test("keyless: another issuer fails on identity", async () => {
  await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ issuer: "https://token.actions.githubusercontent.com" }) }), "identity");
});

test("keyless: a trusted root with another CA fails on certificate", async () => {
  const other = await startMockSigstore();
  try {
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ trustedRoot: { ...(mock.trustedRoot as object), certificateAuthorities: (other.trustedRoot as { certificateAuthorities: unknown }).certificateAuthorities } }) }), "certificate");
  } finally {
    await other.close();
  }
});

test("keyless: bundle verifies with sigstore-js's Verifier directly; tampered certificate is rejected", async () => {
  const refs = await listReferrers(img.store, img.manifest.digest);
  const { value } = await readJsonManifest<ImageManifest>(img.store, (refs[0] as Descriptor).digest);
  const json = JSON.parse((await readBlobBytes(img.store, value.layers[0] as Descriptor)).toString("utf8")) as { verificationMaterial: { certificate: { rawBytes: string } } };
  const verifier = new Verifier(toTrustMaterial(TrustedRoot.fromJSON(mock.trustedRoot)), { tlogThreshold: 1, ctlogThreshold: 1, timestampThreshold: 1 });
  const s = verifier.verify(toSignedEntity(bundleFromJSON(json)), { subjectAlternativeName: IDENTITY, extensions: { issuer: ISSUER } });
  assert.equal(s.identity?.subjectAlternativeName, IDENTITY);
  const cert = Buffer.from(json.verificationMaterial.certificate.rawBytes, "base64");
  cert[cert.byteLength - 5] = (cert[cert.byteLength - 5] as number) ^ 0x01; // inside the CA's signature
  json.verificationMaterial.certificate.rawBytes = cert.toString("base64");
  assert.throws(() => verifier.verify(toSignedEntity(bundleFromJSON(json))), (e: { code?: string }) => /^CERTIFICATE/.test(e.code ?? ""));
  // The same forged bundle attached as a referrer: verify names the certificate check.
  const forged = await testImage();
  try {
    await attachReferrer(forged.store, forged.manifest, BUNDLE_MEDIA_TYPE, Buffer.from(JSON.stringify(json)));
    await expectFail(verifyImage({ store: forged.store, ref: "greeter:v1", policy: keyless() }), "certificate");
  } finally {
    forged.cleanup();
  }
});

test("keyless: a bundle signed for another image fails on subject", async () => {
  const other = await testImage("greeter:v1", "other");
  try {
    const refs = await listReferrers(img.store, img.manifest.digest);
    for (const r of refs) {
      const { value } = await readJsonManifest<ImageManifest>(img.store, r.digest);
      const bytes = await readBlobBytes(img.store, value.layers[0] as Descriptor);
      await attachReferrer(other.store, other.manifest, BUNDLE_MEDIA_TYPE, bytes);
    }
    await expectFail(verifyImage({ store: other.store, ref: "greeter:v1", policy: keyless() }), "subject");
  } finally {
    other.cleanup();
  }
});
