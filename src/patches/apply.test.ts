import assert from "node:assert/strict";
import { mkdir, readFile, writeFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { MkError } from "../errors.js";
import { pathExists } from "../util/fs.js";
import { applyPatches, listPatches } from "./index.js";
import { git, sh, tempDir } from "./testing/repo.js";

const EPOCH = 1_650_000_000;
const lines = (n: number, edit: Record<number, string> = {}) =>
  Array.from({ length: n }, (_, i) => edit[i + 1] ?? String(i + 1)).join("\n") + "\n";

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

describe("applyPatches", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  /** upstream: a.txt (30 lines) + b.txt at `base`; `moved` changes line 25 of a.txt differently. */
  let upstream: string;
  let base: string;
  let moved: string;
  let patchDir: string;
  let n = 0;
  const fresh = (name: string) => join(tmp.path, `${name}-${++n}`);

  /** A clean clone of upstream at `commit`, as the fetch step would leave it. */
  async function cloneAt(commit: string): Promise<string> {
    const dir = fresh("src");
    await git(tmp.path, ["clone", "--quiet", "--no-checkout", upstream, dir]);
    await git(dir, ["checkout", "--quiet", "--detach", commit]);
    return dir;
  }

  before(async () => {
    tmp = await tempDir();
    upstream = join(tmp.path, "upstream");
    await mkdir(upstream);
    await git(upstream, ["init", "--quiet"]);
    await writeFile(join(upstream, "a.txt"), lines(30));
    await writeFile(join(upstream, "b.txt"), "bee\n");
    await git(upstream, ["add", "."]);
    await git(upstream, ["commit", "--quiet", "-m", "base"]);
    base = await git(upstream, ["rev-parse", "HEAD"]);

    // Our carried patches, made with git format-patch on a work branch.
    await git(upstream, ["checkout", "--quiet", "-b", "work"]);
    await writeFile(join(upstream, "a.txt"), lines(30, { 3: "three (patched)" }));
    await git(upstream, ["commit", "--quiet", "-am", "Fix line three"], 1_600_000_001);
    await writeFile(join(upstream, "a.txt"), lines(30, { 3: "three (patched)", 5: "five (patched)", 25: "twenty-five (patched)" }));
    await writeFile(join(upstream, "c.txt"), "new file\n");
    await git(upstream, ["add", "."]);
    await git(upstream, ["commit", "--quiet", "-m", "Patch five and twenty-five, add c"], 1_600_000_002);
    patchDir = join(tmp.path, "patches");
    await git(upstream, ["format-patch", "--quiet", "-o", patchDir, `${base}..work`]);

    // Upstream moves on in a way that conflicts with hunk #2 of the second patch.
    await git(upstream, ["checkout", "--quiet", "main"]);
    await writeFile(join(upstream, "a.txt"), lines(30, { 25: "twenty-five (upstream)" }));
    await git(upstream, ["commit", "--quiet", "-am", "upstream change"]);
    moved = await git(upstream, ["rev-parse", "HEAD"]);
  });
  after(() => tmp.cleanup());

  test("format-patch files apply in order as deterministic commits", async () => {
    const patches = await listPatches(patchDir);
    assert.deepEqual(
      patches.map((p) => [p.name, p.subject]),
      [
        ["0001-Fix-line-three.patch", "Fix line three"],
        ["0002-Patch-five-and-twenty-five-add-c.patch", "Patch five and twenty-five, add c"],
      ],
    );
    const repo1 = await cloneAt(base);
    const events: unknown[] = [];
    const r1 = await applyPatches(repo1, patches, { sourceDateEpoch: EPOCH, onEvent: (e) => events.push(e) });
    assert.equal(r1.applied.length, 2);
    assert.deepEqual(r1.applied.map((a) => [a.name, a.digest]), patches.map((p) => [p.name, p.digest]));
    assert.equal(r1.headCommit, r1.applied[1]?.commit);
    assert.equal(await git(repo1, ["rev-parse", "HEAD"]), r1.headCommit);
    assert.equal(await git(repo1, ["rev-parse", "HEAD~2"]), base);
    assert.equal(await git(repo1, ["status", "--porcelain"]), "");
    assert.equal(await readFile(join(repo1, "c.txt"), "utf8"), "new file\n");
    assert.equal(await git(repo1, ["log", "-1", "--format=%an|%at|%cn <%ce>|%ct|%s"]), `Patch Author|1600000002|Mailknight <patches@mailknight.invalid>|${EPOCH}|Patch five and twenty-five, add c`);
    assert.ok(events.length >= 3);

    // Another clone, another second on the clock: the same commit ids.
    await sleep(1100);
    const repo2 = await cloneAt(base);
    const r2 = await applyPatches(repo2, patches, { sourceDateEpoch: EPOCH });
    assert.deepEqual(r2.applied.map((a) => a.commit), r1.applied.map((a) => a.commit));
  });

  test("a mail without a Date header still gives deterministic commits", async () => {
    const dir = fresh("patches");
    await mkdir(dir);
    const original = await readFile(join(patchDir, "0001-Fix-line-three.patch"), "utf8");
    await writeFile(join(dir, "0001-no-date.patch"), original.replace(/^Date: .*\n/m, ""));
    const patches = await listPatches(dir);
    const r1 = await applyPatches(await cloneAt(base), patches, { sourceDateEpoch: EPOCH });
    await sleep(1100);
    const repo2 = await cloneAt(base);
    const r2 = await applyPatches(repo2, patches, { sourceDateEpoch: EPOCH });
    assert.equal(r2.headCommit, r1.headCommit);
    assert.equal(await git(repo2, ["log", "-1", "--format=%at"]), String(EPOCH));
  });

  test("a series file sets the order; comments are ignored", async () => {
    const dir = fresh("patches");
    await mkdir(dir);
    await writeFile(join(dir, "b-first.diff"), "");
    const first = `diff --git a/b.txt b/b.txt\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-bee\n+bee (1)\n`;
    const second = `diff --git a/b.txt b/b.txt\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-bee (1)\n+bee (2)\n`;
    await writeFile(join(dir, "z-applies-first.diff"), first);
    await writeFile(join(dir, "a-applies-second.diff"), second);
    await writeFile(join(dir, "series"), "# carried patches\nz-applies-first.diff\n\na-applies-second.diff -p1  # after z\n#b-first.diff\n");
    const patches = await listPatches(dir);
    assert.deepEqual(patches.map((p) => p.name), ["z-applies-first.diff", "a-applies-second.diff"]);
    const repo = await cloneAt(base);
    const r = await applyPatches(repo, patches, { sourceDateEpoch: EPOCH });
    assert.equal(await readFile(join(repo, "b.txt"), "utf8"), "bee (2)\n");
    assert.equal(await git(repo, ["log", "-2", "--format=%s|%an|%at|%ct"]), `a-applies-second.diff|Mailknight|${EPOCH}|${EPOCH}\nz-applies-first.diff|Mailknight|${EPOCH}|${EPOCH}`);
    assert.equal(r.headCommit, await git(repo, ["rev-parse", "HEAD"]));

    await writeFile(join(dir, "series"), "z-applies-first.diff\nmissing.patch\n");
    const e = await rejectsWith(listPatches(dir), "E_NOT_FOUND");
    assert.match(e.message, /series:2.*missing\.patch/);
    assert.equal(e.problems[0]?.line, 2);
  });

  test("a patch that conflicts with upstream: E_PATCH_FAILED naming patch, file and hunk; tree left at the last good commit", async () => {
    const patches = await listPatches(patchDir);
    const repo = await cloneAt(moved);
    const e = await rejectsWith(applyPatches(repo, patches, { sourceDateEpoch: EPOCH }), "E_PATCH_FAILED");
    assert.match(e.message, /0002-Patch-five-and-twenty-five-add-c\.patch/);
    assert.match(e.message, /a\.txt: hunk #2 @@ -22,7 \+22,7 @@/);
    assert.match(e.message, /CONFLICT|error/);
    const details = e.details as { patch: string; files: { path: string; hunks: { index: number; oldStart: number }[] }[] };
    assert.equal(details.patch, "0002-Patch-five-and-twenty-five-add-c.patch");
    assert.deepEqual(details.files.map((f) => [f.path, f.hunks.map((h) => [h.index, h.oldStart])]), [["a.txt", [[2, 22]]]]);
    // Patch 1 stays applied; nothing of patch 2; no am in progress, no leftover worktree.
    assert.equal(await git(repo, ["rev-parse", "HEAD~1"]), moved);
    assert.equal(await git(repo, ["log", "-1", "--format=%s"]), "Fix line three");
    assert.equal(await git(repo, ["status", "--porcelain", "--ignored"]), "");
    assert.equal(await pathExists(join(repo, ".git", "rebase-apply")), false, "no am in progress");
    assert.equal((await git(repo, ["worktree", "list"])).split("\n").length, 1);
    assert.equal(await pathExists(join(repo, "c.txt")), false, "c.txt");
  });

  test("a plain diff -u patch is applied and committed under its file name; a conflicting one fails by hunk", async () => {
    const work = fresh("diffwork");
    await mkdir(join(work, "old"), { recursive: true });
    await mkdir(join(work, "new"), { recursive: true });
    await writeFile(join(work, "old", "a.txt"), lines(30));
    await writeFile(join(work, "new", "a.txt"), lines(30, { 10: "ten (diff)", 28: "twenty-eight (diff)" }));
    const dir = fresh("patches");
    await mkdir(dir);
    const diff = await sh(work, "diff", ["-ruN", "old", "new"]);
    assert.match(diff, /^--- old\/a\.txt/m, "fixture: a real diff -u");
    await writeFile(join(dir, "0001-plain.diff"), diff);
    const patches = await listPatches(dir);
    assert.equal(patches[0]?.subject, undefined);
    const repo = await cloneAt(base);
    const r = await applyPatches(repo, patches, { sourceDateEpoch: EPOCH });
    assert.equal(await git(repo, ["log", "-1", "--format=%s|%an <%ae>|%at"]), `0001-plain.diff|Mailknight <patches@mailknight.invalid>|${EPOCH}`);
    assert.match(await readFile(join(repo, "a.txt"), "utf8"), /ten \(diff\)/);
    assert.equal(r.headCommit, await git(repo, ["rev-parse", "HEAD"]));
    const again = await applyPatches(await cloneAt(base), patches, { sourceDateEpoch: EPOCH });
    assert.equal(again.headCommit, r.headCommit);

    // Upstream changed line 28 meanwhile: hunk #2 of the plain diff fails.
    const up = await cloneAt(base);
    await writeFile(join(up, "a.txt"), lines(30, { 28: "twenty-eight (upstream)" }));
    await git(up, ["commit", "--quiet", "-am", "upstream"]);
    const head = await git(up, ["rev-parse", "HEAD"]);
    const e = await rejectsWith(applyPatches(up, patches, { sourceDateEpoch: EPOCH }), "E_PATCH_FAILED");
    const details = e.details as { files: { path: string; hunks: { index: number }[] }[] };
    assert.deepEqual(details.files.map((f) => [f.path, f.hunks.map((h) => h.index)]), [["a.txt", [2]]]);
    assert.equal(await git(up, ["rev-parse", "HEAD"]), head);
    assert.equal(await git(up, ["status", "--porcelain", "--ignored"]), "");
  });

  test("a patch for a file upstream removed names the file and why", async () => {
    const up = await cloneAt(base);
    await git(up, ["rm", "--quiet", "b.txt"]);
    await git(up, ["commit", "--quiet", "-m", "drop b"]);
    const dir = fresh("patches");
    await mkdir(dir);
    await writeFile(join(dir, "0001-b.diff"), `diff --git a/b.txt b/b.txt\n--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-bee\n+bee (1)\n`);
    const e = await rejectsWith(applyPatches(up, await listPatches(dir), { sourceDateEpoch: EPOCH }), "E_PATCH_FAILED");
    const details = e.details as { files: { path: string; reason?: string; hunks: unknown[] }[] };
    assert.equal(details.files[0]?.path, "b.txt");
    assert.ok(details.files[0]?.reason, "git's reason for the whole file");
    assert.equal(details.files[0]?.hunks.length, 1);
  });

  test("garbage, a changed patch file, a dirty tree: clear errors, tree untouched", async () => {
    const dir = fresh("patches");
    await mkdir(dir);
    await writeFile(join(dir, "0001-garbage.patch"), "this is not a patch\nat all\n");
    const repo = await cloneAt(base);
    const e = await rejectsWith(applyPatches(repo, await listPatches(dir), { sourceDateEpoch: EPOCH }), "E_PATCH_FAILED");
    assert.match(e.message, /0001-garbage\.patch is not a patch/);
    assert.equal(await git(repo, ["rev-parse", "HEAD"]), base);

    const real = fresh("patches");
    await mkdir(real);
    await writeFile(join(real, "0001-b.diff"), `--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-bee\n+bee (1)\n`);
    const listed = await listPatches(real);
    await writeFile(join(real, "0001-b.diff"), `--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-bee\n+bee (evil)\n`);
    await rejectsWith(applyPatches(repo, listed, { sourceDateEpoch: EPOCH }), "E_INTEGRITY");

    await writeFile(join(repo, "b.txt"), "local edit\n");
    await rejectsWith(applyPatches(repo, await listPatches(real), { sourceDateEpoch: EPOCH }), "E_PATCH_FAILED");
    assert.equal(await readFile(join(repo, "b.txt"), "utf8"), "local edit\n");
  });

  test("small epochs (archives with zero mtimes give 0) are valid commit dates", async () => {
    const dir = fresh("patches");
    await mkdir(dir);
    await writeFile(join(dir, "0001-b.diff"), `--- a/b.txt\n+++ b/b.txt\n@@ -1 +1 @@\n-bee\n+bee (1)\n`);
    await writeFile(join(dir, "0002-mail.patch"), (await readFile(join(patchDir, "0001-Fix-line-three.patch"), "utf8")).replace(/^Date: .*\n/m, ""));
    const repo = await cloneAt(base);
    await applyPatches(repo, await listPatches(dir), { sourceDateEpoch: 0 });
    assert.equal(await git(repo, ["log", "-2", "--format=%at %ct"]), "0 0\n0 0");
  });

  test("a missing patch directory means no patches", async () => {
    assert.deepEqual(await listPatches(join(tmp.path, "does-not-exist")), []);
    const repo = await cloneAt(base);
    assert.deepEqual(await applyPatches(repo, [], { sourceDateEpoch: EPOCH }), { applied: [], headCommit: base });
    assert.deepEqual((await readdir(join(tmp.path))).includes("does-not-exist"), false);
  });
});
