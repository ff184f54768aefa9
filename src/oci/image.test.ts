import { test } from "node:test";
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { isMkError } from "../errors.js";
import { treeDigest } from "../util/tree.js";
import { assembleImage, imageFromRootfs, readImage } from "./image.js";
import { isoFromEpoch } from "./config.js";
import { writeLayerFromDir, writeLayerFromEntries } from "./layer.js";
import { OciLayout } from "./layout.js";
import { MediaType, canonicalJson } from "./spec.js";
import { tempDir, tool, writeFixtureTree } from "./testing.js";

const EPOCH = 1_700_000_000;
const CREATED = "2023-11-14T22:13:20Z";

function skopeoInspect(dir: string, tag: string, ...flags: string[]): Buffer {
  return tool("skopeo", ["inspect", ...flags, `oci:${dir}:${tag}`]);
}

/** Unpacks with umoci (a real OCI implementation, not ours) and returns the rootfs path. */
function umociUnpack(dir: string, tag: string, bundle: string): string {
  tool("umoci", ["unpack", "--image", `${dir}:${tag}`, bundle]);
  return join(bundle, "rootfs");
}

test("imageFromRootfs: skopeo and umoci read the image; the unpacked rootfs equals the tree", async () => {
  const t = tempDir("image");
  try {
    const tree = join(t.path, "tree");
    writeFixtureTree(tree, { bigFileBytes: 300_000 });
    const dir = join(t.path, "store");
    const layout = await OciLayout.create(dir);
    const img = await imageFromRootfs(layout, tree, "base:1", {
      sourceDateEpoch: EPOCH,
      config: { entrypoint: ["/bin/tool"], env: { PATH: "/bin" }, user: "65532:65532", labels: { a: "b" }, exposedPorts: [8080] },
      annotations: { "org.opencontainers.image.version": "1.0" },
    });

    const info = JSON.parse(skopeoInspect(dir, "base:1").toString());
    assert.equal(info.Digest, img.manifestDescriptor.digest);
    assert.equal(info.Architecture, "amd64");
    assert.equal(info.Os, "linux");
    assert.equal(new Date(info.Created).toISOString(), "2023-11-14T22:13:20.000Z");
    assert.deepEqual(info.Layers, [img.layer.descriptor.digest]);
    assert.deepEqual(info.Env, ["PATH=/bin"]);
    assert.deepEqual(info.Labels, { a: "b" });

    const raw = skopeoInspect(dir, "base:1", "--raw");
    assert.deepEqual(raw, readFileSync(layout.blobPath(img.manifestDescriptor.digest)), "skopeo serves our manifest bytes");
    const manifest = JSON.parse(raw.toString());
    assert.equal(manifest.mediaType, MediaType.manifest);
    assert.equal(manifest.schemaVersion, 2);
    assert.equal(manifest.annotations["org.opencontainers.image.created"], CREATED);
    assert.equal(manifest.annotations["org.opencontainers.image.version"], "1.0");
    const config = JSON.parse(skopeoInspect(dir, "base:1", "--config", "--raw").toString());
    assert.deepEqual(config.rootfs.diff_ids, [img.layer.diffId]);
    assert.deepEqual(config.config.Entrypoint, ["/bin/tool"]);
    assert.deepEqual(config.config.ExposedPorts, { "8080/tcp": {} });
    assert.equal(config.config.User, "65532:65532");
    assert.equal(config.history.length, 1);

    const rootfs = umociUnpack(dir, "base:1", join(t.path, "bundle"));
    assert.equal(await treeDigest(rootfs), await treeDigest(tree), "same files, modes, symlink targets and contents");
    assert.equal(readlinkSync(join(rootfs, "etc/shadow-link")), "/etc/shadow");
    assert.equal(readlinkSync(join(rootfs, "etc/outside-link")), "../../outside");
    assert.equal(statSync(join(rootfs, "bin/suid-tool")).mode & 0o7777, 0o4755);
    assert.equal(statSync(join(rootfs, "hard/zz-link")).ino, statSync(join(rootfs, "hard/original")).ino);
    // etc/outside-link → ../../outside would resolve to <bundle>/outside if anything followed it.
    assert.equal(lstatSync(join(t.path, "bundle", "outside"), { throwIfNoEntry: false }), undefined, "nothing written through the link");
  } finally {
    t.cleanup();
  }
});

