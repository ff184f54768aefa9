/**
 * The hermetic build runner: runs a recipe's build steps in a bubblewrap sandbox (no network,
 * read-only system, private /tmp, only our environment, an unprivileged user), or, where
 * bubblewrap cannot run, in the same environment without the sandbox and says so.
 */
import { createWriteStream } from "node:fs";
import { chmod, chown, lstat, mkdir, mkdtemp, readdir, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Writable } from "node:stream";
import { MkError } from "../errors.js";
import { bwrapArgs, BUILD_GID, BUILD_UID, hostLayout, syntheticEtc, SYNTHETIC_ETC, type SandboxMounts } from "./layout.js";
import { assertReachableByBuildUser, chownTrees, dropPrivilegesPrefix, runningAsRoot } from "./privileges.js";
import { probeSandbox, type SandboxProbe } from "./probe.js";
import { sortedRecord, toolchainProfile, type ToolchainId } from "./profile.js";
import { lastLines, runStep } from "./step.js";
import { findTool } from "./tools.js";
import { toolVersions } from "./versions.js";
import { reachableByBuildUser, withStagedTrees } from "./staging.js";

export interface SandboxSpec {
  srcDir: string;
  destDir: string;
  /** Shell commands, each run as `/bin/sh -ec <step>` with umask 022. */
  steps: string[];
  /** The recipe's environment, merged over the profile (the recipe wins). */
  env: Record<string, string>;
  toolchain: ToolchainId;
  fips: boolean;
  sourceDateEpoch: number;
  onOutput?: (chunk: string) => void;
  /** Appends the build output here. */
  logFile?: string;
  /** Run without the sandbox where bubblewrap cannot work (default true); false makes that an error. */
  allowUnsandboxed?: boolean;
  /** Each step is killed, and the build fails, when it runs longer than this (default: no limit). */
  stepTimeoutMs?: number;
}

export interface SandboxResult {
  hermetic: boolean;
  /** Why the build was not hermetic. */
  reason?: string;
  /** The environment the steps saw. */
  env: Record<string, string>;
  toolVersions: Record<string, string>;
  durationMs: number;
  steps: { command: string; durationMs: number }[];
}

