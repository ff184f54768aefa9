/**
 * Hand-built ELF images carrying Go build info in either format, for the classes, byte orders
 * and Go versions this machine's toolchain cannot produce (Debian's Go 1.19 only writes the
 * inline format; the pointer format is Go < 1.18). They are checked against `go version -m`,
 * i.e. against Go's own reader, not against the code under test.
 */

export interface SyntheticGoOptions {
  is64: boolean;
  bigEndian: boolean;
  format: "pointer" | "inline";
  /** Section headers with a `.go.buildinfo` section; without them the reader must fall back to segments. */
  withSections: boolean;
  goVersion: string;
  /** Module info text, unframed (the sentinels are added here). */
  modinfo: string;
}

export const INFO_START = Buffer.from([0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6]);
export const INFO_END = Buffer.from([0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2]);
const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");

const RODATA = 0x400; // strings (in the read-only segment)
const BUILDINFO = 0x1000; // .go.buildinfo (first bytes of the writable segment)
const DATA = 0x2000; // Go string headers {ptr, len} (pointer format)
const SHSTRTAB = 0x3000;
const SHDRS = 0x3100;

function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

export function syntheticGoElf(o: SyntheticGoOptions): Buffer {
  const base = o.is64 ? 0x400000n : 0x10000n;
  const ptr = o.is64 ? 8 : 4;
  const names = Buffer.from("\0.rodata\0.go.buildinfo\0.data\0.shstrtab\0", "latin1");
  const nameOff = (n: string): number => names.indexOf(Buffer.from(`\0${n}\0`, "latin1")) + 1;
  const shdrSize = o.is64 ? 64 : 40;
  const nSections = 5;
  const size = SHDRS + (o.withSections ? nSections * shdrSize : 0);
  const b = Buffer.alloc(size);
  const u16 = (off: number, v: number): void => void (o.bigEndian ? b.writeUInt16BE(v, off) : b.writeUInt16LE(v, off));
  const u32 = (off: number, v: number): void => void (o.bigEndian ? b.writeUInt32BE(v, off) : b.writeUInt32LE(v, off));
  const word = (off: number, v: bigint): void => {
    if (o.is64) void (o.bigEndian ? b.writeBigUInt64BE(v, off) : b.writeBigUInt64LE(v, off));
    else u32(off, Number(v));
  };

  // ELF header.
  b.set([0x7f, 0x45, 0x4c, 0x46, o.is64 ? 2 : 1, o.bigEndian ? 2 : 1, 1], 0);
  u16(16, 2); // ET_EXEC
  u16(18, o.is64 ? (o.bigEndian ? 22 : 62) : o.bigEndian ? 8 : 3); // s390x, x86_64, mips, i386
  u32(20, 1);
  const ehsize = o.is64 ? 64 : 52;
  const phentsize = o.is64 ? 56 : 32;
  word(o.is64 ? 24 : 24, base + 0x400n); // e_entry
  word(o.is64 ? 32 : 28, BigInt(ehsize)); // e_phoff
  word(o.is64 ? 40 : 32, o.withSections ? BigInt(SHDRS) : 0n); // e_shoff
  const h = o.is64 ? 52 : 40;
  u16(h, ehsize);
  u16(h + 2, phentsize);
  u16(h + 4, 2);
  u16(h + 6, o.withSections ? shdrSize : 0);
  u16(h + 8, o.withSections ? nSections : 0);
  u16(h + 10, o.withSections ? 4 : 0);

  // Program headers: R+X [0, 0x1000), R+W [0x1000, 0x3000).
  const phdr = (i: number, offset: number, filesz: number, flags: number): void => {
    const p = ehsize + i * phentsize;
    u32(p, 1); // PT_LOAD
    if (o.is64) {
      u32(p + 4, flags);
      word(p + 8, BigInt(offset));
      word(p + 16, base + BigInt(offset));
      word(p + 24, base + BigInt(offset));
      word(p + 32, BigInt(filesz));
      word(p + 40, BigInt(filesz));
      word(p + 48, 0x1000n);
    } else {
      word(p + 4, BigInt(offset));
      word(p + 8, base + BigInt(offset));
      word(p + 12, base + BigInt(offset));
      word(p + 16, BigInt(filesz));
      word(p + 20, BigInt(filesz));
      u32(p + 24, flags);
      u32(p + 28, 0x1000);
    }
  };
  phdr(0, 0, BUILDINFO, 5);
  phdr(1, BUILDINFO, SHSTRTAB - BUILDINFO, 6);

  // Build info.
  const version = Buffer.from(o.goVersion, "utf8");
  const mod = o.modinfo === "" ? Buffer.alloc(0) : Buffer.concat([INFO_START, Buffer.from(o.modinfo, "utf8"), INFO_END]);
  MAGIC.copy(b, BUILDINFO);
  b[BUILDINFO + 14] = ptr;
  let buildinfoSize = 32;
  if (o.format === "inline") {
    b[BUILDINFO + 15] = 2 | (o.bigEndian ? 1 : 0);
    const inline = Buffer.concat([uvarint(version.length), version, uvarint(mod.length), mod]);
    if (BUILDINFO + 32 + inline.length > DATA) throw new Error("synthetic: module info too large");
    inline.copy(b, BUILDINFO + 32);
    buildinfoSize += inline.length;
  } else {
    b[BUILDINFO + 15] = o.bigEndian ? 1 : 0;
    if (RODATA + version.length + mod.length > BUILDINFO) throw new Error("synthetic: module info too large");
    version.copy(b, RODATA);
    mod.copy(b, RODATA + version.length);
    word(DATA, base + BigInt(RODATA));
    word(DATA + ptr, BigInt(version.length));
    word(DATA + 2 * ptr, base + BigInt(RODATA + version.length));
    word(DATA + 3 * ptr, BigInt(mod.length));
    word(BUILDINFO + 16, base + BigInt(DATA));
    word(BUILDINFO + 16 + ptr, base + BigInt(DATA + 2 * ptr));
  }

  if (o.withSections) {
    names.copy(b, SHSTRTAB);
    const shdr = (i: number, name: string, type: number, flags: number, offset: number, sz: number): void => {
      const s = SHDRS + i * shdrSize;
      u32(s, nameOff(name));
      u32(s + 4, type);
      const addr = name === ".shstrtab" ? 0n : base + BigInt(offset);
      if (o.is64) {
        word(s + 8, BigInt(flags));
        word(s + 16, addr);
        word(s + 24, BigInt(offset));
        word(s + 32, BigInt(sz));
        word(s + 48, 16n);
      } else {
        u32(s + 8, flags);
        u32(s + 12, Number(addr));
        u32(s + 16, offset);
        u32(s + 20, sz);
        u32(s + 32, 16);
      }
    };
    shdr(1, ".rodata", 1, 2, RODATA, BUILDINFO - RODATA);
    shdr(2, ".go.buildinfo", 1, 3, BUILDINFO, buildinfoSize);
    shdr(3, ".data", 1, 3, DATA, 4 * ptr);
    shdr(4, ".shstrtab", 3, 0, SHSTRTAB, names.length);
  }
  return b;
}
