/**
 * Bases from registries, end to end on the bundled example against a real Debian
 * `docker-registry` on 127.0.0.1: the example's busybox base is pushed there, the recipe names it
 * as `127.0.0.1:<port>/library/busybox:1.36@sha256:...`, and the package stage must build the same
 * image as from the `oci:` layout, pull once into the workspace's base cache, then work with the
 * registry gone; an undigested base is refused unless `insecure: true`; a wrong pin fails closed.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMkError } from "../../errors.js";
import { OciLayout } from "../../oci/layout.js";
import { MediaType, type ImageManifest } from "../../oci/spec.js";
import { copyImage } from "../../oci/registry/copy.js";
import { RegistryClient } from "../../oci/registry/client.js";
import { RegistryRepository } from "../../oci/registry/repository.js";
import { LayoutStore, RegistryStore } from "../../oci/registry/store.js";
import { startProxy, startRegistry, type TestProxy, type TestRegistry } from "../../oci/registry/testing.js";
import { openWorkspace } from "../../workspace/index.js";
import type { PipelineEvent } from "../events.js";
import { runStage } from "../executor.js";
import type { PackagedImage } from "./package.js";

const repo = new URL("../../..", import.meta.url).pathname;
const OPTIONS = { releaseDate: "20260101" };

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: { ...process.env, CI: "1" } });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

let dir: string;
let ws: string;
let reg: TestRegistry;
let proxy: TestProxy;
let pushed: string;
let recipeText: string;
const recipeFile = () => join(ws, "projects/greeter/project.yaml");
const ORIGINAL_BASE = "base: oci:../work/bases:busybox";

async function setBase(base: string, extra = ""): Promise<void> {
  assert.ok(recipeText.includes(ORIGINAL_BASE));
  await writeFile(recipeFile(), recipeText.replace(ORIGINAL_BASE, `base: "${base}"`) + extra);
}

async function packageStage(force = false): Promise<{ status: string; images: PackagedImage[]; inputs: Record<string, unknown>; events: PipelineEvent[] }> {
  const events: PipelineEvent[] = [];
  const out = await runStage(await openWorkspace(ws), "package", "greeter", undefined, { ...OPTIONS, force }, (e) => events.push(e));
  return { status: out.status, images: out.record.outputs.images as PackagedImage[], inputs: out.record.inputs, events };
}

async function manifestOf(digest: string): Promise<ImageManifest> {
  const layout = await OciLayout.open(join(ws, "out/layout"));
  return JSON.parse((await layout.readBlob(digest)).toString("utf8")) as ImageManifest;
}

async function rejectsWith(code: string, fn: () => Promise<unknown>): Promise<Error & { code: string; problems: { file: string; path: string }[] }> {
  let caught: unknown;
  await fn().catch((e: unknown) => (caught = e));
  assert.ok(isMkError(caught), `expected ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  return caught as never;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), "mk-regbase-"));
  sh("bash", [join(repo, "examples/make-upstream.sh"), join(dir, "work/upstream/greeter.git")]);
  sh("bash", [join(repo, "examples/bases/make-busybox-base.sh"), join(dir, "work/bases"), "busybox"]);
  ws = join(dir, "workspace");
  await cp(join(repo, "examples/workspace"), ws, { recursive: true, filter: (src) => !/\/(\.mailknight|out)(\/|$)/.test(src) });
  recipeText = await readFile(recipeFile(), "utf8");
  reg = await startRegistry();
  proxy = await startProxy(reg.host);
  // Push the example's base to the registry, as a base image vendor would.
  const dst = new RegistryStore(new RegistryRepository(new RegistryClient({ registry: reg.host, credentials: null }), "library/busybox"));
  const copied = await copyImage(new LayoutStore(await OciLayout.open(join(dir, "work/bases"))), "busybox", dst, { tags: ["1.36"] });
  pushed = copied.descriptor.digest;
});

after(async () => {
  await proxy?.close().catch(() => {});
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("a pinned registry base builds the same image as the oci: base, pulls once, then works offline", async () => {
  // Baseline: fetch, patch, build and package with the example's oci: layout base.
  for (const stage of ["fetch", "patch", "build"]) await runStage(await openWorkspace(ws), stage, "greeter", undefined, OPTIONS, () => {});
  const fromLayout = (await packageStage()).images;
  const layoutStandard = fromLayout.find((i) => i.variant === "standard")!;
  assert.equal(layoutStandard.baseDigest, pushed, "the pushed image is the example's base, byte for byte");

  // The same base from the registry (through a proxy that logs requests); dev names it with docker://.
  const ref = `${proxy.host}/library/busybox:1.36@${pushed}`;
  await writeFile(recipeFile(), recipeText.replace(ORIGINAL_BASE, `base: "${ref}"`).replace("tools: [wget]", `tools: [wget]\n      base: "docker://${ref}"`));
  proxy.log.length = 0;
  const first = await packageStage();
  assert.equal(first.status, "ran");
  assert.ok(proxy.log.some((l) => l.startsWith("GET ") && l.includes(`/blobs/`)), `the base must have been pulled:\n${proxy.log.join("\n")}`);
  assert.ok(first.events.some((e) => e.type === "log" && e.message.includes("pulled base")));
  assert.deepEqual(first.inputs.bases, { distroless: "scratch", standard: pushed, dev: pushed }, "the cache key holds the pinned digests");
  const cache = await OciLayout.open(join(ws, ".mailknight/cache/bases"));
  assert.ok(await cache.hasBlob(pushed), "the base is in the workspace's base cache");

  for (const variant of ["standard", "dev"] as const) {
    const reg = first.images.find((i) => i.variant === variant)!;
    const lay = fromLayout.find((i) => i.variant === variant)!;
    assert.equal(reg.baseDigest, pushed, `${variant}: baseDigest is the pushed digest`);
    assert.equal(reg.baseName, `${proxy.host}/library/busybox:1.36`);
    // Same config and layers as from the layout; the manifests differ only in base.name.
    const a = await manifestOf(reg.digest);
    const b = await manifestOf(lay.digest);
    assert.deepEqual(a.config, b.config, `${variant}: config`);
    assert.deepEqual(a.layers, b.layers, `${variant}: layers`);
    assert.equal(a.annotations?.["org.opencontainers.image.base.digest"], pushed);
    assert.equal(a.annotations?.["org.opencontainers.image.base.name"], `${proxy.host}/library/busybox:1.36`);
    const { ["org.opencontainers.image.base.name"]: _a, ...restA } = a.annotations ?? {};
    const { ["org.opencontainers.image.base.name"]: _b, ...restB } = b.annotations ?? {};
    assert.deepEqual(restA, restB, `${variant}: annotations other than base.name`);
  }
  const digests = (imgs: PackagedImage[]) => imgs.map((i) => `${i.variant}=${i.digest}`);
  assert.deepEqual(digests(first.images).filter((d) => d.startsWith("distroless")), digests(fromLayout).filter((d) => d.startsWith("distroless")));

  // Reproducible from a fresh pull: drop the cache, force the stage, same digests.
  await rm(join(ws, ".mailknight/cache/bases"), { recursive: true });
  proxy.log.length = 0;
  const repulled = await packageStage(true);
  assert.ok(proxy.log.length > 0);
  assert.deepEqual(digests(repulled.images), digests(first.images));

  // From the cache: a forced re-run sends no request at all...
  proxy.log.length = 0;
  const cached = await packageStage(true);
  assert.deepEqual(proxy.log, [], "a pinned base in the cache must not touch the network");
  assert.deepEqual(digests(cached.images), digests(first.images));
  // ...and with the registry unreachable, the cache key is computed (skip) and a forced run builds.
  await proxy.close();
  assert.equal((await packageStage()).status, "skipped");
  const offline = await packageStage(true);
  assert.equal(offline.status, "ran");
  assert.deepEqual(digests(offline.images), digests(first.images));
});

test("a registry base without a digest is refused (E_CONFIG_INVALID naming file and field) unless insecure: true", async () => {
  await setBase(`${reg.host}/library/busybox:1.36`);
  const err = await rejectsWith("E_CONFIG_INVALID", () => packageStage());
  assert.deepEqual(err.problems.map((p) => [p.file, p.path]), [["projects/greeter/project.yaml", "package.base"]]);

  await setBase(`${reg.host}/library/busybox:1.36`, "insecure: true\n");
  const r = await packageStage();
  assert.equal(r.status, "ran");
  assert.equal((r.inputs.bases as Record<string, string>).standard, pushed, "the tag is resolved to its digest in the cache key");
  const standard = r.images.find((i) => i.variant === "standard")!;
  assert.equal(standard.baseDigest, pushed);
  assert.equal(standard.baseUnpinned, true);
  const warning = r.events.find((e) => e.type === "log" && e.level === "warn");
  assert.ok(warning && warning.type === "log" && warning.message.includes(pushed), "a warning names the resolved digest");
});

test("a pin the registry does not have, while the tag points elsewhere, is E_INTEGRITY; nothing is cached", async () => {
  const wrong = `sha256:${"0".repeat(64)}`;
  await setBase(`${reg.host}/library/busybox:1.36@${wrong}`);
  await rejectsWith("E_INTEGRITY", () => packageStage());
  const cache = join(ws, ".mailknight/cache/bases");
  if (existsSync(cache)) assert.equal(await (await OciLayout.open(cache)).hasBlob(wrong), false);
  // A repository that does not exist at all is not an integrity failure but a missing image.
  await setBase(`${reg.host}/library/nothing:1@${wrong}`);
  await rejectsWith("E_NOT_FOUND", () => packageStage());
});

test("a pin naming a multi-platform index takes linux/amd64 from it, and is served from the cache afterwards", async () => {
  const repository = new RegistryRepository(new RegistryClient({ registry: reg.host, credentials: null }), "library/busybox");
  const manifest = await repository.getManifest(pushed);
  const index = {
    schemaVersion: 2,
    mediaType: MediaType.index,
    manifests: [
      { mediaType: MediaType.manifest, digest: pushed, size: manifest.bytes.byteLength, platform: { os: "linux", architecture: "arm64" } },
      { mediaType: MediaType.manifest, digest: pushed, size: manifest.bytes.byteLength, platform: { os: "linux", architecture: "amd64" } },
    ],
  };
  const indexDesc = await repository.putManifest("1.36-multi", Buffer.from(JSON.stringify(index)), MediaType.index);
  await rm(join(ws, ".mailknight/cache/bases"), { recursive: true, force: true });
  await setBase(`${reg.host}/library/busybox:1.36-multi@${indexDesc.digest}`);
  const r = await packageStage();
  assert.equal((r.inputs.bases as Record<string, string>).standard, indexDesc.digest, "the cache key is the pinned index digest");
  assert.equal(r.images.find((i) => i.variant === "standard")!.baseDigest, pushed, "baseDigest is the linux/amd64 manifest");
  const cache = await OciLayout.open(join(ws, ".mailknight/cache/bases"));
  assert.ok(await cache.hasBlob(indexDesc.digest), "the index is cached too, so the pin resolves offline");
  const again = await packageStage(true);
  assert.equal(again.events.some((e) => e.type === "log" && e.message.includes("pulled base")), false, "second run: from the cache");
  assert.deepEqual(again.images.map((i) => i.digest), r.images.map((i) => i.digest));

  // A cache whose manifest was altered is not trusted.
  const manifestFile = cache.blobPath(pushed);
  await writeFile(manifestFile, (await readFile(manifestFile, "utf8")) + " ");
  await rejectsWith("E_INTEGRITY", () => packageStage(true));
});
