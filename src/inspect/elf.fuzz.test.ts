/**
 * Hostile input: truncated, mutated and random ELF images. The reader must answer or fail with
 * `MkError("E_PACKAGE")` naming a field, never throw anything else and never hang. Mutations
 * come from a seeded PRNG, so a failure names the seed and iteration to reproduce it.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isMkError } from "../errors.js";
import { readElfInfo } from "./index.js";
import { compileC, FORTIFY_PROGRAM, HARDENED_FLAGS, prng, syntheticElf, tempDir } from "./testing/elf-fixtures.js";

type Outcome = "ok" | "typed-error";

/** Parses and classifies; anything but success or a typed E_PACKAGE fails the test with context. */
async function outcome(input: Buffer | string, context: string): Promise<{ result: Outcome; ms: number }> {
  const t0 = performance.now();
  try {
    await readElfInfo(input);
    return { result: "ok", ms: performance.now() - t0 };
  } catch (e) {
    if (isMkError(e) && e.code === "E_PACKAGE" && typeof e.details?.field === "string") return { result: "typed-error", ms: performance.now() - t0 };
    assert.fail(`${context}: threw ${isMkError(e) ? `${e.code} ${e.message}` : String((e as Error)?.stack ?? e)}`);
  }
}

function u32At(buf: Buffer, off: number, v: number): void {
  if (off + 4 <= buf.length) buf.writeUInt32LE(v >>> 0, off);
}

