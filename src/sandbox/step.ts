/**
 * Runs one build step as a child process: streams its output to the caller and the log file,
 * keeps only the tail in memory (build logs can be huge) for the error message.
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import type { Writable } from "node:stream";
import { MkError } from "../errors.js";

const TAIL_CHARS = 64 * 1024;

export interface StepRun {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  onOutput?: (chunk: string) => void;
  log?: Writable;
  /** Kill the step (SIGKILL) when it runs longer than this. */
  timeoutMs?: number;
}

export interface StepOutcome {
  code: number;
  signal?: string;
  tail: string;
  /** The step was killed for running longer than `timeoutMs`. */
  timedOut?: boolean;
}

export async function runStep(s: StepRun): Promise<StepOutcome> {
  return await new Promise<StepOutcome>((resolve, reject) => {
    const child = spawn(s.argv[0]!, s.argv.slice(1), { cwd: s.cwd, env: s.env, stdio: ["ignore", "pipe", "pipe"] });
    let tail = "";
    const onData = (chunk: string): void => {
      tail = (tail + chunk).slice(-TAIL_CHARS);
      s.log?.write(chunk);
      s.onOutput?.(chunk);
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    child.on("error", (e: NodeJS.ErrnoException) => {
      reject(
        e.code === "ENOENT"
          ? new MkError("E_TOOL_MISSING", `cannot start ${s.argv[0]}: not installed`, { cause: e, hint: "run `bash scripts/install-deps.sh`" })
          : new MkError("E_BUILD_FAILED", `cannot start ${s.argv[0]}: ${e.message}`, { cause: e }),
      );
    });
    let timedOut = false;
    const timer = s.timeoutMs === undefined ? undefined : setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) killTree(child.pid);
    }, s.timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      clearTimeout(timer);
      resolve({ code: code ?? 128, ...(signal ? { signal } : {}), tail, ...(timedOut ? { timedOut } : {}) });
    };
    child.on("close", finish);
    // After a kill, `close` would wait for every holder of the pipes; the tree is gone, so stop here.
    child.on("exit", (code, signal) => {
      if (!timedOut) return;
      child.stdout.destroy();
      child.stderr.destroy();
      finish(code, signal);
    });
  });
}

/** The pid and all its descendants (Linux: /proc/<pid>/task/<tid>/children), parents first. */
function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue; // already gone
    }
    for (const tid of tasks) {
      try {
        for (const c of readFileSync(`/proc/${out[i]}/task/${tid}/children`, "utf8").split(" ")) if (c.trim()) out.push(Number(c));
      } catch {
        // the task ended while we looked
      }
    }
  }
  return out;
}

/**
 * SIGKILLs a step and everything it started. A sandboxed step's tree would die with bwrap anyway
 * (--die-with-parent, own pid namespace); an unsandboxed one's children would otherwise live on.
 * Stopped first so that nothing forks new children between listing and killing.
 */
function killTree(pid: number): void {
  const tree = processTree(pid);
  for (const p of tree) signal(p, "SIGSTOP");
  for (const p of processTree(pid)) signal(p, "SIGKILL");
  for (const p of tree) signal(p, "SIGKILL");
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // gone already
  }
}

export function lastLines(text: string, n = 20): string[] {
  return text.replace(/\s+$/, "").split("\n").slice(-n);
}
