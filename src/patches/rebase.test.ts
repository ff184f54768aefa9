import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { git, lines, tempDir, UpstreamRepo } from "../upstream/testing/repos.js";
import { listPatches } from "./list.js";
import { parseOffsets, rebasePatchset, type RebaseReport } from "./rebase.js";

const EPOCH = 1_700_500_000;

/**
 * Upstream at v1.0 carries six patches; v1.1 then changes the files under them so that each
 * scenario happens exactly once: clean, offset, three-way, already upstream (by patch-id and by
 * reverse apply), conflict, and a clean patch after the conflict.
 */
describe("rebasePatchset", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let report: RebaseReport;
  let work: string;
  let outDir: string;
  let newCommit: string;

  before(async () => {
    tmp = await tempDir("mk-rebase-test-");
    const up = await UpstreamRepo.create(join(tmp.path, "up"));
    const files = { "a.txt": lines(40), "b.txt": lines(40), "c.txt": lines(40), "d.txt": lines(40), "e.txt": lines(40), "f.txt": lines(40) };
    await up.commit("v1.0", files);
    await up.tag("v1.0");
    const oldCommit = await up.rev("v1.0");
    await git(up.dir, ["checkout", "--quiet", "-b", "carry"]);
    await up.commit("fix: b line 5", { "b.txt": lines(40, { 5: "patched b5" }) });
    await up.commit("fix: c line 20", { "c.txt": lines(40, { 20: "patched c20" }) });
    await up.commit("fix: a line 10", { "a.txt": lines(40, { 10: "patched a10" }) });
    await up.commit("backport: d line 3", { "d.txt": lines(40, { 3: "fixed d3" }) });
    await up.commit("backport: f line 30", { "f.txt": lines(40, { 30: "fixed f30" }) });
    await up.commit("ours: e line 8", { "e.txt": lines(40, { 8: "ours e8" }) });
    await up.commit("fix: b line 30", { "b.txt": lines(40, { 5: "patched b5", 30: "patched b30" }) });
    const patchDir = join(tmp.path, "patches", "v1.0");
    await git(up.dir, ["format-patch", "--quiet", "-o", patchDir, "v1.0..carry"]);
    await git(up.dir, ["checkout", "--quiet", "main"]);
    // Upstream's own work between the releases.
    await up.commit("upstream: prepend to c", { "c.txt": "new 1\nnew 2\nnew 3\n" + lines(40) });
    await up.commit("upstream: a line 13", { "a.txt": lines(40, { 13: "upstream a13" }) });
    await up.commit("the same d fix, by upstream", { "d.txt": lines(40, { 3: "fixed d3" }) });
    await up.commit("f fix plus more", { "f.txt": lines(40, { 30: "fixed f30" }), "g.txt": "new file\n" });
    await up.commit("upstream: e line 8", { "e.txt": lines(40, { 8: "theirs e8" }) });
    await up.tag("v1.1");
    newCommit = await up.rev("v1.1");
    work = join(tmp.path, "work");
    await git(tmp.path, ["clone", "--quiet", up.dir, work]);
    outDir = join(tmp.path, "patches", "v1.1");
    report = await rebasePatchset({ repoDir: work, oldCommit, newCommit, patches: await listPatches(patchDir), outDir, sourceDateEpoch: EPOCH });
  });
  after(async () => await tmp.cleanup());

  const outcome = (subject: string) => report.patches.find((p) => p.subject === subject);

  test("clean", () => {
    assert.equal(outcome("fix: b line 5")?.outcome, "clean");
    assert.deepEqual(outcome("fix: b line 5")?.touchedUpstream, []);
  });

  test("offset", () => {
    const p = outcome("fix: c line 20");
    assert.equal(p?.outcome, "offset");
    assert.deepEqual(p?.offsets, [{ file: "c.txt", hunk: 1, offset: 3 }]);
    assert.deepEqual(p?.touchedUpstream, ["c.txt"]);
  });

  test("three-way needed", () => {
    assert.equal(outcome("fix: a line 10")?.outcome, "three-way");
  });

  test("already upstream: same patch-id, and reverse-applies", () => {
    const byId = outcome("backport: d line 3");
    assert.equal(byId?.outcome, "already-upstream");
    assert.match(byId!.detail, /patch-id/);
    const byReverse = outcome("backport: f line 30");
    assert.equal(byReverse?.outcome, "already-upstream");
    assert.match(byReverse!.detail, /reverse-applies/);
  });

  test("conflict: files and hunks reported, patch left out, no half-applied tree", async () => {
    const p = outcome("ours: e line 8");
    assert.equal(p?.outcome, "conflict");
    assert.equal(p?.conflict?.files[0]?.path, "e.txt");
    assert.equal(p?.conflict?.files[0]?.hunks[0]?.index, 1);
    assert.equal(p?.file, undefined);
    assert.match(await readFile(join(work, "e.txt"), "utf8"), /theirs e8/);
    assert.equal(await git(work, ["status", "--porcelain"]), "");
  });

  test("a patch after a conflict is still carried", () => {
    assert.equal(outcome("fix: b line 30")?.outcome, "clean");
  });

  test("carried patches are regenerated: apply cleanly, no offsets, in order", async () => {
    const names = (await readdir(outDir)).sort();
    assert.deepEqual(names, report.written);
    assert.equal(names.length, 4);
    assert.deepEqual(report.patches.filter((p) => p.file).map((p) => p.subject), ["fix: b line 5", "fix: c line 20", "fix: a line 10", "fix: b line 30"]);
    await git(work, ["checkout", "--quiet", "--detach", newCommit]);
    for (const n of names) {
      const out = await git(work, ["apply", "--verbose", "--index", join(outDir, n)]);
      assert.deepEqual(parseOffsets(out), [], `${n} has no offsets`);
      assert.doesNotMatch(await readFile(join(outDir, n), "utf8"), /^From (?!0{40})[0-9a-f]{40} /m, "no real commit ids");
      assert.match(await readFile(join(outDir, n), "utf8"), /^From 0{40} /);
    }
  });

  test("deterministic: the same inputs give the same patch bytes", async () => {
    const again = join(tmp.path, "patches", "v1.1-again");
    const r2 = await rebasePatchset({ repoDir: work, oldCommit: report.oldCommit, newCommit, patches: await listPatches(join(tmp.path, "patches", "v1.0")), outDir: again, sourceDateEpoch: EPOCH });
    assert.equal(r2.headCommit, report.headCommit);
    for (const n of report.written) assert.equal(await readFile(join(again, n), "utf8"), await readFile(join(outDir, n), "utf8"));
  });
});
