/**
 * A defensive ELF reader: just enough of the format to answer the hardening questions
 * (PIE, RELRO, BIND_NOW, stack protector, fortify, interpreter, imported symbols).
 *
 * The input is untrusted (it comes out of upstream builds), so every offset, size and count
 * is checked before it is used, counts are capped, and loops are bounded by the file size.
 * Anything wrong surfaces as `MkError("E_PACKAGE")` naming the file and the field; nothing
 * else is thrown for bad input. Only the needed ranges of a file are read.
 *
 * Semantics follow devscripts' `hardening-check`, which the tests use as the oracle.
 */
import { MkError } from "../errors.js";
import { bufferSource, fileSource, malformed, type ByteSource } from "./source.js";

export type ElfType = "NONE" | "REL" | "EXEC" | "DYN" | "CORE" | "OTHER";

export interface ElfInfo {
  /** The file path, or `<buffer>`. */
  file: string;
  class: "ELF32" | "ELF64";
  endianness: "little" | "big";
  /** `x86_64`, `aarch64`, ... or `unknown(0x..)`. */
  machine: string;
  type: ElfType;
  /** PT_INTERP, e.g. `/lib64/ld-linux-x86-64.so.2`; absent for static binaries and libraries. */
  interpreter?: string;
  /** ET_DYN with a PT_PHDR header or DF_1_PIE: an executable, not a plain shared library. */
  isPie: boolean;
  hasGnuRelro: boolean;
  /** DT_BIND_NOW, DF_BIND_NOW in DT_FLAGS, or DF_1_NOW in DT_FLAGS_1. */
  bindNow: boolean;
  /** `__stack_chk_fail` is imported. */
  stackProtector: boolean;
  /** At least one `__*_chk` function is imported. */
  fortified: boolean;
  /** The imported `__*_chk` functions, sorted. */
  fortifiedFunctions: string[];
  /** Names of undefined dynamic symbols, sorted and unique. */
  importedSymbols: string[];
  /** Where the symbols came from: the .dynsym section, the dynamic segment (section headers stripped), or nowhere. */
  symbolSource: "sections" | "dynamic" | "none";
}

// Caps: far above anything real, low enough that a hostile count cannot make us loop for long.
const MAX_SECTIONS = 1 << 16;
const MAX_SYMBOLS = 1 << 20;
const MAX_DYNAMIC_ENTRIES = 1 << 16;
const MAX_INTERP_BYTES = 4096;
const MAX_HASH_BUCKETS = 1 << 22;

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PT_INTERP = 3;
const PT_PHDR = 6;
const PT_GNU_RELRO = 0x6474e552;
const SHT_DYNSYM = 11;
const SHN_UNDEF = 0;
const PN_XNUM = 0xffff;
const DT_NULL = 0n;
const DT_HASH = 4n;
const DT_STRTAB = 5n;
const DT_SYMTAB = 6n;
const DT_STRSZ = 10n;
const DT_SYMENT = 11n;
const DT_BIND_NOW = 24n;
const DT_FLAGS = 30n;
const DT_FLAGS_1 = 0x6ffffffbn;
const DT_GNU_HASH = 0x6ffffef5n;
const DF_BIND_NOW = 0x8n;
const DF_1_NOW = 0x1n;
const DF_1_PIE = 0x08000000n;
const STT_SECTION = 3;
const EM_S390 = 22;
const EM_ALPHA = 0x9026;
const STT_FILE = 4;

const TYPES: Record<number, ElfType> = { 0: "NONE", 1: "REL", 2: "EXEC", 3: "DYN", 4: "CORE" };

const MACHINES: Record<number, string> = {
  2: "sparc",
  3: "i386",
  8: "mips",
  20: "ppc",
  21: "ppc64",
  22: "s390",
  40: "arm",
  43: "sparcv9",
  50: "ia64",
  62: "x86_64",
  183: "aarch64",
  243: "riscv",
  258: "loongarch",
};

