/**
 * The parts of an ELF image needed to find data by name or by virtual address: section headers
 * with their names, and loadable segments. src/inspect/elf.ts answers hardening questions
 * asynchronously from a file and does not expose sections; the Go build-info reader is a pure
 * function of an in-memory buffer, so it needs this small synchronous view. Identification is
 * shared (`peekElf`).
 *
 * Untrusted input: every table is bounds-checked against the buffer, counts are capped, and a
 * broken table is dropped with a warning instead of failing the whole read (a truncated binary
 * often still has intact program headers).
 */
import { peekElf } from "../../../inspect/index.js";
import type { Warnings } from "../common/warnings.js";

const MAX_TABLE_ENTRIES = 1 << 16;
const SHN_XINDEX = 0xffff;
const PN_XNUM = 0xffff;
export const PT_LOAD = 1;
export const PF_X = 1;
export const PF_W = 2;
export const SHT_NOBITS = 8;

export interface ElfSection {
  name: string;
  type: number;
  addr: bigint;
  offset: bigint;
  size: bigint;
}

export interface ElfSegment {
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
}

export interface ElfImage {
  bytes: Uint8Array;
  is64: boolean;
  littleEndian: boolean;
  sections: ElfSection[];
  segments: ElfSegment[];
}

class Reader {
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly is64: boolean,
    readonly le: boolean,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  fits(offset: bigint, length: bigint): boolean {
    return offset >= 0n && length >= 0n && offset + length <= BigInt(this.bytes.length);
  }
  u16(o: number): number {
    return this.view.getUint16(o, this.le);
  }
  u32(o: number): number {
    return this.view.getUint32(o, this.le);
  }
  u64(o: number): bigint {
    return this.view.getBigUint64(o, this.le);
  }
  /** A 4-byte word in ELF32, an 8-byte one in ELF64. */
  word(o: number): bigint {
    return this.is64 ? this.u64(o) : BigInt(this.u32(o));
  }
}

/** The ELF view of `bytes`, or undefined when they do not start with an ELF header. */
export function readElfImage(bytes: Uint8Array, warnings: Warnings): ElfImage | undefined {
  const ident = peekElf(bytes);
  if (!ident) return undefined;
  const is64 = ident.class === "ELF64";
  const ehsize = is64 ? 64 : 52;
  if (bytes.length < ehsize) {
    warnings.add(`ELF header is truncated (${bytes.length} of ${ehsize} bytes)`);
    return { bytes, is64, littleEndian: ident.endianness === "little", sections: [], segments: [] };
  }
  const r = new Reader(bytes, is64, ident.endianness === "little");
  const phoff = r.word(is64 ? 32 : 28);
  const shoff = r.word(is64 ? 40 : 32);
  const base = is64 ? 54 : 42;
  const phentsize = r.u16(base);
  let phnum = r.u16(base + 2);
  const shentsize = r.u16(base + 4);
  let shnum = r.u16(base + 6);
  let shstrndx = r.u16(base + 8);

  const shdrSize = is64 ? 64 : 40;
  // Extended numbering: section header 0 holds counts that do not fit 16 bits.
  if (shoff !== 0n && shentsize >= shdrSize && r.fits(shoff, BigInt(shdrSize))) {
    const sh0 = readShdrRaw(r, Number(shoff));
    if (shnum === 0) shnum = Number(sh0.size > BigInt(MAX_TABLE_ENTRIES) ? BigInt(MAX_TABLE_ENTRIES + 1) : sh0.size);
    if (shstrndx === SHN_XINDEX) shstrndx = sh0.link;
    if (phnum === PN_XNUM) phnum = sh0.info;
  }
  return {
    bytes,
    is64,
    littleEndian: r.le,
    segments: readSegments(r, phoff, phentsize, phnum, warnings),
    sections: readSections(r, shoff, shentsize, shnum, shstrndx, warnings),
  };
}

function readShdrRaw(r: Reader, o: number): { name: number; type: number; addr: bigint; offset: bigint; size: bigint; link: number; info: number } {
  return r.is64
    ? { name: r.u32(o), type: r.u32(o + 4), addr: r.u64(o + 16), offset: r.u64(o + 24), size: r.u64(o + 32), link: r.u32(o + 40), info: r.u32(o + 44) }
    : {
        name: r.u32(o),
        type: r.u32(o + 4),
        addr: BigInt(r.u32(o + 12)),
        offset: BigInt(r.u32(o + 16)),
        size: BigInt(r.u32(o + 20)),
        link: r.u32(o + 24),
        info: r.u32(o + 28),
      };
}

