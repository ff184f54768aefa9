import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isMkError, type MkError } from "../errors.js";
import { sha256Digest } from "../util/digest.js";
import { OciLayout } from "./layout.js";
import { tempDir } from "./testing.js";

async function rejectsWith(p: Promise<unknown>, code: MkError["code"], mention?: string): Promise<MkError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMkError(e), `expected MkError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (mention) assert.ok(e.message.includes(mention), `message should name ${mention}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

test("create makes a spec layout, and opens it when present", async () => {
  const t = tempDir("layout");
  try {
    const dir = join(t.path, "store");
    const layout = await OciLayout.create(dir);
    assert.deepEqual(JSON.parse(readFileSync(join(dir, "oci-layout"), "utf8")), { imageLayoutVersion: "1.0.0" });
    const index = JSON.parse(readFileSync(join(dir, "index.json"), "utf8"));
    assert.deepEqual(index, { manifests: [], mediaType: "application/vnd.oci.image.index.v1+json", schemaVersion: 2 });
    assert.ok(statSync(join(dir, "blobs", "sha256")).isDirectory());
    const d = await layout.putBlob(Buffer.from("x"), "text/plain");
    await layout.tag("keep", d);
    const again = await OciLayout.create(dir);
    assert.deepEqual(await again.tags(), ["keep"], "re-creating must not reset an existing layout");
  } finally {
    t.cleanup();
  }
});

test("open refuses missing dirs, non-layouts and non-empty dirs for create", async () => {
  const t = tempDir("layout");
  try {
    await rejectsWith(OciLayout.open(join(t.path, "nope")), "E_NOT_FOUND", "nope");
    const plain = join(t.path, "plain");
    mkdirSync(plain);
    writeFileSync(join(plain, "file.txt"), "hello");
    await rejectsWith(OciLayout.open(plain), "E_OCI", "oci-layout");
    await rejectsWith(OciLayout.create(plain), "E_OCI", "not empty");
  } finally {
    t.cleanup();
  }
});

test("index.json that is not JSON, or has the wrong schema, is an E_OCI naming the file and place", async () => {
  const t = tempDir("layout");
  try {
    const layout = await OciLayout.create(t.path);
    writeFileSync(layout.indexPath, "{ this is not json");
    const e1 = await rejectsWith(OciLayout.open(t.path), "E_OCI", layout.indexPath);
    assert.match(e1.message, /not valid JSON/);

    writeFileSync(layout.indexPath, JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "x", digest: "nope", size: -1 }] }));
    const e2 = await rejectsWith(OciLayout.open(t.path), "E_OCI", layout.indexPath);
    const paths = e2.problems.map((p) => p.path).sort();
    assert.deepEqual(paths, ["manifests[0].digest", "manifests[0].size"]);
    assert.ok(e2.problems.every((p) => p.file === layout.indexPath));

    writeFileSync(layout.indexPath, JSON.stringify({ schemaVersion: 1, manifests: "all of them" }));
    const e3 = await rejectsWith(layout.resolve("x"), "E_OCI", layout.indexPath);
    assert.deepEqual(e3.problems.map((p) => p.path).sort(), ["manifests", "schemaVersion"]);

    writeFileSync(join(t.path, "oci-layout"), JSON.stringify({ imageLayoutVersion: "9.9.9" }));
    await rejectsWith(OciLayout.open(t.path), "E_OCI", "oci-layout");
  } finally {
    t.cleanup();
  }
});

test("blobs: content-addressed, idempotent, verified on read", async () => {
  const t = tempDir("layout");
  try {
    const layout = await OciLayout.create(t.path);
    const data = Buffer.from("hello blob");
    const d = await layout.putBlob(data, "text/plain");
    assert.deepEqual(d, { mediaType: "text/plain", digest: sha256Digest(data), size: data.byteLength });
    assert.ok(await layout.hasBlob(d.digest));
    const before = statSync(layout.blobPath(d.digest));
    await layout.putBlob(data, "text/plain");
    const after = statSync(layout.blobPath(d.digest));
    assert.equal(after.ino, before.ino, "an existing blob is not rewritten");
    assert.deepEqual(await layout.readBlob(d.digest), data);

    const j = await layout.putBlob(Buffer.from('{"a":1}'), "application/json");
    assert.deepEqual(await layout.readJson(j.digest), { a: 1 });

    writeFileSync(layout.blobPath(d.digest), "tampered");
    const e = await rejectsWith(layout.readBlob(d.digest), "E_INTEGRITY", layout.blobPath(d.digest));
    assert.equal(e.details?.expected, d.digest);

    await rejectsWith(layout.readBlob(sha256Digest("absent")), "E_NOT_FOUND");
    await rejectsWith(layout.readBlob("sha256:../../../etc/passwd"), "E_OCI", "not a sha256 digest");
    assert.throws(() => layout.blobPath("sha512:abcd"), (err: unknown) => isMkError(err) && err.code === "E_OCI");
    assert.deepEqual(readdirSync(join(t.path, ".mailknight-tmp")), [], "no temp files left behind");
  } finally {
    t.cleanup();
  }
});

