/**
 * Test fixtures for ELF reading: real binaries compiled with gcc, the answers of the real
 * oracles (`hardening-check`, `readelf`), and hand-built ELF images for the classes and byte
 * orders this machine's compiler cannot produce (checked against readelf, not against us).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { run } from "../../util/exec.js";

export async function tempDir(prefix = "mk-elf-"): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, cleanup: () => rm(path, { recursive: true, force: true }) };
}

/** A program that uses fortifiable calls with known sizes (memcpy, sprintf, read) and a stack buffer. */
export const FORTIFY_PROGRAM = `#include <stdio.h>
#include <string.h>
#include <unistd.h>
int main(int argc, char **argv) {
  char in[16];
  char out[64];
  ssize_t n = read(0, in, sizeof in);
  memcpy(out, in, n > 0 ? (size_t)n : 0);
  sprintf(out, "%s:%d", argv[0], argc);
  puts(out);
  return 0;
}
`;

export const HARDENED_FLAGS = ["-O2", "-fstack-protector-strong", "-D_FORTIFY_SOURCE=2", "-fPIE", "-pie", "-Wl,-z,relro,-z,now"];
export const UNHARDENED_FLAGS = ["-O2", "-no-pie", "-fno-stack-protector", "-U_FORTIFY_SOURCE", "-Wl,-z,norelro", "-Wl,-z,lazy"];

