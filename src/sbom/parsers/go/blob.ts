/**
 * Finds and decodes the Go build-info blob (`runtime.buildVersion` and `runtime.modinfo`) in an
 * ELF image, the way Go's own debug/buildinfo does, without running the binary:
 *
 *  - the blob is 16-byte aligned within the first 64 KiB from the start of the `.go.buildinfo`
 *    section, or (section headers stripped) of the first writable, non-executable PT_LOAD segment;
 *  - 32-byte header: 14-byte magic `\xff Go buildinf:`, pointer size, flags;
 *  - flag bit 2 (Go ≥ 1.18): the two strings follow inline, each a uvarint length + bytes;
 *  - otherwise (Go < 1.18): two pointers (in the flags' byte order, bit 1 = big-endian) to Go
 *    string headers {data pointer, length} that must be resolved through the segments.
 */
import { PF_W, PF_X, PT_LOAD, readVirtual, type ElfImage } from "./elf-image.js";
import type { Warnings } from "../common/warnings.js";

const MAGIC = Uint8Array.from([0xff, 0x20, 0x47, 0x6f, 0x20, 0x62, 0x75, 0x69, 0x6c, 0x64, 0x69, 0x6e, 0x66, 0x3a]); // "\xff Go buildinf:"
const HEADER_SIZE = 32;
const ALIGN = 16;
const SEARCH_WINDOW = 64 * 1024;
/** Real modinfo strings are a few KiB to a few hundred KiB; anything larger is corrupt or hostile. */
export const MAX_STRING_BYTES = 16 * 1024 * 1024;
const FLAG_INLINE = 2;

export interface BuildInfoBlob {
  /** `go1.19.8`, `go1.19.8 X:boringcrypto`, ... ("" when it could not be read). */
  goVersion: string;
  /** The modinfo text with its 16-byte sentinels stripped ("" when absent or unframed). */
  modinfo: string;
  format: "inline" | "pointer";
}

/** Where the search for the blob starts: Go's `DataStart()`. */
function dataStart(img: ElfImage): bigint | undefined {
  const section = img.sections.find((s) => s.name === ".go.buildinfo");
  if (section) return section.addr;
  const seg = img.segments.find((p) => p.type === PT_LOAD && (p.flags & (PF_X | PF_W)) === PF_W);
  return seg?.vaddr;
}

function indexOfMagic(data: Uint8Array, from: number): number {
  const first = MAGIC[0]!;
  for (let i = data.indexOf(first, from); i !== -1; i = data.indexOf(first, i + 1)) {
    if (i + MAGIC.length > data.length) return -1;
    let match = true;
    for (let j = 1; j < MAGIC.length; j++) {
      if (data[i + j] !== MAGIC[j]) {
        match = false;
        break;
      }
    }
    if (match) return i;
  }
  return -1;
}

/** Virtual address of the blob header, or undefined when this is not a Go binary. */
function findHeader(img: ElfImage): { vaddr: bigint; header: Uint8Array } | undefined {
  const start = dataStart(img);
  if (start === undefined) return undefined;
  const window = readVirtual(img, start, SEARCH_WINDOW);
  for (let i = indexOfMagic(window, 0); i !== -1; i = indexOfMagic(window, i + 1)) {
    if (i % ALIGN === 0 && window.length - i >= HEADER_SIZE) return { vaddr: start + BigInt(i), header: window.subarray(i, i + HEADER_SIZE) };
  }
  return undefined;
}

/** A uvarint-prefixed string at `data[offset]`: [string bytes, next offset], or undefined. */
function decodeInline(data: Uint8Array, offset: number): [Uint8Array, number] | undefined {
  let len = 0;
  let shift = 0;
  let i = offset;
  for (; ; i++) {
    if (i >= data.length || shift > 28) return undefined; // 4 varint bytes already exceed the cap
    const b = data[i]!;
    len += (b & 0x7f) * 2 ** shift;
    shift += 7;
    if ((b & 0x80) === 0) break;
  }
  i++;
  if (len > MAX_STRING_BYTES || i + len > data.length) return undefined;
  return [data.subarray(i, i + len), i + len];
}