export interface RunBuildDeps {
  /** Injected in tests to exercise the unsandboxed path on machines where bwrap works. */
  probe?: () => Promise<SandboxProbe>;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export async function runBuild(spec: SandboxSpec, deps: RunBuildDeps = {}): Promise<SandboxResult> {
  validateSpec(spec);
  await existingDir(spec.srcDir, "source directory");
  await mkdir(spec.destDir, { recursive: true });
  await existingDir(spec.destDir, "output directory");
  if (runningAsRoot() && !((await reachableByBuildUser(spec.srcDir)) && (await reachableByBuildUser(spec.destDir)))) {
    return await withStagedTrees(spec.srcDir, spec.destDir, (srcDir, destDir) => runBuildIn({ ...spec, srcDir, destDir }, deps));
  }
  return await runBuildIn(spec, deps);
}

async function runBuildIn(spec: SandboxSpec, deps: RunBuildDeps): Promise<SandboxResult> {
  const started = Date.now();
  const srcDir = await existingDir(spec.srcDir, "source directory");
  const destDir = await existingDir(spec.destDir, "output directory");

  const probe = await (deps.probe ?? probeSandbox)();
  if (!probe.available && spec.allowUnsandboxed === false) {
    throw new MkError(probe.reason?.includes("not installed") ? "E_TOOL_MISSING" : "E_BUILD_FAILED", `the build of ${srcDir} must be hermetic, but ${probe.reason}`, {
      hint: "install bubblewrap and allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, or on Ubuntu kernel.apparmor_restrict_unprivileged_userns=0), or allow unsandboxed builds",
    });
  }
  const hermetic = probe.available && probe.bwrap !== undefined;
  const prefix = dropPrivilegesPrefix(await findTool("setpriv"));
  for (const [dir, what] of [[srcDir, "source directory"], [destDir, "output directory"]] as const) await assertReachableByBuildUser(dir, what);

  const scratch = await makeScratch();
  const root = runningAsRoot();
  let log: Writable | undefined;
  let result: Awaited<ReturnType<typeof runSteps>>;
  try {
    await assertReachableByBuildUser(scratch.tmpDir, "temporary directory");
    if (root) await chownTrees([srcDir, destDir, scratch.tmpDir], BUILD_UID, BUILD_GID);
    log = spec.logFile ? await openLog(spec.logFile) : undefined;
    result = await runSteps(spec, { srcDir, destDir, scratch, log, prefix, bwrap: hermetic ? probe.bwrap : undefined });
  } catch (e) {
    // A cleanup error must not hide the error that got us here.
    await cleanup(root, [srcDir, destDir], scratch, log).catch(() => undefined);
    throw e;
  }
  try {
    await cleanup(root, [srcDir, destDir], scratch, log);
  } catch (e) {
    throw new MkError("E_IO", `cleaning up after the build of ${srcDir} failed: ${(e as Error).message}`, { cause: e });
  }
  return {
    ...result,
    ...(hermetic ? {} : { reason: probe.reason ?? "sandbox unavailable" }),
    durationMs: Date.now() - started,
  };
}

interface StepContext {
  srcDir: string;
  destDir: string;
  scratch: Scratch;
  log: Writable | undefined;
  /** setpriv prefix when we are root. */
  prefix: string[];
  /** Set when the build is sandboxed. */
  bwrap: string | undefined;
}

async function runSteps(spec: SandboxSpec, ctx: StepContext): Promise<Omit<SandboxResult, "durationMs" | "reason">> {
  const hermetic = ctx.bwrap !== undefined;
  const profile = toolchainProfile(spec.toolchain, { fips: spec.fips, sourceDateEpoch: spec.sourceDateEpoch });
  // Outside the sandbox the fixed in-sandbox paths do not exist: point them at the real directories.
  const hostPaths: Record<string, string> = hermetic ? {} : { HOME: ctx.scratch.homeDir, TMPDIR: ctx.scratch.tmpDir, DESTDIR: ctx.destDir };
  const env = sortedRecord({ ...profile.env, ...hostPaths, ...spec.env });
  // The profile's PATH, not the recipe's: these run on the host (maybe as root), so system dirs only.
  const versions = await toolVersions(spec.toolchain, profile.env.PATH!, hermetic ? ["bwrap"] : []);
  const mounts: SandboxMounts = { srcDir: ctx.srcDir, destDir: ctx.destDir, tmpDir: ctx.scratch.tmpDir, etcDir: ctx.scratch.etcDir };
  const host = hermetic ? await hostLayout() : [];

  const steps: SandboxResult["steps"] = [];
  for (const [i, command] of spec.steps.entries()) {
    const header = `==> step ${i + 1}/${spec.steps.length}${hermetic ? "" : " (not sandboxed)"}: ${command}\n`;
    ctx.log?.write(header);
    spec.onOutput?.(header);
    // umask set here rather than inherited: the caller's umask must not decide the modes in the image.
    const shell = ["/bin/sh", "-ec", `umask 022\n${command}`];
    const argv = hermetic ? [...ctx.prefix, ctx.bwrap!, ...bwrapArgs(host, mounts, env), ...shell] : [...ctx.prefix, ...shell];
    const t0 = Date.now();
    // Sandboxed: bwrap gets an empty environment (it sets ours with --setenv after --clearenv).
    const out = await runStep({ argv, cwd: hermetic ? "/" : ctx.srcDir, env: hermetic ? {} : env, onOutput: spec.onOutput, log: ctx.log, timeoutMs: spec.stepTimeoutMs });
    if (out.timedOut) throw stepTimedOut(i, spec.steps.length, command, spec.stepTimeoutMs!, out.tail, hermetic);
    if (out.code !== 0) throw stepFailed(i, spec.steps.length, command, out.code, out.signal, out.tail, hermetic);
    steps.push({ command, durationMs: Date.now() - t0 });
  }
  return { hermetic, env, toolVersions: versions, steps };
}

/** Gives the trees back to the caller and leaves no scratch behind. */
async function cleanup(root: boolean, trees: string[], scratch: Scratch, log: Writable | undefined): Promise<void> {
  try {
    if (root) await chownTrees(trees, process.getuid!(), process.getgid!());
    await removeScratch(scratch.dir);
  } finally {
    if (log) await closeLog(log);
  }
}

function validateSpec(spec: SandboxSpec): void {
  const problems: string[] = [];
  if (spec.steps.length === 0) problems.push("there are no build steps");
  spec.steps.forEach((s, i) => {
    if (s.trim() === "") problems.push(`step ${i + 1} is empty`);
    if (s.includes("\0")) problems.push(`step ${i + 1} contains a NUL byte`);
  });
  for (const [k, v] of Object.entries(spec.env)) {
    if (!ENV_NAME.test(k)) problems.push(`env name ${JSON.stringify(k)} is not a valid variable name`);
    if (v.includes("\0")) problems.push(`env ${k} contains a NUL byte`);
  }
  if (!Number.isSafeInteger(spec.sourceDateEpoch) || spec.sourceDateEpoch < 0) problems.push(`sourceDateEpoch ${spec.sourceDateEpoch} is not a non-negative integer`);
  if (problems.length > 0) {
    throw new MkError("E_CONFIG_INVALID", `invalid build of ${spec.srcDir}: ${problems.join("; ")}`, {
      hint: "fix build.steps / build.env in the recipe",
      details: { problems },
    });
  }
}

async function existingDir(path: string, what: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(path);
  } catch (e) {
    throw new MkError("E_IO", `the build ${what} ${path} does not exist`, { cause: e, hint: "the fetch/patch stages create it; re-run them" });
  }
  if (!(await lstat(real)).isDirectory()) throw new MkError("E_IO", `the build ${what} ${path} is not a directory`);
  // Ownership of the tree is handed to the build user: never a system directory or a whole top-level tree.
  if (real.split("/").filter(Boolean).length < 2 || real === tmpdir()) {
    throw new MkError("E_USAGE", `refusing to use ${real} as the build ${what}: it would hand a system directory to the build user`, {
      hint: "use a dedicated directory inside the workspace",
    });
  }
  return real;
}

