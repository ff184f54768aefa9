import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { bundleFromJSON, bundleToJSON } from "@sigstore/bundle";
import { TrustedRoot } from "@sigstore/protobuf-specs";
import { Verifier, toSignedEntity, toTrustMaterial } from "@sigstore/verify";
import { MediaType, type Descriptor, type ImageManifest } from "../oci/spec.js";
import { PredicateType } from "../attest/statement.js";
import { BUNDLE_MEDIA_TYPE, attachReferrer, legacyTag, listReferrers, readBlobBytes, readJsonManifest, referrersTag } from "./attach.js";
import { attestImage, signImage } from "./image-sign.js";
import { keySigner } from "./signer.js";
import { verifyImage } from "./verify-image.js";
import { isVerifyError } from "./checks.js";
import { testImage, testKeys, type TestImage } from "./testing.js";
import { SIMPLE_SIGNING_MEDIA_TYPE, parseSimpleSigning } from "./cosign.js";
import { expectVerifyFail as expectFail } from "./testing.js";

const keys = testKeys();
const signer = keySigner(keys.privateKey);
const policy = { kind: "key" as const, publicKey: keys.publicKey };
const provenance = { buildDefinition: { buildType: "x", externalParameters: {}, resolvedDependencies: [{ uri: "git+https://github.com/acme/greeter", digest: { gitCommit: "ab" } }] }, runDetails: { builder: { id: "https://gitlab.example.com/factory/images" }, metadata: { invocationId: "1" }, byproducts: [] } };


async function referrerBundle(img: TestImage, predicateType: string): Promise<unknown> {
  for (const d of await listReferrers(img.store, img.manifest.digest)) {
    if (d.annotations?.["dev.sigstore.bundle.predicateType"] !== predicateType) continue;
    const { value } = await readJsonManifest<ImageManifest>(img.store, d.digest);
    return JSON.parse((await readBlobBytes(img.store, value.layers[0] as Descriptor)).toString("utf8"));
  }
  throw new Error(`no referrer for ${predicateType}`);
}

test("sign + attest on a layout: verify passes, both layouts written, referrers tag lists them", async () => {
  const img = await testImage();
  try {
    await signImage(img.store, img.manifest, "registry.local/greeter", signer);
    await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.slsaProvenance, provenance);
    await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.cyclonedx, { bomFormat: "CycloneDX", specVersion: "1.6" });
    const report = await verifyImage({ store: img.store, ref: "greeter:v1", policy, require: ["provenance", "sbom"], provenance: { builderId: "https://gitlab.example.com/factory/images", sourceRepo: "https://github.com/acme/greeter" } });
    assert.equal(report.digest, img.manifest.digest);
    assert.deepEqual(report.signatures.map((s) => s.format).sort(), ["bundle-referrer", "cosign-legacy"]);
    assert.equal(report.attestations.length, 4); // 2 predicates x (referrer + .att)
    const tags = await img.layout.tags();
    for (const t of [referrersTag(img.manifest.digest), legacyTag(img.manifest.digest, "sig"), legacyTag(img.manifest.digest, "att")]) assert.ok(tags.includes(t), t);
    const refs = await listReferrers(img.store, img.manifest.digest);
    assert.equal(refs.length, 3);
    for (const r of refs) {
      assert.equal(r.artifactType, BUNDLE_MEDIA_TYPE);
      const { value } = await readJsonManifest<ImageManifest & { subject: Descriptor; artifactType: string }>(img.store, r.digest);
      assert.equal(value.subject.digest, img.manifest.digest);
      assert.equal(value.artifactType, BUNDLE_MEDIA_TYPE);
      assert.equal(value.config.mediaType, "application/vnd.oci.empty.v1+json");
    }
    // The legacy .sig layer: cosign's simple-signing payload for this digest, base64 signature annotation.
    const sig = await img.store.resolve(legacyTag(img.manifest.digest, "sig"));
    const { value: sigManifest } = await readJsonManifest<ImageManifest>(img.store, (sig as Descriptor).digest);
    const layer = sigManifest.layers[0] as Descriptor;
    assert.equal(layer.mediaType, SIMPLE_SIGNING_MEDIA_TYPE);
    const payload = await readBlobBytes(img.store, layer);
    assert.deepEqual(parseSimpleSigning(payload), { dockerReference: "registry.local/greeter", manifestDigest: img.manifest.digest });
    assert.match(layer.annotations?.["dev.cosignproject.cosign/signature"] ?? "", /^[A-Za-z0-9+/]+=*$/);
  } finally {
    img.cleanup();
  }
});

