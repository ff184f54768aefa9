/**
 * A cheap look at an ELF file's section names (header, section table, section-name table: a few
 * kilobytes at known offsets) to tell whether it can be a Go binary before reading all of it.
 * Answers "maybe" (true) whenever the headers are missing or odd, so the full parser decides
 * then; only a well-formed table without Go's sections rules a file out.
 */

export type RandomRead = (offset: number, length: number) => Promise<Uint8Array>;

const MAX_SECTIONS = 1 << 16;
const MAX_NAMES = 1 << 20;

export async function mayBeGoBinary(read: RandomRead, size: number): Promise<boolean> {
  const h = await read(0, 64);
  if (h.byteLength < 52 || h[0] !== 0x7f || h[1] !== 0x45 || h[2] !== 0x4c || h[3] !== 0x46) return true;
  const is64 = h[4] === 2;
  const le = h[5] === 1;
  const v = new DataView(h.buffer, h.byteOffset, h.byteLength);
  if (is64 && h.byteLength < 64) return true;
  const shoff = is64 ? Number(v.getBigUint64(0x28, le)) : v.getUint32(0x20, le);
  const shentsize = v.getUint16(is64 ? 0x3a : 0x2e, le);
  const shnum = v.getUint16(is64 ? 0x3c : 0x30, le);
  const shstrndx = v.getUint16(is64 ? 0x3e : 0x32, le);
  if (shoff === 0 || shnum === 0 || shnum > MAX_SECTIONS || shstrndx >= shnum || shentsize < (is64 ? 64 : 40)) return true;
  if (shoff + shnum * shentsize > size) return true;
  const table = await read(shoff, shnum * shentsize);
  if (table.byteLength < shnum * shentsize) return true;
  const t = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const sec = (i: number): { name: number; offset: number; size: number } => {
    const b = i * shentsize;
    return is64
      ? { name: t.getUint32(b, le), offset: Number(t.getBigUint64(b + 0x18, le)), size: Number(t.getBigUint64(b + 0x20, le)) }
      : { name: t.getUint32(b, le), offset: t.getUint32(b + 0x10, le), size: t.getUint32(b + 0x14, le) };
  };
  const strtab = sec(shstrndx);
  if (strtab.size === 0 || strtab.size > MAX_NAMES || strtab.offset + strtab.size > size) return true;
  const names = Buffer.from(await read(strtab.offset, strtab.size)).toString("latin1");
  for (let i = 0; i < shnum; i++) {
    const start = sec(i).name;
    const end = names.indexOf("\0", start);
    const name = names.slice(start, end < 0 ? undefined : end);
    if (name === ".go.buildinfo" || name === ".note.go.buildid" || name === ".gopclntab") return true;
  }
  return false;
}