interface Scratch {
  dir: string;
  tmpDir: string;
  homeDir: string;
  etcDir: string;
}

/** Per-build private dirs: /tmp (with HOME inside) and the synthetic /etc files. */
async function makeScratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), "mk-sandbox-"));
  await chmod(dir, 0o755); // the build user must reach tmp/ and read etc/
  const s: Scratch = { dir, tmpDir: join(dir, "tmp"), homeDir: join(dir, "tmp", "home"), etcDir: join(dir, "etc") };
  await mkdir(s.homeDir, { recursive: true, mode: 0o700 });
  await chmod(s.tmpDir, 0o700);
  await mkdir(s.etcDir, { mode: 0o755 });
  const files = syntheticEtc();
  for (const name of SYNTHETIC_ETC) await writeFile(join(s.etcDir, name), files[name], { mode: 0o644 });
  if (runningAsRoot()) await chown(s.homeDir, BUILD_UID, BUILD_GID);
  return s;
}

/** rm -rf that also copes with read-only directories a build left behind (e.g. Go's module cache) when we are not root. */
async function removeScratch(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true });
  } catch {
    await makeWritable(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

async function makeWritable(path: string): Promise<void> {
  const st = await lstat(path);
  if (!st.isDirectory()) return;
  await chmod(path, (st.mode & 0o7777) | 0o700);
  for (const name of await readdir(path)) await makeWritable(join(path, name));
}

async function openLog(path: string): Promise<Writable> {
  await mkdir(dirname(path), { recursive: true });
  const stream = createWriteStream(path, { flags: "a" });
  await new Promise<void>((resolve, reject) => {
    stream.once("open", () => resolve());
    stream.once("error", (e) => reject(new MkError("E_IO", `cannot open the build log ${path}: ${e.message}`, { cause: e })));
  });
  return stream;
}

async function closeLog(stream: Writable): Promise<void> {
  await new Promise<void>((resolve) => stream.end(() => resolve()));
}

function stepTimedOut(i: number, n: number, command: string, timeoutMs: number, tail: string, hermetic: boolean): MkError {
  const lines = lastLines(tail);
  return new MkError("E_BUILD_FAILED", `build step ${i + 1} of ${n} (\`${command}\`) ran longer than ${timeoutMs / 1000} s and was killed${hermetic ? "" : " (not sandboxed)"}; last output:\n${lines.join("\n")}`, {
    hint: "raise build.timeout in the recipe if the step needs longer, or find where it hangs (a step waiting for the network never gets it in the sandbox)",
    details: { step: i + 1, command, timeoutMs, hermetic, lastLines: lines },
  });
}

function stepFailed(i: number, n: number, command: string, code: number, signal: string | undefined, tail: string, hermetic: boolean): MkError {
  const lines = lastLines(tail);
  const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
  return new MkError("E_BUILD_FAILED", `build step ${i + 1} of ${n} (\`${command}\`) ${how}${hermetic ? "" : " (not sandboxed)"}; last output:\n${lines.join("\n")}`, {
    hint: hermetic
      ? "the step runs offline as uid 1000 in /build/src with DESTDIR=/build/out; fix the command or patch the sources (see the build log)"
      : "fix the command or patch the sources (see the build log)",
    details: { step: i + 1, command, exitCode: code, signal, hermetic, lastLines: lines },
  });
}
