/** patch: the fetched tree with `patches/<p>/<version>/` applied in order, at `patch/src`. */
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { pathExists } from "../../util/fs.js";
import { applyPatches, listPatches } from "../../patches/index.js";
import { gitOk } from "../../util/git.js";
import { digestOfJson } from "../../util/digest.js";
import { paths } from "../../workspace/workspace.js";
import { recordOf, sourceDateEpochOf, type StageDefinition } from "../context.js";
import { headCommit } from "./fetch.js";

/**
 * A local clone of `fromRepo` at `commit`, sharing objects through hard links. The source's
 * `.git/info/attributes` comes along: a tarball import uses it to keep bytes exact (no EOL
 * conversion), and the checkout here must see the same bytes.
 */
export async function cloneAt(fromRepo: string, toDir: string, commit: string): Promise<void> {
  await gitOk(["clone", "--quiet", "--no-checkout", "--local", fromRepo, toDir], { isolated: true }, { code: "E_IO", what: `cloning ${fromRepo} into ${toDir}` });
  const attributes = join(fromRepo, ".git/info/attributes");
  if (await pathExists(attributes)) await copyFile(attributes, join(toDir, ".git/info/attributes"));
  await gitOk(["checkout", "--quiet", "--detach", commit], { cwd: toDir, isolated: true }, { code: "E_IO", what: `checking out ${commit} in ${toDir}` });
}

export const patchStage: StageDefinition = {
  name: "patch",
  async inputs(ctx) {
    const patches = await listPatches(paths.patchDir(ctx.ws.root, ctx.project, ctx.version));
    return {
      source: recordOf(ctx, "fetch").outputDigest,
      patches: patches.map((p) => ({ name: p.name, digest: p.digest })),
    };
  },
  async outputsIntact(_ctx, record) {
    return (await headCommit(record.outputs.srcDir as string)) === record.outputs.commit;
  },
  async run(ctx, dir) {
    const fetched = recordOf(ctx, "fetch");
    const srcDir = join(dir, "src");
    await cloneAt(fetched.outputs.srcDir as string, srcDir, fetched.outputs.commit as string);
    const patchDir = paths.patchDir(ctx.ws.root, ctx.project, ctx.version);
    const patches = await listPatches(patchDir);
    const result = await applyPatches(srcDir, patches, { sourceDateEpoch: sourceDateEpochOf(ctx), onEvent: ctx.emit });
    const commit = await headCommit(srcDir);
    return {
      outputs: {
        srcDir,
        commit,
        baseCommit: fetched.outputs.commit,
        patches: result.applied.map((a) => ({ name: a.name, digest: a.digest, commit: a.commit })),
      },
      outputDigest: digestOfJson({ commit }),
    };
  },
};