test("two images from the same tree in two fresh layouts have the same digest", async () => {
  const t = tempDir("image");
  try {
    const tree = join(t.path, "tree");
    writeFixtureTree(tree, { bigFileBytes: 100_000 });
    const digests: string[] = [];
    for (const name of ["one", "two"]) {
      const layout = await OciLayout.create(join(t.path, name));
      const img = await imageFromRootfs(layout, tree, "x:1", { sourceDateEpoch: EPOCH, config: { cmd: ["sh"], env: ["A=1", "B=2"] } });
      digests.push(img.manifestDescriptor.digest);
    }
    assert.equal(digests[0], digests[1]);
    assert.equal(readFileSync(join(t.path, "one", "index.json"), "utf8"), readFileSync(join(t.path, "two", "index.json"), "utf8"));
  } finally {
    t.cleanup();
  }
});

test("base image in another layout + our layers: blobs copied, config merged, umoci sees both", async () => {
  const t = tempDir("image");
  try {
    const baseTree = join(t.path, "base-tree");
    mkdirSync(join(baseTree, "bin"), { recursive: true });
    writeFileSync(join(baseTree, "bin/busybox"), "pretend busybox");
    writeFileSync(join(baseTree, "bin/replaced"), "from base");
    const baseDir = join(t.path, "base-store");
    const baseLayout = await OciLayout.create(baseDir);
    const base = await imageFromRootfs(baseLayout, baseTree, "busybox:1", {
      sourceDateEpoch: 1_600_000_000,
      config: { env: { PATH: "/bin", KEEP: "yes" }, cmd: ["/bin/busybox", "sh"], workingDir: "/", labels: { from: "base", over: "base" } },
    });

    const appTree = join(t.path, "app-tree");
    mkdirSync(join(appTree, "bin"), { recursive: true });
    writeFileSync(join(appTree, "bin/app"), "app");
    writeFileSync(join(appTree, "bin/replaced"), "from app");
    const dir = join(t.path, "store");
    const layout = await OciLayout.create(dir);
    const appLayer = await writeLayerFromDir(layout, appTree, { sourceDateEpoch: EPOCH });
    const passwd = await writeLayerFromEntries(layout, [{ path: "etc/passwd", type: "file", data: "root:x:0:0::/root:/bin/sh\n" }], { sourceDateEpoch: EPOCH });
    const img = await assembleImage(layout, {
      base: { layout: baseLayout, ref: "busybox:1", name: "example.org/busybox:1" },
      layers: [appLayer, passwd],
      config: { entrypoint: ["/bin/app"], env: { PATH: "/usr/bin:/bin", NEW: "1" }, labels: { over: "ours" } },
      annotations: { "dev.mailknight.project": "demo" },
      created: CREATED,
      history: [{ createdBy: "mailknight: app" }, { createdBy: "mailknight: passwd" }],
    });
    await layout.tag("app:1", img.manifestDescriptor);

    assert.ok(await layout.hasBlob(base.layer.descriptor.digest), "base layer copied into the target layout");
    assert.deepEqual(img.manifest.layers.map((l) => l.digest), [base.layer.descriptor.digest, appLayer.descriptor.digest, passwd.descriptor.digest]);
    assert.deepEqual(img.config.rootfs.diff_ids, [base.layer.diffId, appLayer.diffId, passwd.diffId]);
    assert.equal(img.manifest.annotations?.["org.opencontainers.image.base.name"], "example.org/busybox:1");
    assert.equal(img.manifest.annotations?.["org.opencontainers.image.base.digest"], base.manifestDescriptor.digest);
    assert.equal(img.manifest.annotations?.["dev.mailknight.project"], "demo");
    const cfg = img.config.config ?? assert.fail("no run config");
    assert.deepEqual(cfg.Env, ["PATH=/usr/bin:/bin", "KEEP=yes", "NEW=1"], "ours override same keys, base order kept");
    assert.deepEqual(cfg.Entrypoint, ["/bin/app"]);
    assert.equal(cfg.Cmd, undefined, "a new entrypoint drops the base's cmd");
    assert.equal(cfg.WorkingDir, "/");
    assert.deepEqual(cfg.Labels, { from: "base", over: "ours" });
    assert.deepEqual(
      img.config.history?.map((h) => h.created_by),
      ["mailknight: rootfs layer", "mailknight: app", "mailknight: passwd"],
    );
    assert.equal(img.config.created, CREATED);

    const info = JSON.parse(skopeoInspect(dir, "app:1").toString());
    assert.equal(info.Layers.length, 3);
    const rootfs = umociUnpack(dir, "app:1", join(t.path, "bundle"));
    assert.equal(readFileSync(join(rootfs, "bin/busybox"), "utf8"), "pretend busybox");
    assert.equal(readFileSync(join(rootfs, "bin/app"), "utf8"), "app");
    assert.equal(readFileSync(join(rootfs, "bin/replaced"), "utf8"), "from app", "upper layer wins");
    assert.equal(readFileSync(join(rootfs, "etc/passwd"), "utf8"), "root:x:0:0::/root:/bin/sh\n");

    // Same inputs, fresh target layout → same manifest digest.
    const again = await OciLayout.create(join(t.path, "store2"));
    const l1 = await writeLayerFromDir(again, appTree, { sourceDateEpoch: EPOCH });
    const l2 = await writeLayerFromEntries(again, [{ path: "etc/passwd", type: "file", data: "root:x:0:0::/root:/bin/sh\n" }], { sourceDateEpoch: EPOCH });
    const img2 = await assembleImage(again, {
      base: { layout: baseLayout, ref: "busybox:1", name: "example.org/busybox:1" },
      layers: [l1, l2],
      config: { entrypoint: ["/bin/app"], env: { PATH: "/usr/bin:/bin", NEW: "1" }, labels: { over: "ours" } },
      annotations: { "dev.mailknight.project": "demo" },
      created: CREATED,
      history: [{ createdBy: "mailknight: app" }, { createdBy: "mailknight: passwd" }],
    });
    assert.equal(img2.manifestDescriptor.digest, img.manifestDescriptor.digest);
  } finally {
    t.cleanup();
  }
});

