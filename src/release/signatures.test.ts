import { test } from "node:test";
import assert from "node:assert/strict";
import { PredicateType } from "../attest/statement.js";
import { isMkError } from "../errors.js";
import { copyImage } from "../oci/registry/copy.js";
import { attestImage, signImage } from "../sign/image-sign.js";
import { keySigner } from "../sign/signer.js";
import { testImage, testKeys } from "../sign/testing.js";
import { verifyImage } from "../sign/verify-image.js";
import { copySignatures, findSignatures, provenanceDigest, requireSigned, signatureDigest } from "./signatures.js";

const PROVENANCE = { runDetails: { builder: { id: "https://mailknight.dev/builders/local/v1" } }, buildDefinition: { resolvedDependencies: [] } };
const WHAT = { ref: "greeter@v1", variant: "distroless", digest: "sha256:x", attest: true };

test("an unsigned image is refused, a signed one without provenance only when attestations are required", async () => {
  const img = await testImage();
  try {
    const none = await findSignatures(img.store, img.manifest.digest);
    assert.deepEqual(none, { referrers: [], legacy: {} });
    assert.throws(() => requireSigned(none, WHAT), (e) => isMkError(e) && e.code === "E_NOT_FOUND" && /no signature and no provenance attestation/.test(e.message) && /unsigned/.test(e.message));

    const signer = keySigner(testKeys().privateKey);
    await signImage(img.store, img.manifest, "greeter", signer, { legacy: false });
    const signed = await findSignatures(img.store, img.manifest.digest);
    assert.ok(signatureDigest(signed)?.startsWith("sha256:"));
    assert.equal(provenanceDigest(signed), undefined);
    requireSigned(signed, { ...WHAT, attest: false });
    assert.throws(() => requireSigned(signed, WHAT), /no provenance attestation/);
  } finally {
    img.cleanup();
  }
});

test("legacy-only evidence counts too: the .sig and .att manifests are the digests", async () => {
  const img = await testImage();
  try {
    const signer = keySigner(testKeys().privateKey);
    await signImage(img.store, img.manifest, "greeter", signer, { referrers: false });
    await attestImage(img.store, img.manifest, "greeter", signer, PredicateType.slsaProvenance, PROVENANCE, { referrers: false });
    const s = await findSignatures(img.store, img.manifest.digest);
    assert.equal(s.referrers.length, 0);
    assert.equal(signatureDigest(s), s.legacy.sig?.digest);
    assert.equal(provenanceDigest(s), s.legacy.att?.digest);
    requireSigned(s, WHAT);
  } finally {
    img.cleanup();
  }
});

test("copySignatures carries referrers and legacy tags, so the copy verifies on its own", async () => {
  const src = await testImage();
  const dst = await testImage("other:v1", "other");
  try {
    const keys = testKeys();
    const signer = keySigner(keys.privateKey);
    await signImage(src.store, src.manifest, "greeter", signer);
    await attestImage(src.store, src.manifest, "greeter", signer, PredicateType.slsaProvenance, PROVENANCE);
    const s = await findSignatures(src.store, src.manifest.digest);
    assert.equal(s.referrers.length, 2);

    await copyImage(src.store, src.manifest.digest, dst.store, { tags: [] });
    await assert.rejects(verifyImage({ store: dst.store, ref: src.manifest.digest, policy: { kind: "key", publicKey: keys.publicKey } }), /signature/);
    await copySignatures(src.store, dst.store, src.manifest.digest, s);
    await copySignatures(src.store, dst.store, src.manifest.digest, s); // idempotent: nothing listed twice
    const copied = await findSignatures(dst.store, src.manifest.digest);
    assert.deepEqual(copied.referrers.map((d) => d.digest).sort(), s.referrers.map((d) => d.digest).sort());
    assert.equal(copied.legacy.sig?.digest, s.legacy.sig?.digest);
    assert.equal(copied.legacy.att?.digest, s.legacy.att?.digest);
    const report = await verifyImage({ store: dst.store, ref: src.manifest.digest, policy: { kind: "key", publicKey: keys.publicKey }, require: ["provenance"] });
    assert.deepEqual(report.signatures.map((x) => x.format).sort(), ["bundle-referrer", "cosign-legacy"]);
  } finally {
    src.cleanup();
    dst.cleanup();
  }
});
