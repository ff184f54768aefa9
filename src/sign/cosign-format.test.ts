/**
 * Our legacy `sha256-<hex>.sig` manifest, config and layer annotations compared field by field with
 * signature manifests cosign really pushed to Docker Hub. Only small values are written out here
 * (digests, sizes, one manifest of 558 bytes), with where they come from:
 *
 * [A] A key-signed signature pushed by cosign v1.13.1 (go-containerregistry v0.11.0) on 2023-02-17
 *     to index.docker.io/chihjenhuang/cosign1, from the HTTP trace cosign printed with `-d`
 *     (`GET .../manifests/sha256-4c1c50d0....sig`, response body and `Docker-Content-Digest`;
 *     config blob body from the `cosign sign -d` trace). Found in the code-search index as a
 *     Markdown file "cosign related traffic" (index file id 39613455); the index did not return its
 *     repository or path. The bytes are self-authenticating: sha256 of the manifest text below is
 *     the registry's Docker-Content-Digest, and sha256 of the config text is the config digest.
 * [B] A keyless signature pushed by a current cosign from GitHub Actions (certificate issued
 *     2026-02-17) to index.docker.io/salrashid123/server_image, shown with
 *     `crane manifest ...:sha256-120ef883....sig | jq` in salrashid123/go-bazel-github-workflow,
 *     README.md at commit 80fc68962f30f3d4e7b401eb9fe7f41c87723883 (pretty-printed by jq, so
 *     compared by structure and key order, not bytes).
 * [C] cosign's pkg/oci/mutate/signatures.go (sigstore/cosign at commits
 *     18e4afa353f8e54763e1612032f3a04efc304f27 and 1ea66281df43352d6365c4c972da0af252b16442):
 *     `AppendSignatures` stamps the config's `created` with time.Now(), which explains the one
 *     difference from [A]. [B]'s config (233 bytes) has the zero time, which we write too.
 * [D] sigstore/cosign specs/SIGNATURE_SPEC.md at 04c191d1c134a59fbfacb87fe3c7444c7bbbfb1f: layer
 *     media type, annotation keys, the `bundle` annotation's shape.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { bundleFromJSON } from "@sigstore/bundle";
import type { Descriptor, ImageManifest } from "../oci/spec.js";
import { attachLegacy, legacyTag, readBlobBytes, readJsonManifest } from "./attach.js";
import { CosignAnnotation, SIMPLE_SIGNING_MEDIA_TYPE, cosignAnnotations, cosignConfig, simpleSigningPayload } from "./cosign.js";
import { testImage } from "./testing.js";

const sha256 = (b: Buffer | string): string => `sha256:${createHash("sha256").update(b).digest("hex")}`;

// [A], verbatim (one line, as served by the registry).
const A_MANIFEST =
  '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":247,"digest":"sha256:85ad8e17d3d7c00664855c638832bd99f32d42542c2d587851410a45a7f60b95"},"layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","size":252,"digest":"sha256:b671489ededd1a180bd87235bba00fd83354f9c7d13b71d9f8b66a8e52965ebc","annotations":{"dev.cosignproject.cosign/signature":"MEYCIQCPH7NJAIfrB6BZN91dV0o7l/i11muXrvrAh100jDMMhAIhAPsLH0oXb2OPITXRpWBMUd3vHtz5Ks5pql2Hr6t/IJXw"}}]}';
const A_MANIFEST_DIGEST = "sha256:7ebe8964225fa4619b53aa35416ef0246c037e36ddf81776b21b15e1dda2262b";
const A_CONFIG_CREATED = "2023-02-17T09:25:33.91047962-08:00";
const A_IMAGE = { ref: "index.docker.io/chihjenhuang/cosign1", digest: "sha256:4c1c50d0ffc614f90b93b07d778028dc765548e823f676fb027f61d281ac380d" };

// [B]: the values needed to rebuild its payload and config; the structure is asserted below.
const B_IMAGE = { ref: "index.docker.io/salrashid123/server_image", digest: "sha256:120ef883bd7612aee0a100297def41014bf3e1aa321a0eaf4d0ebd9855d39a11" };
const B_LAYER = { size: 257, digest: "sha256:fb394fc1cffafff6dc0e1c8fb006a4658e4bb0ad817ecf35f7fd95c158614c77" };
const B_CONFIG = { mediaType: "application/vnd.oci.image.config.v1+json", size: 233, digest: "sha256:66a0e317a7e342e0695af37abbdd40464fe2fbda162b44595121b05dfb72c709" };
const B_ANNOTATION_KEYS = ["dev.cosignproject.cosign/signature", "dev.sigstore.cosign/bundle", "dev.sigstore.cosign/certificate", "dev.sigstore.cosign/chain"];

test("[A] the real manifest text is what the registry served (digest check of the test vector)", () => {
  assert.equal(sha256(A_MANIFEST), A_MANIFEST_DIGEST);
  assert.equal(Buffer.byteLength(A_MANIFEST), 558);
});

test("[A] our .sig manifest equals cosign 1.13's field by field; only the config's `created` differs", async () => {
  const img = await testImage();
  try {
    const real = JSON.parse(A_MANIFEST) as ImageManifest;
    const realLayer = real.layers[0] as Descriptor;
    const payload = simpleSigningPayload(A_IMAGE.ref, A_IMAGE.digest);
    await attachLegacy(img.store, A_IMAGE.digest, "sig", { payload, mediaType: SIMPLE_SIGNING_MEDIA_TYPE, annotations: realLayer.annotations ?? {} });
    const tagged = (await img.store.resolve(legacyTag(A_IMAGE.digest, "sig"))) as Descriptor;
    assert.equal(tagged.mediaType, "application/vnd.oci.image.manifest.v1+json");
    const { value: ours, bytes } = await readJsonManifest<ImageManifest>(img.store, tagged.digest);

    // Field order of the manifest and of both descriptors, as ggcr marshals them.
    assert.deepEqual(Object.keys(ours), Object.keys(real)); // schemaVersion, mediaType, config, layers
    assert.deepEqual(Object.keys(ours.config), Object.keys(real.config)); // mediaType, size, digest
    assert.deepEqual(Object.keys(ours.layers[0] as object), Object.keys(realLayer)); // mediaType, size, digest, annotations
    assert.equal(ours.schemaVersion, 2);
    assert.equal(ours.mediaType, real.mediaType);
    assert.equal(ours.config.mediaType, "application/vnd.oci.image.config.v1+json");
    assert.deepEqual(ours.layers, real.layers); // media type, size 252, payload digest, annotations
    assert.equal(ours.layers[0]?.mediaType, SIMPLE_SIGNING_MEDIA_TYPE);

    // The config: same bytes once cosign 1.13's wall-clock `created` is put back to the zero time [C].
    const oursConfig = await readBlobBytes(img.store, ours.config);
    const realConfig = `{"architecture":"","created":"${A_CONFIG_CREATED}","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${realLayer.digest}"]},"config":{}}`;
    assert.equal(sha256(realConfig), real.config.digest, "the [A] config text is the real blob");
    assert.equal(Buffer.byteLength(realConfig), real.config.size);
    assert.equal(oursConfig.toString(), realConfig.replace(A_CONFIG_CREATED, "0001-01-01T00:00:00Z"));
    const cfg = JSON.parse(oursConfig.toString()) as { architecture: string; os: string; rootfs: { type: string; diff_ids: string[] } };
    assert.equal(cfg.architecture, "");
    assert.equal(cfg.os, "");
    assert.deepEqual(cfg.rootfs, { type: "layers", diff_ids: ours.layers.map((l) => l.digest) });

    // Hence the whole manifest is byte-identical to the real one with only the config descriptor swapped.
    const expected = A_MANIFEST.replace(`"size":247,"digest":"${real.config.digest}"`, `"size":${ours.config.size},"digest":"${ours.config.digest}"`);
    assert.equal(bytes.toString(), expected);
  } finally {
    img.cleanup();
  }
});

test("[B] current cosign's keyless .sig: our payload and config reproduce its layer and config digests", () => {
  const payload = simpleSigningPayload(B_IMAGE.ref, B_IMAGE.digest);
  assert.equal(payload.byteLength, B_LAYER.size);
  assert.equal(sha256(payload), B_LAYER.digest);
  const config = cosignConfig([B_LAYER.digest]);
  assert.equal(config.byteLength, B_CONFIG.size);
  assert.equal(sha256(config), B_CONFIG.digest);
});

test("[B][D] keyless layer annotations: cosign's keys in Go's sorted order, bundle JSON in RekorBundle field order", () => {
  // A real keyless bundle (sigstore-conformance fixture) converted to annotations; with a chain, as Fulcio returns one.
  const json = JSON.parse(readFileSync(new URL("../../../shared/fixtures/sigstore/conformance-happy-path-v0.3.messageSignature.sigstore.json", import.meta.url), "utf8")) as {
    verificationMaterial: { certificate: { rawBytes: string }; tlogEntries: { logId: { keyId: string }; canonicalizedBody: string; integratedTime: string; logIndex: string; inclusionPromise: { signedEntryTimestamp: string } }[] };
  };
  const leaf = json.verificationMaterial.certificate; // leaf, then the same bytes twice as stand-in chain certificates
  const withChain = { ...json, mediaType: "application/vnd.dev.sigstore.bundle+json;version=0.1", verificationMaterial: { ...json.verificationMaterial, certificate: undefined, x509CertificateChain: { certificates: [leaf, leaf, leaf] } } };
  const a = cosignAnnotations(bundleFromJSON(withChain));
  assert.deepEqual(Object.keys(a), B_ANNOTATION_KEYS);
  // As in [B] and [D]: the certificate PEM ends with a newline, the chain does not; 64-column base64.
  assert.match(a[CosignAnnotation.certificate] ?? "", /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
  assert.match(a[CosignAnnotation.chain] ?? "", /^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----$/);
  const entry = json.verificationMaterial.tlogEntries[0];
  assert.ok(entry);
  // [B]'s bundle annotation starts {"SignedEntryTimestamp":...,"Payload":{"body":...,"integratedTime":N,"logIndex":N,"logID":"<hex>"}}.
  assert.equal(
    a[CosignAnnotation.bundle],
    JSON.stringify({ SignedEntryTimestamp: entry.inclusionPromise.signedEntryTimestamp, Payload: { body: entry.canonicalizedBody, integratedTime: Number(entry.integratedTime), logIndex: Number(entry.logIndex), logID: Buffer.from(entry.logId.keyId, "base64").toString("hex") } }),
  );
  assert.match(a[CosignAnnotation.bundle] ?? "", /^\{"SignedEntryTimestamp":"[A-Za-z0-9+/=]+","Payload":\{"body":"[A-Za-z0-9+/=]+","integratedTime":\d+,"logIndex":\d+,"logID":"[0-9a-f]{64}"\}\}$/);
});