/** Class, byte order and type from the first bytes, or undefined when they are not an ELF header. */
export function peekElf(header: Uint8Array): { class: "ELF32" | "ELF64"; endianness: "little" | "big"; type: ElfType } | undefined {
  if (header.length < 20) return undefined;
  if (header[0] !== 0x7f || header[1] !== 0x45 || header[2] !== 0x4c || header[3] !== 0x46) return undefined;
  const cls = header[4];
  const data = header[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) return undefined;
  const le = data === 1;
  const rawType = le ? header[16]! | (header[17]! << 8) : (header[16]! << 8) | header[17]!;
  return { class: cls === 1 ? "ELF32" : "ELF64", endianness: le ? "little" : "big", type: TYPES[rawType] ?? "OTHER" };
}

/** True when the input starts with a well-formed ELF identification. */
export async function isElf(input: Uint8Array | string): Promise<boolean> {
  if (typeof input !== "string") return peekElf(input) !== undefined;
  let src: ByteSource;
  try {
    src = await fileSource(input);
  } catch {
    return false;
  }
  try {
    if (src.size < 20) return false;
    return peekElf(await src.read(0, 20, "e_ident")) !== undefined;
  } finally {
    await src.close();
  }
}

/** Reads the hardening-relevant facts of an ELF file (path) or image (buffer). */
export async function readElfInfo(input: Uint8Array | string): Promise<ElfInfo> {
  const src = typeof input === "string" ? await fileSource(input) : bufferSource(input);
  try {
    return await parse(src);
  } catch (e) {
    if (e instanceof MkError) throw e;
    // A bug in the checks above must not look like "the file is fine"; report it as what it is.
    throw new MkError("E_INTERNAL", `reading ELF headers of ${src.label} failed unexpectedly: ${(e as Error).message}`, { cause: e });
  } finally {
    await src.close();
  }
}

/** Field access in the file's class and byte order. */
class Fields {
  machine = 0;
  constructor(
    readonly is64: boolean,
    readonly le: boolean,
    readonly label: string,
  ) {}
  u8(b: Buffer, o: number): number {
    return b.readUInt8(o);
  }
  u16(b: Buffer, o: number): number {
    return this.le ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }
  u32(b: Buffer, o: number): number {
    return this.le ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }
  u64(b: Buffer, o: number): bigint {
    return this.le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o);
  }
  /** A word: 4 bytes in ELF32, 8 in ELF64. */
  word(b: Buffer, o: number): bigint {
    return this.is64 ? this.u64(b, o) : BigInt(this.u32(b, o));
  }
  sword(b: Buffer, o: number): bigint {
    if (this.is64) return this.le ? b.readBigInt64LE(o) : b.readBigInt64BE(o);
    return BigInt(this.le ? b.readInt32LE(o) : b.readInt32BE(o));
  }
  /** A count or size that must fit a JS number and stay under `max`. */
  count(v: bigint | number, max: number, field: string): number {
    const n = BigInt(v);
    if (n > BigInt(max)) throw malformed(this.label, field, `is ${n}, more than the limit of ${max}`);
    return Number(n);
  }
}

interface Phdr {
  type: number;
  offset: bigint;
  vaddr: bigint;
  filesz: bigint;
}

interface Shdr {
  type: number;
  offset: bigint;
  size: bigint;
  link: number;
  info: number;
  entsize: bigint;
}

