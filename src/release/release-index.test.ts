import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { readReleaseIndex, recordReleases, releaseIndexPath } from "./release-index.js";

const d = (n: string) => `sha256:${n.repeat(64)}`;
const entry = (tag: string, digest: string) => ({
  mediaType: "application/vnd.oci.image.manifest.v1+json",
  digest,
  size: 100,
  annotations: { "org.opencontainers.image.ref.name": tag },
});

test("releases merge by ref name, sorted, and concurrent writers lose nothing", async () => {
  const root = await mkdtemp(join(tmpdir(), "mk-relidx-"));
  try {
    assert.deepEqual((await readReleaseIndex(root)).manifests, [], "no file yet means no releases");
    await recordReleases(root, [entry("b:1-lts.20260101", d("b")), entry("a:1-lts.20260101", d("a"))]);
    await recordReleases(root, [entry("b:1-lts.20260101", d("c"))]); // re-release replaces
    await Promise.all(Array.from({ length: 8 }, (_, i) => recordReleases(root, [entry(`p${i}:1-lts.20260101`, d(String(i)))])));
    const idx = await readReleaseIndex(root);
    assert.deepEqual(idx.manifests.map((m) => m.annotations?.["org.opencontainers.image.ref.name"]), [
      "a:1-lts.20260101",
      "b:1-lts.20260101",
      ...Array.from({ length: 8 }, (_, i) => `p${i}:1-lts.20260101`),
    ]);
    assert.equal(idx.manifests[1]!.digest, d("c"));
    assert.equal(idx.mediaType, "application/vnd.oci.image.index.v1+json");
    const text = await readFile(releaseIndexPath(root), "utf8");
    await recordReleases(root, []);
    assert.equal(await readFile(releaseIndexPath(root), "utf8"), text, "rewriting the same set gives the same bytes");

    await writeFile(releaseIndexPath(root), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: "x", digest: d("e"), size: 1 }] }));
    await assert.rejects(readReleaseIndex(root), (e: unknown) => e instanceof MkError && e.code === "E_CONFIG_INVALID" && e.message.includes("manifests[0]"));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
