import { test } from "node:test";
import assert from "node:assert/strict";
import { PredicateType } from "../attest/statement.js";
import { collectEvidence } from "./evidence.js";
import { attestImage, signImage } from "./image-sign.js";
import { keySigner } from "./signer.js";
import { testImage, testKeys } from "./testing.js";
import { keyHint } from "./keys.js";

test("evidence: unsigned image, then signed + attested in both layouts", async () => {
  const img = await testImage();
  try {
    const before = await collectEvidence("greeter:v1", img.store, "greeter:v1");
    assert.deepEqual({ ...before, digest: undefined }, { image: "greeter:v1", digest: undefined, signedLegacy: false, signedReferrer: false, signers: [], sbom: false, provenance: false, predicateTypes: [] });
    const keys = testKeys();
    const signer = keySigner(keys.privateKey);
    await signImage(img.store, img.manifest, "r/greeter", signer);
    await attestImage(img.store, img.manifest, "r/greeter", signer, PredicateType.slsaProvenance, {}, { referrers: false });
    const after = await collectEvidence("greeter:v1", img.store, "greeter:v1");
    assert.equal(after.digest, img.manifest.digest);
    assert.equal(after.signedLegacy, true);
    assert.equal(after.signedReferrer, true);
    assert.equal(after.provenance, true, "found through the legacy .att tag");
    assert.equal(after.sbom, false);
    assert.deepEqual(after.signers, ["key (cosign .sig)", `key ${keyHint(keys.publicKey)}`]);
    const missing = await collectEvidence("nope", img.store, "nope:v1");
    assert.match(missing.error ?? "", /not found/);
  } finally {
    img.cleanup();
  }
});
