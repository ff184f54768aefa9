import assert from "node:assert/strict";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MkError } from "../errors.js";
import { fetchSource, resolveGitRef } from "./index.js";
import { listFiles, sh, tempDir } from "./testing/fixtures.js";

const T1 = 1_700_000_000;
const T2 = 1_700_100_000;
const T3 = 1_700_200_000;

interface Upstream {
  dir: string;
  c1: string;
  c2: string;
  c3: string;
}

/** main: c1 (tag v1.0.0, annotated) → c2 (tag v1.1.0, annotated) → c3 (tag v1.2.0, lightweight). */
async function makeUpstream(dir: string): Promise<Upstream> {
  await mkdir(dir, { recursive: true });
  await sh(dir, ["init", "--quiet"]);
  await writeFile(join(dir, "README"), "one\n");
  await sh(dir, ["add", "."]);
  await sh(dir, ["commit", "--quiet", "-m", "one"], T1);
  await sh(dir, ["tag", "-a", "-m", "v1.0.0", "v1.0.0"], T1);
  await writeFile(join(dir, "README"), "two\n");
  await sh(dir, ["commit", "--quiet", "-am", "two"], T2);
  await sh(dir, ["tag", "-a", "-m", "v1.1.0", "v1.1.0"], T2);
  await writeFile(join(dir, "README"), "three\n");
  await sh(dir, ["commit", "--quiet", "-am", "three"], T3);
  await sh(dir, ["tag", "v1.2.0"], T3);
  const c1 = await sh(dir, ["rev-parse", "v1.0.0^{commit}"]);
  const c2 = await sh(dir, ["rev-parse", "v1.1.0^{commit}"]);
  const c3 = await sh(dir, ["rev-parse", "v1.2.0^{commit}"]);
  return { dir, c1, c2, c3 };
}

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

describe("resolveGitRef", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let up: Upstream;
  before(async () => {
    tmp = await tempDir();
    up = await makeUpstream(join(tmp.path, "up"));
  });
  after(() => tmp.cleanup());

  test("peels annotated tags to the commit and resolves lightweight tags and HEAD", async () => {
    const tagObject = await sh(up.dir, ["rev-parse", "v1.1.0"]);
    assert.notEqual(tagObject, up.c2, "fixture: v1.1.0 must be an annotated tag object");
    assert.equal(await resolveGitRef(up.dir, "v1.1.0"), up.c2);
    assert.equal(await resolveGitRef(`file://${up.dir}`, "v1.2.0"), up.c3);
    assert.equal(await resolveGitRef(up.dir, "HEAD"), up.c3);
    assert.equal(await resolveGitRef(up.dir, "refs/tags/v1.0.0"), up.c1);
  });

  test("a missing tag is E_FETCH listing tags that exist", async () => {
    const e = await rejectsWith(resolveGitRef(up.dir, "1.1.0"), "E_FETCH");
    assert.match(e.message, /tag 1\.1\.0 does not exist/);
    assert.match(e.hint ?? "", /v1\.1\.0/);
    assert.deepEqual((e.details?.existingTags as string[])[0], "v1.1.0", "the close match comes first");
  });

  test("an unreachable repository is E_FETCH", async () => {
    await rejectsWith(resolveGitRef(join(tmp.path, "nope"), "v1"), "E_FETCH");
  });
});