async function parse(src: ByteSource): Promise<ElfInfo> {
  const label = src.label;
  if (src.size < 20) throw malformed(label, "e_ident", `is truncated (file is ${src.size} bytes)`);
  const ident = await src.read(0, 20, "e_ident");
  const peek = peekElf(ident);
  if (!peek) {
    throw new MkError("E_PACKAGE", `${label} is not an ELF file (no ELF magic, or an unknown class/byte order)`, {
      hint: "only ELF binaries can be inspected; check the path",
      details: { file: label, field: "e_ident" },
    });
  }
  const is64 = peek.class === "ELF64";
  const f = new Fields(is64, peek.endianness === "little", label);
  const ehsize = is64 ? 64 : 52;
  const eh = await src.read(0, ehsize, "ELF header");
  const machineCode = f.u16(eh, 18);
  f.machine = machineCode;
  const phoff = is64 ? f.u64(eh, 32) : BigInt(f.u32(eh, 28));
  const shoff = is64 ? f.u64(eh, 40) : BigInt(f.u32(eh, 32));
  const base = is64 ? 54 : 42;
  const phentsize = f.u16(eh, base);
  let phnum = f.u16(eh, base + 2);
  const shentsize = f.u16(eh, base + 4);
  let shnum = f.u16(eh, base + 6);

  // Section headers (optional: `sstrip`ped binaries have none).
  const shdrSize = is64 ? 64 : 40;
  let sections: Shdr[] = [];
  if (shoff !== 0n) {
    if (shentsize < shdrSize) throw malformed(label, "e_shentsize", `is ${shentsize}, smaller than a section header (${shdrSize})`);
    // Extended numbering: counts that do not fit 16 bits live in section header 0.
    const sh0 = readShdr(f, await src.read(shoff, shdrSize, "e_shoff (section header 0)"), 0);
    if (shnum === 0) shnum = f.count(sh0.size, MAX_SECTIONS, "section header 0 sh_size (extended e_shnum)");
    if (phnum === PN_XNUM) phnum = f.count(sh0.info, MAX_SECTIONS, "section header 0 sh_info (extended e_phnum)");
    const table = await src.read(shoff, BigInt(shnum) * BigInt(shentsize), "section header table (e_shoff, e_shnum)");
    sections = [];
    for (let i = 0; i < shnum; i++) sections.push(readShdr(f, table, i * shentsize));
  }

  // Program headers.
  const phdrSize = is64 ? 56 : 32;
  const phdrs: Phdr[] = [];
  if (phnum > 0) {
    if (phentsize < phdrSize) throw malformed(label, "e_phentsize", `is ${phentsize}, smaller than a program header (${phdrSize})`);
    const table = await src.read(phoff, BigInt(phnum) * BigInt(phentsize), "program header table (e_phoff, e_phnum)");
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      phdrs.push(
        is64
          ? { type: f.u32(table, o), offset: f.u64(table, o + 8), vaddr: f.u64(table, o + 16), filesz: f.u64(table, o + 32) }
          : { type: f.u32(table, o), offset: BigInt(f.u32(table, o + 4)), vaddr: BigInt(f.u32(table, o + 8)), filesz: BigInt(f.u32(table, o + 16)) },
      );
    }
  }

  const type = peek.type;
  let interpreter: string | undefined;
  const interp = phdrs.find((p) => p.type === PT_INTERP);
  if (interp) {
    const len = f.count(interp.filesz, MAX_INTERP_BYTES, "PT_INTERP p_filesz");
    const bytes = await src.read(interp.offset, len, "PT_INTERP (p_offset, p_filesz)");
    const nul = bytes.indexOf(0);
    interpreter = bytes.subarray(0, nul === -1 ? bytes.length : nul).toString("latin1");
  }

  const dynamic = await readDynamic(src, f, phdrs);
  const flags = dynamic.get(DT_FLAGS) ?? 0n;
  const flags1 = dynamic.get(DT_FLAGS_1) ?? 0n;
  const bindNow = dynamic.has(DT_BIND_NOW) || (flags & DF_BIND_NOW) !== 0n || (flags1 & DF_1_NOW) !== 0n;
  const hasPhdr = phdrs.some((p) => p.type === PT_PHDR);

  let symbolSource: ElfInfo["symbolSource"] = "none";
  let imported: string[] = [];
  const dynsym = sections.find((s) => s.type === SHT_DYNSYM);
  if (dynsym) {
    imported = await importsFromSections(src, f, sections, dynsym);
    symbolSource = "sections";
  } else if (dynamic.has(DT_SYMTAB) && dynamic.has(DT_STRTAB)) {
    imported = await importsFromDynamic(src, f, phdrs, dynamic);
    symbolSource = "dynamic";
  }
  const importedSymbols = [...new Set(imported)].sort();
  const fortifiedFunctions = importedSymbols.filter((s) => /^__\w+_chk$/.test(s));

  return {
    file: label,
    class: peek.class,
    endianness: peek.endianness,
    machine: MACHINES[machineCode] ?? `unknown(0x${machineCode.toString(16)})`,
    type,
    ...(interpreter !== undefined ? { interpreter } : {}),
    isPie: type === "DYN" && (hasPhdr || (flags1 & DF_1_PIE) !== 0n),
    hasGnuRelro: phdrs.some((p) => p.type === PT_GNU_RELRO),
    bindNow,
    stackProtector: importedSymbols.includes("__stack_chk_fail"),
    fortified: fortifiedFunctions.length > 0,
    fortifiedFunctions,
    importedSymbols,
    symbolSource,
  };
}

