/**
 * Hostile input for parseGoBinary: truncated, mutated and random images. The parser must return
 * undefined or a result (with warnings), never throw, never report an internal error (that is
 * the catch-all for a missed bounds check), and stay fast. Mutations come from a seeded PRNG,
 * so a failure names the seed and iteration to reproduce it.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { before, describe, test } from "node:test";
import { prng } from "../../inspect/testing/elf-fixtures.js";
import { parseGoBinary, type ParseResult } from "./index.js";
import { hasTool } from "./testing/cache.js";
import { goFixtures } from "./testing/go-fixtures.js";
import { syntheticGoElf } from "./testing/go-synthetic.js";

const noGo = !(await hasTool("go", ["version"])) && "Debian's golang-go is not installed (scripts/install-deps.sh installs it)";
const MAGIC = Buffer.from("\xff Go buildinf:", "latin1");

function checked(bytes: Uint8Array, context: string): { result: ParseResult | undefined; ms: number } {
  const t0 = performance.now();
  let result: ParseResult | undefined;
  try {
    result = parseGoBinary(bytes, "fuzz");
  } catch (e) {
    assert.fail(`${context}: threw ${(e as Error)?.stack ?? String(e)}`);
  }
  const ms = performance.now() - t0;
  if (result) {
    assert.ok(Array.isArray(result.packages) && Array.isArray(result.warnings), context);
    assert.ok(!result.warnings.some((w) => w.includes("internal error")), `${context}: ${result.warnings.join("\n")}`);
    assert.ok(result.warnings.length <= 101, `${context}: warnings are capped`);
  }
  return { result, ms };
}

const MODINFO =
  "path\texample.com/m\nmod\texample.com/m\tv1.0.0\t\ndep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=\n=>\t../text\t\t\nbuild\tGOOS=linux\n";

describe("parseGoBinary on hostile input", { skip: noGo }, () => {
  let real: Buffer;
  let blobAt: number;
  before(async () => {
    real = await readFile((await goFixtures()).bin["deps-ldflags-vcs"]);
    blobAt = real.indexOf(MAGIC);
    assert.ok(blobAt > 0);
  });

  test("truncations of a real binary: undefined or a result, never a throw", () => {
    const lengths = new Set<number>();
    for (let n = 0; n < 256; n++) lengths.add(n);
    for (let n = 0; n < real.length; n += Math.ceil(real.length / 300)) lengths.add(n);
    for (let n = blobAt - 64; n < blobAt + 1024; n++) lengths.add(n); // cut through the header and the strings
    for (let n = real.length - 4096; n < real.length; n += 7) lengths.add(n); // cut through the section headers
    let found = 0;
    let slowest = 0;
    for (const n of lengths) {
      const { result, ms } = checked(real.subarray(0, n), `truncated to ${n} bytes`);
      slowest = Math.max(slowest, ms);
      if (result?.packages.length) found++;
    }
    // Cut after the module info, the segments still find it even though section headers are gone.
    assert.ok(checked(real.subarray(0, blobAt + 1024), "cut after the blob").result?.packages.length === 3);
    assert.ok(found > 0);
    // Generous: a parse takes about a millisecond, but a loaded CI machine can stall any one of them.
    assert.ok(slowest < 2000, `slowest parse took ${slowest.toFixed(0)} ms`);
  });

  test("3000 seeded mutations of a real binary (headers, blob, module info, section table)", () => {
    const rnd = prng(0x60b1);
    const boundaries = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0xffffffff];
    const shoff = Number(real.readBigUInt64LE(40));
    let results = 0;
    let undef = 0;
    const started = performance.now();
    // Mutate in place and restore afterwards: copying a 1.5 MB binary 3000 times costs more than parsing it.
    const buf = real;
    for (let i = 0; i < 3000; i++) {
      const saved: [number, number][] = [];
      const edits = 1 + Math.floor(rnd() * 4);
      for (let k = 0; k < edits; k++) {
        const region = rnd();
        const off =
          region < 0.2
            ? Math.floor(rnd() * 64) // ELF header
            : region < 0.35
              ? 64 + Math.floor(rnd() * 7 * 56) // program headers
              : region < 0.7
                ? blobAt + Math.floor(rnd() * 600) // blob header, strings and module info
                : region < 0.9
                  ? shoff + Math.floor(rnd() * (real.length - shoff))
                  : Math.floor(rnd() * buf.length);
        for (let j = off; j < Math.min(off + 4, buf.length); j++) saved.push([j, buf[j]!]);
        const kind = rnd();
        if (kind < 0.4) buf[off] = Math.floor(rnd() * 256);
        else if (kind < 0.8 && off + 4 <= buf.length) buf.writeUInt32LE(boundaries[Math.floor(rnd() * boundaries.length)]!, off);
        else buf[off] = buf[off]! ^ (1 << Math.floor(rnd() * 8));
      }
      const { result } = checked(buf, `seed 0x60b1, iteration ${i}`);
      for (const [j, v] of saved.reverse()) buf[j] = v;
      if (result) results++;
      else undef++;
    }
    assert.ok(results > 0 && undef > 0, `both outcomes must occur: ${results} results, ${undef} undefined`);
    assert.ok(performance.now() - started < 20_000, "3000 parses must finish within 20 s");
  });

  for (const [is64, bigEndian] of [
    [false, true],
    [true, false],
  ] as const) {
    test(`2000 mutations of a pointer-format image (${is64 ? 64 : 32}-bit ${bigEndian ? "BE" : "LE"}): pointers and lengths anywhere`, () => {
      const base = syntheticGoElf({ is64, bigEndian, format: "pointer", withSections: is64, goVersion: "go1.16", modinfo: MODINFO });
      assert.equal(parseGoBinary(base, "base")?.packages.length, 2);
      const rnd = prng(is64 ? 0x9071 : 0x9072);
      const values = [0n, 1n, 0xffffffffn, 0x7fffffffn, 0x400000n, 0x10000n, 0xffffffffffffffffn, 0x1000000n];
      for (let i = 0; i < 2000; i++) {
        const buf = Buffer.from(base);
        const off = [0x1000 + 16, 0x1000 + 16 + (is64 ? 8 : 4), 0x2000, 0x2000 + (is64 ? 8 : 4), 0x2000 + (is64 ? 16 : 8), 0x2000 + (is64 ? 24 : 12)][Math.floor(rnd() * 6)]!;
        const v = values[Math.floor(rnd() * values.length)]! + BigInt(Math.floor(rnd() * 64));
        if (is64) buf.writeBigUInt64LE(v & 0xffffffffffffffffn, off);
        else buf.writeUInt32BE(Number(v & 0xffffffffn), off);
        if (rnd() < 0.2) buf[0x1000 + 14] = Math.floor(rnd() * 16);
        checked(buf, `pointer image iteration ${i}`);
      }
    });
  }

  test("impossible inline lengths, unaligned magic, huge counts in headers", () => {
    const inline = syntheticGoElf({ is64: true, bigEndian: false, format: "inline", withSections: true, goVersion: "go1.20", modinfo: MODINFO });
    // Version length as a 10-byte varint of 2^63.
    const huge = Buffer.from(inline);
    Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]).copy(huge, 0x1000 + 32);
    const r1 = checked(huge, "huge varint").result;
    assert.ok(r1 && r1.packages.length === 0 && r1.warnings.some((w) => /impossible length/.test(w)));
    // The magic moved to an unaligned offset is not build info (Go requires 16-byte alignment).
    const unaligned = Buffer.from(inline);
    unaligned.copy(unaligned, 0x1000 + 8, 0x1000, 0x1000 + 200);
    unaligned.fill(0, 0x1000, 0x1008);
    assert.equal(checked(unaligned, "unaligned").result, undefined);
    // e_shnum = 0xffff and e_phnum = 0xffff: tables that do not fit are dropped with a warning.
    const counts = Buffer.from(inline);
    counts.writeUInt16LE(0xffff, 60);
    counts.writeUInt16LE(0xffff, 56);
    const r3 = checked(counts, "huge counts").result;
    assert.equal(r3, undefined, "no table left to find the blob through");
    // The framing sentinels are missing: Go ignores such module info, and so do we (with a warning).
    const unframed = syntheticGoElf({ is64: false, bigEndian: false, format: "inline", withSections: true, goVersion: "go1.20", modinfo: "" });
    assert.deepEqual(checked(unframed, "no modinfo").result?.packages, []);
  });

  test("random bytes behind an ELF identification, with the magic planted at aligned offsets", () => {
    const rnd = prng(0x60b2);
    for (let i = 0; i < 1000; i++) {
      const buf = Buffer.alloc(256 + Math.floor(rnd() * 4096));
      for (let j = 0; j < buf.length; j++) buf[j] = Math.floor(rnd() * 256);
      Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1 + (i % 2), 1 + ((i >> 1) % 2)]).copy(buf);
      for (let at = 64; at + 32 < buf.length; at += 16 * (1 + Math.floor(rnd() * 32))) MAGIC.copy(buf, at);
      checked(buf, `random image ${i}`);
    }
  });
});
