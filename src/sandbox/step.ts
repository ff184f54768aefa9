/**
 * Runs one build step as a child process: streams its output to the caller and the log file,
 * keeps only the tail in memory (build logs can be huge) for the error message.
 */
import { spawn } from "node:child_process";
import type { Writable } from "node:stream";
import { MkError } from "../errors.js";

const TAIL_CHARS = 64 * 1024;

export interface StepRun {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
  onOutput?: (chunk: string) => void;
  log?: Writable;
}

export interface StepOutcome {
  code: number;
  signal?: string;
  tail: string;
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
    child.on("close", (code, signal) => {
      resolve({ code: code ?? 128, ...(signal ? { signal } : {}), tail });
    });
  });
}

export function lastLines(text: string, n = 20): string[] {
  return text.replace(/\s+$/, "").split("\n").slice(-n);
}
