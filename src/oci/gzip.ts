/**
 * Parallel, deterministic gzip (pigz-style, one gzip member) that also digests both sides.
 *
 * The input is cut into fixed-size chunks; each is raw-deflated on libuv's thread pool
 * (zlib.deflateRaw is async), so chunks compress in parallel. Every chunk but the last ends with a
 * sync flush (byte-aligned, not final), the last with Z_FINISH; concatenated they form one valid
 * deflate stream. Each chunk is primed with the previous chunk's last 32 KiB as its dictionary,
 * which is exactly the window a decompressor has at that point, so the ratio stays close to a
 * single-stream gzip. Chunk boundaries depend only on byte counts, never on timing, so the output
 * is a pure function of the input (for a given zlib build: the Node version's bundled zlib).
 *
 * The header is fixed (no name, mtime 0, OS 255 "unknown") so no host fact leaks into the bytes.
 * Memory is bounded by a window of in-flight chunks.
 */
import { createHash, type Hash } from "node:crypto";
import { availableParallelism } from "node:os";
import zlib from "node:zlib";
import type { Digest } from "../util/digest.js";
import { MkError } from "../errors.js";

export interface ParallelGzipOptions {
  /** Uncompressed bytes per chunk. Default 1 MiB. */
  chunkSize?: number;
  /** zlib level 0-9. Default 6 (what `gzip` uses). */
  level?: number;
  /** Chunks compressing at once. Default os.availableParallelism(). */
  concurrency?: number;
}

export interface GzipResult {
  /** sha256 of the uncompressed stream (for a tar layer: its diffID). */
  uncompressedDigest: Digest;
  uncompressedSize: number;
  /** sha256 of the gzip bytes (for a layer: its blob digest). */
  compressedDigest: Digest;
  compressedSize: number;
}

/** Writes bytes somewhere, synchronously and completely (e.g. a writeSync loop on a file). */
export type ByteSink = (data: Buffer) => void;

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
const WINDOW = 32 * 1024;

export class ParallelGzipWriter {
  private readonly sink: ByteSink;
  private readonly chunkSize: number;
  private readonly level: number;
  private readonly window: number;
  private cur: Buffer;
  private curLen = 0;
  private dictionary: Buffer | undefined;
  private readonly inflight: { output: Promise<Buffer>; input: Buffer }[] = [];
  /** Chunk buffers whose compression finished, reused so ~1 GB of input does not churn the GC. */
  private readonly spare: Buffer[] = [];
  private readonly rawHash: Hash = createHash("sha256");
  private readonly gzHash: Hash = createHash("sha256");
  private crc = 0;
  private rawSize = 0;
  private gzSize = 0;
  private finished = false;