describe("fetchSource (git)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let up: Upstream;
  let n = 0;
  const fresh = (name: string) => join(tmp.path, `${name}-${++n}`);
  before(async () => {
    tmp = await tempDir();
    up = await makeUpstream(join(tmp.path, "up"));
  });
  after(() => tmp.cleanup());

  test("tag + matching commit: detached work tree at the commit, committer time as epoch", async () => {
    const dest = fresh("dest");
    const events: unknown[] = [];
    const r = await fetchSource({
      pin: { type: "git", url: up.dir, tag: "v1.1.0", commit: up.c2 },
      destDir: dest,
      cacheDir: fresh("cache"),
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual(r, { kind: "git", url: up.dir, effectiveUrl: up.dir, commit: up.c2, tag: "v1.1.0", sourceDateEpoch: T2, fromCache: false, unpinned: false });
    assert.equal(await sh(dest, ["rev-parse", "HEAD"]), up.c2);
    assert.equal(await sh(dest, ["symbolic-ref", "-q", "--short", "HEAD"]).catch(() => "detached"), "detached");
    assert.equal(await sh(dest, ["status", "--porcelain"]), "");
    assert.equal(await readFile(join(dest, "README"), "utf8"), "two\n");
    assert.equal(await sh(dest, ["remote"]), "", "the work tree does not point back at the cache");
    assert.ok(events.length > 0);
  });

  test("commit that the tag does not point at: E_INTEGRITY, nothing left in dest", async () => {
    const dest = fresh("dest");
    const e = await rejectsWith(
      fetchSource({ pin: { type: "git", url: up.dir, tag: "v1.1.0", commit: up.c1 }, destDir: dest, cacheDir: fresh("cache") }),
      "E_INTEGRITY",
    );
    assert.match(e.message, new RegExp(`v1\\.1\\.0 .*now points at ${up.c2}.*pins ${up.c1}`));
    assert.deepEqual(await listFiles(dest).catch(() => []), []);
  });

  test("upstream moves a tag: a fresh fetch fails with E_INTEGRITY; the cached commit still builds offline", async () => {
    const up2 = await makeUpstream(fresh("up"));
    const cache = fresh("cache");
    const pin = { type: "git" as const, url: up2.dir, tag: "v1.1.0", commit: up2.c2 };
    await fetchSource({ pin, destDir: fresh("dest"), cacheDir: cache });
    await sh(up2.dir, ["tag", "-f", "-a", "-m", "moved", "v1.1.0", up2.c3]);
    const e = await rejectsWith(fetchSource({ pin, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_INTEGRITY");
    assert.match(e.message, /upstream moved the tag/);
    assert.equal(e.details?.tagCommit, up2.c3);
    const cached = await fetchSource({ pin, destDir: fresh("dest"), cacheDir: cache });
    assert.equal(cached.fromCache, true);
    assert.equal(cached.commit, up2.c2);
  });

  test("no commit pinned: E_PIN_MISSING whose hint names the commit the tag resolves to", async () => {
    const dest = fresh("dest");
    const e = await rejectsWith(fetchSource({ pin: { type: "git", url: up.dir, tag: "v1.0.0" }, destDir: dest, cacheDir: fresh("cache") }), "E_PIN_MISSING");
    assert.match(e.hint ?? "", new RegExp(`commit: ${up.c1}`));
    await rejectsWith(fetchSource({ pin: { type: "git", url: up.dir, tag: "v1.0.0", commit: up.c1.slice(0, 12) }, destDir: dest, cacheDir: fresh("cache") }), "E_PIN_MISSING");
  });

  test("insecure without commit: resolves the tag and says the result is unpinned", async () => {
    const dest = fresh("dest");
    const events: { type: string; level?: string }[] = [];
    const r = await fetchSource({ pin: { type: "git", url: up.dir, tag: "v1.0.0" }, destDir: dest, cacheDir: fresh("cache"), insecure: true, onEvent: (e) => events.push(e) });
    assert.equal(r.commit, up.c1);
    assert.equal(r.unpinned, true);
    assert.equal(r.sourceDateEpoch, T1);
    assert.equal(await sh(dest, ["rev-parse", "HEAD"]), up.c1);
    assert.ok(events.some((e) => e.type === "log" && e.level === "warn"));
    await rejectsWith(fetchSource({ pin: { type: "git", url: up.dir, tag: "v9.9.9" }, destDir: fresh("dest"), cacheDir: fresh("cache"), insecure: true }), "E_FETCH");
  });

  test("second fetch by commit comes from the cache without touching upstream", async () => {
    const up2 = await makeUpstream(fresh("up"));
    const cache = fresh("cache");
    const pin = { type: "git" as const, url: up2.dir, commit: up2.c1 };
    const first = await fetchSource({ pin, destDir: fresh("dest"), cacheDir: cache });
    assert.equal(first.fromCache, false);
    await rename(up2.dir, `${up2.dir}-gone`);
    const dest = fresh("dest");
    const second = await fetchSource({ pin, destDir: dest, cacheDir: cache });
    assert.equal(second.fromCache, true);
    assert.equal(await sh(dest, ["rev-parse", "HEAD"]), up2.c1);
    assert.equal(await readFile(join(dest, "README"), "utf8"), "one\n");
    // A commit the cache does not have cannot be produced offline.
    await rejectsWith(fetchSource({ pin: { ...pin, commit: up2.c3.replace(/^./, (c) => (c === "0" ? "1" : "0")) }, destDir: fresh("dest"), cacheDir: cache }), "E_FETCH");
  });

  test("a mirror map redirects the upstream URL to a local repository", async () => {
    const mirrorRoot = fresh("mirrors");
    await makeUpstream(join(mirrorRoot, "org", "proj.git"));
    const c2 = await sh(join(mirrorRoot, "org", "proj.git"), ["rev-parse", "v1.1.0^{commit}"]);
    const url = "https://git.example.invalid/org/proj.git";
    const r = await fetchSource({
      pin: { type: "git", url, tag: "v1.1.0", commit: c2 },
      destDir: fresh("dest"),
      cacheDir: fresh("cache"),
      mirrors: { "https://git.example.invalid/": `file://${mirrorRoot}/`, "https://git.example.invalid/other/": "/nonexistent/" },
    });
    assert.equal(r.url, url);
    assert.equal(r.effectiveUrl, `file://${mirrorRoot}/org/proj.git`);
    assert.equal(r.commit, c2);
  });

  test("a commit upstream does not have is E_FETCH; a bad tag name is E_CONFIG_INVALID; a non-empty destination is E_IO", async () => {
    await rejectsWith(fetchSource({ pin: { type: "git", url: up.dir, commit: "0".repeat(40) }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_FETCH");
    await rejectsWith(fetchSource({ pin: { type: "git", url: up.dir, commit: up.c1, tag: "v1:refs/heads/x" }, destDir: fresh("dest"), cacheDir: fresh("cache") }), "E_CONFIG_INVALID");
    const dest = fresh("dest");
    await mkdir(dest, { recursive: true });
    await writeFile(join(dest, "keep"), "x");
    await rejectsWith(fetchSource({ pin: { type: "git", url: up.dir, commit: up.c1 }, destDir: dest, cacheDir: fresh("cache") }), "E_IO");
    assert.deepEqual(await listFiles(dest), ["keep"]);
  });
});