function readSegments(r: Reader, phoff: bigint, phentsize: number, phnum: number, warnings: Warnings): ElfSegment[] {
  if (phnum === 0) return [];
  const phdrSize = r.is64 ? 56 : 32;
  if (phentsize < phdrSize) {
    warnings.add(`ELF e_phentsize is ${phentsize}, smaller than a program header (${phdrSize}); program headers ignored`);
    return [];
  }
  if (phnum > MAX_TABLE_ENTRIES || !r.fits(phoff, BigInt(phnum) * BigInt(phentsize))) {
    warnings.add(`ELF program header table (offset ${phoff}, ${phnum} entries) does not fit in the file; program headers ignored`);
    return [];
  }
  const out: ElfSegment[] = [];
  for (let i = 0; i < phnum; i++) {
    const o = Number(phoff) + i * phentsize;
    out.push(
      r.is64
        ? { type: r.u32(o), flags: r.u32(o + 4), offset: r.u64(o + 8), vaddr: r.u64(o + 16), filesz: r.u64(o + 32) }
        : { type: r.u32(o), offset: BigInt(r.u32(o + 4)), vaddr: BigInt(r.u32(o + 8)), filesz: BigInt(r.u32(o + 16)), flags: r.u32(o + 24) },
    );
  }
  return out;
}

function readSections(r: Reader, shoff: bigint, shentsize: number, shnum: number, shstrndx: number, warnings: Warnings): ElfSection[] {
  if (shoff === 0n || shnum === 0) return [];
  const shdrSize = r.is64 ? 64 : 40;
  if (shentsize < shdrSize) {
    warnings.add(`ELF e_shentsize is ${shentsize}, smaller than a section header (${shdrSize}); section headers ignored`);
    return [];
  }
  if (shnum > MAX_TABLE_ENTRIES || !r.fits(shoff, BigInt(shnum) * BigInt(shentsize))) {
    // Normal for a truncated binary: the linker puts the section table at the very end.
    warnings.add(`ELF section header table (offset ${shoff}, ${shnum} entries) does not fit in the file; section headers ignored`);
    return [];
  }
  const raw = [];
  for (let i = 0; i < shnum; i++) raw.push(readShdrRaw(r, Number(shoff) + i * shentsize));
  const strtab = raw[shstrndx];
  let names: Uint8Array | undefined;
  if (strtab && strtab.type !== SHT_NOBITS && r.fits(strtab.offset, strtab.size)) {
    names = r.bytes.subarray(Number(strtab.offset), Number(strtab.offset + strtab.size));
  } else {
    warnings.add(`ELF section name table (e_shstrndx ${shstrndx}) is missing or outside the file; section names unknown`);
  }
  return raw.map((s) => ({ name: names ? cString(names, s.name) : "", type: s.type, addr: s.addr, offset: s.offset, size: s.size }));
}

function cString(table: Uint8Array, offset: number): string {
  if (offset >= table.length) return "";
  let end = table.indexOf(0, offset);
  if (end === -1) end = table.length;
  // Section names of interest are ASCII; latin1 keeps every byte without decoding errors.
  return Buffer.from(table.buffer, table.byteOffset + offset, Math.min(end - offset, 256)).toString("latin1");
}

/**
 * Up to `length` bytes at virtual address `vaddr`, from the loadable segment that maps it (the
 * file-backed part only, as the Go toolchain's own reader does), else from a section that does.
 * A view into the input, not a copy. Empty when nothing maps the address.
 */
export function readVirtual(img: ElfImage, vaddr: bigint, length: number): Uint8Array {
  const size = BigInt(img.bytes.length);
  const take = (fileOffset: bigint, available: bigint): Uint8Array => {
    let n = available < BigInt(length) ? available : BigInt(length);
    if (fileOffset >= size) return new Uint8Array(0);
    if (fileOffset + n > size) n = size - fileOffset;
    return img.bytes.subarray(Number(fileOffset), Number(fileOffset + n));
  };
  for (const p of img.segments) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return take(p.offset + (vaddr - p.vaddr), p.vaddr + p.filesz - vaddr);
  }
  for (const s of img.sections) {
    if (s.type !== SHT_NOBITS && s.addr !== 0n && vaddr >= s.addr && vaddr < s.addr + s.size) return take(s.offset + (vaddr - s.addr), s.addr + s.size - vaddr);
  }
  return new Uint8Array(0);
}
