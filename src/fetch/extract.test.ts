/** Hostile and broken archives: each must fail with a typed error and write nothing outside destDir. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { lstat, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { after, before, beforeEach, describe, test } from "node:test";
import { MkError } from "../errors.js";
import type { PipelineEvent } from "../pipeline/events.js";
import { pathExists } from "../util/fs.js";
import { fetchSource, type FetchLimits, type FetchResult } from "./index.js";
import { listFiles, tempDir } from "./testing/fixtures.js";
import { makeTar, rawHeader, sha256, type TarEntry } from "./testing/tar.js";

describe("tarball extraction safety", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  /** Per test: `outside/` holds files an attack would reach; `dest/` is the destination. */
  let box: string;
  let n = 0;
  let events: PipelineEvent[];

  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());
  beforeEach(async () => {
    box = join(tmp.path, `box-${++n}`);
    await mkdir(join(box, "outside"), { recursive: true });
    await writeFile(join(box, "outside", "target.txt"), "original\n");
    events = [];
  });

  async function fetchArchive(archive: Buffer, limits?: Partial<FetchLimits>): Promise<FetchResult> {
    const file = join(box, "archive.bin");
    await writeFile(file, archive);
    return await fetchSource({
      pin: { type: "tarball", url: file, sha256: sha256(archive) },
      destDir: join(box, "dest"),
      cacheDir: join(box, "cache"),
      limits,
      onEvent: (e) => events.push(e),
    });
  }

  /** The box holds exactly what the test put there, plus the cache; dest is empty. */
  async function assertNothingWritten(extraOutside: string[] = []): Promise<void> {
    const all = await listFiles(box);
    const unexpected = all.filter((p) => p !== "archive.bin" && !p.startsWith("cache/tarballs/") && p !== "outside/target.txt" && !extraOutside.includes(p));
    assert.deepEqual(unexpected, []);
    assert.equal(await readFile(join(box, "outside", "target.txt"), "utf8"), "original\n");
  }

  async function rejects(p: Promise<unknown>, code: string, pattern?: RegExp): Promise<void> {
    try {
      await p;
    } catch (e) {
      assert.ok(e instanceof MkError, `expected MkError, got ${String(e)}`);
      assert.equal(e.code, code, e.message);
      if (pattern) assert.match(e.message, pattern);
      return;
    }
    assert.fail(`expected ${code}, but the archive was accepted`);
  }

  const tgz = async (entries: TarEntry[]) => gzipSync(await makeTar(entries));

  test("path traversal with ..", async () => {
    await rejects(fetchArchive(await tgz([{ name: "p/ok.txt", content: "ok" }, { name: "p/../../outside/evil", content: "x" }])), "E_INTEGRITY", /\.\./);
    await rejects(fetchArchive(await tgz([{ name: "../evil", content: "x" }])), "E_INTEGRITY");
    await assertNothingWritten();
  });

  test("absolute paths", async () => {
    await rejects(fetchArchive(await tgz([{ name: join(box, "outside", "abs"), content: "x" }])), "E_INTEGRITY", /absolute/);
    await rejects(fetchArchive(await tgz([{ name: "/etc/x", content: "x" }])), "E_INTEGRITY");
    await assertNothingWritten();
  });

  test("writing through a symlink created earlier in the archive", async () => {
    const abs = [
      { name: "p/link", type: "symlink" as const, linkname: join(box, "outside") },
      { name: "p/link/evil", content: "x" },
    ];
    await rejects(fetchArchive(await tgz(abs)), "E_INTEGRITY", /symlink "p\/link"/);
    const rel = [
      { name: "p/sub/", type: "directory" as const },
      { name: "p/sub/up", type: "symlink" as const, linkname: "../../../outside" },
      { name: "p/sub/up/evil", content: "x" },
    ];
    await rejects(fetchArchive(await tgz(rel)), "E_INTEGRITY");
    const dirOverLink = [
      { name: "p/link", type: "symlink" as const, linkname: join(box, "outside") },
      { name: "p/link/", type: "directory" as const },
    ];
    await rejects(fetchArchive(await tgz(dirOverLink)), "E_INTEGRITY");
    await assertNothingWritten();
  });

  test("a file entry replacing an earlier symlink replaces the link, never writes its target", async () => {
    const r = await fetchArchive(
      await tgz([
        { name: "p/f", type: "symlink", linkname: join(box, "outside", "target.txt") },
        { name: "p/f", content: "new\n" },
      ]),
    );
    assert.equal(r.kind, "tarball");
    assert.ok((await lstat(join(box, "dest", "f"))).isFile());
    assert.equal(await readFile(join(box, "dest", "f"), "utf8"), "new\n");
    assert.equal(await readFile(join(box, "outside", "target.txt"), "utf8"), "original\n");
  });

  test("hardlinks must point at files extracted earlier from the same archive", async () => {
    await rejects(fetchArchive(await tgz([{ name: "p/h", type: "link", linkname: join(box, "outside", "target.txt") }])), "E_INTEGRITY", /absolute/);
    await rejects(fetchArchive(await tgz([{ name: "p/h", type: "link", linkname: "p/../../outside/target.txt" }])), "E_INTEGRITY");
    await rejects(fetchArchive(await tgz([{ name: "p/h", type: "link", linkname: "p/later" }, { name: "p/later", content: "x" }])), "E_INTEGRITY", /hardlink/);
    await rejects(
      fetchArchive(await tgz([{ name: "p/l", type: "symlink", linkname: join(box, "outside", "target.txt") }, { name: "p/h", type: "link", linkname: "p/l" }])),
      "E_INTEGRITY",
    );
    await assertNothingWritten();
    const ok = await fetchArchive(await tgz([{ name: "p/a", content: "same\n" }, { name: "p/b", type: "link", linkname: "p/a" }]));
    assert.equal(ok.kind, "tarball");
    assert.equal(await readFile(join(box, "dest", "b"), "utf8"), "same\n");
  });

  test("huge declared size is refused before anything is written", async () => {
    const bomb = gzipSync(Buffer.concat([rawHeader("p/huge", 2n ** 40n), Buffer.alloc(4096, 1)]));
    await rejects(fetchArchive(bomb), "E_FETCH", /more than/);
    const real = await tgz([{ name: "p/a", content: Buffer.alloc(600, 1) }, { name: "p/b", content: Buffer.alloc(600, 1) }]);
    await rejects(fetchArchive(real, { maxExtractedBytes: 1000 }), "E_FETCH", /more than 1000 bytes/);
    await assertNothingWritten();
  });

  test("too many entries", async () => {
    const entries = Array.from({ length: 30 }, (_, i) => ({ name: `p/f${i}`, content: "x" }));
    await rejects(fetchArchive(await tgz(entries), { maxEntries: 10 }), "E_FETCH", /more than 10 entries/);
    await assertNothingWritten();
  });

  test("download larger than the limit", async () => {
    await rejects(fetchArchive(randomBytes(5000), { maxDownloadBytes: 1000 }), "E_FETCH", /download limit/);
    await assertNothingWritten();
    assert.deepEqual(await listFiles(join(box, "cache")), [], "nothing left in the cache");
  });

  test("truncated gzip, random garbage, an empty archive", async () => {
    const good = await tgz([{ name: "p/a", content: randomBytes(20000) }, { name: "p/b", content: "b" }]);
    await rejects(fetchArchive(good.subarray(0, Math.floor(good.length / 2))), "E_FETCH");
    await rejects(fetchArchive(randomBytes(4096)), "E_FETCH", /not a valid tar archive/);
    await rejects(fetchArchive(gzipSync(Buffer.alloc(1024))), "E_FETCH", /contains no files/);
    await assertNothingWritten();
  });

  test("device files and .git entries are skipped with a warning; modes lose setuid", async () => {
    const r = await fetchArchive(
      await tgz([
        { name: "p/dev", type: "character-device" },
        { name: "p/fifo", type: "fifo" },
        { name: "p/.git/config", content: "[core]\n\tfsmonitor = touch /tmp/pwned\n" },
        { name: "p/tool", content: "#!/bin/sh\n", mode: 0o6755 },
        { name: "p/ro/", type: "directory", mode: 0o555 },
        { name: "p/ro/file", content: "x", mode: 0o444 },
      ]),
    );
    assert.equal(r.kind, "tarball");
    const dest = join(box, "dest");
    assert.equal(await pathExists(join(dest, "dev")), false);
    assert.equal(await pathExists(join(dest, "fifo")), false);
    assert.doesNotMatch(await readFile(join(dest, ".git", "config"), "utf8"), /fsmonitor/);
    assert.equal((await lstat(join(dest, "tool"))).mode & 0o7777, 0o755);
    const warnings = events.filter((e) => e.type === "log" && e.level === "warn").map((e) => (e.type === "log" ? e.message : ""));
    assert.equal(warnings.length, 3, warnings.join("\n"));
    assert.ok(warnings.some((w) => w.includes("character-device")));
  });

  for (const [tool, args] of [["xz", ["-c"]], ["bzip2", ["-c"]], ["zstd", ["-q", "-c"]]] as const) {
    test(`${tool}-compressed archives go through the ${tool} tool; a truncated one is E_FETCH`, async () => {
      const tar = await makeTar([{ name: "p/a.txt", content: "compressed\n" }, { name: "p/big", content: randomBytes(50000) }]);
      const out = spawnSync(tool, [...args], { input: tar });
      assert.equal(out.status, 0, `${tool} is needed for this test`);
      const r = await fetchArchive(out.stdout);
      assert.equal(r.kind, "tarball");
      assert.equal(await readFile(join(box, "dest", "a.txt"), "utf8"), "compressed\n");
      box = join(tmp.path, `box-${++n}`);
      await mkdir(join(box, "outside"), { recursive: true });
      await writeFile(join(box, "outside", "target.txt"), "original\n");
      await rejects(fetchArchive(out.stdout.subarray(0, out.stdout.length - 200)), "E_FETCH");
      await assertNothingWritten();
    });
  }

  test("a missing decompressor is E_TOOL_MISSING", async () => {
    const xz = spawnSync("xz", ["-c"], { input: await makeTar([{ name: "p/a", content: "a" }]) }).stdout;
    const savedPath = process.env.PATH;
    const emptyBin = join(box, "empty-bin");
    await mkdir(emptyBin);
    process.env.PATH = emptyBin;
    try {
      await rejects(fetchArchive(xz), "E_TOOL_MISSING", /xz is needed/);
    } finally {
      process.env.PATH = savedPath;
    }
    await assertNothingWritten();
  });
});