function readPointer(bytes: Uint8Array, offset: number, size: 4 | 8, bigEndian: boolean): bigint | undefined {
  if (offset + size > bytes.length) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
  return size === 8 ? view.getBigUint64(0, !bigEndian) : BigInt(view.getUint32(0, !bigEndian));
}

/** A Go string whose header {data, len} is at virtual address `addr` (pre-1.18 layout). */
function readPointedString(img: ElfImage, addr: bigint, ptrSize: 4 | 8, bigEndian: boolean, what: string, warnings: Warnings): Uint8Array | undefined {
  const hdr = readVirtual(img, addr, 2 * ptrSize);
  const dataAddr = readPointer(hdr, 0, ptrSize, bigEndian);
  const len = readPointer(hdr, ptrSize, ptrSize, bigEndian);
  if (dataAddr === undefined || len === undefined) {
    warnings.add(`Go build info: the ${what} string header at 0x${addr.toString(16)} is not inside the file`);
    return undefined;
  }
  if (len > BigInt(MAX_STRING_BYTES)) {
    warnings.add(`Go build info: the ${what} string claims ${len} bytes, more than the ${MAX_STRING_BYTES}-byte limit`);
    return undefined;
  }
  const data = readVirtual(img, dataAddr, Number(len));
  if (data.length < Number(len)) {
    warnings.add(`Go build info: the ${what} string (${len} bytes at 0x${dataAddr.toString(16)}) is not inside the file`);
    return undefined;
  }
  return data;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

/** Strips cmd/go's 16-byte start/end sentinels; unframed text is not module info (Go drops it too). */
function unframe(mod: Uint8Array, warnings: Warnings): string {
  if (mod.length === 0) return "";
  if (mod.length >= 33 && mod[mod.length - 17] === 0x0a) return decoder.decode(mod.subarray(16, mod.length - 16));
  warnings.add(`Go build info: module info (${mod.length} bytes) lacks its sentinel framing; ignored`);
  return "";
}

/**
 * The build-info blob of an ELF image: undefined when there is none (not a Go binary), else what
 * could be decoded, with problems as warnings.
 */
export function readBuildInfoBlob(img: ElfImage, warnings: Warnings): BuildInfoBlob | undefined {
  const found = findHeader(img);
  if (!found) return undefined;
  const { vaddr, header } = found;
  const ptrSize = header[14]!;
  const flags = header[15]!;
  if ((flags & FLAG_INLINE) !== 0) {
    // Read past Go's 64 KiB window when needed: huge module lists are real (kubernetes-sized binaries).
    const data = readVirtual(img, vaddr, HEADER_SIZE + 2 * (MAX_STRING_BYTES + 10));
    const vers = decodeInline(data, HEADER_SIZE);
    const mod = vers ? decodeInline(data, vers[1]) : undefined;
    if (!vers || !mod) warnings.add(`Go build info: the inline ${vers ? "module info" : "version"} string is truncated or has an impossible length`);
    return { goVersion: vers ? decoder.decode(vers[0]) : "", modinfo: mod ? unframe(mod[0], warnings) : "", format: "inline" };
  }
  if (ptrSize !== 4 && ptrSize !== 8) {
    warnings.add(`Go build info: pointer size is ${ptrSize}, expected 4 or 8`);
    return { goVersion: "", modinfo: "", format: "pointer" };
  }
  // Before the inline format existed this byte was only the byte order (0 little, 1 big); Go tests `!= 0`.
  const bigEndian = flags !== 0;
  const versAddr = readPointer(header, 16, ptrSize, bigEndian)!;
  const modAddr = readPointer(header, 16 + ptrSize, ptrSize, bigEndian)!;
  const vers = readPointedString(img, versAddr, ptrSize, bigEndian, "version", warnings);
  const mod = readPointedString(img, modAddr, ptrSize, bigEndian, "module info", warnings);
  return { goVersion: vers ? decoder.decode(vers) : "", modinfo: mod ? unframe(mod, warnings) : "", format: "pointer" };
}
