import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMkError } from "../errors.js";
import { workspaceConfigSchema } from "../workspace/schema.js";
import type { Workspace } from "../workspace/workspace.js";
import { checkSigningReady, configuredSigner, signerIdentity } from "./configured-signer.js";
import { generateKeyPair } from "./keys.js";
import { signImage } from "./image-sign.js";
import { fakeIdToken, startMockSigstore } from "./sigstore-mock.js";
import { expectVerifyFail, keylessPolicy, testImage, TEST_IDENTITY, TEST_ISSUER } from "./testing.js";
import { verifyImage } from "./verify-image.js";

function workspace(signing: unknown): { ws: Workspace; root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), "mk-signing-"));
  const config = workspaceConfigSchema.parse(signing === undefined ? {} : { signing });
  return { ws: { root, config } as unknown as Workspace, root, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

const code = (c: string, message?: RegExp) => (e: unknown) => isMkError(e) && e.code === c && (!message || message.test(e.message));

test("without a signing: section there is nothing to sign with", async () => {
  const { ws, cleanup } = workspace(undefined);
  try {
    await assert.rejects(signerIdentity(ws, {}), code("E_CONFIG_INVALID", /has no `signing:` section/));
  } finally {
    cleanup();
  }
});

test("key signing: a missing key, a missing passphrase and a wrong one are each named before anything is signed", async () => {
  const { ws, root, cleanup } = workspace({ key: "keys/release.key", passwordFile: "keys/pw" });
  try {
    await assert.rejects(checkSigningReady(ws, {}), code("E_NOT_FOUND", /signing key .*keys\/release\.key/));
    const pair = generateKeyPair("right");
    writeFileSync(join(root, "release.key"), pair.privateKeyPem);
    const moved = { ...ws, config: { ...ws.config, signing: { ...ws.config.signing!, key: "release.key" } } };
    await assert.rejects(checkSigningReady(moved, {}), code("E_USAGE", /keys\/pw does not exist/));
    writeFileSync(join(root, "keys-pw"), "wrong\n");
    const wrong = { ...moved, config: { ...moved.config, signing: { ...moved.config.signing!, passwordFile: "keys-pw" } } };
    await checkSigningReady(wrong, {});
    await assert.rejects(configuredSigner(wrong, {}), code("E_USAGE", /cannot decrypt/));
    writeFileSync(join(root, "keys-pw"), "right\n");
    const signer = await configuredSigner(wrong, {});
    assert.equal(signer.kind, "key");

    // The identity (the stages' cache key) names the key by its file's digest, never its bytes.
    const before = await signerIdentity(wrong, {});
    assert.equal(before.method, "key");
    assert.match(before.keyDigest ?? "", /^sha256:[a-f0-9]{64}$/);
    writeFileSync(join(root, "release.key"), generateKeyPair("right").privateKeyPem);
    assert.notEqual((await signerIdentity(wrong, {})).keyDigest, before.keyDigest);
  } finally {
    cleanup();
  }
});

test("passphrase from MK_KEY_PASSWORD when no passwordFile is configured", async () => {
  const { ws, root, cleanup } = workspace({ key: "k.key" });
  try {
    writeFileSync(join(root, "k.key"), generateKeyPair("env-pass").privateKeyPem);
    await assert.rejects(checkSigningReady(ws, {}), code("E_USAGE", /MK_KEY_PASSWORD is not set/));
    await checkSigningReady(ws, { MK_KEY_PASSWORD: "env-pass" });
    assert.equal((await configuredSigner(ws, { MK_KEY_PASSWORD: "env-pass" })).kind, "key");
  } finally {
    cleanup();
  }
});

test("method auto signs keyless when an OIDC token is present; keyless without a token is refused", async () => {
  const auto = workspace({ key: "absent.key", fulcioUrl: "https://fulcio.example" });
  const forced = workspace({ method: "keyless" });
  try {
    const id = await signerIdentity(auto.ws, { SIGSTORE_ID_TOKEN: "eyJ.token" });
    assert.deepEqual({ method: id.method, fulcioUrl: id.fulcioUrl }, { method: "keyless", fulcioUrl: "https://fulcio.example" });
    await checkSigningReady(auto.ws, { SIGSTORE_ID_TOKEN: "eyJ.token" }); // no key file needed
    await assert.rejects(checkSigningReady(auto.ws, {}), code("E_NOT_FOUND", /absent\.key/));
    await assert.rejects(checkSigningReady(forced.ws, {}), code("E_USAGE", /SIGSTORE_ID_TOKEN is not set/));
    assert.equal((await configuredSigner(forced.ws, { SIGSTORE_ID_TOKEN: "eyJ.token" })).kind, "keyless");
  } finally {
    auto.cleanup();
    forced.cleanup();
  }
});

test("the schema refuses method: key without a key, and switching both layouts off", () => {
  assert.equal(workspaceConfigSchema.safeParse({ signing: { method: "key" } }).success, false);
  assert.equal(workspaceConfigSchema.safeParse({ signing: { key: "k", referrers: false, legacy: false } }).success, false);
  assert.equal(workspaceConfigSchema.safeParse({ signing: { key: "k", legacy: false } }).success, true);
});

test("keyless from the configuration: Fulcio, Rekor and TSA URLs reach the signer, and the signature verifies for that identity", async () => {
  const mock = await startMockSigstore();
  const img = await testImage();
  const { ws, cleanup } = workspace({ method: "keyless", fulcioUrl: mock.url, rekorUrl: mock.url, tsaUrl: mock.url, referrers: false });
  try {
    const env = { SIGSTORE_ID_TOKEN: fakeIdToken({ iss: TEST_ISSUER, sub: TEST_IDENTITY }) };
    const signer = await configuredSigner(ws, env);
    await signImage(img.store, img.manifest, "registry.local/greeter", signer, { referrers: false });
    const report = await verifyImage({ store: img.store, ref: "greeter:v1", policy: keylessPolicy(mock) });
    assert.deepEqual(report.signatures.map((s) => s.format), ["cosign-legacy"]);
    await expectVerifyFail(verifyImage({ store: img.store, ref: "greeter:v1", policy: keylessPolicy(mock, { identity: "https://gitlab.example.com/other//.gitlab-ci.yml@refs/heads/main" }) }), "identity");
  } finally {
    cleanup();
    img.cleanup();
    await mock.close();
  }
});
