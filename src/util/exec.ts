/** Thin adapter over child processes: run a tool, capture its output, fail with a useful error. */
import { spawn, type SpawnOptions } from "node:child_process";
import { existsSync } from "node:fs";
import { MkError, type ErrorCode } from "../errors.js";

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string | Uint8Array;
  /** Error code to throw on a non-zero exit; when unset, the result is returned instead. */
  failWith?: ErrorCode;
  /** Called with each chunk of combined output, for live logs. */
  onOutput?: (chunk: string) => void;
  timeoutMs?: number;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const spawnOpts: SpawnOptions = { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] };
  return await new Promise<RunResult>((resolve, reject) => {
    const child = spawn(cmd, args, spawnOpts);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    if (opts.timeoutMs) timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.stdout?.on("data", (c: Buffer) => {
      out.push(c);
      opts.onOutput?.(c.toString());
    });
    child.stderr?.on("data", (c: Buffer) => {
      err.push(c);
      opts.onOutput?.(c.toString());
    });
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      if (e.code === "ENOENT" && opts.cwd && !existsSync(opts.cwd)) {
        reject(new MkError("E_IO", `cannot run ${cmd}: its working directory ${opts.cwd} does not exist`, { cause: e }));
      } else if (e.code === "ENOENT") {
        reject(
          new MkError("E_TOOL_MISSING", `${cmd} is not installed or not on PATH`, {
            cause: e,
            hint: "run `bash scripts/install-deps.sh` (installs the Debian packages Mailknight needs)",
          }),
        );
      } else reject(e);
    });
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      const result = { code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
      if (result.code !== 0 && opts.failWith) {
        const detail = (result.stderr || result.stdout).trim().split("\n").slice(-20).join("\n");
        reject(
          new MkError(opts.failWith, `${cmd} ${args.join(" ")} exited with ${result.code}${detail ? `:\n${detail}` : ""}`, {
            details: { ...result, cmd, args },
          }),
        );
      } else resolve(result);
    });
    // A child that exits without reading its stdin makes the write fail with EPIPE; that is
    // the child's business (its exit code tells), not a reason to crash this process.
    child.stdin?.on("error", () => {});
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** The first line a tool prints for `--version` (or the given args), for stage records. */
export async function toolVersion(cmd: string, args: string[] = ["--version"]): Promise<string | undefined> {
  try {
    const r = await run(cmd, args);
    const text = (r.stdout || r.stderr).trim().split("\n")[0];
    return r.code === 0 && text ? text : undefined;
  } catch {
    return undefined;
  }
}
