/** Test helpers for sign/: a tiny image in a fresh layout, and a key pair. Not exported from index.ts. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import { OciLayout } from "../oci/layout.js";
import { MediaType, type Descriptor } from "../oci/spec.js";
import { LayoutStore } from "../oci/registry/store.js";
import { generateKeyPair } from "./keys.js";

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
