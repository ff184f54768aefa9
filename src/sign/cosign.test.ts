import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cosignConfig, parseSimpleSigning, simpleSigningPayload } from "./cosign.js";

const FIXTURES = new URL("../../../shared/fixtures/sigstore/", import.meta.url);

test("simple-signing payload is byte-identical to a real cosign payload", () => {
  const real = readFileSync(new URL("cosign-docs-simplesigning-payload.json", FIXTURES));
  const ours = simpleSigningPayload("us.gcr.io/dlorenc-vmtest2/demo", "sha256:124e1fdee94fe5c5f902bc94da2d6e2fea243934c74e76c2368acdc8d3ac7155");
  assert.equal(ours.toString(), real.toString());
  assert.deepEqual(parseSimpleSigning(real), { dockerReference: "us.gcr.io/dlorenc-vmtest2/demo", manifestDigest: "sha256:124e1fdee94fe5c5f902bc94da2d6e2fea243934c74e76c2368acdc8d3ac7155" });
});

test("the spec example (capitalised Docker-manifest-digest, truncated digest) is not accepted", () => {
  const spec = readFileSync(new URL("cosign-spec-simplesigning-payload.json", FIXTURES));
  assert.equal(parseSimpleSigning(spec), undefined);
});

test("signature image config has ggcr's field order and one diff_id per layer", () => {
  const d = `sha256:${"a".repeat(64)}`;
  assert.equal(
    cosignConfig([d]).toString(),
    `{"architecture":"","created":"0001-01-01T00:00:00Z","history":[{"created":"0001-01-01T00:00:00Z"}],"os":"","rootfs":{"type":"layers","diff_ids":["${d}"]},"config":{}}`,
  );
});
