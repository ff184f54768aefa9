import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { poly1305, secretboxOpen, secretboxSeal } from "./secretbox.js";

// libsodium (Debian's libsodium23) through ctypes is the oracle for the whole construction.
const ORACLE = `
import ctypes, sys
lib = ctypes.CDLL("libsodium.so.23")
assert lib.sodium_init() >= 0
for line in sys.stdin:
    k, n, m = (bytes.fromhex(a) for a in line.split(","))
    out = ctypes.create_string_buffer(len(m) + 16)
    assert lib.crypto_secretbox_easy(out, m, ctypes.c_ulonglong(len(m)), n, k) == 0
    print(out.raw.hex())
`;

test("Poly1305 matches the RFC 8439 §2.5.2 test vector", () => {
  const key = Buffer.from("85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b", "hex");
  const tag = poly1305(key, Buffer.from("Cryptographic Forum Research Group"));
  assert.equal(Buffer.from(tag).toString("hex"), "a8061dc1305136c6c22b8baf0c0127a9");
});

test("secretbox seal is byte-identical to libsodium's crypto_secretbox_easy; open inverts it", (t) => {
  const cases = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 128, 200, 1000].map((len) => ({ k: randomBytes(32), n: randomBytes(24), m: randomBytes(len) }));
  const r = spawnSync("python3", ["-c", ORACLE], { input: cases.map((c) => `${c.k.toString("hex")},${c.n.toString("hex")},${c.m.toString("hex") || ""}`).join("\n") + "\n", encoding: "utf8" });
  if (r.status !== 0 && /libsodium|No such file|OSError/.test(r.stderr)) {
    t.skip(`libsodium not available as an oracle: ${r.stderr.trim().split("\n").at(-1) ?? ""}`);
    return;
  }
  assert.equal(r.status, 0, r.stderr);
  const expected = r.stdout.trim().split("\n");
  assert.equal(expected.length, cases.length);
  cases.forEach((c, i) => {
    const box = secretboxSeal(c.m, c.n, c.k);
    assert.equal(Buffer.from(box).toString("hex"), expected[i], `length ${c.m.length}`);
    assert.deepEqual(Buffer.from(secretboxOpen(box, c.n, c.k) ?? []), c.m);
  });
});

test("secretbox open rejects a flipped bit anywhere, a wrong key, a short box", () => {
  const k = randomBytes(32);
  const n = randomBytes(24);
  const box = secretboxSeal(Buffer.from("private key bytes"), n, k);
  for (const i of [0, 15, 16, box.length - 1]) {
    const bad = Buffer.from(box);
    bad[i] = (bad[i] as number) ^ 1;
    assert.equal(secretboxOpen(bad, n, k), undefined, `byte ${i}`);
  }
  assert.equal(secretboxOpen(box, n, randomBytes(32)), undefined);
  assert.equal(secretboxOpen(box.subarray(0, 10), n, k), undefined);
});
