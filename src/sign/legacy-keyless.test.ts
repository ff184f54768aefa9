/**
 * Keyless cosign `.sig` / `.att` layers verified on their own (no bundle referrer): offline against
 * @sigstore/mock's Fulcio, Rekor and TSA. Each tamper case rewrites the legacy manifest the way an
 * attacker with push rights could, and must fail on the named check.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { PredicateType } from "../attest/statement.js";
import { MediaType, type Descriptor, type ImageManifest } from "../oci/spec.js";
import { legacyTag, readBlobBytes, readJsonManifest } from "./attach.js";
import { attestImage, signImage } from "./image-sign.js";
import { keylessSigner } from "./signer.js";
import { verifyImage } from "./verify-image.js";
import { type CheckName } from "./checks.js";
import { CosignAnnotation, SIMPLE_SIGNING_MEDIA_TYPE } from "./cosign.js";
import { tlogBodyVerifiers } from "./bundle-verify.js";
import { certificatesFromPem, legacyLayerToBundle } from "./legacy-verify.js";
import { startMockSigstore, fakeIdToken, type MockSigstore } from "./sigstore-mock.js";
import { expectVerifyFail, keylessPolicy, testImage, TEST_IDENTITY, TEST_ISSUER, type TestImage } from "./testing.js";

const ISSUER = TEST_ISSUER;
const IDENTITY = TEST_IDENTITY;
const keyless = (extra: Parameters<typeof keylessPolicy>[1] = {}) => keylessPolicy(mock, extra);
const expectFail = expectVerifyFail;
const legacyOnly = { referrers: false } as const;

let mock: MockSigstore;
let img: TestImage;
let signer: ReturnType<typeof keylessSigner>;

before(async () => {
  mock = await startMockSigstore();
  // "intoto" for the attestation's Rekor entry: the mock echoes proposed entries, which only
  // verifies for intoto (see keyless.test.ts); the .sig entry is a hashedrekord either way.
  signer = keylessSigner({ identityToken: fakeIdToken({ iss: ISSUER, sub: IDENTITY }), fulcioURL: mock.url, rekorURL: mock.url, tsaURL: mock.url, rekorEntryType: "intoto" });
  img = await testImage();
  await signImage(img.store, img.manifest, "registry.local/greeter", signer, legacyOnly);
  await attestImage(img.store, img.manifest, "registry.local/greeter", signer, PredicateType.cyclonedx, { bomFormat: "CycloneDX", specVersion: "1.6" }, legacyOnly);
});

after(async () => {
  img.cleanup();
  await mock.close();
});



async function sigLayer(from: TestImage): Promise<{ manifest: ImageManifest; layer: Descriptor; payload: Buffer }> {
  const d = (await from.store.resolve(legacyTag(from.manifest.digest, "sig"))) as Descriptor;
  const { value } = await readJsonManifest<ImageManifest>(from.store, d.digest);
  const layer = value.layers[0] as Descriptor;
  return { manifest: value, layer, payload: await readBlobBytes(from.store, layer) };
}

/** A fresh image whose only signature is the `.sig` layer of `img`, after `mutate`. */
async function forged(mutate: (l: { payload: Buffer; annotations: Record<string, string> }) => void): Promise<TestImage> {
  const { manifest, layer, payload } = await sigLayer(img);
  const target = await testImage();
  const l = { payload: Buffer.from(payload), annotations: { ...(layer.annotations ?? {}) } };
  mutate(l);
  const blob = await target.layout.putBlob(l.payload, SIMPLE_SIGNING_MEDIA_TYPE);
  const m = { ...manifest, layers: [{ mediaType: blob.mediaType, size: blob.size, digest: blob.digest, annotations: l.annotations }] };
  const d = await target.layout.putBlob(Buffer.from(JSON.stringify(m)), MediaType.manifest);
  await target.layout.tag(legacyTag(target.manifest.digest, "sig"), d);
  return target;
}

async function expectForgedFails(mutate: Parameters<typeof forged>[0], check: CheckName): Promise<void> {
  const target = await forged(mutate);
  try {
    await expectFail(verifyImage({ store: target.store, ref: "greeter:v1", policy: keyless() }), check);
  } finally {
    target.cleanup();
  }
}

