import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { MkError } from "../errors.js";
import { newPatch } from "./patch-new.js";
import { git, lines, tempDir } from "./testing/repos.js";
import { syncFixture, type SyncFixture } from "./testing/workspace.js";

describe("patch new", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let fx: SyncFixture;
  before(async () => {
    tmp = await tempDir("mk-patch-new-");
    fx = await syncFixture(join(tmp.path, "a"));
  });
  after(async () => await tmp.cleanup());

  test("--from <commit>: an upstream commit (backport) is fetched, proven and numbered next", async () => {
    const r = await newPatch(fx.ws, "widget", { from: fx.commits["v1.1.0"]! });
    assert.equal(r.file, "patches/widget/v1.0.0/0003-v1.1.0.patch");
    assert.equal(r.applied, "clean");
    assert.match(await readFile(join(fx.ws.root, r.file), "utf8"), /^From 0{40} [\s\S]*\+1\.1/);
  });

  test("--from <file>: a diff whose context moved is applied three-way and regenerated", async () => {
    // Written against pristine v1.0.0 (git diff, so it names its blobs) at line 22; the carried
    // patch changed line 20, inside this hunk's context.
    await git(fx.upstream.dir, ["checkout", "--quiet", "--detach", "v1.0.0"]);
    await writeFile(join(fx.upstream.dir, "src/main.c"), lines(40, { 22: "cve fix 22" }));
    const diff = await git(fx.upstream.dir, ["diff", "--full-index"]);
    await git(fx.upstream.dir, ["checkout", "--quiet", "--force", "main"]);
    const file = join(tmp.path, "cve.diff");
    await writeFile(file, diff + "\n");
    const r = await newPatch(fx.ws, "widget", { from: file });
    assert.equal(r.applied, "three-way");
    assert.equal(r.file, "patches/widget/v1.0.0/0004-cve.diff.patch");
    const text = await readFile(join(fx.ws.root, r.file), "utf8");
    assert.match(text, /^ hardened 20$/m, "context regenerated on top of the carried patches");
    assert.deepEqual((await readdir(join(fx.ws.root, "patches/widget/v1.0.0"))).length, 4);
  });

  test("a patch that conflicts is refused with E_PATCH_FAILED and nothing written", async () => {
    const file = join(tmp.path, "bad.diff");
    await writeFile(file, `--- a/src/main.c\n+++ b/src/main.c\n@@ -19,3 +19,3 @@\n line 19\n-line 20\n+other 20\n line 21\n`);
    await assert.rejects(newPatch(fx.ws, "widget", { from: file }), (e: unknown) => e instanceof MkError && e.code === "E_PATCH_FAILED");
    assert.equal((await readdir(join(fx.ws.root, "patches/widget/v1.0.0"))).length, 4);
  });
});
