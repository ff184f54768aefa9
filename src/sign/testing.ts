/** Test helpers for sign/: a tiny image in a fresh layout, and a key pair. Not exported from index.ts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { OciLayout } from "../oci/layout.js";
import { MediaType, type Descriptor } from "../oci/spec.js";
import { LayoutStore } from "../oci/registry/store.js";
import assert from "node:assert/strict";
import { generateKeyPair } from "./keys.js";
import { isVerifyError, type CheckName } from "./checks.js";

export interface TestImage {
  dir: string;
  layout: OciLayout;
  store: LayoutStore;
  manifest: Descriptor;
  config: Descriptor;
  layer: Descriptor;
  cleanup: () => void;
}

export async function testImage(tag = "greeter:v1", label = "x"): Promise<TestImage> {
  const dir = mkdtempSync(join(tmpdir(), "mk-sign-"));
  const layout = await OciLayout.create(join(dir, "layout"));
  const layer = await layout.putBlob(Buffer.from(`layer bytes ${label}`), MediaType.layerTar);
  const config = await layout.putBlob(Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: [layer.digest] } })), MediaType.config);
  const manifestBytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.manifest, config, layers: [layer] }));
  const manifest = await layout.putBlob(manifestBytes, MediaType.manifest);
  await layout.tag(tag, manifest);
  return { dir, layout, store: new LayoutStore(layout), manifest, config, layer, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function testKeys(): { privateKey: KeyObject; publicKey: KeyObject; privateKeyPem: string; publicKeyPem: string; passphrase: string } {
  const passphrase = "correct horse battery staple";
  const pair = generateKeyPair(passphrase);
  const privateKey = createPrivateKey({ key: pair.privateKeyPem, passphrase });
  return { privateKey, publicKey: createPublicKey(pair.publicKeyPem), ...pair, passphrase };
}

/** The OIDC issuer and identity the keyless tests sign as (GitLab's shape: pipeline file @ ref). */
export const TEST_ISSUER = "https://gitlab.example.com";
export const TEST_IDENTITY = "https://gitlab.example.com/factory/images//.gitlab-ci.yml@refs/heads/main";

/** A keyless trust policy for the mock's trusted root: TEST_IDENTITY from TEST_ISSUER unless overridden. */
export function keylessPolicy(mock: { trustedRoot: unknown }, extra: { identity?: string; identityRegexp?: RegExp; issuer?: string; trustedRoot?: unknown } = {}) {
  return {
    kind: "keyless" as const,
    trustedRoot: extra.trustedRoot ?? mock.trustedRoot,
    issuer: extra.issuer ?? TEST_ISSUER,
    ...(extra.identityRegexp ? { identityRegexp: extra.identityRegexp } : { identity: extra.identity ?? TEST_IDENTITY }),
  };
}

/** Asserts that verification fails with this check (and, when given, a message matching it). */
export async function expectVerifyFail(p: Promise<unknown>, check: CheckName, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isVerifyError(e), `expected a VerifyError, got ${String(e)}`);
    assert.equal(e.check, check, e.message);
    if (message) assert.match(e.message, message);
    return true;
  });
}