test("a base tagged as a multi-platform index: the requested platform's manifest is used", async () => {
  const t = tempDir("image");
  try {
    const layout = await OciLayout.create(join(t.path, "store"));
    const mk = async (content: string, architecture: string) => {
      const layer = await writeLayerFromEntries(layout, [{ path: "arch", type: "file", data: content }], { sourceDateEpoch: 0 });
      return await assembleImage(layout, { layers: [layer], config: {}, created: isoFromEpoch(0), platform: { os: "linux", architecture } });
    };
    const amd = await mk("amd64", "amd64");
    const arm = await mk("arm64", "arm64");
    const index = { schemaVersion: 2, mediaType: MediaType.index, manifests: [amd.manifestDescriptor, arm.manifestDescriptor] };
    const indexDesc = await layout.putBlob(Buffer.from(canonicalJson(index)), MediaType.index);
    await layout.tag("multi:1", indexDesc);

    const armImage = await readImage(layout, "multi:1", { os: "linux", architecture: "arm64" });
    assert.equal(armImage.descriptor.digest, arm.manifestDescriptor.digest);
    assert.equal(armImage.index?.descriptor.digest, indexDesc.digest);
    assert.equal((await readImage(layout, "multi:1")).descriptor.digest, amd.manifestDescriptor.digest, "default platform linux/amd64");
    assert.equal((await readImage(layout, indexDesc.digest, { os: "linux", architecture: "arm64" })).descriptor.digest, arm.manifestDescriptor.digest, "by digest too");

    const layer = await writeLayerFromEntries(layout, [{ path: "app", type: "file", data: "x" }], { sourceDateEpoch: 0 });
    const built = await assembleImage(layout, { base: { layout, ref: "multi:1" }, layers: [layer], config: {}, created: isoFromEpoch(0), platform: { os: "linux", architecture: "arm64" } });
    assert.equal(built.manifest.layers[0]?.digest, arm.manifest.layers[0]?.digest);
    assert.equal(built.config.architecture, "arm64");
    assert.equal(built.manifest.annotations?.["org.opencontainers.image.base.digest"], arm.manifestDescriptor.digest);

    await assert.rejects(readImage(layout, "multi:1", { os: "linux", architecture: "s390x" }), (e: unknown) => isMkError(e) && e.code === "E_NOT_FOUND" && e.message.includes("linux/amd64, linux/arm64"));
    await assert.rejects(readImage(layout, "nope:1"), (e: unknown) => isMkError(e) && e.code === "E_NOT_FOUND" && e.message.includes("nope:1"));
  } finally {
    t.cleanup();
  }
});