  constructor(sink: ByteSink, opts: ParallelGzipOptions = {}) {
    this.sink = sink;
    this.chunkSize = opts.chunkSize ?? 1024 * 1024;
    this.level = opts.level ?? 6;
    if (!Number.isInteger(this.chunkSize) || this.chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${this.chunkSize}`);
    if (!Number.isInteger(this.level) || this.level < 0 || this.level > 9) throw new RangeError(`level must be an integer 0-9, got ${this.level}`);
    // Two chunks queued per worker keeps the pool busy while the producer fills the next one.
    this.window = 2 * Math.max(1, opts.concurrency ?? availableParallelism());
    this.cur = Buffer.allocUnsafe(this.chunkSize);
    this.emit(GZIP_HEADER);
  }

  private emit(data: Buffer): void {
    this.gzHash.update(data);
    this.gzSize += data.byteLength;
    this.sink(data);
  }

  /** Copies `data` into the stream. */
  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    while (off < data.byteLength) {
      if (this.curLen === this.chunkSize) await this.rotate();
      const n = Math.min(data.byteLength - off, this.chunkSize - this.curLen);
      this.cur.set(data.subarray(off, off + n), this.curLen);
      this.curLen += n;
      off += n;
    }
  }

  /**
   * Lets `fill` write up to `total` bytes straight into the chunk buffers (no intermediate copy),
   * e.g. readSync from a file. `fill(buf, offset, length)` returns how many bytes it wrote;
   * returning 0 before `total` bytes arrived is an error (reported by `onShort`).
   */
  async fill(total: number, fill: (buf: Buffer, offset: number, length: number) => number, onShort: (got: number) => Error): Promise<void> {
    let done = 0;
    while (done < total) {
      if (this.curLen === this.chunkSize) await this.rotate();
      const want = Math.min(total - done, this.chunkSize - this.curLen);
      const n = fill(this.cur, this.curLen, want);
      if (n <= 0) throw onShort(done);
      this.curLen += n;
      done += n;
    }
  }

  /** Sends the full current chunk off (not final) and starts a new one, waiting if the window is full. */
  private async rotate(): Promise<void> {
    this.dispatch(this.cur, false);
    this.cur = this.spare.pop() ?? Buffer.allocUnsafe(this.chunkSize);
    this.curLen = 0;
    while (this.inflight.length >= this.window) await this.drainOne();
  }

  private dispatch(chunk: Buffer, final: boolean): void {
    this.rawHash.update(chunk);
    this.crc = zlib.crc32(chunk, this.crc);
    this.rawSize += chunk.byteLength;
    const options: zlib.ZlibOptions = {
      level: this.level,
      finishFlush: final ? zlib.constants.Z_FINISH : zlib.constants.Z_SYNC_FLUSH,
      // Output buffer: half the input holds a typical chunk's output (~35% at level 6) in one
      // thread-pool round trip; incompressible chunks take a few. A buffer sized for the worst
      // case doubled the external memory churned per chunk and the main thread's GC time.
      chunkSize: Math.max(64 * 1024, this.chunkSize >> 1),
    };
    if (this.dictionary) options.dictionary = this.dictionary;
    // A copy, not a view: the chunk's buffer is recycled once its compression is done.
    this.dictionary = Buffer.from(Buffer.concat([this.dictionary ?? Buffer.alloc(0), chunk.subarray(-WINDOW)]).subarray(-WINDOW));
    const p = new Promise<Buffer>((resolve, reject) => {
      zlib.deflateRaw(chunk, options, (err, out) => (err ? reject(err) : resolve(out)));
    });
    // Awaited in order by drainOne; this guard keeps a failure from being "unhandled" meanwhile.
    p.catch(() => {});
    this.inflight.push({ output: p, input: chunk });
  }

  private async drainOne(): Promise<void> {
    const next = this.inflight.shift();
    if (!next) return;
    let out: Buffer;
    try {
      out = await next.output;
    } catch (e) {
      throw new MkError("E_OCI", `gzip compression failed: ${(e as Error).message}`, { cause: e });
    }
    this.emit(out);
    if (next.input.byteLength === this.chunkSize) this.spare.push(next.input);
  }

  /** Compresses what is left, writes the trailer and returns sizes and digests. */
  async finish(): Promise<GzipResult> {
    if (this.finished) throw new Error("ParallelGzipWriter.finish() called twice");
    this.finished = true;
    this.dispatch(this.cur.subarray(0, this.curLen), true);
    while (this.inflight.length > 0) await this.drainOne();
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(this.crc >>> 0, 0);
    trailer.writeUInt32LE(this.rawSize % 2 ** 32, 4); // ISIZE is the size mod 2^32 (RFC 1952)
    this.emit(trailer);
    return {
      uncompressedDigest: `sha256:${this.rawHash.digest("hex")}`,
      uncompressedSize: this.rawSize,
      compressedDigest: `sha256:${this.gzHash.digest("hex")}`,
      compressedSize: this.gzSize,
    };
  }

  /** Waits for in-flight work without writing it; call after an error before closing the sink. */
  async abandon(): Promise<void> {
    this.finished = true;
    await Promise.allSettled(this.inflight.splice(0).map((f) => f.output));
  }
}
