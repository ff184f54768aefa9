// How long an unchanged `mailknight run` of the bundled example takes (target < 2 s), against
// the first (cold) run, measured through the real CLI. Usage: npm run bench:cache
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "bin/mailknight.js");

function timed(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  if (r.status !== 0) throw new Error(`mailknight ${args.join(" ")} failed:\n${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} failed: ${r.stderr}`);
}

const dir = await mkdtemp(join(tmpdir(), "mk-bench-cache-"));
try {
  sh("bash", [join(repo, "examples/make-upstream.sh"), join(dir, "work/upstream/greeter.git")]);
  sh("bash", [join(repo, "examples/bases/make-busybox-base.sh"), join(dir, "work/bases"), "busybox"]);
  await cp(join(repo, "examples/workspace"), join(dir, "workspace"), { recursive: true, filter: (s) => !/\/(\.mailknight|out)(\/|$)/.test(s) });
  const ws = join(dir, "workspace");
  sh("bash", [join(repo, "examples/make-example-key.sh"), ws]);
  const cold = timed(["-C", ws, "-q", "run", "greeter"]);
  const warm = Array.from({ length: 7 }, () => timed(["-C", ws, "-q", "run", "greeter"])).sort((a, b) => a - b);
  const median = warm[Math.floor(warm.length / 2)]!;
  const version = timed(["--version"]);
  console.log(`cold run (every stage):        ${cold.toFixed(0)} ms`);
  console.log(`unchanged run, median of 7:    ${median.toFixed(0)} ms (min ${warm[0]!.toFixed(0)}, max ${warm.at(-1)!.toFixed(0)}) target < 2000 ms`);
  console.log(`of which CLI start-up (--version): ${version.toFixed(0)} ms`);
  console.log(`ratio unchanged/cold: ${(median / cold).toFixed(2)}`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