function flip(b64: string, at: number): string {
  const b = Buffer.from(b64, "base64");
  const i = at < 0 ? b.byteLength + at : at;
  b[i] = (b[i] as number) ^ 0x01;
  return b.toString("base64");
}

test("legacy keyless: .sig alone verifies for the right identity (exact, regexp) and issuer; .att satisfies --require", async () => {
  const r = await verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless(), require: ["sbom"] });
  assert.deepEqual(r.signatures, [{ format: "cosign-legacy", predicateType: PredicateType.cosignSign, identity: { san: IDENTITY, issuer: ISSUER } }]);
  assert.deepEqual(r.attestations.map((a) => [a.format, a.predicateType]), [["cosign-legacy", PredicateType.cyclonedx]]);
  await verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ identityRegexp: /^https:\/\/gitlab\.example\.com\/factory\// }) });
});

test("legacy keyless: the layer carries cosign's annotations, keys sorted as Go writes them", async () => {
  const { layer, payload } = await sigLayer(img);
  const a = layer.annotations ?? {};
  assert.deepEqual(Object.keys(a), [CosignAnnotation.signature, CosignAnnotation.bundle, CosignAnnotation.certificate, CosignAnnotation.rfc3161Timestamp]);
  assert.equal(certificatesFromPem(a[CosignAnnotation.certificate] ?? "").length, 1);
  assert.deepEqual(Object.keys(JSON.parse(a[CosignAnnotation.rfc3161Timestamp] ?? "{}") as object), ["SignedRFC3161Timestamp"]);
  // The Rekor entry names the signing certificate, the payload digest and the signature.
  const bundle = JSON.parse(a[CosignAnnotation.bundle] ?? "{}") as { Payload: { body: string } };
  const body = JSON.parse(Buffer.from(bundle.Payload.body, "base64").toString()) as { spec: { data: { hash: { value: string } }; signature: { content: string } } };
  assert.deepEqual(tlogBodyVerifiers(body), certificatesFromPem(a[CosignAnnotation.certificate] ?? ""));
  assert.equal(body.spec.signature.content, a[CosignAnnotation.signature]);
  const { createHash } = await import("node:crypto");
  assert.equal(body.spec.data.hash.value, createHash("sha256").update(payload).digest("hex"));
  // And the rebuilt bundle is a v0.1 bundle with the SET as inclusion promise.
  const rebuilt = legacyLayerToBundle(a, { messageSignature: {} }, "layer") as { mediaType: string; verificationMaterial: { tlogEntries: { inclusionPromise: unknown; kindVersion: unknown }[] } };
  assert.equal(rebuilt.mediaType, "application/vnd.dev.sigstore.bundle+json;version=0.1");
  assert.deepEqual(rebuilt.verificationMaterial.tlogEntries[0]?.kindVersion, { kind: "hashedrekord", version: "0.0.1" });
});

test("legacy keyless: another identity or issuer fails on identity", async () => {
  await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ identity: "https://gitlab.example.com/evil/x" }) }), "identity");
  await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ identityRegexp: /^https:\/\/gitlab\.example\.com\/evil\// }) }), "identity");
  await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ issuer: "https://token.actions.githubusercontent.com" }) }), "identity");
});

test("legacy keyless: a trusted root with another Fulcio CA fails on certificate", async () => {
  const other = await startMockSigstore();
  try {
    const root = { ...(mock.trustedRoot as object), certificateAuthorities: (other.trustedRoot as { certificateAuthorities: unknown }).certificateAuthorities };
    await expectFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keyless({ trustedRoot: root }) }), "certificate");
  } finally {
    await other.close();
  }
});

test("legacy keyless: a certificate issued by another CA (re-signed payload, original SET) fails on certificate", async () => {
  // The attacker's own Sigstore: its Fulcio issues a certificate for the same identity.
  const other = await startMockSigstore();
  const src = await testImage();
  try {
    const evil = keylessSigner({ identityToken: fakeIdToken({ iss: ISSUER, sub: IDENTITY }), fulcioURL: other.url, rekorURL: other.url });
    await signImage(src.store, img.manifest, "registry.local/greeter", evil, legacyOnly);
    const theirs = (await sigLayer({ ...src, manifest: img.manifest })).layer.annotations ?? {};
    await expectForgedFails((l) => {
      l.annotations[CosignAnnotation.signature] = theirs[CosignAnnotation.signature] as string;
      l.annotations[CosignAnnotation.certificate] = theirs[CosignAnnotation.certificate] as string;
      // The TSA timestamp covers the original signature bytes; without it the SET's time is used.
      delete l.annotations[CosignAnnotation.rfc3161Timestamp];
    }, "certificate");
  } finally {
    src.cleanup();
    await other.close();
  }
});

