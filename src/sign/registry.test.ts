/**
 * Against a real registry (Debian's docker-registry on 127.0.0.1, which has no referrers API):
 * sign and attest, then verify from a clean state using only the registry and the public key.
 */
import { test, before, after } from "node:test";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyPair } from "./keys.js";
import assert from "node:assert/strict";
import { startRegistry, type TestRegistry } from "../oci/registry/testing.js";
import { copyImage } from "../oci/registry/copy.js";
import { RegistryClient } from "../oci/registry/client.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { RegistryStore } from "../oci/registry/store.js";
import { PredicateType } from "../attest/statement.js";
import { attestImage, signImage } from "./image-sign.js";
import { keySigner } from "./signer.js";
import { verifyImage } from "./verify-image.js";
import { isVerifyError } from "./checks.js";
import { legacyTag, referrersTag } from "./attach.js";
import { testImage, testKeys } from "./testing.js";

let reg: TestRegistry;
before(async () => {
  reg = await startRegistry();
});
after(async () => await reg.stop());

const fresh = (): RegistryStore => new RegistryStore(new RegistryRepository(new RegistryClient({ registry: reg.host, credentials: null }), "team/greeter"));

test("registry without referrers API: sign + attest, then verify from a clean client with the public key", async () => {
  const img = await testImage();
  try {
    const keys = testKeys();
    const signer = keySigner(keys.privateKey);
    const pushed = await copyImage(img.store, "greeter:v1", fresh(), { tags: ["v1"] });
    const dockerRef = `${reg.host}/team/greeter`;
    await signImage(fresh(), pushed.descriptor, dockerRef, signer);
    await attestImage(fresh(), pushed.descriptor, dockerRef, signer, PredicateType.slsaProvenance, { runDetails: { builder: { id: "b" } }, buildDefinition: { resolvedDependencies: [] } });

    const store = fresh();
    const tags = await store.tags();
    for (const t of [referrersTag(pushed.descriptor.digest), legacyTag(pushed.descriptor.digest, "sig"), legacyTag(pushed.descriptor.digest, "att")]) assert.ok(tags.includes(t), `${t} in ${tags.join(", ")}`);
    const report = await verifyImage({ store, ref: "v1", policy: { kind: "key", publicKey: keys.publicKey }, require: ["provenance"], provenance: { builderId: "b" } });
    assert.equal(report.digest, pushed.descriptor.digest);
    assert.deepEqual(report.signatures.map((s) => s.format).sort(), ["bundle-referrer", "cosign-legacy"]);
    await assert.rejects(verifyImage({ store: fresh(), ref: "v1", policy: { kind: "key", publicKey: testKeys().publicKey } }), (e) => isVerifyError(e) && e.check === "signature");
  } finally {
    img.cleanup();
  }
});

test("CLI against the registry: sign, attest --predicate, verify --require provenance, evidence", async () => {
  const cli = new URL("../../bin/mailknight.js", import.meta.url).pathname;
  const img = await testImage("greeter:v2", "cli");
  try {
    const pair = generateKeyPair("pw");
    writeFileSync(join(img.dir, "k.key"), pair.privateKeyPem);
    writeFileSync(join(img.dir, "k.pub"), pair.publicKeyPem);
    writeFileSync(join(img.dir, "prov.json"), JSON.stringify({ runDetails: { builder: { id: "https://ci.example/b" } } }));
    const pushed = await copyImage(img.store, "greeter:v2", fresh(), { tags: ["v2"] });
    const target = `docker://${reg.host}/team/greeter:v2`;
    const mk = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1", MK_KEY_PASSWORD: "pw", SIGSTORE_ID_TOKEN: "" } });
    let r = mk(["sign", target, "--key", join(img.dir, "k.key")]);
    assert.equal(r.status, 0, r.stderr);
    r = mk(["attest", target, "--key", join(img.dir, "k.key"), "--predicate", join(img.dir, "prov.json"), "--type", PredicateType.slsaProvenance]);
    assert.equal(r.status, 0, r.stderr);
    r = mk(["--json", "verify", `docker://${reg.host}/team/greeter@${pushed.descriptor.digest}`, "--key", join(img.dir, "k.pub"), "--require", "provenance", "--builder-id", "https://ci.example/b"]);
    assert.equal(r.status, 0, r.stderr);
    r = mk(["--json", "verify", target, "--key", join(img.dir, "k.pub"), "--require", "sbom"]);
    assert.equal(r.status, 3, r.stderr);
    r = mk(["--json", "evidence", target]);
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { digest: string; signedLegacy: boolean; signedReferrer: boolean; provenance: boolean; sbom: boolean }[];
    assert.deepEqual({ ...rows[0] }, { ...rows[0], digest: pushed.descriptor.digest, signedLegacy: true, signedReferrer: true, provenance: true, sbom: false });
  } finally {
    img.cleanup();
  }
});
