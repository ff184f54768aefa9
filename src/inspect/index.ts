/** ELF reading: hardening facts of binaries, defensive against corrupt input. */
export { isElf, peekElf, readElfInfo, type ElfInfo, type ElfType } from "./elf.js";