test("legacy keyless: tampered payload → signature", async () => {
  await expectForgedFails((l) => {
    l.payload = Buffer.from(l.payload.toString().replace("registry.local/greeter", "registry.local/greetex"));
  }, "signature");
});

test("legacy keyless: tampered signature annotation → signature", async () => {
  await expectForgedFails((l) => {
    l.annotations[CosignAnnotation.signature] = flip(l.annotations[CosignAnnotation.signature] as string, 10);
  }, "signature");
});

test("legacy keyless: tampered certificate (CA signature byte) → certificate", async () => {
  await expectForgedFails((l) => {
    const der = certificatesFromPem(l.annotations[CosignAnnotation.certificate] as string)[0] as Buffer;
    const b64 = flip(der.toString("base64"), -5).replace(/(.{64})/g, "$1\n").replace(/\n$/, "");
    l.annotations[CosignAnnotation.certificate] = `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n`;
  }, "certificate");
});

test("legacy keyless: tampered Rekor bundle annotation (SET, integratedTime, body) → tlog", async () => {
  type Rekor = { SignedEntryTimestamp: string; Payload: { body: string; integratedTime: number; logIndex: number; logID: string } };
  const edit = (f: (r: Rekor) => void) => (l: { annotations: Record<string, string> }) => {
    const r = JSON.parse(l.annotations[CosignAnnotation.bundle] as string) as Rekor;
    f(r);
    l.annotations[CosignAnnotation.bundle] = JSON.stringify(r);
  };
  await expectForgedFails(edit((r) => void (r.SignedEntryTimestamp = flip(r.SignedEntryTimestamp, -3))), "tlog");
  await expectForgedFails(edit((r) => void (r.Payload.integratedTime += 1)), "tlog");
  await expectForgedFails(edit((r) => void (r.Payload.logIndex += 1)), "tlog");
  await expectForgedFails(
    edit((r) => {
      const body = JSON.parse(Buffer.from(r.Payload.body, "base64").toString()) as { spec: { data: { hash: { value: string } } } };
      body.spec.data.hash.value = "0".repeat(64);
      r.Payload.body = Buffer.from(JSON.stringify(body)).toString("base64");
    }),
    "tlog",
  );
  await expectForgedFails((l) => void (l.annotations[CosignAnnotation.bundle] = "{not json"), "tlog");
});

test("legacy keyless: no Rekor bundle annotation → tlog (the trusted root has a log)", async () => {
  await expectForgedFails((l) => void delete l.annotations[CosignAnnotation.bundle], "tlog");
});

test("legacy keyless: tampered RFC 3161 timestamp annotation → tlog", async () => {
  await expectForgedFails((l) => {
    const ts = JSON.parse(l.annotations[CosignAnnotation.rfc3161Timestamp] as string) as { SignedRFC3161Timestamp: string };
    l.annotations[CosignAnnotation.rfc3161Timestamp] = JSON.stringify({ SignedRFC3161Timestamp: flip(ts.SignedRFC3161Timestamp, -3) });
  }, "tlog");
});

test("legacy keyless: a valid .sig for another image → subject", async () => {
  const other = await testImage("greeter:v1", "other");
  try {
    const { manifest } = await sigLayer(img);
    const d = await other.layout.putBlob(Buffer.from(JSON.stringify(manifest)), MediaType.manifest);
    // Blobs are copied by digest: the layer payload and config come from img's layout.
    for (const b of [manifest.config, ...manifest.layers]) await other.layout.putBlob(await readBlobBytes(img.store, b), b.mediaType);
    await other.layout.tag(legacyTag(other.manifest.digest, "sig"), d);
    await expectFail(verifyImage({ store: other.store, ref: "greeter:v1", policy: keyless() }), "subject");
  } finally {
    other.cleanup();
  }
});

test("legacy keyless: a key-signed .sig layer (no certificate) fails on certificate", async () => {
  await expectForgedFails((l) => void delete l.annotations[CosignAnnotation.certificate], "certificate");
});