describe("ELF reader on hostile input", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let real: Buffer;
  before(async () => {
    tmp = await tempDir("mk-elf-fuzz-");
    real = await readFile(await compileC(tmp.path, "victim", FORTIFY_PROGRAM, HARDENED_FLAGS));
  });
  after(() => tmp.cleanup());

  test("every truncation of a real binary is a typed error (buffers and files)", async () => {
    // gcc puts the section header table last, so any shorter prefix cuts into some table.
    for (let len = 0; len < real.length; len++) {
      const { result } = await outcome(real.subarray(0, len), `truncated to ${len} bytes`);
      assert.equal(result, "typed-error", `truncated to ${len} of ${real.length} bytes parsed without error`);
    }
    for (let len = 0; len < real.length; len += 997) {
      const file = join(tmp.path, `trunc-${len}`);
      await writeFile(file, real.subarray(0, len));
      assert.equal((await outcome(file, `file truncated to ${len}`)).result, "typed-error");
    }
  });

  for (const [name, seed] of [
    ["real x86_64 binary", 0x5eed1],
    ["hand-built ELF64 big-endian, no sections, GNU hash", 0x5eed2],
    ["hand-built ELF32 big-endian, SysV hash", 0x5eed3],
  ] as const) {
    test(`3000 random mutations of a ${name}`, async () => {
      const base =
        seed === 0x5eed1
          ? real
          : seed === 0x5eed2
            ? syntheticElf({ is64: true, le: false, machine: 21, interpreter: "/lib/ld.so", relro: true, imports: ["puts", "__stack_chk_fail"], hash: "gnu", sections: false })
            : syntheticElf({ is64: false, le: false, machine: 22, interpreter: "/lib/ld.so", imports: ["puts", "__printf_chk"], hash: "sysv" });
      const rnd = prng(seed);
      const counts: Record<Outcome, number> = { ok: 0, "typed-error": 0 };
      let slowest = 0;
      const started = performance.now();
      // Bias mutations towards the structures: the ELF header, the program headers, the tail
      // (section headers), and anywhere else; values towards the dangerous boundaries.
      const boundaries = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff, base.length, base.length + 1];
      for (let i = 0; i < 3000; i++) {
        const buf = Buffer.from(base);
        const edits = 1 + Math.floor(rnd() * 4);
        for (let k = 0; k < edits; k++) {
          const region = rnd();
          const off =
            region < 0.3 ? Math.floor(rnd() * 64) : region < 0.55 ? 64 + Math.floor(rnd() * 700) : region < 0.8 ? buf.length - 1 - Math.floor(rnd() * Math.min(buf.length - 1, 2000)) : Math.floor(rnd() * buf.length);
          const kind = rnd();
          if (kind < 0.4) buf[off] = Math.floor(rnd() * 256);
          else if (kind < 0.8) u32At(buf, off, boundaries[Math.floor(rnd() * boundaries.length)]!);
          else buf[off] = buf[off]! ^ (1 << Math.floor(rnd() * 8));
        }
        const r = await outcome(buf, `${name}, seed 0x${seed.toString(16)}, iteration ${i}`);
        counts[r.result]++;
        slowest = Math.max(slowest, r.ms);
      }
      // Both outcomes must occur, or the mutations did not reach the parser's checks.
      assert.ok(counts.ok > 0 && counts["typed-error"] > 0, JSON.stringify(counts));
      assert.ok(slowest < 2000, `slowest parse took ${slowest.toFixed(0)} ms`);
      assert.ok(performance.now() - started < 60_000, "3000 parses must finish within a minute");
    });
  }

  test("random bytes behind a valid ELF identification", async () => {
    const rnd = prng(0x5eed4);
    let typed = 0;
    for (let i = 0; i < 1000; i++) {
      const len = 16 + Math.floor(rnd() * 600);
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = Math.floor(rnd() * 256);
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1 + (i % 2), 1 + ((i >> 1) % 2)]).copy(buf);
      if ((await outcome(buf, `random image ${i}`)).result === "typed-error") typed++;
    }
    assert.ok(typed > 900, `most random images must be rejected, got ${typed}/1000`);
  });

  describe("targeted corruptions name the field", () => {
    const cases: [string, (b: Buffer) => void, RegExp][] = [
      ["e_phoff past the end", (b) => b.writeBigUInt64LE(BigInt(b.length), 32), /program header table/],
      ["e_shoff past the end", (b) => b.writeBigUInt64LE(BigInt(b.length) + 100n, 40), /e_shoff/],
      ["e_phentsize too small", (b) => b.writeUInt16LE(8, 54), /e_phentsize/],
      ["e_shentsize zero", (b) => b.writeUInt16LE(0, 58), /e_shentsize/],
      ["huge extended section count", (b) => {
        b.writeUInt16LE(0, 60); // e_shnum = 0: the real count is in section 0's sh_size
        b.writeBigUInt64LE(0xffffffffffn, Number(b.readBigUInt64LE(40)) + 32);
      }, /extended e_shnum/],
      ["64-bit offset beyond 2^53", (b) => b.writeBigUInt64LE(0xfffffffffffffff0n, 32), /program header table/],
    ];
    for (const [name, corrupt, field] of cases) {
      test(name, async () => {
        const buf = Buffer.from(real);
        corrupt(buf);
        await assert.rejects(readElfInfo(buf), (e) => isMkError(e) && e.code === "E_PACKAGE" && field.test(String(e.details?.field)));
      });
    }

    test("GNU hash chains that do not end, or start far away", async () => {
      const img = syntheticElf({ is64: true, le: true, machine: 62, imports: ["a", "b"], hash: "gnu", sections: false });
      assert.deepEqual((await readElfInfo(img)).importedSymbols, ["a", "b"]);
      // Header (nbuckets=1, symoffset=1, bloom size=1, shift=6), one bloom word, one bucket, then
      // one chain word per symbol.
      const hashStart = img.indexOf(Buffer.from([1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 6, 0, 0, 0]));
      assert.ok(hashStart > 0);
      const bucket = hashStart + 16 + 8;
      // Without end markers the walk runs into the following bytes: it must stop (at the next odd
      // word or the end of the file), quickly, with a result or a typed error.
      const open = Buffer.from(img);
      for (const o of [bucket + 4, bucket + 8]) open[o] = open[o]! & ~1;
      const r = await outcome(open, "unterminated chain");
      assert.ok(r.ms < 1000);
      // A bucket far past the table: the chain would start outside the file.
      for (const [value, field] of [[100_000, /DT_GNU_HASH chains/], [0x7fffffff, /DT_GNU_HASH largest bucket/]] as const) {
        const far = Buffer.from(img);
        far.writeUInt32LE(value, bucket);
        await assert.rejects(readElfInfo(far), (e) => isMkError(e) && e.code === "E_PACKAGE" && field.test(String(e.details?.field)));
      }
    });

    test("symbol names pointing past the string table", async () => {
      const img = syntheticElf({ is64: false, le: false, machine: 22, imports: ["puts"], hash: "sysv" });
      const info = await readElfInfo(img);
      assert.deepEqual(info.importedSymbols, ["puts"]);
      // st_name of symbol 1 is the first 4 bytes after the 16-byte null symbol in .dynsym.
      const dynsym = img.indexOf(Buffer.concat([Buffer.alloc(16), Buffer.from([0, 0, 0, 1])]));
      assert.ok(dynsym > 0);
      img.writeUInt32BE(0x7fff0000, dynsym + 16);
      await assert.rejects(readElfInfo(img), (e) => isMkError(e) && e.code === "E_PACKAGE" && /st_name/.test(String(e.details?.field)));
    });

    test("overlapping tables (program headers read from inside the ELF header) do not confuse the reader", async () => {
      const buf = Buffer.from(real);
      buf.writeBigUInt64LE(0n, 32); // e_phoff = 0: the table overlaps the ELF header
      const r = await outcome(buf, "overlapping tables");
      assert.ok(r.result === "ok" || r.result === "typed-error");
    });
  });
});
