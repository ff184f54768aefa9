/** fetch: the pinned upstream source, as a git work tree at `fetch/src`. */
import { isAbsolute, join, resolve } from "node:path";
import { fetchSource, type SourcePin } from "../../fetch/index.js";
import { run } from "../../util/exec.js";
import { git } from "../../util/git.js";
import { digestOfJson } from "../../util/digest.js";
import { upstreamGitUrl } from "../../workspace/workspace.js";
import { MkError } from "../../errors.js";
import type { StageContext, StageDefinition } from "../context.js";

function pinOf(ctx: StageContext): SourcePin {
  const { source, recipe } = ctx;
  if (source.git) {
    const url = source.git.url ?? upstreamGitUrl(recipe);
    if (!url) throw new MkError("E_CONFIG_INVALID", `${ctx.ref}: no git URL (set upstream.git or sources[].git.url)`);
    return { type: "git", url, tag: source.git.tag, commit: source.git.commit };
  }
  const t = source.tarball!;
  return { type: "tarball", url: t.url, sha256: t.sha256, sha512: t.sha512, stripComponents: t.stripComponents };
}

function isPinned(pin: SourcePin): boolean {
  return pin.type === "git" ? Boolean(pin.commit) : Boolean(pin.sha256 || pin.sha512);
}

/** Mirror targets without a scheme are paths relative to the workspace root. */
export function resolveMirrors(root: string, mirrors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [prefix, target] of Object.entries(mirrors)) {
    const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(target);
    out[prefix] = isUrl || isAbsolute(target) ? target : resolve(root, target) + (target.endsWith("/") ? "/" : "");
  }
  return out;
}

export async function headCommit(repo: string): Promise<string | undefined> {
  const r = await git(["rev-parse", "HEAD"], { cwd: repo, isolated: true }).catch(() => undefined);
  return r?.code === 0 ? r.stdout.trim() : undefined;
}

export const fetchStage: StageDefinition = {
  name: "fetch",
  async inputs(ctx) {
    const pin = pinOf(ctx);
    // An unpinned (insecure) source can change under the same recipe, so it is never cached.
    return { pin, insecure: ctx.recipe.insecure, ...(isPinned(pin) ? {} : { unpinnedRun: new Date().toISOString() }) };
  },
  async outputsIntact(_ctx, record) {
    return (await headCommit(join(record.outputs.srcDir as string))) === record.outputs.commit;
  },
  async run(ctx, dir) {
    const pin = pinOf(ctx);
    const srcDir = join(dir, "src");
    const result = await fetchSource({
      pin,
      destDir: srcDir,
      cacheDir: ctx.ws.cacheDir,
      mirrors: resolveMirrors(ctx.ws.root, ctx.ws.config.mirrors),
      insecure: ctx.recipe.insecure,
      onEvent: ctx.emit,
    });
    const commit = await headCommit(srcDir);
    if (!commit) throw new MkError("E_FETCH", `fetch left no git work tree at ${srcDir}`);
    const outputs = {
      srcDir,
      commit,
      upstreamCommit: result.commit,
      tarballDigest: result.tarballDigest,
      url: result.url,
      effectiveUrl: result.effectiveUrl,
      sourceDateEpoch: result.sourceDateEpoch,
      pinned: isPinned(pin),
    };
    const git = await run("git", ["--version"]);
    return {
      outputs,
      outputDigest: digestOfJson({ commit, sourceDateEpoch: result.sourceDateEpoch }),
      toolVersions: { git: git.stdout.trim() },
    };
  },
};
