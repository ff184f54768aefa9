/**
 * The ELF reader against real oracles: `hardening-check` (the verdicts) and `readelf` (the raw
 * facts) on binaries compiled here with and without hardening, on system binaries, and on
 * hand-built images for the classes and byte orders gcc cannot produce on this machine.
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isMkError } from "../errors.js";
import { isElf, peekElf, readElfInfo, type ElfInfo } from "./index.js";
import {
  compileC,
  FORTIFY_PROGRAM,
  HARDENED_FLAGS,
  hardeningCheck,
  readelfFacts,
  sh,
  syntheticElf,
  tempDir,
  UNHARDENED_FLAGS,
  type SyntheticElfOptions,
} from "./testing/elf-fixtures.js";

/**
 * Our answer must agree with hardening-check on every verdict and with readelf on the raw facts.
 * One known divergence: hardening-check calls a DYN file PIE only if it has a PT_PHDR header,
 * so it misses static-pie (no PT_PHDR, but DF_1_PIE set by the linker); there readelf decides.
 */
async function assertMatchesOracles(file: string, info: ElfInfo, opts: { staticPie?: boolean } = {}): Promise<void> {
  const hc = await hardeningCheck(file);
  const re = await readelfFacts(file);
  const yes = (v: string): boolean => v.startsWith("yes");
  if (opts.staticPie) {
    assert.equal(hc.pie, "no, regular shared library (ignored)", "hardening-check's PT_PHDR heuristic");
    assert.match(await sh("readelf", ["-dW", file]), /\(FLAGS_1\).*\bPIE\b/, "the linker marked it DF_1_PIE");
    assert.equal(info.isPie, true, `${file}: static-pie is PIE`);
  } else {
    assert.equal(info.isPie, yes(hc.pie), `${file}: PIE (hardening-check: ${hc.pie})`);
  }
  assert.equal(info.stackProtector, yes(hc.stack), `${file}: stack protector (hardening-check: ${hc.stack})`);
  assert.equal(info.fortified, yes(hc.fortify), `${file}: fortify (hardening-check: ${hc.fortify})`);
  assert.equal(info.hasGnuRelro, yes(hc.relro), `${file}: RELRO (hardening-check: ${hc.relro})`);
  assert.equal(info.bindNow, yes(hc.bindNow), `${file}: BIND_NOW (hardening-check: ${hc.bindNow})`);
  assert.equal(info.type, re.type, `${file}: type`);
  assert.equal(info.interpreter, re.interpreter, `${file}: interpreter`);
  assert.deepEqual(info.importedSymbols, re.imports, `${file}: imported symbols`);
}