test("bundles we write verify independently with sigstore-js's Verifier (public key)", async () => {
  const img = await testImage();
  try {
    await signImage(img.store, img.manifest, "registry.local/greeter", signer, { legacy: false });
    const json = await referrerBundle(img, PredicateType.cosignSign);
    assert.equal((json as { mediaType: string }).mediaType, BUNDLE_MEDIA_TYPE);
    const root = TrustedRoot.fromJSON({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1", tlogs: [], certificateAuthorities: [], ctlogs: [], timestampAuthorities: [] });
    const trust = toTrustMaterial(root, () => ({ publicKey: keys.publicKey, validFor: () => true }));
    const verifier = new Verifier(trust, { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    const signerOut = verifier.verify(toSignedEntity(bundleFromJSON(json)));
    assert.equal(signerOut.key.export({ type: "spki", format: "pem" }), keys.publicKey.export({ type: "spki", format: "pem" }));
    const other = testKeys();
    const wrong = new Verifier(toTrustMaterial(root, () => ({ publicKey: other.publicKey, validFor: () => true })), { tlogThreshold: 0, ctlogThreshold: 0, timestampThreshold: 0 });
    assert.throws(() => wrong.verify(toSignedEntity(bundleFromJSON(json))));
  } finally {
    img.cleanup();
  }
});

test("verify fails closed: unsigned image, wrong key, missing attestation, provenance condition", async () => {
  const img = await testImage();
  try {
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "signature.present");
    await expectFail(verifyImage({ store: img.store, ref: "nope:v1", policy }), "reference");
    await signImage(img.store, img.manifest, "registry.local/greeter", signer);
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: { kind: "key", publicKey: testKeys().publicKey } }), "signature");
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy, require: ["provenance"] }), "attestation.present");
    await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.slsaProvenance, provenance);
    await expectFail(verifyImage({ store: img.store, ref: img.manifest.digest, policy, require: ["provenance"], provenance: { builderId: "https://evil.example.com/x" } }), "attestation.condition");
    await expectFail(verifyImage({ store: img.store, ref: img.manifest.digest, policy, require: ["provenance"], provenance: { sourceRepo: "https://github.com/evil/greeter" } }), "attestation.condition");
    await verifyImage({ store: img.store, ref: img.manifest.digest, policy, require: ["provenance"] });
  } finally {
    img.cleanup();
  }
});

// --- tamper matrix: each case starts from a correctly signed image (both layouts) ------------

async function signed(): Promise<TestImage> {
  const img = await testImage();
  await signImage(img.store, img.manifest, "registry.local/greeter", signer);
  await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.slsaProvenance, provenance);
  return img;
}

function flipByte(path: string): void {
  const b = readFileSync(path);
  b[b.byteLength - 2] = (b[b.byteLength - 2] as number) ^ 0x01;
  writeFileSync(path, b);
}

test("tamper: one byte of a layer → image.layers", async () => {
  const img = await signed();
  try {
    flipByte(img.layout.blobPath(img.layer.digest));
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "image.layers");
  } finally {
    img.cleanup();
  }
});

test("tamper: one byte of the config → image.config", async () => {
  const img = await signed();
  try {
    flipByte(img.layout.blobPath(img.config.digest));
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "image.config");
  } finally {
    img.cleanup();
  }
});

test("tamper: one byte of the manifest → image.manifest", async () => {
  const img = await signed();
  try {
    flipByte(img.layout.blobPath(img.manifest.digest));
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "image.manifest");
  } finally {
    img.cleanup();
  }
});

test("tamper: a manifest rewritten and re-tagged (new digest) has no signature", async () => {
  const img = await signed();
  try {
    const m = JSON.parse(readFileSync(img.layout.blobPath(img.manifest.digest), "utf8")) as ImageManifest;
    const forged = await img.layout.putBlob(Buffer.from(JSON.stringify({ ...m, annotations: { evil: "1" } })), MediaType.manifest);
    await img.layout.tag("greeter:v1", forged);
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "signature.present");
  } finally {
    img.cleanup();
  }
});

/** Attacker with push rights: replaces the image's signatures with altered ones, consistently. */
async function withForgedReferrer(mutate: (bundle: Record<string, unknown>) => void, predicateType: string = PredicateType.cosignSign): Promise<{ img: TestImage }> {
  const source = await signed();
  const bundle = (await referrerBundle(source, predicateType)) as Record<string, unknown>;
  source.cleanup();
  const img = await testImage();
  mutate(bundle);
  await attachReferrer(img.store, img.manifest, BUNDLE_MEDIA_TYPE, Buffer.from(JSON.stringify(bundle)), { "dev.sigstore.bundle.predicateType": predicateType });
  return { img };
}

function dsse(b: Record<string, unknown>): { payload: string; signatures: { sig: string }[] } {
  return b.dsseEnvelope as { payload: string; signatures: { sig: string }[] };
}