export async function sh(cmd: string, args: string[], cwd?: string): Promise<string> {
  const r = await run(cmd, args, { cwd, env: { ...process.env, LC_ALL: "C" } });
  if (r.code !== 0) throw new Error(`fixture: ${cmd} ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Compiles `source` with gcc and the given flags into dir/name. */
export async function compileC(dir: string, name: string, source: string, flags: string[]): Promise<string> {
  const src = join(dir, `${name}.c`);
  await writeFile(src, source);
  const out = join(dir, name);
  await sh("gcc", [...flags, "-o", out, src]);
  return out;
}

export interface OracleFacts {
  pie: string;
  stack: string;
  fortify: string;
  relro: string;
  bindNow: string;
}

/** `hardening-check` verdicts (it exits non-zero when something is missing; that is not an error here). */
export async function hardeningCheck(file: string): Promise<OracleFacts> {
  const r = await run("hardening-check", [file], { env: { ...process.env, LC_ALL: "C" } });
  const get = (label: string): string => {
    const m = new RegExp(`^ ${label}: (.*)$`, "m").exec(r.stdout);
    if (!m) throw new Error(`fixture: hardening-check gave no "${label}" for ${file}:\n${r.stdout}${r.stderr}`);
    return m[1]!;
  };
  return {
    pie: get("Position Independent Executable"),
    stack: get("Stack protected"),
    fortify: get("Fortify Source functions"),
    relro: get("Read-only relocations"),
    bindNow: get("Immediate binding"),
  };
}

export interface ReadelfFacts {
  type: string;
  interpreter?: string;
  phdrTypes: string[];
  /** Undefined dynamic symbols, version suffixes removed. */
  imports: string[];
  bindNow: boolean;
}

/** The same facts from binutils' readelf; `useDynamic` reads symbols through the dynamic segment (-D). */
export async function readelfFacts(file: string, useDynamic = false): Promise<ReadelfFacts> {
  const l = await sh("readelf", ["-hlW", file]);
  const type = /^\s*Type:\s+(\S+)/m.exec(l)?.[1] ?? "?";
  const interpreter = /\[Requesting program interpreter: (.*)\]/.exec(l)?.[1];
  const phdrSection = l.split("Program Headers:")[1]?.split("Section to Segment")[0] ?? "";
  const phdrTypes = phdrSection
    .split("\n")
    .map((s) => s.trim().split(/\s+/)[0] ?? "")
    .filter((s) => /^[A-Z_]+$/.test(s) && s !== "Type");
  const d = await sh("readelf", ["-dW", file]);
  const bindNow = /\(BIND_NOW\)/.test(d) || /\(FLAGS\).*\bBIND_NOW\b/.test(d) || /\(FLAGS_1\).*\bNOW\b/.test(d);
  const s = await sh("readelf", [...(useDynamic ? ["-D", "-s"] : ["--dyn-syms"]), "-W", file]);
  const imports = new Set<string>();
  for (const line of s.split("\n")) {
    // Num: Value Size Type Bind Vis Ndx Name
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8 || !/^\d+:$/.test(cols[0]!) || cols[6] !== "UND") continue;
    if (cols[3] === "SECTION" || cols[3] === "FILE") continue;
    imports.add(cols[7]!.replace(/@.*$/, ""));
  }
  return { type, ...(interpreter ? { interpreter } : {}), phdrTypes, imports: [...imports].sort(), bindNow };
}

// ---------------------------------------------------------------------------------------------
// Hand-built ELF images

export interface SyntheticElfOptions {
  is64: boolean;
  le: boolean;
  machine: number;
  type?: "EXEC" | "DYN";
  interpreter?: string;
  phdr?: boolean;
  relro?: boolean;
  bindNow?: "none" | "DT_BIND_NOW" | "DF_BIND_NOW" | "DF_1_NOW";
  pieFlag?: boolean;
  imports: string[];
  /** A defined symbol, which must not be reported as imported. */
  exports?: string[];
  hash?: "sysv" | "gnu";
  /** Without section headers the symbols can only be found through the dynamic segment. */
  sections?: boolean;
}

/**
 * Lays out: ELF header, program headers, .interp, .dynstr, .dynsym, hash table, .dynamic,
 * .shstrtab, section headers. One PT_LOAD maps the whole file at address = offset.
 */
export function syntheticElf(o: SyntheticElfOptions): Buffer {
  const { is64, le } = o;
  const w = is64 ? 8 : 4;
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const shentsize = is64 ? 64 : 40;
  const symsize = is64 ? 24 : 16;
  const dynsize = is64 ? 16 : 8;
  const chunks: { name: string; data: Buffer; align: number }[] = [];
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  };
  const word = (v: number | bigint): Buffer => {
    if (!is64) return u32(Number(v));
    const b = Buffer.alloc(8);
    if (le) b.writeBigUInt64LE(BigInt(v));
    else b.writeBigUInt64BE(BigInt(v));
    return b;
  };
  const sword = (v: bigint): Buffer => {
    if (!is64) {
      const b = Buffer.alloc(4);
      if (le) b.writeInt32LE(Number(v));
      else b.writeInt32BE(Number(v));
      return b;
    }
    const b = Buffer.alloc(8);
    if (le) b.writeBigInt64LE(v);
    else b.writeBigInt64BE(v);
    return b;
  };

  // Strings and symbols (GNU hash wants the hashed symbols last; with one bucket any order works).
  const names = [...o.imports, ...(o.exports ?? [])];
  const strParts: Buffer[] = [Buffer.from([0])];
  const nameOff: number[] = [];
  let strLen = 1;
  for (const n of names) {
    nameOff.push(strLen);
    strParts.push(Buffer.from(n + "\0", "latin1"));
    strLen += n.length + 1;
  }
  const dynstr = Buffer.concat(strParts);
  const nsyms = names.length + 1;

  const layout: number[] = [];
  let off = ehsize;
  const phdrs: { type: number; flags: number; off: number; size: number }[] = [];
  const phnumPlanned = 2 + (o.phdr !== false ? 1 : 0) + (o.interpreter ? 1 : 0) + (o.relro ? 1 : 0);
  const phoff = off;
  off += phnumPlanned * phentsize;
  const place = (name: string, data: Buffer, align: number): number => {
    off = Math.ceil(off / align) * align;
    const at = off;
    chunks.push({ name, data, align });
    layout.push(at);
    off += data.length;
    return at;
  };
  const interpOff = o.interpreter ? place(".interp", Buffer.from(o.interpreter + "\0", "latin1"), 1) : 0;
  const dynstrOff = place(".dynstr", dynstr, 1);
  const symParts: Buffer[] = [Buffer.alloc(symsize)];
  for (let i = 0; i < names.length; i++) {
    const defined = i >= o.imports.length;
    const info = (1 << 4) | 2; // GLOBAL FUNC
    const shndx = defined ? 1 : 0;
    symParts.push(
      is64
        ? Buffer.concat([u32(nameOff[i]!), Buffer.from([info, 0]), u16(shndx), word(defined ? 0x1000 : 0), word(0)])
        : Buffer.concat([u32(nameOff[i]!), word(defined ? 0x1000 : 0), word(0), Buffer.from([info, 0]), u16(shndx)]),
    );
  }
  const dynsymOff = place(".dynsym", Buffer.concat(symParts), w);
  let hashData: Buffer;
  if ((o.hash ?? "sysv") === "sysv") {
    // nbucket=1, nchain=nsyms; bucket[0] starts the chain at the last symbol, chain[i] = i-1.
    // 64-bit s390 uses 8-byte hash entries (like Alpha); everyone else 4-byte ones.
    const hw = is64 && o.machine === 22 ? word : u32;
    const chain = Array.from({ length: nsyms }, (_, i) => hw(i === 0 ? 0 : i - 1));
    hashData = Buffer.concat([hw(1), hw(nsyms), hw(nsyms - 1), ...chain]);
  } else {
    const gnuHash = (s: string): number => {
      let h = 5381;
      for (const c of Buffer.from(s, "latin1")) h = (h * 33 + c) >>> 0;
      return h;
    };
    const chains = names.map((n, i) => u32((gnuHash(n) & ~1) | (i === names.length - 1 ? 1 : 0)));
    hashData = Buffer.concat([u32(1), u32(1), u32(1), u32(6), word(is64 ? 0xffffffffffffffffn : 0xffffffff), u32(names.length > 0 ? 1 : 0), ...chains]);
  }
  const hashOff = place(o.hash === "gnu" ? ".gnu.hash" : ".hash", hashData, w);
  const dynEntries: [bigint, bigint][] = [
    [o.hash === "gnu" ? 0x6ffffef5n : 4n, BigInt(hashOff)],
    [5n, BigInt(dynstrOff)],
    [6n, BigInt(dynsymOff)],
    [10n, BigInt(dynstr.length)],
    [11n, BigInt(symsize)],
  ];
  if (o.bindNow === "DT_BIND_NOW") dynEntries.push([24n, 0n]);
  if (o.bindNow === "DF_BIND_NOW") dynEntries.push([30n, 0x8n]);
  const flags1 = (o.bindNow === "DF_1_NOW" ? 1n : 0n) | (o.pieFlag ? 0x08000000n : 0n);
  if (flags1) dynEntries.push([0x6ffffffbn, flags1]);
  dynEntries.push([0n, 0n]);
  const dynamic = Buffer.concat(dynEntries.map(([t, v]) => Buffer.concat([sword(t), word(v)])));
  const dynamicOff = place(".dynamic", dynamic, w);

  const secNames = ["", ".interp", ".dynstr", ".dynsym", ".hash", ".dynamic", ".shstrtab"];
  const shstr = Buffer.from(secNames.join("\0") + "\0", "latin1");
  const shstrOff = place(".shstrtab", shstr, 1);
  const withSections = o.sections !== false;
  const shoff = withSections ? Math.ceil(off / w) * w : 0;
  const fileSize = withSections ? shoff + secNames.length * shentsize : off;

  if (o.phdr !== false) phdrs.push({ type: 6, flags: 4, off: phoff, size: phnumPlanned * phentsize });
  if (o.interpreter) phdrs.push({ type: 3, flags: 4, off: interpOff, size: o.interpreter.length + 1 });
  phdrs.push({ type: 1, flags: 5, off: 0, size: fileSize });
  phdrs.push({ type: 2, flags: 6, off: dynamicOff, size: dynamic.length });
  if (o.relro) phdrs.push({ type: 0x6474e552, flags: 4, off: dynamicOff, size: dynamic.length });

  const file = Buffer.alloc(fileSize);
  const ident = Buffer.from([0x7f, 0x45, 0x4c, 0x46, is64 ? 2 : 1, le ? 1 : 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  const header = Buffer.concat([
    ident,
    u16((o.type ?? "DYN") === "DYN" ? 3 : 2),
    u16(o.machine),
    u32(1),
    word(0), // entry
    word(phoff),
    word(shoff),
    u32(0),
    u16(ehsize),
    u16(phentsize),
    u16(phdrs.length),
    u16(withSections ? shentsize : 0),
    u16(withSections ? secNames.length : 0),
    u16(withSections ? secNames.length - 1 : 0),
  ]);
  header.copy(file, 0);
  phdrs.forEach((p, i) => {
    const b = is64
      ? Buffer.concat([u32(p.type), u32(p.flags), word(p.off), word(p.off), word(p.off), word(p.size), word(p.size), word(8)])
      : Buffer.concat([u32(p.type), word(p.off), word(p.off), word(p.off), word(p.size), word(p.size), u32(p.flags), word(4)]);
    b.copy(file, phoff + i * phentsize);
  });
  chunks.forEach((c, i) => c.data.copy(file, layout[i]!));
  if (withSections) {
    // name offset, type, flags, addr, offset, size, link, info, align, entsize
    const nameAt = (n: string): number => shstr.indexOf(Buffer.from(n + "\0", "latin1"));
    const secs: [string, number, number, number, number, number, number][] = [
      ["", 0, 0, 0, 0, 0, 0],
      [".interp", 1, interpOff, o.interpreter ? o.interpreter.length + 1 : 0, 0, 0, 0],
      [".dynstr", 3, dynstrOff, dynstr.length, 0, 0, 0],
      [".dynsym", 11, dynsymOff, nsyms * symsize, 2, 1, symsize],
      [".hash", o.hash === "gnu" ? 0x6ffffff6 : 5, hashOff, hashData.length, 3, 0, o.hash === "gnu" ? 0 : is64 && o.machine === 22 ? 8 : 4],
      [".dynamic", 6, dynamicOff, dynamic.length, 2, 0, dynsize],
      [".shstrtab", 3, shstrOff, shstr.length, 0, 0, 0],
    ];
    secs.forEach(([n, type, at, size, link, info, entsize], i) => {
      const nm = i === 0 ? 0 : nameAt(n);
      const flags = type === 0 || n === ".shstrtab" ? 0 : 2;
      // Same field order in both classes; `word` is 4 or 8 bytes.
      const b = Buffer.concat([u32(nm), u32(type), word(flags), word(flags ? at : 0), word(at), word(size), u32(link), u32(info), word(type ? 1 : 0), word(entsize)]);
      b.copy(file, shoff + i * shentsize);
    });
  }
  return file;
}

/** Deterministic PRNG (xorshift32) so a failing mutation can be reproduced from its seed. */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}