describe("readElfInfo on real binaries (oracles: hardening-check, readelf)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  test("fully hardened program: PIE, stack protector, fortify, RELRO, BIND_NOW", async () => {
    const bin = await compileC(tmp.path, "hardened", FORTIFY_PROGRAM, HARDENED_FLAGS);
    const info = await readElfInfo(bin);
    assert.deepEqual(
      [info.class, info.endianness, info.machine, info.type, info.isPie, info.stackProtector, info.fortified, info.hasGnuRelro, info.bindNow],
      ["ELF64", "little", "x86_64", "DYN", true, true, true, true, true],
    );
    assert.ok(info.fortifiedFunctions.includes("__memcpy_chk") || info.fortifiedFunctions.includes("__sprintf_chk"), info.fortifiedFunctions.join(","));
    assert.ok(info.interpreter?.startsWith("/lib"));
    await assertMatchesOracles(bin, info);
  });

  test("unhardened program: every check false", async () => {
    const bin = await compileC(tmp.path, "plain", FORTIFY_PROGRAM, UNHARDENED_FLAGS);
    const info = await readElfInfo(bin);
    assert.deepEqual([info.type, info.isPie, info.stackProtector, info.fortified, info.hasGnuRelro, info.bindNow], ["EXEC", false, false, false, false, false]);
    await assertMatchesOracles(bin, info);
  });

  test("partial hardening: PIE and RELRO but lazy binding and no fortify", async () => {
    const bin = await compileC(tmp.path, "partial", FORTIFY_PROGRAM, ["-O2", "-fPIE", "-pie", "-fstack-protector-all", "-U_FORTIFY_SOURCE", "-Wl,-z,relro", "-Wl,-z,lazy"]);
    const info = await readElfInfo(bin);
    assert.deepEqual([info.isPie, info.stackProtector, info.fortified, info.hasGnuRelro, info.bindNow], [true, true, false, true, false]);
    await assertMatchesOracles(bin, info);
  });

  test("shared library is DYN but not PIE", async () => {
    const lib = await compileC(tmp.path, "libx.so", FORTIFY_PROGRAM.replace("int main", "int entry"), ["-O2", "-shared", "-fPIC", "-D_FORTIFY_SOURCE=2", "-Wl,-z,now"]);
    const info = await readElfInfo(lib);
    assert.equal(info.type, "DYN");
    assert.equal(info.isPie, false);
    assert.equal(info.interpreter, undefined);
    await assertMatchesOracles(lib, info);
  });

  test("static and static-pie programs", async () => {
    const stat = await compileC(tmp.path, "static", FORTIFY_PROGRAM, ["-O2", "-static"]);
    const s = await readElfInfo(stat);
    assert.equal(s.type, "EXEC");
    assert.equal(s.interpreter, undefined);
    assert.deepEqual(s.importedSymbols, []);
    await assertMatchesOracles(stat, s);
    const spie = await compileC(tmp.path, "static-pie", FORTIFY_PROGRAM, ["-O2", "-static-pie", "-fPIE"]);
    const p = await readElfInfo(spie);
    assert.equal(p.type, "DYN");
    assert.equal(p.interpreter, undefined);
    await assertMatchesOracles(spie, p, { staticPie: true });
  });

  test("relocatable object (.o)", async () => {
    const src = join(tmp.path, "obj.c");
    await writeFile(src, FORTIFY_PROGRAM);
    await sh("gcc", ["-c", "-O2", "-o", join(tmp.path, "obj.o"), src]);
    const info = await readElfInfo(join(tmp.path, "obj.o"));
    assert.deepEqual([info.type, info.isPie, info.hasGnuRelro, info.bindNow, info.symbolSource], ["REL", false, false, false, "none"]);
  });

  test("32-bit program (i386, linked with ld against a stub libc)", async () => {
    // gcc -m32 can compile here but there is no 32-bit libc, so link by hand against a stub.
    const stub = join(tmp.path, "stub32.c");
    await writeFile(
      stub,
      "typedef unsigned int size_t;\nvoid *__memcpy_chk(void *d, const void *s, size_t n, size_t dn) { return d; }\nint puts(const char *s) { return 0; }\nvoid __stack_chk_fail(void) { for (;;); }\n",
    );
    const prog = join(tmp.path, "prog32.c");
    await writeFile(
      prog,
      `typedef unsigned int size_t;
extern void *__memcpy_chk(void *d, const void *s, size_t n, size_t dn);
extern int puts(const char *s);
extern void __stack_chk_fail(void);
__attribute__((visibility("hidden"), no_stack_protector)) void __stack_chk_fail_local(void) { __stack_chk_fail(); }
int f(const char *s, int n) { char b[32]; __memcpy_chk(b, s, n, sizeof b); puts(b); return b[3]; }
`,
    );
    await sh("gcc", ["-m32", "-fPIC", "-c", "-o", join(tmp.path, "stub32.o"), stub]);
    await sh("ld", ["-m", "elf_i386", "-shared", "-soname", "libc.so.6", "-o", join(tmp.path, "libc32.so"), join(tmp.path, "stub32.o")]);
    await sh("gcc", ["-m32", "-O2", "-fPIC", "-fstack-protector-all", "-c", "-o", join(tmp.path, "prog32.o"), prog]);
    const bin = join(tmp.path, "prog32");
    await sh("ld", ["-m", "elf_i386", "-pie", "--dynamic-linker", "/lib/ld-linux.so.2", "-z", "relro", "-z", "now", "-e", "f", "-o", bin, join(tmp.path, "prog32.o"), join(tmp.path, "libc32.so")]);
    const info = await readElfInfo(bin);
    assert.deepEqual([info.class, info.machine, info.interpreter], ["ELF32", "i386", "/lib/ld-linux.so.2"]);
    assert.deepEqual([info.isPie, info.stackProtector, info.fortified, info.hasGnuRelro, info.bindNow], [true, true, true, true, true]);
    await assertMatchesOracles(bin, info);
  });

  test("system binaries: /bin/ls, static busybox, libc", async () => {
    const ls = await readElfInfo("/bin/ls");
    assert.equal(ls.isPie, true);
    await assertMatchesOracles("/bin/ls", ls);
    const bb = await readElfInfo("/usr/bin/busybox");
    assert.deepEqual([bb.type, bb.isPie, bb.interpreter, bb.importedSymbols.length], ["EXEC", false, undefined, 0]);
    await assertMatchesOracles("/usr/bin/busybox", bb);
    const libc = (await sh("gcc", ["-print-file-name=libc.so.6"])).trim();
    await assertMatchesOracles(libc, await readElfInfo(libc));
  });

  test("a buffer and a path give the same answer", async () => {
    const fromPath = await readElfInfo("/bin/ls");
    const fromBuf = await readElfInfo(await readFile("/bin/ls"));
    assert.deepEqual({ ...fromBuf, file: "/bin/ls" }, fromPath);
    assert.equal(fromBuf.file, "<buffer>");
  });
});