function readShdr(f: Fields, b: Buffer, o: number): Shdr {
  return f.is64
    ? { type: f.u32(b, o + 4), offset: f.u64(b, o + 24), size: f.u64(b, o + 32), link: f.u32(b, o + 40), info: f.u32(b, o + 44), entsize: f.u64(b, o + 56) }
    : {
        type: f.u32(b, o + 4),
        offset: BigInt(f.u32(b, o + 16)),
        size: BigInt(f.u32(b, o + 20)),
        link: f.u32(b, o + 24),
        info: f.u32(b, o + 28),
        entsize: BigInt(f.u32(b, o + 36)),
      };
}

/** The dynamic segment as tag → value (first occurrence wins, as in the runtime linker); empty when static. */
async function readDynamic(src: ByteSource, f: Fields, phdrs: Phdr[]): Promise<Map<bigint, bigint>> {
  const out = new Map<bigint, bigint>();
  const seg = phdrs.find((p) => p.type === PT_DYNAMIC);
  if (!seg) return out;
  const entsize = f.is64 ? 16 : 8;
  const n = Math.min(f.count(seg.filesz / BigInt(entsize), MAX_DYNAMIC_ENTRIES, "PT_DYNAMIC entry count"), MAX_DYNAMIC_ENTRIES);
  const bytes = await src.read(seg.offset, n * entsize, "PT_DYNAMIC (p_offset, p_filesz)");
  for (let i = 0; i < n; i++) {
    const tag = f.sword(bytes, i * entsize);
    if (tag === DT_NULL) break;
    if (!out.has(tag)) out.set(tag, f.word(bytes, i * entsize + entsize / 2));
  }
  return out;
}

async function importsFromSections(src: ByteSource, f: Fields, sections: Shdr[], dynsym: Shdr): Promise<string[]> {
  const symSize = f.is64 ? 24 : 16;
  if (dynsym.entsize !== BigInt(symSize)) throw malformed(src.label, ".dynsym sh_entsize", `is ${dynsym.entsize}, expected ${symSize}`);
  const strtab = sections[dynsym.link];
  if (!strtab) throw malformed(src.label, ".dynsym sh_link", `is ${dynsym.link}, but there are only ${sections.length} sections`);
  const count = f.count(dynsym.size / BigInt(symSize), MAX_SYMBOLS, ".dynsym symbol count");
  const syms = await src.read(dynsym.offset, count * symSize, ".dynsym (sh_offset, sh_size)");
  const strs = await src.read(strtab.offset, strtab.size, ".dynstr (sh_offset, sh_size of the section .dynsym links to)");
  return undefinedNames(f, src.label, syms, count, strs, ".dynstr");
}

/** Symbols from the dynamic segment alone, for binaries whose section headers were stripped. */
async function importsFromDynamic(src: ByteSource, f: Fields, phdrs: Phdr[], dyn: Map<bigint, bigint>): Promise<string[]> {
  const symSize = f.is64 ? 24 : 16;
  const syment = dyn.get(DT_SYMENT) ?? BigInt(symSize);
  if (syment !== BigInt(symSize)) throw malformed(src.label, "DT_SYMENT", `is ${syment}, expected ${symSize}`);
  const symOff = vaddrToOffset(src.label, phdrs, dyn.get(DT_SYMTAB)!, "DT_SYMTAB");
  const strOff = vaddrToOffset(src.label, phdrs, dyn.get(DT_STRTAB)!, "DT_STRTAB");
  const strsz = dyn.get(DT_STRSZ);
  if (strsz === undefined) throw malformed(src.label, "DT_STRSZ", "is missing although DT_STRTAB is present");
  let count: number;
  if (dyn.has(DT_HASH)) {
    // 64-bit s390 and Alpha use 8-byte hash table entries; everyone else 4-byte ones.
    const wide = f.is64 && (f.machine === EM_S390 || f.machine === EM_ALPHA);
    const h = await src.read(vaddrToOffset(src.label, phdrs, dyn.get(DT_HASH)!, "DT_HASH"), wide ? 16 : 8, "DT_HASH header");
    count = f.count(wide ? f.u64(h, 8) : f.u32(h, 4), MAX_SYMBOLS, "DT_HASH nchain");
  } else if (dyn.has(DT_GNU_HASH)) {
    count = await gnuHashSymbolCount(src, f, vaddrToOffset(src.label, phdrs, dyn.get(DT_GNU_HASH)!, "DT_GNU_HASH"));
  } else {
    return []; // No way to know the table's length; report nothing rather than guess.
  }
  const syms = await src.read(symOff, count * symSize, "dynamic symbol table (DT_SYMTAB and hash table count)");
  const strs = await src.read(strOff, strsz, "dynamic string table (DT_STRTAB, DT_STRSZ)");
  return undefinedNames(f, src.label, syms, count, strs, "DT_STRTAB");
}

