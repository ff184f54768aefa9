import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "../util/exec.js";
import { pathExists } from "../util/fs.js";
import { systemClock } from "./check.js";
import { projectStatus } from "./status.js";
import { sync, type SyncItem } from "./sync.js";
import { startFakeForge, type FakeForge } from "./testing/fake-forge.js";
import { git, tempDir } from "./testing/repos.js";
import { syncFixture, type SyncFixture } from "./testing/workspace.js";

const deps = { env: {}, clock: systemClock };
const BRANCH = "mailknight/sync/widget-v1.0.1";

describe("sync", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let fx: SyncFixture;
  let first: SyncItem[];
  let headBefore: string;

  before(async () => {
    tmp = await tempDir("mk-sync-test-");
    fx = await syncFixture(join(tmp.path, "a"));
    headBefore = await git(fx.ws.root, ["rev-parse", "HEAD"]);
    first = await sync(fx.ws, deps);
  });
  after(async () => await tmp.cleanup());

  test("status shows drift per line before and after", async () => {
    const rows = await projectStatus(fx.ws, undefined, deps);
    assert.deepEqual(rows.map((r) => [r.line, r.upstreamLatest, r.ours, r.behind]), [
      ["1.0.x", "v1.0.1", "1.0.0", 1],
      ["1.1.x", "v1.1.0", undefined, 1],
    ]);
  });

  test("dry run says what would happen and changes nothing", async () => {
    const fx2 = await syncFixture(join(tmp.path, "dry"));
    const items = await sync(fx2.ws, { ...deps, dryRun: true });
    assert.deepEqual(items.map((i) => [i.line, i.status, i.release.tag, i.branch]), [
      ["1.0.x", "would-sync", "v1.0.1", BRANCH],
      ["1.1.x", "not-carried", "v1.1.0", undefined],
    ]);
    assert.equal(await git(fx2.ws.root, ["branch", "--list", "mailknight/*"]), "");
  });

  test("syncs the new release on a branch: recipe bumped, patches carried, report in branch", async () => {
    const item = first.find((i) => i.line === "1.0.x")!;
    assert.equal(item.status, "synced", JSON.stringify(item.error));
    assert.equal(item.outcome, "clean");
    const recipe = await git(fx.ws.root, ["show", `${BRANCH}:projects/widget/project.yaml`]);
    assert.match(recipe, /# local stand-in for the forge/);
    assert.match(recipe, /# the carried LTS version/);
    assert.match(recipe, new RegExp(`version: v1.0.1\\n\\s+git:\\n\\s+tag: v1.0.1\\n\\s+commit: ${fx.commits["v1.0.1"]}`));
    const patches = (await git(fx.ws.root, ["ls-tree", "--name-only", `${BRANCH}:patches/widget/v1.0.1`])).split("\n");
    assert.deepEqual(patches, ["0001-harden-line-20.patch", "0002-docs-mention-LTS.patch"]);
    const patch = await git(fx.ws.root, ["show", `${BRANCH}:patches/widget/v1.0.1/0001-harden-line-20.patch`]);
    assert.match(patch, /@@ -19,7 \+19,7 @@/, "regenerated at the new line numbers");
    const json = JSON.parse(await git(fx.ws.root, ["show", `${BRANCH}:reports/sync/widget-v1.0.1.json`])) as { counts: Record<string, number> };
    assert.deepEqual(json.counts, { clean: 1, offset: 1, "three-way": 0, "already-upstream": 0, conflict: 0 });
    assert.ok(await pathExists(join(fx.ws.root, ".mailknight/sync/widget-v1.0.1.md")));
    assert.match(item.next!, /git switch mailknight\/sync\/widget-v1.0.1 && mailknight run widget@v1.0.1/);
  });

  test("the user's checkout is untouched", async () => {
    assert.equal(await git(fx.ws.root, ["rev-parse", "HEAD"]), headBefore);
    assert.equal(await git(fx.ws.root, ["status", "--porcelain"]), "");
    assert.equal((await git(fx.ws.root, ["worktree", "list"])).split("\n").length, 1);
  });

  test("the new release is mirrored in the fetch cache", async () => {
    const mirrors = await readdir(join(fx.ws.cacheDir, "git"));
    assert.equal(mirrors.length, 1);
    await git(join(fx.ws.cacheDir, "git", mirrors[0]!), ["cat-file", "-e", `${fx.commits["v1.0.1"]}^{commit}`]);
  });

  test("idempotent: a second sync changes nothing", async () => {
    const branchBefore = await git(fx.ws.root, ["rev-parse", BRANCH]);
    const report = await readFile(join(fx.ws.root, ".mailknight/sync/widget-v1.0.1.md"), "utf8");
    const again = await sync(fx.ws, deps);
    assert.equal(again.find((i) => i.line === "1.0.x")?.status, "already-synced");
    assert.equal(await git(fx.ws.root, ["rev-parse", BRANCH]), branchBefore);
    assert.equal(await readFile(join(fx.ws.root, ".mailknight/sync/widget-v1.0.1.md"), "utf8"), report);
  });

  test("a conflict: the branch holds the clean patches, the report holds the conflict", async () => {
    const fx5 = await syncFixture(join(tmp.path, "conflict"), "widget", { conflict: true });
    const item = (await sync(fx5.ws, deps)).find((i) => i.line === "1.0.x")!;
    assert.equal(item.status, "synced");
    assert.equal(item.outcome, "conflicts");
    assert.equal(await git(fx5.ws.root, ["ls-tree", "--name-only", `${BRANCH}:patches/widget/v1.0.1`]), "0001-harden-line-20.patch");
    const md = await readFile(join(fx5.ws.root, ".mailknight/sync/widget-v1.0.1.md"), "utf8");
    assert.match(md, /Outcome: \*\*conflicts\*\*/);
    assert.match(md, /### 0002-docs-mention-LTS.patch\n\n- `README`: #1/);
  });

  describe("GitLab hand-off", () => {
    let forge: FakeForge;
    before(async () => (forge = await startFakeForge()));
    after(async () => await forge.close());

    test("pushes the branch and opens one merge request, even when run twice", async () => {
      const fx3 = await syncFixture(join(tmp.path, "gl"));
      const remote = join(tmp.path, "gl-remote.git");
      await git(tmp.path, ["init", "--quiet", "--bare", remote]);
      await git(fx3.ws.root, ["remote", "add", "origin", remote]);
      const handoff = { apiUrl: `${forge.url}/api/v4`, project: "42", token: "glpat-secret", remote: "origin", targetBranch: "main" };
      const items = await sync(fx3.ws, { ...deps, handoff });
      const item = items.find((i) => i.line === "1.0.x")!;
      assert.equal(item.mergeRequest?.created, true, JSON.stringify(item));
      assert.equal(await git(remote, ["rev-parse", BRANCH]), await git(fx3.ws.root, ["rev-parse", BRANCH]));
      const mrs = forge.mergeRequests.get("42")!;
      assert.equal(mrs.length, 1);
      assert.equal(mrs[0]!.description, await readFile(join(fx3.ws.root, ".mailknight/sync/widget-v1.0.1.md"), "utf8"));
      assert.deepEqual(mrs[0]!.labels, ["mailknight-sync", "sync::clean"]);
      assert.ok(forge.log.every((l) => l.auth === "glpat-secret"));
      const again = await sync(fx3.ws, { ...deps, handoff });
      assert.equal(again.find((i) => i.line === "1.0.x")?.mergeRequest?.created, false);
      assert.equal(forge.mergeRequests.get("42")!.length, 1);
    });
  });

  for (const phase of ["rebased", "committed", "branch"] as const) {
    test(`kill -9 after "${phase}" leaves no broken branch; the next run finishes`, async () => {
      const fx4 = await syncFixture(join(tmp.path, `kill-${phase}`));
      const child = fileURLToPath(new URL("./testing/sync-child.ts", import.meta.url));
      const r = await run(process.execPath, ["--import", "tsx", child, fx4.ws.root, phase], { cwd: fileURLToPath(new URL("../..", import.meta.url)) });
      assert.equal(r.code, 128, `killed by a signal (run() reports 128): ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /finished/);
      const branch = await git(fx4.ws.root, ["branch", "--list", BRANCH]);
      if (phase === "branch") assert.notEqual(branch, "", "the branch was created just before the kill");
      else assert.equal(branch, "", "no branch from an unfinished sync");
      const items = await sync(fx4.ws, deps);
      const item = items.find((i) => i.line === "1.0.x")!;
      assert.equal(item.status, phase === "branch" ? "already-synced" : "synced", JSON.stringify(item.error));
      assert.ok(await pathExists(join(fx4.ws.root, ".mailknight/sync/widget-v1.0.1.json")), "the report exists after the finishing run");
      assert.equal((await git(fx4.ws.root, ["worktree", "list"])).split("\n").length, 1, "stale worktree removed");
      assert.match(await git(fx4.ws.root, ["show", `${BRANCH}:projects/widget/project.yaml`]), /version: v1.0.1/);
    });
  }
});
