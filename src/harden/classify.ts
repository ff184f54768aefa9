/**
 * What a regular file is, judged by its first bytes (never by its name): an ELF object of some
 * type, a `#!` script, or anything else. Opens with O_NOFOLLOW so that a path swapped for a
 * symlink is refused rather than followed out of the root.
 */
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import { peekElf, type ElfType } from "../inspect/index.js";

export type FileClass = { kind: "elf"; elfType: ElfType } | { kind: "script" } | { kind: "data" };

export function classifyHeader(head: Buffer): FileClass {
  const elf = peekElf(head);
  if (elf) return { kind: "elf", elfType: elf.type };
  if (head.length >= 2 && head[0] === 0x23 && head[1] === 0x21) return { kind: "script" };
  return { kind: "data" };
}

export async function openNoFollow(abs: string): Promise<FileHandle> {
  // O_NONBLOCK: a regular file swapped for a FIFO after the walk must not block the open.
  return await open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

export async function readHead(fh: FileHandle, n = 64): Promise<Buffer> {
  const buf = Buffer.alloc(n);
  const { bytesRead } = await fh.read(buf, 0, n, 0);
  return buf.subarray(0, bytesRead);
}
