/**
 * Bounded random access to the bytes of a file or buffer. Every read is checked against the
 * real size before it happens, so a corrupt offset or size in a header becomes a typed error
 * naming the field instead of a RangeError, a short read or a huge allocation.
 */
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { MkError } from "../errors.js";

/** Largest single table the parser will read (symbol or string table); real ones are far smaller. */
export const MAX_READ_BYTES = 64 * 1024 * 1024;

export interface ByteSource {
  /** What to call the input in errors: the file path, or `<buffer>`. */
  readonly label: string;
  readonly size: number;
  /** Reads exactly `length` bytes at `offset`; `field` names the header field the range came from. */
  read(offset: number | bigint, length: number | bigint, field: string): Promise<Buffer>;
  close(): Promise<void>;
}

export function malformed(label: string, field: string, problem: string): MkError {
  return new MkError("E_PACKAGE", `${label}: malformed ELF file: ${field} ${problem}`, {
    hint: "the file is truncated or corrupt (or not what it claims to be); rebuild it, or exclude it from the image",
    details: { file: label, field },
  });
}

/** Validates a range against the size and converts it to safe numbers. */
export function checkRange(label: string, size: number, offset: number | bigint, length: number | bigint, field: string): [number, number] {
  const off = BigInt(offset);
  const len = BigInt(length);
  if (off < 0n || len < 0n) throw malformed(label, field, `has a negative offset or size (${off}, ${len})`);
  if (len > BigInt(MAX_READ_BYTES)) {
    throw malformed(label, field, `asks for ${len} bytes, more than the ${MAX_READ_BYTES}-byte limit for one table`);
  }
  if (off + len > BigInt(size)) {
    throw malformed(label, field, `points past the end of the file (offset ${off} + size ${len} > file size ${size})`);
  }
  return [Number(off), Number(len)];
}

export function bufferSource(data: Uint8Array, label = "<buffer>"): ByteSource {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return {
    label,
    size: buf.length,
    async read(offset, length, field) {
      const [o, n] = checkRange(label, buf.length, offset, length, field);
      return buf.subarray(o, o + n);
    },
    async close() {},
  };
}

export async function fileSource(path: string): Promise<ByteSource> {
  let fh: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO planted where a binary should be must not hang us (no effect on regular files).
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw new MkError("E_IO", `cannot open ${path} to read its ELF headers: ${(e as Error).message}`, { cause: e });
  }
  let size: number;
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new MkError("E_IO", `${path} is not a regular file, so it has no ELF headers to read`);
    size = st.size;
  } catch (e) {
    await fh.close();
    throw e;
  }
  return {
    label: path,
    size,
    async read(offset, length, field) {
      const [o, n] = checkRange(path, size, offset, length, field);
      const out = Buffer.alloc(n);
      let done = 0;
      while (done < n) {
        const { bytesRead } = await fh.read(out, done, n - done, o + done);
        // The file shrank under us: report it like any other truncation.
        if (bytesRead === 0) throw malformed(path, field, `could not be read completely (file shrank to ${o + done} bytes)`);
        done += bytesRead;
      }
      return out;
    },
    async close() {
      await fh.close();
    },
  };
}
