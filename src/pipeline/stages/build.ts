/** build: runs the recipe's steps in the hermetic sandbox; what they install lands in `build/rootfs`. */
import { join } from "node:path";
import { stat } from "node:fs/promises";
import { runBuild, toolchainProfile } from "../../sandbox/index.js";
import { ensureDir } from "../../util/fs.js";
import { toolVersion } from "../../util/exec.js";
import { treeDigest } from "../../util/tree.js";
import { recordOf, sourceDateEpochOf, type StageContext, type StageDefinition } from "../context.js";
import { cloneAt } from "./patch.js";

function sandboxMode(ctx: StageContext): "required" | "preferred" {
  return ctx.ws.config.build.sandbox ?? ctx.recipe.build.sandbox;
}

/** The compilers whose version decides the output: a new compiler means a rebuild. */
async function compilerVersions(toolchain: string): Promise<Record<string, string>> {
  const tools = toolchain === "go" ? ["go"] : toolchain === "c" ? ["cc", "ld"] : [];
  const out: Record<string, string> = {};
  for (const t of tools) {
    const v = await toolVersion(t, t === "go" ? ["version"] : ["--version"]);
    if (v) out[t] = v;
  }
  return out;
}

export const buildStage: StageDefinition = {
  name: "build",
  async inputs(ctx) {
    const { build } = ctx.recipe;
    return {
      source: recordOf(ctx, "patch").outputDigest,
      sourceDateEpoch: sourceDateEpochOf(ctx),
      toolchain: build.toolchain,
      fips: build.fips,
      env: build.env,
      steps: build.steps,
      sandbox: sandboxMode(ctx),
      profileEnv: toolchainProfile(build.toolchain, { fips: build.fips }).env,
      compilers: await compilerVersions(build.toolchain),
    };
  },
  async outputsIntact(_ctx, record) {
    // Re-hashing a large rootfs on every run would cost seconds; existence is the cheap check,
    // and the package stage hashes what it consumes.
    return await stat(record.outputs.rootfsDir as string).then((s) => s.isDirectory(), () => false);
  },
  async run(ctx, dir) {
    const patched = recordOf(ctx, "patch");
    const srcDir = join(dir, "src");
    const rootfsDir = join(dir, "rootfs");
    await cloneAt(patched.outputs.srcDir as string, srcDir, patched.outputs.commit as string);
    await ensureDir(rootfsDir);
    const { build } = ctx.recipe;
    const result = await runBuild({
      srcDir,
      destDir: rootfsDir,
      steps: build.steps,
      env: build.env,
      toolchain: build.toolchain,
      fips: build.fips,
      sourceDateEpoch: sourceDateEpochOf(ctx),
      logFile: join(dir, "build.log"),
      allowUnsandboxed: sandboxMode(ctx) === "preferred",
      // Not a cache input: a limit does not change what a build that finishes produces.
      stepTimeoutMs: durationMs(build.timeout),
      onOutput: (chunk) => ctx.emit({ type: "log", stage: "build", level: "info", message: chunk }),
    });
    if (!result.hermetic) {
      ctx.emit({ type: "log", stage: "build", level: "warn", message: `build ran without the sandbox: ${result.reason ?? "unknown reason"}; recorded hermetic: false` });
    }
    return {
      outputs: { rootfsDir, srcDir, logFile: join(dir, "build.log"), sandboxReason: result.reason, env: result.env, steps: result.steps },
      outputDigest: await treeDigest(rootfsDir),
      toolVersions: result.toolVersions,
      hermetic: result.hermetic,
    };
  },
};

/** `90s`, `30m`, `2h` (the recipe schema's form) in milliseconds. */
export function durationMs(text: string): number {
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[text.slice(-1) as "s" | "m" | "h"];
  return Number(text.slice(0, -1)) * unit;
}