describe("readElfInfo on hand-built ELF32/ELF64, little/big endian (oracle: readelf)", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
  });
  after(() => tmp.cleanup());

  const shapes: [string, boolean, boolean, number][] = [
    ["ELF64 LE x86_64", true, true, 62],
    ["ELF32 LE i386", false, true, 3],
    ["ELF64 BE ppc64", true, false, 21],
    ["ELF64 BE s390x (8-byte hash entries)", true, false, 22],
    ["ELF32 BE s390", false, false, 22],
  ];
  for (const [name, is64, le, machine] of shapes) {
    for (const hash of ["sysv", "gnu"] as const) {
      for (const sections of [true, false]) {
        test(`${name}, ${hash} hash, ${sections ? "with" : "without"} section headers`, async () => {
          const opts: SyntheticElfOptions = {
            is64,
            le,
            machine,
            interpreter: "/lib/ld.so.1",
            relro: true,
            bindNow: "DF_1_NOW",
            pieFlag: true,
            imports: ["__stack_chk_fail", "__memcpy_chk", "puts"],
            exports: ["exported_fn"],
            hash,
            sections,
          };
          const file = join(tmp.path, `${name.replace(/\W+/g, "_")}-${hash}-${sections}`);
          await writeFile(file, syntheticElf(opts));
          const info = await readElfInfo(file);
          const re = await readelfFacts(file, !sections);
          assert.equal(info.class, is64 ? "ELF64" : "ELF32");
          assert.equal(info.endianness, le ? "little" : "big");
          assert.equal(info.symbolSource, sections ? "sections" : "dynamic");
          assert.deepEqual(info.importedSymbols, re.imports);
          assert.deepEqual(info.importedSymbols, ["__memcpy_chk", "__stack_chk_fail", "puts"]);
          assert.equal(info.interpreter, re.interpreter);
          assert.equal(info.bindNow, re.bindNow);
          assert.equal(info.hasGnuRelro, re.phdrTypes.includes("GNU_RELRO"));
          assert.equal(info.isPie, re.type === "DYN" && re.phdrTypes.includes("PHDR"));
          assert.deepEqual([info.isPie, info.stackProtector, info.fortified, info.bindNow, info.hasGnuRelro], [true, true, true, true, true]);
        });
      }
    }
  }

  test("each BIND_NOW marking is recognised, and its absence too", async () => {
    for (const bindNow of ["DT_BIND_NOW", "DF_BIND_NOW", "DF_1_NOW", "none"] as const) {
      const file = join(tmp.path, `bind-${bindNow}`);
      await writeFile(file, syntheticElf({ is64: false, le: false, machine: 20, phdr: false, imports: ["puts"], bindNow }));
      const info = await readElfInfo(file);
      const re = await readelfFacts(file);
      assert.equal(info.bindNow, bindNow !== "none", bindNow);
      assert.equal(info.bindNow, re.bindNow, `${bindNow} vs readelf`);
      assert.equal(info.isPie, false, "DYN without PT_PHDR or DF_1_PIE is a library");
    }
  });
});

describe("isElf / peekElf / errors", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir();
    await mkdir(join(tmp.path, "dir"));
    await writeFile(join(tmp.path, "text"), "#!/bin/sh\necho not an ELF file at all\n");
  });
  after(() => tmp.cleanup());

  test("isElf answers by content", async () => {
    assert.equal(await isElf("/bin/ls"), true);
    assert.equal(await isElf(join(tmp.path, "text")), false);
    assert.equal(await isElf(join(tmp.path, "missing")), false);
    assert.equal(await isElf(join(tmp.path, "dir")), false);
    assert.equal(await isElf(Buffer.from([0x7f, 0x45, 0x4c, 0x46])), false, "too short to be a header");
    assert.equal(peekElf(syntheticElf({ is64: true, le: false, machine: 21, imports: [] }))?.endianness, "big");
  });

  test("non-ELF input, a directory and a missing file are typed errors", async () => {
    await assert.rejects(readElfInfo(join(tmp.path, "text")), (e) => isMkError(e) && e.code === "E_PACKAGE" && e.message.includes("text"));
    await assert.rejects(readElfInfo(join(tmp.path, "dir")), (e) => isMkError(e) && e.code === "E_IO");
    await assert.rejects(readElfInfo(join(tmp.path, "missing")), (e) => isMkError(e) && e.code === "E_IO");
  });

  test("a FIFO where a binary should be is refused without blocking", async () => {
    const fifo = join(tmp.path, "fifo");
    await sh("mkfifo", [fifo]);
    await assert.rejects(readElfInfo(fifo), (e) => isMkError(e) && e.code === "E_IO" && e.message.includes("not a regular file"));
    assert.equal(await isElf(fifo), false);
  });
});