/** GNU hash tables do not store the symbol count; it is the end of the longest chain. */
async function gnuHashSymbolCount(src: ByteSource, f: Fields, off: bigint): Promise<number> {
  const h = await src.read(off, 16, "DT_GNU_HASH header");
  const nbuckets = f.count(f.u32(h, 0), MAX_HASH_BUCKETS, "DT_GNU_HASH nbuckets");
  const symoffset = f.u32(h, 4);
  const bloomWords = f.count(f.u32(h, 8), MAX_HASH_BUCKETS, "DT_GNU_HASH bloom size");
  const bucketsOff = off + 16n + BigInt(bloomWords * (f.is64 ? 8 : 4));
  const buckets = await src.read(bucketsOff, nbuckets * 4, "DT_GNU_HASH buckets");
  let max = 0;
  for (let i = 0; i < nbuckets; i++) max = Math.max(max, f.u32(buckets, i * 4));
  if (max < symoffset) return f.count(symoffset, MAX_SYMBOLS, "DT_GNU_HASH symoffset");
  f.count(max, MAX_SYMBOLS - 1, "DT_GNU_HASH largest bucket");
  // Walk the last chain until its end marker (low bit set). Read the rest of the chain area in
  // one go, bounded by the file end and the symbol cap, instead of one tiny read per entry.
  const start = bucketsOff + BigInt(nbuckets * 4) + BigInt((max - symoffset) * 4);
  const room = BigInt(src.size) - start;
  const words = Number(room < 0n ? 0n : room / 4n > BigInt(MAX_SYMBOLS - max) ? BigInt(MAX_SYMBOLS - max) : room / 4n);
  const chain = await src.read(start, words * 4, "DT_GNU_HASH chains");
  for (let i = 0; i < words; i++) {
    if (f.u32(chain, i * 4) & 1) return max + i + 1;
  }
  throw malformed(src.label, "DT_GNU_HASH chain", `does not end inside the file (or within ${MAX_SYMBOLS} symbols)`);
}

function vaddrToOffset(label: string, phdrs: Phdr[], vaddr: bigint, field: string): bigint {
  for (const p of phdrs) {
    if (p.type === PT_LOAD && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
  }
  throw malformed(label, field, `(address 0x${vaddr.toString(16)}) is not inside any loadable segment`);
}

function undefinedNames(f: Fields, label: string, syms: Buffer, count: number, strs: Buffer, strField: string): string[] {
  const symSize = f.is64 ? 24 : 16;
  const names: string[] = [];
  for (let i = 1; i < count; i++) {
    const o = i * symSize;
    const nameOff = f.u32(syms, o);
    const info = f.is64 ? f.u8(syms, o + 4) : f.u8(syms, o + 12);
    const shndx = f.is64 ? f.u16(syms, o + 6) : f.u16(syms, o + 14);
    const stt = info & 0xf;
    if (shndx !== SHN_UNDEF || nameOff === 0 || stt === STT_SECTION || stt === STT_FILE) continue;
    if (nameOff >= strs.length) throw malformed(label, `symbol ${i} st_name`, `(${nameOff}) points past the end of ${strField} (${strs.length} bytes)`);
    const end = strs.indexOf(0, nameOff);
    if (end === -1) throw malformed(label, `symbol ${i} st_name`, `starts a string that is not terminated inside ${strField}`);
    names.push(strs.subarray(nameOff, end).toString("latin1"));
  }
  return names;
}
