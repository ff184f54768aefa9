/** Builds tar archives for tests, including hostile ones no well-behaved tool would write. */
import { createHash } from "node:crypto";
import tar from "tar-stream";

export interface TarEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link" | "character-device" | "fifo";
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
  mtime?: number;
}

export async function makeTar(entries: TarEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of pack) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const type = e.type ?? "file";
    const body = type === "file" ? Buffer.from(e.content ?? "") : undefined;
    await new Promise<void>((resolve, reject) => {
      pack.entry(
        {
          name: e.name,
          type,
          mode: e.mode ?? (type === "directory" ? 0o755 : 0o644),
          mtime: new Date((e.mtime ?? 1_600_000_000) * 1000),
          linkname: e.linkname,
          size: body?.length ?? 0,
          devmajor: 1,
          devminor: 3,
        },
        body ?? "",
        (err) => (err ? reject(err) : resolve()),
      );
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * One raw ustar header block declaring `size` bytes (sizes beyond the octal field use base-256,
 * as GNU tar does), for archives that lie about their size.
 */
export function rawHeader(name: string, size: bigint): Buffer {
  const h = Buffer.alloc(512, 0);
  h.write(name, 0, "utf8");
  h.write("0000644\0", 100);
  h.write("0000000\0", 108);
  h.write("0000000\0", 116);
  if (size < 8n ** 11n) h.write(size.toString(8).padStart(11, "0") + "\0", 124);
  else {
    h[124] = 0x80;
    let v = size;
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write("14000000000\0", 136);
  h.write("0", 156);
  h.write("ustar\0" + "00", 257);
  h.fill(" ", 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, "0") + "\0 ", 148);
  return h;
}

export function sha256(data: Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha512(data: Buffer): string {
  return createHash("sha512").update(data).digest("hex");
}
