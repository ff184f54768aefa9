/**
 * Deterministic tar header encoding (POSIX ustar + pax extended headers), written by hand because
 * every byte must be fixed: no atime/ctime, no user names, no host-dependent fields.
 *
 * A pax `x` header is emitted only when the ustar fields cannot hold a value exactly: a path or
 * link target longer than 100 bytes or not ASCII, or a number too large for its octal field.
 * (We do not use the ustar prefix/name split: pax is simpler and every reader we care about — GNU
 * tar, bsdtar, Go's archive/tar in umoci/containerd — understands it.)
 */
export type TarEntryType = "file" | "hardlink" | "symlink" | "char" | "block" | "dir" | "fifo";

export interface TarHeader {
  /** Path inside the archive, no leading `/`, no trailing `/` (added for directories). */
  path: string;
  type: TarEntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  /** Content size; only regular files have content. */
  size: number;
  mtime: number;
  uid: number;
  gid: number;
  /** Target of a symlink, or the archive path a hard link refers to. */
  linkname?: string;
  devmajor?: number;
  devminor?: number;
}

export const BLOCK = 512;
/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);

const TYPEFLAG: Record<TarEntryType, string> = {
  file: "0",
  hardlink: "1",
  symlink: "2",
  char: "3",
  block: "4",
  dir: "5",
  fifo: "6",
};

/** Zero bytes needed after `size` content bytes to reach a block boundary. */
export function paddingFor(size: number): number {
  const rem = size % BLOCK;
  return rem === 0 ? 0 : BLOCK - rem;
}

function isAscii(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\x01-\x7f]*$/.test(s);
}

/** Largest value an octal field of `width` bytes holds (width-1 digits plus a NUL). */
function octalMax(width: number): number {
  return 8 ** (width - 1) - 1;
}

function writeOctal(buf: Buffer, offset: number, width: number, value: number): void {
  buf.write(value.toString(8).padStart(width - 1, "0"), offset, width - 1, "ascii");
  buf[offset + width - 1] = 0;
}

/** A value for a ustar string field when the real value goes into a pax record. */
function asciiFallback(s: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[^\x01-\x7f]/g, "_").slice(0, max);
}

function paxRecord(key: string, value: string): string {
  // The length prefix counts itself, so it may need one more digit once included.
  const body = ` ${key}=${value}\n`;
  const bodyLen = Buffer.byteLength(body);
  let len = bodyLen + String(bodyLen).length;
  if (String(len).length !== String(len - bodyLen).length) len = bodyLen + String(len).length;
  return `${len}${body}`;
}

interface UstarFields {
  name: string;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: number;
  typeflag: string;
  linkname: string;
  devmajor: number;
  devminor: number;
}

function encodeUstar(f: UstarFields): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(f.name, 0, 100, "utf8");
  writeOctal(b, 100, 8, f.mode);
  writeOctal(b, 108, 8, f.uid);
  writeOctal(b, 116, 8, f.gid);
  writeOctal(b, 124, 12, f.size);
  writeOctal(b, 136, 12, f.mtime);
  b.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  b.write(f.typeflag, 156, 1, "ascii");
  b.write(f.linkname, 157, 100, "utf8");
  b.write("ustar\u000000", 257, 8, "ascii"); // POSIX magic + version "00"
  // uname (265) and gname (297) stay empty: names are host facts, not content.
  writeOctal(b, 329, 8, f.devmajor);
  writeOctal(b, 337, 8, f.devminor);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += b[i] as number;
  b.write(sum.toString(8).padStart(6, "0"), 148, 6, "ascii");
  b[154] = 0;
  b[155] = 0x20;
  return b;
}

/**
 * Encodes the header block(s) for one entry: an optional pax header (with its padded records)
 * followed by the ustar header. Content and its padding are the caller's to write.
 */
export function encodeHeader(h: TarHeader): Buffer {
  const name = h.type === "dir" ? `${h.path}/` : h.path;
  const linkname = h.linkname ?? "";
  const size = h.type === "file" ? h.size : 0;
  const pax: string[] = [];
  const fitsString = (s: string) => isAscii(s) && Buffer.byteLength(s) <= 100;
  if (!fitsString(name)) pax.push(paxRecord("path", name));
  if (!fitsString(linkname)) pax.push(paxRecord("linkpath", linkname));
  if (size > octalMax(12)) pax.push(paxRecord("size", String(size)));
  if (h.uid > octalMax(8)) pax.push(paxRecord("uid", String(h.uid)));
  if (h.gid > octalMax(8)) pax.push(paxRecord("gid", String(h.gid)));
  if (h.mtime > octalMax(12)) pax.push(paxRecord("mtime", String(h.mtime)));

  const ustar = encodeUstar({
    name: fitsString(name) ? name : asciiFallback(name, 100),
    mode: h.mode & 0o7777,
    uid: Math.min(h.uid, octalMax(8)),
    gid: Math.min(h.gid, octalMax(8)),
    size: Math.min(size, octalMax(12)),
    mtime: Math.min(h.mtime, octalMax(12)),
    typeflag: TYPEFLAG[h.type],
    linkname: fitsString(linkname) ? linkname : asciiFallback(linkname, 100),
    devmajor: h.devmajor ?? 0,
    devminor: h.devminor ?? 0,
  });
  if (pax.length === 0) return ustar;

  const records = Buffer.from(pax.join(""), "utf8");
  const base = asciiFallback(name.replace(/\/$/, "").split("/").pop() ?? "", 80);
  const paxHeader = encodeUstar({
    // Go's archive/tar naming; fixed, so the archive stays deterministic.
    name: `PaxHeaders.0/${base}`,
    mode: 0o644,
    uid: 0,
    gid: 0,
    size: records.byteLength,
    mtime: Math.min(h.mtime, octalMax(12)),
    typeflag: "x",
    linkname: "",
    devmajor: 0,
    devminor: 0,
  });
  return Buffer.concat([paxHeader, records, Buffer.alloc(paddingFor(records.byteLength)), ustar]);
}
