/**
 * Renders pipeline events: a live status line per stage on a TTY, plain lines elsewhere (CI),
 * nothing on stdout in --json mode (events go to stderr so stdout stays machine-readable).
 */
import type { PipelineEvent } from "../pipeline/events.js";
import { formatTable } from "../util/text-table.js";

export interface Renderer {
  onEvent(event: PipelineEvent): void;
  close(): void;
}

export type RenderMode = "tty" | "plain" | "quiet";

export function chooseMode(opts: { json?: boolean; quiet?: boolean }, stream: NodeJS.WriteStream): RenderMode {
  if (opts.quiet) return "quiet";
  if (opts.json || !stream.isTTY || process.env.CI) return "plain";
  return "tty";
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** Plain lines: one per stage transition, suitable for CI logs. */
function plainRenderer(out: NodeJS.WriteStream, verbose: boolean): Renderer {
  return {
    onEvent(e) {
      const ref = "project" in e ? `${e.project}@${e.version}` : "";
      switch (e.type) {
        case "stage-start":
          out.write(`[${e.stage}] ${ref}: running\n`);
          break;
        case "stage-skip":
          out.write(`[${e.stage}] ${ref}: unchanged, skipped\n`);
          break;
        case "stage-done":
          out.write(`[${e.stage}] ${ref}: done in ${formatDuration(e.durationMs)}\n`);
          break;
        case "stage-fail":
          out.write(`[${e.stage}] ${ref}: FAILED after ${formatDuration(e.durationMs)}\n`);
          break;
        case "log":
          if (e.level === "warn") out.write(`[${e.stage}] warning: ${e.message.trimEnd()}\n`);
          else if (verbose) out.write(e.message.endsWith("\n") ? e.message : `${e.message}\n`);
          break;
        case "progress":
          break;
      }
    },
    close() {},
  };
}

/** A live line for the running stage, with a spinner, elapsed time and progress. */
function ttyRenderer(out: NodeJS.WriteStream, verbose: boolean): Renderer {
  let current: { label: string; started: number; detail: string } | undefined;
  let frame = 0;
  const draw = () => {
    if (!current) return;
    const elapsed = formatDuration(Date.now() - current.started);
    out.write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${current.label} ${elapsed}${current.detail ? `  ${current.detail}` : ""}`);
  };
  const timer = setInterval(draw, 100);
  timer.unref();
  const finish = (line: string) => {
    out.write(`\r\x1b[2K${line}\n`);
    current = undefined;
  };
  return {
    onEvent(e) {
      const ref = "project" in e ? `${e.project}@${e.version}` : "";
      switch (e.type) {
        case "stage-start":
          current = { label: `${e.stage.padEnd(8)} ${ref}`, started: Date.now(), detail: "" };
          draw();
          break;
        case "stage-skip":
          finish(`\x1b[2m- ${e.stage.padEnd(8)} ${ref} unchanged\x1b[0m`);
          break;
        case "stage-done":
          finish(`\x1b[32m✓\x1b[0m ${e.stage.padEnd(8)} ${ref} ${formatDuration(e.durationMs)}`);
          break;
        case "stage-fail":
          finish(`\x1b[31m✗\x1b[0m ${e.stage.padEnd(8)} ${ref} failed after ${formatDuration(e.durationMs)}`);
          break;
        case "progress":
          if (current) {
            const done = e.unit === "bytes" ? formatBytes(e.done) : String(e.done);
            const total = e.total === undefined ? "" : `/${e.unit === "bytes" ? formatBytes(e.total) : e.total}`;
            current.detail = `${e.label} ${done}${total}`;
          }
          break;
        case "log":
          if (e.level === "warn" || verbose) {
            out.write(`\r\x1b[2K${e.level === "warn" ? "\x1b[33mwarning:\x1b[0m " : ""}${e.message.trimEnd()}\n`);
            draw();
          }
          break;
      }
    },
    close() {
      clearInterval(timer);
    },
  };
}

export function createRenderer(mode: RenderMode, out: NodeJS.WriteStream, verbose = false): Renderer {
  if (mode === "quiet") return { onEvent() {}, close() {} };
  return mode === "tty" ? ttyRenderer(out, verbose) : plainRenderer(out, verbose);
}

/** A fixed-width table for summaries, with a rule under the headers. */
export function table(headers: string[], rows: string[][]): string {
  return formatTable(headers, rows, { rule: true });
}