test("a damaged base fails closed: tampered layer → E_INTEGRITY, nothing half-copied", async () => {
  const t = tempDir("image");
  try {
    const baseTree = join(t.path, "base-tree");
    mkdirSync(baseTree);
    writeFileSync(join(baseTree, "f"), "base");
    const baseLayout = await OciLayout.create(join(t.path, "base"));
    const base = await imageFromRootfs(baseLayout, baseTree, "b:1", { sourceDateEpoch: 0 });
    writeFileSync(baseLayout.blobPath(base.layer.descriptor.digest), "not the layer");
    const layout = await OciLayout.create(join(t.path, "store"));
    await assert.rejects(
      assembleImage(layout, { base: { layout: baseLayout, ref: "b:1" }, layers: [], config: {}, created: CREATED }),
      (e: unknown) => isMkError(e) && e.code === "E_INTEGRITY",
    );
    assert.equal(await layout.hasBlob(base.layer.descriptor.digest), false);
    assert.deepEqual(readdirSync(join(layout.dir, ".mailknight-tmp")), []);

    // A base config that is not a config: E_OCI naming the blob.
    const bad = await baseLayout.putBlob(Buffer.from(JSON.stringify({ hello: "world" })), MediaType.config);
    const manifest = { ...base.manifest, config: bad };
    const md = await baseLayout.putBlob(Buffer.from(canonicalJson(manifest)), MediaType.manifest);
    await baseLayout.tag("broken:1", md);
    await assert.rejects(readImage(baseLayout, "broken:1"), (e: unknown) => isMkError(e) && e.code === "E_OCI" && e.message.includes(baseLayout.blobPath(bad.digest)));
  } finally {
    t.cleanup();
  }
});

test("layers must already be in the target layout; platform and time are checked", async () => {
  const t = tempDir("image");
  try {
    const a = await OciLayout.create(join(t.path, "a"));
    const b = await OciLayout.create(join(t.path, "b"));
    const layer = await writeLayerFromEntries(a, [{ path: "f", type: "file", data: "x" }], { sourceDateEpoch: 0 });
    await assert.rejects(assembleImage(b, { layers: [layer], config: {}, created: CREATED }), (e: unknown) => isMkError(e) && e.code === "E_NOT_FOUND");
    await assert.rejects(assembleImage(a, { layers: [layer], config: {}, created: "yesterday" }), (e: unknown) => isMkError(e) && e.code === "E_OCI");
    const base = await assembleImage(a, { layers: [layer], config: {}, created: CREATED });
    await a.tag("amd:1", base.manifestDescriptor);
    await assert.rejects(
      assembleImage(a, { base: { layout: a, ref: "amd:1" }, layers: [], config: {}, created: CREATED, platform: { os: "linux", architecture: "arm64" } }),
      (e: unknown) => isMkError(e) && e.code === "E_OCI" && e.message.includes("linux/amd64"),
      "a single-platform amd64 base is not used for an arm64 image",
    );
  } finally {
    t.cleanup();
  }
});