test("putBlobFile moves a finished temp file into place, refusing outside paths and wrong sizes", async () => {
  const t = tempDir("layout");
  try {
    const layout = await OciLayout.create(join(t.path, "store"));
    const outside = join(t.path, "outside.bin");
    writeFileSync(outside, "abc");
    await rejectsWith(layout.putBlobFile(outside, "x/y", sha256Digest("abc"), 3), "E_OCI", "outside layout");
    assert.equal(readFileSync(outside, "utf8"), "abc", "a refused outside file is left alone");

    const tmp = await layout.tempPath();
    writeFileSync(tmp, "abc");
    await rejectsWith(layout.putBlobFile(tmp, "x/y", sha256Digest("abc"), 4), "E_INTEGRITY");
    assert.equal(await layout.hasBlob(sha256Digest("abc")), false, "no blob under its final name after a failed write");

    const tmp2 = await layout.tempPath();
    writeFileSync(tmp2, "abc");
    const d = await layout.putBlobFile(tmp2, "x/y", sha256Digest("abc"), 3);
    assert.equal((await layout.readBlob(d.digest)).toString(), "abc");
    assert.deepEqual(readdirSync(join(layout.dir, ".mailknight-tmp")), []);
  } finally {
    t.cleanup();
  }
});

test("tags: sorted deterministic index.json, replace on re-tag, unknown entries kept", async () => {
  const t = tempDir("layout");
  try {
    const layout = await OciLayout.create(t.path);
    const a = await layout.putBlob(Buffer.from("a"), "text/plain");
    const b = await layout.putBlob(Buffer.from("b"), "text/plain");
    // An untagged entry written by some other tool, with a field we do not model.
    const index = JSON.parse(readFileSync(layout.indexPath, "utf8"));
    index.manifests.push({ mediaType: "text/plain", digest: b.digest, size: 1, artifactType: "application/x-other" });
    writeFileSync(layout.indexPath, JSON.stringify(index));

    await layout.tag("zeta:1", a);
    await layout.tag("alpha:1", b);
    await layout.tag("Beta:1", a);
    assert.deepEqual(await layout.tags(), ["Beta:1", "alpha:1", "zeta:1"], "byte order, not locale order");
    await layout.tag("alpha:1", a);
    assert.equal((await layout.resolve("alpha:1"))?.digest, a.digest);
    assert.equal(await layout.resolve("missing"), undefined);

    const written = JSON.parse(readFileSync(layout.indexPath, "utf8"));
    assert.equal(written.manifests.length, 4);
    assert.equal(written.manifests[0].artifactType, "application/x-other", "untagged entries first, fields preserved");
    assert.deepEqual(
      written.manifests.slice(1).map((m: { annotations: Record<string, string> }) => m.annotations["org.opencontainers.image.ref.name"]),
      ["Beta:1", "alpha:1", "zeta:1"],
    );

    // Same operations in another layout (different order) → byte-identical index.json.
    const t2 = tempDir("layout");
    try {
      const other = await OciLayout.create(t2.path);
      await other.putBlob(Buffer.from("a"), "text/plain");
      await other.putBlob(Buffer.from("b"), "text/plain");
      writeFileSync(other.indexPath, JSON.stringify(index));
      await other.tag("alpha:1", a);
      await other.tag("Beta:1", a);
      await other.tag("zeta:1", a);
      assert.equal(readFileSync(other.indexPath, "utf8"), readFileSync(layout.indexPath, "utf8"));
    } finally {
      t2.cleanup();
    }

    await rejectsWith(layout.tag("bad tag!", a), "E_OCI", "not a valid tag");
    await rejectsWith(layout.tag("x", { mediaType: "text/plain", digest: sha256Digest("nope"), size: 4 }), "E_NOT_FOUND");
  } finally {
    t.cleanup();
  }
});

test("concurrent tagging loses no tag (index.json is locked)", async () => {
  const t = tempDir("layout");
  try {
    const layout = await OciLayout.create(t.path);
    const other = await OciLayout.open(t.path); // a second handle, as another stage would have
    const d = await layout.putBlob(Buffer.from("x"), "text/plain");
    const names = Array.from({ length: 24 }, (_, i) => `img:${String(i).padStart(2, "0")}`);
    await Promise.all(names.map((n, i) => (i % 2 ? layout : other).tag(n, d)));
    assert.deepEqual(await layout.tags(), names);
  } finally {
    t.cleanup();
  }
});

test("a layout another process is still creating (index.json, no oci-layout yet) is completed, not refused", async () => {
  const t = tempDir("layout");
  try {
    const dir = join(t.path, "store");
    mkdirSync(join(dir, "blobs", "sha256"), { recursive: true });
    const index = JSON.stringify({ schemaVersion: 2, manifests: [] });
    writeFileSync(join(dir, "index.json"), index);
    const layout = await OciLayout.create(dir);
    assert.equal(readFileSync(layout.indexPath, "utf8"), index, "the other creator's index.json is kept");
    assert.deepEqual(JSON.parse(readFileSync(layout.layoutFilePath, "utf8")), { imageLayoutVersion: "1.0.0" });
  } finally {
    t.cleanup();
  }
});
