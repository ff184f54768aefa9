import { test } from "node:test";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { gunzipSync } from "node:zlib";
import { sha256Digest } from "../util/digest.js";
import { ParallelGzipWriter, type ParallelGzipOptions } from "./gzip.js";
import { tool } from "./testing.js";

async function gzip(parts: Buffer[], opts: ParallelGzipOptions = {}) {
  const out: Buffer[] = [];
  const w = new ParallelGzipWriter((b) => out.push(Buffer.from(b)), opts);
  for (const p of parts) await w.write(p);
  const result = await w.finish();
  return { data: Buffer.concat(out), result };
}

test("incompressible and compressible data across many chunks round-trip through gzip(1)", async () => {
  const input = Buffer.concat([randomBytes(700_000), Buffer.alloc(500_000, "a"), randomBytes(300_001)]);
  const parts = [input.subarray(0, 1), input.subarray(1, 250_000), input.subarray(250_000)];
  const { data, result } = await gzip(parts, { chunkSize: 128 * 1024, concurrency: 2 });
  assert.deepEqual(tool("gzip", ["-dc"], { input: data }), input);
  assert.deepEqual(gunzipSync(data), input);
  assert.equal(result.uncompressedDigest, sha256Digest(input));
  assert.equal(result.uncompressedSize, input.byteLength);
  assert.equal(result.compressedDigest, sha256Digest(data));
  assert.equal(result.compressedSize, data.byteLength);
  assert.equal(data.readUInt32LE(data.byteLength - 4), input.byteLength, "ISIZE trailer");
});

test("empty input is a valid empty gzip; the same input always gives the same bytes", async () => {
  const empty = await gzip([]);
  assert.equal(tool("gzip", ["-dc"], { input: empty.data }).byteLength, 0);
  const text = Buffer.from("deterministic ".repeat(100_000));
  const a = await gzip([text], { chunkSize: 65_536, concurrency: 4 });
  const b = await gzip([text.subarray(0, 7), text.subarray(7)], { chunkSize: 65_536, concurrency: 1 });
  assert.deepEqual(a.data, b.data, "bytes depend on the data and chunk size only, not on writes or concurrency");
});

test("each chunk is primed with the previous 32 KiB, so matches carry across chunk boundaries", async () => {
  // A 16 KiB random block repeated: without the dictionary every 64 KiB chunk would have to
  // encode the block afresh (16 chunks × 16 KiB); with it only the first chunk does.
  const block = randomBytes(16 * 1024);
  const input = Buffer.concat(Array.from({ length: 64 }, () => block));
  const { data } = await gzip([input], { chunkSize: 64 * 1024 });
  assert.deepEqual(gunzipSync(data), input);
  assert.ok(data.byteLength < 2 * block.byteLength, `compressed to ${data.byteLength} bytes`);
});

test("level and chunk size are validated; finish twice is a bug", async () => {
  assert.throws(() => new ParallelGzipWriter(() => {}, { chunkSize: 0 }), RangeError);
  assert.throws(() => new ParallelGzipWriter(() => {}, { level: 11 }), RangeError);
  const w = new ParallelGzipWriter(() => {});
  await w.finish();
  await assert.rejects(w.finish());
});
