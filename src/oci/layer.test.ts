import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync, lstatSync, readlinkSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { isMkError } from "../errors.js";
import { sha256Digest } from "../util/digest.js";
import { treeDigest } from "../util/tree.js";
import { writeLayerFromDir, writeLayerFromEntries, compareLayerPaths, type LayerResult } from "./layer.js";
import { OciLayout } from "./layout.js";
import { LONG_FILE, LONG_LINK_TARGET, UNICODE_FILE, tarList, tempDir, tool, writeFixtureTree } from "./testing.js";

const EPOCH = 1_700_000_000; // 2023-11-14T22:13:20Z

function blob(layout: OciLayout, r: LayerResult): Buffer {
  return readFileSync(layout.blobPath(r.descriptor.digest));
}

/** Decompresses with the real gzip (not our code) and checks integrity with `gzip -t`. */
function gunzipWithGzip(data: Buffer): Buffer {
  tool("gzip", ["-t"], { input: data });
  return tool("gzip", ["-dc"], { input: data });
}

test("a layer from a directory is deterministic and readable by gzip and GNU tar", async () => {
  const t = tempDir("layer");
  try {
    const tree = join(t.path, "tree");
    writeFixtureTree(tree);
    const l1 = await OciLayout.create(join(t.path, "one"));
    const l2 = await OciLayout.create(join(t.path, "two"));
    const r1 = await writeLayerFromDir(l1, tree, { sourceDateEpoch: EPOCH });
    const r2 = await writeLayerFromDir(l2, tree, { sourceDateEpoch: EPOCH });
    assert.equal(r1.descriptor.digest, r2.descriptor.digest, "same tree → same blob digest");
    assert.equal(r1.diffId, r2.diffId);
    assert.equal(r1.descriptor.mediaType, "application/vnd.oci.image.layer.v1.tar+gzip");

    const gz = blob(l1, r1);
    assert.equal(sha256Digest(gz), r1.descriptor.digest);
    assert.equal(gz.byteLength, r1.descriptor.size);
    // Fixed header: magic, deflate, no flags (no name), mtime 0, OS 255.
    assert.deepEqual([...gz.subarray(0, 10)], [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
    const tar = gunzipWithGzip(gz);
    assert.equal(sha256Digest(tar), r1.diffId, "diffID is the sha256 of the uncompressed tar");
    assert.equal(tar.byteLength, r1.uncompressedSize);

    const lines = tarList(tar);
    assert.equal(lines.length, r1.entries.length);
    for (const line of lines) {
      assert.match(line, / 0\/0 /, `uid/gid 0: ${line}`);
      assert.match(line, / 2023-11-14 22:13:20 /, `mtime = SOURCE_DATE_EPOCH: ${line}`);
    }
    const paths = r1.entries.map((e) => e.path);
    assert.deepEqual([...paths].sort(compareLayerPaths), paths, "entries in layer order");
    assert.ok(paths.indexOf("bin") < paths.indexOf("bin/tool"), "directories before their contents");
    const line = (p: string) => lines.find((l) => l.includes(` ${p}`)) ?? assert.fail(`no entry for ${p}`);
    assert.match(line("bin/suid-tool"), /^-rwsr-xr-x /);
    assert.match(line("bin/sgid-tool"), /^-rwx--s--x /);
    assert.match(line("tmp/"), /^drwxrwxrwt /);
    assert.match(line("emptydir/"), /^drwx------ /);
    assert.match(line("etc/shadow-link"), /^lrwxrwxrwx .* etc\/shadow-link -> \/etc\/shadow$/);
    assert.match(line("etc/outside-link"), / -> \.\.\/\.\.\/outside$/);
    assert.match(line("hard/zz-link"), /^hrw-r--r-- .* hard\/zz-link link to hard\/original$/);
    assert.ok(lines.some((l) => l.endsWith(` ${LONG_FILE}`)), "long path via pax");
    assert.ok(lines.some((l) => l.endsWith(` long-target-link -> ${LONG_LINK_TARGET}`)), "long link target via pax");
    assert.ok(lines.some((l) => l.endsWith(` ${UNICODE_FILE}`)), "non-ASCII name via pax");
    assert.ok(!tar.includes(Buffer.from("ctime=")) && !tar.includes(Buffer.from("atime=")), "no atime/ctime pax records");
  } finally {
    t.cleanup();
  }
});

test("GNU tar extracts the layer back to the same tree (content, modes, symlinks, hard links)", async () => {
  const t = tempDir("layer");
  try {
    const tree = join(t.path, "tree");
    writeFixtureTree(tree);
    const layout = await OciLayout.create(join(t.path, "store"));
    const r = await writeLayerFromDir(layout, tree, { sourceDateEpoch: EPOCH });
    const out = join(t.path, "out");
    mkdirSync(out);
    tool("tar", ["-xzpf", layout.blobPath(r.descriptor.digest), "-C", out, "--numeric-owner"]);
    assert.equal(await treeDigest(out), await treeDigest(tree));
    assert.equal(readlinkSync(join(out, "etc/shadow-link")), "/etc/shadow");
    assert.equal(statSync(join(out, "hard/zz-link")).ino, statSync(join(out, "hard/original")).ino);
    // The symlink to /etc/shadow was stored, not followed: no shadow content in the layer.
    const shadowEntry = r.entries.find((e) => e.path === "etc/shadow-link");
    assert.deepEqual(shadowEntry, { path: "etc/shadow-link", type: "symlink", mode: 0o777, size: 0, linkTarget: "/etc/shadow" });
  } finally {
    t.cleanup();
  }
});

test("the tar bytes do not depend on gzip chunking; tiny chunks still make a valid gzip", async () => {
  const t = tempDir("layer");
  try {
    const tree = join(t.path, "tree");
    writeFixtureTree(tree, { bigFileBytes: 200_000 });
    const layout = await OciLayout.create(join(t.path, "store"));
    const ref = await writeLayerFromDir(layout, tree, { sourceDateEpoch: EPOCH });
    // 512-byte chunks: the tar is a multiple of 512, so the last chunk is exactly full (edge case);
    // 4097: chunks straddle headers and content; 100000: some chunks hold several files.
    for (const chunkSize of [512, 4097, 100_000]) {
      const r = await writeLayerFromDir(layout, tree, { sourceDateEpoch: EPOCH, gzip: { chunkSize, concurrency: 3 } });
      assert.equal(r.diffId, ref.diffId, `chunkSize ${chunkSize}: same tar`);
      const tar = gunzipWithGzip(blob(layout, r));
      assert.equal(sha256Digest(tar), ref.diffId);
      assert.equal(sha256Digest(gunzipSync(blob(layout, r))), ref.diffId, "node's gunzip agrees");
      const again = await writeLayerFromDir(layout, tree, { sourceDateEpoch: EPOCH, gzip: { chunkSize, concurrency: 1 } });
      assert.equal(again.descriptor.digest, r.descriptor.digest, `chunkSize ${chunkSize}: concurrency does not change the bytes`);
    }
    // 1-byte chunks: every byte its own deflate call, each primed with a dictionary shorter than 32 KiB.
    const tiny = await writeLayerFromEntries(layout, [{ path: "a", type: "file", data: "x".repeat(3000) }], { sourceDateEpoch: 0, gzip: { chunkSize: 1 } });
    assert.equal(sha256Digest(gunzipWithGzip(blob(layout, tiny))), tiny.diffId);
  } finally {
    t.cleanup();
  }
});

test("names around the 100-byte ustar limit and pax record length boundaries round-trip", async () => {
  const t = tempDir("layer");
  try {
    const tree = join(t.path, "tree");
    mkdirSync(tree);
    const names: string[] = [];
    // Lengths 95..105 cross the ustar limit; 250/255 give pax records of ~270 bytes.
    for (const len of [95, 99, 100, 101, 105, 250, 255]) names.push("n".repeat(len - 4) + `${len}`.padStart(4, "_"));
    // Non-ASCII names always take a pax record; at 90/91/92 bytes the record length goes from 99
    // to 101, where the length prefix gains a digit by counting itself.
    for (const len of [90, 91, 92]) names.push("é" + "u".repeat(len - 6) + `${len}`.padStart(4, "_"));
    for (const n of names) writeFileSync(join(tree, n), n);
    const layout = await OciLayout.create(join(t.path, "store"));
    const r = await writeLayerFromDir(layout, tree, { sourceDateEpoch: EPOCH });
    const listed = tarList(gunzipWithGzip(blob(layout, r))).map((l) => l.split(" ").pop());
    assert.deepEqual(listed, [...names].sort(compareLayerPaths));
    const out = join(t.path, "out");
    mkdirSync(out);
    tool("tar", ["-xzf", layout.blobPath(r.descriptor.digest), "-C", out]);
    for (const n of names) assert.equal(readFileSync(join(out, n), "utf8"), n);
  } finally {
    t.cleanup();
  }
});

test("prefix places the tree under a path; filter leaves entries (and subtrees) out", async () => {
  const t = tempDir("layer");
  try {
    const tree = join(t.path, "tree");
    writeFixtureTree(tree, { bigFileBytes: 1000 });
    const layout = await OciLayout.create(join(t.path, "store"));
    const seen: string[] = [];
    const r = await writeLayerFromDir(layout, tree, {
      sourceDateEpoch: EPOCH,
      prefix: "/opt/app/",
      filter: (rel) => {
        seen.push(rel);
        return rel !== "data" && !rel.startsWith("etc/");
      },
    });
    const paths = r.entries.map((e) => e.path);
    assert.deepEqual(paths.slice(0, 3), ["opt", "opt/app", "opt/app/a-directory-name-that-is-quite-long-on-purpose"]);
    assert.ok(paths.includes("opt/app/bin/tool"));
    assert.ok(!paths.some((p) => p.startsWith("opt/app/data")), "filtered dir left out with its contents");
    assert.ok(!seen.includes("data/big.bin"), "a filtered directory is not even walked");
    assert.ok(paths.includes("opt/app/etc") && !paths.includes("opt/app/etc/config.conf"));
    const hard = r.entries.find((e) => e.path === "opt/app/hard/zz-link");
    assert.equal(hard?.linkTarget, "opt/app/hard/original", "hard link targets carry the prefix");
    const lines = tarList(gunzipWithGzip(blob(layout, r)));
    assert.match(lines[0] ?? "", /^drwxr-xr-x 0\/0 .* opt\/$/);
    await assert.rejects(writeLayerFromDir(layout, tree, { sourceDateEpoch: EPOCH, prefix: "opt/../etc" }), (e: unknown) => isMkError(e) && e.code === "E_OCI");
  } finally {
    t.cleanup();
  }
});

test("sockets, FIFOs and non-UTF-8 names are refused with clear errors and leave nothing behind", async () => {
  const t = tempDir("layer");
  try {
    const layout = await OciLayout.create(join(t.path, "store"));
    const blobsBefore = readdirSync(join(layout.dir, "blobs", "sha256")).length;

    const fifoTree = join(t.path, "fifo");
    mkdirSync(fifoTree);
    execFileSync("mkfifo", [join(fifoTree, "pipe")]);
    await assert.rejects(writeLayerFromDir(layout, fifoTree, { sourceDateEpoch: EPOCH }), (e: unknown) => isMkError(e) && e.code === "E_OCI" && e.message.includes("pipe") && e.message.includes("FIFO"));
    const stored = await writeLayerFromDir(layout, fifoTree, { sourceDateEpoch: EPOCH, devices: "store" });
    assert.match(tarList(gunzipWithGzip(blob(layout, stored)))[0] ?? "", /^prw-r--r-- 0\/0 .* pipe$/);

    const sockTree = join(t.path, "sock");
    mkdirSync(sockTree);
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(join(sockTree, "s.sock"), resolve));
    try {
      await assert.rejects(writeLayerFromDir(layout, sockTree, { sourceDateEpoch: EPOCH, devices: "store" }), (e: unknown) => isMkError(e) && e.code === "E_OCI" && e.message.includes("socket"));
    } finally {
      server.close();
    }

    const badTree = join(t.path, "bad");
    mkdirSync(badTree);
    writeFileSync(Buffer.concat([Buffer.from(`${badTree}/bad-`), Buffer.from([0xff, 0xfe]), Buffer.from(".txt")]), "x");
    await assert.rejects(writeLayerFromDir(layout, badTree, { sourceDateEpoch: EPOCH }), (e: unknown) => isMkError(e) && e.code === "E_OCI" && e.message.includes("UTF-8"));

    await assert.rejects(writeLayerFromDir(layout, join(t.path, "missing"), { sourceDateEpoch: EPOCH }), (e: unknown) => isMkError(e) && e.code === "E_NOT_FOUND");
    await assert.rejects(writeLayerFromDir(layout, fifoTree, { sourceDateEpoch: -1 }), (e: unknown) => isMkError(e) && e.code === "E_OCI");

    assert.deepEqual(readdirSync(join(layout.dir, ".mailknight-tmp")), [], "failed writes leave no temp file");
    assert.equal(readdirSync(join(layout.dir, "blobs", "sha256")).length, blobsBefore + 1, "only the stored FIFO layer was added");
  } finally {
    t.cleanup();
  }
});

test("character devices are stored with their numbers when asked to", async () => {
  const t = tempDir("layer");
  try {
    const tree = join(t.path, "tree");
    mkdirSync(join(tree, "dev"), { recursive: true });
    execFileSync("mknod", ["-m", "666", join(tree, "dev/null"), "c", "1", "3"]);
    const layout = await OciLayout.create(join(t.path, "store"));
    await assert.rejects(writeLayerFromDir(layout, tree, { sourceDateEpoch: 0 }), (e: unknown) => isMkError(e) && e.code === "E_OCI" && e.message.includes("char device"));
    const r = await writeLayerFromDir(layout, tree, { sourceDateEpoch: 0, devices: "store" });
    const lines = tarList(gunzipWithGzip(blob(layout, r)));
    assert.match(lines[1] ?? "", /^crw-rw-rw- 0\/0 +1,3 .* dev\/null$/);
  } finally {
    t.cleanup();
  }
});

test("in-memory entries: sorted, parents added, owners kept, bad input refused", async () => {
  const t = tempDir("layer");
  try {
    const layout = await OciLayout.create(t.path);
    const entries = [
      { path: "/etc/passwd", type: "file" as const, data: "root:x:0:0:root:/root:/bin/sh\nnonroot:x:65532:65532::/home/nonroot:/sbin/nologin\n" },
      { path: "etc/group", type: "file" as const, data: "root:x:0:\nnonroot:x:65532:\n" },
      { path: "home/nonroot", type: "dir" as const, mode: 0o700, uid: 65532, gid: 65532 },
      { path: "usr/bin/sh", type: "symlink" as const, linkTarget: "/bin/busybox" },
      { path: "etc/shadow", type: "file" as const, mode: 0o640, data: "root:*:19000:0:99999:7:::\n" },
    ];
    const r1 = await writeLayerFromEntries(layout, entries, { sourceDateEpoch: EPOCH });
    const r2 = await writeLayerFromEntries(layout, [...entries].reverse(), { sourceDateEpoch: EPOCH });
    assert.equal(r1.descriptor.digest, r2.descriptor.digest, "input order does not matter");
    const lines = tarList(gunzipWithGzip(blob(layout, r1)));
    assert.deepEqual(
      lines.map((l) => l.replace(/ +/g, " ").replace(/ 2023-11-14 22:13:20/, "")),
      [
        "drwxr-xr-x 0/0 0 etc/",
        "-rw-r--r-- 0/0 27 etc/group",
        "-rw-r--r-- 0/0 81 etc/passwd",
        "-rw-r----- 0/0 26 etc/shadow",
        "drwxr-xr-x 0/0 0 home/",
        "drwx------ 65532/65532 0 home/nonroot/",
        "drwxr-xr-x 0/0 0 usr/",
        "drwxr-xr-x 0/0 0 usr/bin/",
        "lrwxrwxrwx 0/0 0 usr/bin/sh -> /bin/busybox",
      ],
    );
    const bad = async (list: Parameters<typeof writeLayerFromEntries>[1]) =>
      await assert.rejects(writeLayerFromEntries(layout, list, { sourceDateEpoch: EPOCH }), (e: unknown) => isMkError(e) && e.code === "E_OCI");
    await bad([{ path: "../etc/passwd", type: "file", data: "" }]);
    await bad([{ path: "a", type: "file" }, { path: "a", type: "dir" }]);
    await bad([{ path: "a", type: "file" }, { path: "a/b", type: "file" }]);
    await bad([{ path: "l", type: "symlink" }]);
    await bad([{ path: "f", type: "file", uid: -1 }]);
    await bad([{ path: "z", type: "hardlink", linkTarget: "missing" }]);
  } finally {
    t.cleanup();
  }
});

test("a symlinked root is followed, but symlinks inside are not", async () => {
  const t = tempDir("layer");
  try {
    const real = join(t.path, "real");
    mkdirSync(join(real, "d"), { recursive: true });
    writeFileSync(join(real, "d/f"), "f");
    const secret = join(t.path, "secret");
    mkdirSync(secret);
    writeFileSync(join(secret, "key"), "do not pack me");
    execFileSync("ln", ["-s", secret, join(real, "escape")]);
    execFileSync("ln", ["-s", real, join(t.path, "link-to-root")]);
    const layout = await OciLayout.create(join(t.path, "store"));
    const r = await writeLayerFromDir(layout, join(t.path, "link-to-root"), { sourceDateEpoch: 0 });
    assert.deepEqual(
      r.entries.map((e) => `${e.type} ${e.path}`),
      ["dir d", "file d/f", "symlink escape"],
    );
    const tar = gunzipWithGzip(blob(layout, r));
    assert.ok(!tar.includes(Buffer.from("do not pack me")), "nothing read through the symlink");
    assert.ok(lstatSync(join(real, "escape")).isSymbolicLink());
  } finally {
    t.cleanup();
  }
});