test("tamper: one byte of the signature → signature", async () => {
  const { img } = await withForgedReferrer((b) => {
    const s = Buffer.from(dsse(b).signatures[0]!.sig, "base64");
    s[s.byteLength - 1] = (s[s.byteLength - 1] as number) ^ 0x01;
    dsse(b).signatures[0]!.sig = s.toString("base64");
  });
  try {
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "signature");
  } finally {
    img.cleanup();
  }
});

test("tamper: one byte of the DSSE payload → signature", async () => {
  const { img } = await withForgedReferrer((b) => {
    const p = Buffer.from(dsse(b).payload, "base64");
    p[p.byteLength - 2] = (p[p.byteLength - 2] as number) ^ 0x01;
    dsse(b).payload = p.toString("base64");
  });
  try {
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "signature");
  } finally {
    img.cleanup();
  }
});

test("tamper: a valid bundle for another digest → subject", async () => {
  // The source image has other layer bytes, so its bundle is valid but about another digest.
  const other = await testImage("greeter:v1", "other");
  await signImage(other.store, other.manifest, "registry.local/greeter", signer, { legacy: false });
  const bundle = await referrerBundle(other, PredicateType.cosignSign);
  other.cleanup();
  const img = await testImage();
  try {
    await attachReferrer(img.store, img.manifest, BUNDLE_MEDIA_TYPE, Buffer.from(JSON.stringify(bundle)));
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "subject");
  } finally {
    img.cleanup();
  }
});

test("tamper: a key-signed bundle where a keyless identity is required → certificate", async () => {
  const img = await signed();
  try {
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: { kind: "keyless", trustedRoot: {}, issuer: "https://gitlab.example.com", identity: "x" } }), "certificate");
  } finally {
    img.cleanup();
  }
});

test("tamper: legacy .sig signature byte flipped (no referrer) → signature", async () => {
  const img = await testImage();
  try {
    await signImage(img.store, img.manifest, "registry.local/greeter", signer, { referrers: false });
    await verifyImage({ store: img.store, ref: "greeter:v1", policy });
    const sigDesc = (await img.store.resolve(legacyTag(img.manifest.digest, "sig"))) as Descriptor;
    const { value } = await readJsonManifest<ImageManifest>(img.store, sigDesc.digest);
    const layer = value.layers[0] as Descriptor;
    const s = Buffer.from(layer.annotations?.["dev.cosignproject.cosign/signature"] ?? "", "base64");
    s[10] = (s[10] as number) ^ 0x01;
    const forged = { ...value, layers: [{ ...layer, annotations: { ...layer.annotations, "dev.cosignproject.cosign/signature": s.toString("base64") } }] };
    const d = await img.layout.putBlob(Buffer.from(JSON.stringify(forged)), MediaType.manifest);
    await img.layout.tag(legacyTag(img.manifest.digest, "sig"), d);
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy }), "signature");
  } finally {
    img.cleanup();
  }
});

test("serialised bundle round-trips through @sigstore/bundle unchanged", async () => {
  const img = await signed();
  try {
    const json = await referrerBundle(img, PredicateType.slsaProvenance);
    assert.deepEqual(bundleToJSON(bundleFromJSON(json)), json);
  } finally {
    img.cleanup();
  }
});

test("tamper: legacy .att DSSE payload changed (no referrer) → required attestation fails on signature", async () => {
  const img = await testImage();
  try {
    await signImage(img.store, img.manifest, "registry.local/greeter", signer, { referrers: false });
    await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.slsaProvenance, provenance, { referrers: false });
    await verifyImage({ store: img.store, ref: "greeter:v1", policy, require: ["provenance"] });
    const attDesc = (await img.store.resolve(legacyTag(img.manifest.digest, "att"))) as Descriptor;
    const { value } = await readJsonManifest<ImageManifest>(img.store, attDesc.digest);
    const layer = value.layers[0] as Descriptor;
    const env = JSON.parse((await readBlobBytes(img.store, layer)).toString()) as { payload: string };
    env.payload = Buffer.from(Buffer.from(env.payload, "base64").toString().replace("gitlab.example.com", "gitlab.evil.com")).toString("base64");
    const forgedLayer = await img.layout.putBlob(Buffer.from(JSON.stringify(env)), layer.mediaType);
    const forged = await img.layout.putBlob(Buffer.from(JSON.stringify({ ...value, layers: [{ ...forgedLayer, annotations: layer.annotations }] })), MediaType.manifest);
    await img.layout.tag(legacyTag(img.manifest.digest, "att"), forged);
    await assert.rejects(verifyImage({ store: img.store, ref: "greeter:v1", policy, require: ["provenance"] }), (e) => isVerifyError(e) && e.check === "attestation.present" && /\[signature\]/.test(e.message));
  } finally {
    img.cleanup();
  }
});
