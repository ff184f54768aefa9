import assert from "node:assert/strict";
import { readFile, readlink, stat, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, describe, test } from "node:test";
import { MkError } from "../errors.js";
import type { PipelineEvent } from "../pipeline/events.js";
import { fetchSource, type TarballPin } from "./index.js";
import { listFiles, serve, sh, tempDir, type TestServer } from "./testing/fixtures.js";
import { makeTar, sha256, sha512 } from "./testing/tar.js";

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MkError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MkError, `expected MkError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}, but it succeeded`);
}

describe("fetchSource (tarball)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let server: TestServer;
  let tgz: Buffer;
  let big: Buffer;
  let n = 0;
  const fresh = (name: string) => join(tmp.path, `${name}-${++n}`);

  before(async () => {
    tmp = await tempDir();
    tgz = gzipSync(
      await makeTar([
        { name: "proj-1.0/", type: "directory", mtime: 1_600_000_000 },
        { name: "proj-1.0/README", content: "hello\n", mtime: 1_600_000_100 },
        { name: "proj-1.0/configure", content: "#!/bin/sh\n", mode: 0o4755, mtime: 1_600_000_200 },
        { name: "proj-1.0/.gitignore", content: "configure\n" },
        { name: "proj-1.0/src/", type: "directory" },
        { name: "proj-1.0/src/main.c", content: "int main(void) { return 0; }\n", mtime: 1_600_000_050 },
        { name: "proj-1.0/src/link", type: "symlink", linkname: "main.c" },
      ]),
    );
    big = gzipSync(await makeTar([{ name: "big/data.bin", content: Buffer.alloc(1024 * 1024, 7) }]), { level: 0 });
    server = await serve({
      "/proj-1.0.tar.gz": { body: tgz },
      "/big.tar.gz": { body: big },
      "/moved.tar.gz": { redirect: "/proj-1.0.tar.gz" },
      "/broken": { status: 500 },
    });
  });
  after(async () => {
    await server.close();
    await tmp.cleanup();
  });

  test("pinned sha256 over HTTP: verified, cached, extracted without the top directory, committed", async () => {
    const dest = fresh("dest");
    const cache = fresh("cache");
    const url = `${server.url}/proj-1.0.tar.gz`;
    const r = await fetchSource({ pin: { type: "tarball", url, sha256: sha256(tgz) }, destDir: dest, cacheDir: cache });
    assert.equal(r.kind, "tarball");
    assert.equal(r.tarballDigest, `sha256:${sha256(tgz)}`);
    assert.equal(r.sourceDateEpoch, 1_600_000_200, "newest mtime in the archive");
    assert.equal(r.fromCache, false);
    assert.equal(r.unpinned, false);
    assert.deepEqual(await listFiles(dest).then((f) => f.filter((p) => !p.startsWith(".git/"))), [".gitignore", "README", "configure", "src/link", "src/main.c"]);
    assert.equal(await readlink(join(dest, "src/link")), "main.c");
    const mode = (await stat(join(dest, "configure"))).mode & 0o7777;
    assert.equal(mode, 0o755, "executable bit kept, setuid dropped");
    assert.deepEqual(await listFiles(cache), [`tarballs/sha256/${sha256(tgz)}`]);
    // A real repository with one commit holding every file (even the .gitignored one), clean, at r.commit.
    assert.equal(await sh(dest, ["rev-parse", "HEAD"]), r.commit);
    assert.equal(await sh(dest, ["ls-files"]), [".gitignore", "README", "configure", "src/link", "src/main.c"].join("\n"));
    assert.equal(await sh(dest, ["status", "--porcelain", "--ignored"]), "");
    assert.equal(await sh(dest, ["log", "-1", "--format=%an <%ae> %at %ct"]), "Mailknight <import@mailknight.invalid> 1600000200 1600000200");

    // Second fetch: no download, same commit id.
    const hits = server.hits.get("/proj-1.0.tar.gz");
    const again = await fetchSource({ pin: { type: "tarball", url, sha256: sha256(tgz) }, destDir: fresh("dest"), cacheDir: cache });
    assert.equal(again.fromCache, true);
    assert.equal(again.commit, r.commit);
    assert.equal(server.hits.get("/proj-1.0.tar.gz"), hits);
  });

  test("wrong hash: E_INTEGRITY naming URL, expected and actual; nothing in the cache or dest", async () => {
    const dest = fresh("dest");
    const cache = fresh("cache");
    const url = `${server.url}/proj-1.0.tar.gz`;
    const wrong = "ab".repeat(32);
    const e = await rejectsWith(fetchSource({ pin: { type: "tarball", url, sha256: wrong }, destDir: dest, cacheDir: cache }), "E_INTEGRITY");
    assert.ok(e.message.includes(url) && e.message.includes(wrong) && e.message.includes(sha256(tgz)), e.message);
    assert.deepEqual(await listFiles(cache), []);
    assert.deepEqual(await listFiles(dest), []);
  });

  test("sha512 pin (and both), redirects followed, cached under sha512", async () => {
    const cache = fresh("cache");
    const url = `${server.url}/moved.tar.gz`;
    const r = await fetchSource({ pin: { type: "tarball", url, sha512: sha512(tgz) }, destDir: fresh("dest"), cacheDir: cache });
    assert.equal(r.tarballDigest, `sha256:${sha256(tgz)}`);
    assert.deepEqual(await listFiles(cache), [`tarballs/sha512/${sha512(tgz)}`]);
    await rejectsWith(fetchSource({ pin: { type: "tarball", url, sha256: sha256(tgz), sha512: "0".repeat(128) }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_INTEGRITY");
    await rejectsWith(fetchSource({ pin: { type: "tarball", url, sha256: "abc" }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_CONFIG_INVALID");
  });

  test("a tampered cache entry fails closed", async () => {
    const cache = fresh("cache");
    const pin: TarballPin = { type: "tarball", url: `${server.url}/proj-1.0.tar.gz`, sha256: sha256(tgz) };
    await fetchSource({ pin, destDir: fresh("dest"), cacheDir: cache });
    await writeFile(join(cache, "tarballs", "sha256", sha256(tgz)), "evil");
    const e = await rejectsWith(fetchSource({ pin, destDir: fresh("dest"), cacheDir: cache }), "E_INTEGRITY");
    assert.match(e.message, /tampered/);
  });

  test("no hash: E_PIN_MISSING; insecure fetches and reports the digest", async () => {
    const url = `${server.url}/proj-1.0.tar.gz`;
    await rejectsWith(fetchSource({ pin: { type: "tarball", url }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_PIN_MISSING");
    const r = await fetchSource({ pin: { type: "tarball", url }, destDir: fresh("dest"), cacheDir: fresh("cache"), insecure: true });
    assert.equal(r.unpinned, true);
    assert.equal(r.tarballDigest, `sha256:${sha256(tgz)}`);
  });

  test("HTTP errors are E_FETCH", async () => {
    await rejectsWith(fetchSource({ pin: { type: "tarball", url: `${server.url}/missing.tar.gz`, sha256: sha256(tgz) }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_FETCH");
    await rejectsWith(fetchSource({ pin: { type: "tarball", url: `${server.url}/broken`, sha256: sha256(tgz) }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_FETCH");
  });

  test("mirrors to a local path and to file:// give the same import commit (it names the recipe URL)", async () => {
    const mirror = fresh("mirror");
    await mkdir(join(mirror, "dl"), { recursive: true });
    await writeFile(join(mirror, "dl", "proj-1.0.tar.gz"), tgz);
    const url = "https://downloads.example.invalid/dl/proj-1.0.tar.gz";
    const viaPath = await fetchSource({
      pin: { type: "tarball", url, sha256: sha256(tgz) },
      destDir: fresh("dest"),
      cacheDir: fresh("cache"),
      mirrors: { "https://downloads.example.invalid/": `${mirror}/` },
    });
    assert.equal(viaPath.effectiveUrl, `${mirror}/dl/proj-1.0.tar.gz`);
    const viaFileUrl = await fetchSource({
      pin: { type: "tarball", url, sha256: sha256(tgz) },
      destDir: fresh("dest"),
      cacheDir: fresh("cache"),
      mirrors: { "https://downloads.example.invalid/": `file://${mirror}/` },
    });
    assert.equal(viaFileUrl.commit, viaPath.commit);
  });

  test("progress events report bytes up to the full size", async () => {
    const events: PipelineEvent[] = [];
    await fetchSource({ pin: { type: "tarball", url: `${server.url}/big.tar.gz`, sha256: sha256(big) }, destDir: fresh("dest"), cacheDir: fresh("cache"), onEvent: (e) => events.push(e) });
    const progress = events.filter((e) => e.type === "progress");
    assert.ok(progress.length >= 2, "intermediate and final progress");
    const last = progress.at(-1);
    assert.deepEqual(last, { type: "progress", stage: "fetch", label: `${server.url}/big.tar.gz`, done: big.length, total: big.length, unit: "bytes" });
  });

  test("an archive whose mtimes are all zero gives epoch 0 and still commits", async () => {
    const zero = await makeTar([{ name: "z/a.txt", content: "a", mtime: 0 }]);
    const src = fresh("src");
    await mkdir(src);
    await writeFile(join(src, "zero.tar"), zero);
    const dest = fresh("dest");
    const r = await fetchSource({ pin: { type: "tarball", url: `file://${join(src, "zero.tar")}`, sha256: sha256(zero) }, destDir: dest, cacheDir: fresh("cache") });
    assert.equal(r.sourceDateEpoch, 0);
    assert.equal(await sh(dest, ["log", "-1", "--format=%at %ct"]), "0 0");
  });

  test("stripComponents and archives without a single top directory", async () => {
    const flat = await makeTar([
      { name: "a.txt", content: "a" },
      { name: "dir/b.txt", content: "b" },
    ]);
    const src = fresh("src");
    await mkdir(src);
    await writeFile(join(src, "flat.tar"), flat);
    const dest = fresh("dest");
    await fetchSource({ pin: { type: "tarball", url: join(src, "flat.tar"), sha256: sha256(flat) }, destDir: dest, cacheDir: fresh("cache") });
    assert.deepEqual((await listFiles(dest)).filter((p) => !p.startsWith(".git/")), ["a.txt", "dir/b.txt"]);
    const dest2 = fresh("dest");
    await fetchSource({ pin: { type: "tarball", url: join(src, "flat.tar"), sha256: sha256(flat), stripComponents: 1 }, destDir: dest2, cacheDir: fresh("cache") });
    assert.deepEqual((await listFiles(dest2)).filter((p) => !p.startsWith(".git/")), ["b.txt"]);
    assert.equal(await readFile(join(dest2, "b.txt"), "utf8"), "b");
  });
});
