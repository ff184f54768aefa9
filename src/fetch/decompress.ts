/**
 * Opens an archive file as a stream of tar bytes. The compression is recognised by magic bytes,
 * not by the file name: cached archives are named by hash, and URLs lie. gzip is decoded in
 * process; xz, bzip2 and zstd by the system tools, which are faster and better audited than a
 * JavaScript decoder would be.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import { MkError } from "../errors.js";

export type Compression = "gzip" | "xz" | "bzip2" | "zstd" | "none";

const TOOLS: Record<"xz" | "bzip2" | "zstd", { cmd: string; pkg: string }> = {
  xz: { cmd: "xz", pkg: "xz-utils" },
  bzip2: { cmd: "bzip2", pkg: "bzip2" },
  zstd: { cmd: "zstd", pkg: "zstd" },
};

export function detectCompression(head: Uint8Array): Compression {
  const starts = (...bytes: number[]) => bytes.every((b, i) => head[i] === b);
  if (starts(0x1f, 0x8b)) return "gzip";
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return "xz";
  if (starts(0x42, 0x5a, 0x68)) return "bzip2";
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return "zstd";
  return "none";
}

export interface TarStream {
  stream: Readable;
  compression: Compression;
  /**
   * Settles when the decoder is done: rejects when an external decompressor failed, naming it.
   * Call after the stream was consumed (or destroyed).
   */
  finished(): Promise<void>;
  /** Stops decoding early (on an extraction error). */
  destroy(): void;
}

/** `label` names the archive in messages (its URL). */
export async function openTarStream(path: string, label: string): Promise<TarStream> {
  const fh = await open(path, "r");
  const head = Buffer.alloc(8);
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  const compression = detectCompression(head);
  if (compression === "none" || compression === "gzip") {
    const file = createReadStream(path);
    const stream = compression === "gzip" ? pipeline(file, createGunzip(), () => {}) : file;
    return { stream, compression, finished: async () => {}, destroy: () => stream.destroy() };
  }
  return await spawnDecoder(path, label, compression);
}

async function spawnDecoder(path: string, label: string, compression: "xz" | "bzip2" | "zstd"): Promise<TarStream> {
  const tool = TOOLS[compression];
  // The file goes in on stdin, so no path is ever parsed as an option by the tool. It is fed
  // from a read stream rather than by handing the child our descriptor, so the child's input
  // never depends on when we close our copy.
  const child: ChildProcess = spawn(tool.cmd, ["-dc"], { stdio: ["pipe", "pipe", "pipe"] });
  const input = createReadStream(path);
  // A decoder that stops early (damaged input) closes its stdin: EPIPE here is expected, and the
  // exit code below reports the real problem.
  child.stdin?.on("error", () => {});
  input.on("error", () => child.kill("SIGKILL"));
  if (child.stdin) input.pipe(child.stdin);
  // Listeners first: a missing tool is reported as an 'error' event on the next tick.
  const stderr: Buffer[] = [];
  child.stderr?.on("data", (c: Buffer) => stderr.push(c));
  let stoppedByUs = false;
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "ENOENT") {
        reject(new MkError("E_TOOL_MISSING", `${tool.cmd} is needed to unpack ${label} (${compression}-compressed) but is not installed`, {
          cause: e,
          hint: `install the ${tool.pkg} package (bash scripts/install-deps.sh)`,
        }));
      } else reject(new MkError("E_FETCH", `cannot run ${tool.cmd} to unpack ${label}: ${e.message}`, { cause: e }));
    });
    child.on("close", (code, signal) => {
      if (code === 0 || stoppedByUs) resolve();
      else {
        const msg = Buffer.concat(stderr).toString().trim().split("\n").slice(-3).join(" / ");
        reject(new MkError("E_FETCH", `${label} is not a valid ${compression} archive: ${tool.cmd} -dc exited with ${code ?? signal}${msg ? `: ${msg}` : ""}`, {
          hint: "the archive is damaged or truncated; if it matched its pinned hash, upstream published it broken",
        }));
      }
    });
  });
  // Keep an unobserved rejection from crashing the process; callers await finished().
  exited.catch(() => {});
  const stream = child.stdout as Readable;
  return {
    stream,
    compression,
    finished: () => exited,
    destroy: () => {
      stoppedByUs = true;
      input.destroy();
      stream.destroy();
      child.kill("SIGKILL");
    },
  };
}
