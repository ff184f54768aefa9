/**
 * NaCl secretbox (XSalsa20-Poly1305) open/seal, for cosign's encrypted key files only.
 * node:crypto has neither XSalsa20 nor a NaCl-compatible secretbox and no NaCl library is a
 * dependency, so this is written from the spec (Bernstein, "Cryptography in NaCl"; RFC 8439 §2.5
 * for Poly1305) and tested against libsodium. Inputs are small (a PKCS#8 key), so clarity wins
 * over speed: Poly1305 uses BigInt. Not constant-time in the arithmetic; it only ever handles a
 * key file on the user's own machine, and the tag comparison is constant-time.
 */
import { timingSafeEqual } from "node:crypto";

const SIGMA = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];

function rotl(v: number, c: number): number {
  return ((v << c) | (v >>> (32 - c))) >>> 0;
}

/** The Salsa20 double-round applied 10 times to `x` in place. */
function rounds(x: Uint32Array): void {
  const qr = (a: number, b: number, c: number, d: number): void => {
    x[b] = (x[b]! ^ rotl((x[a]! + x[d]!) >>> 0, 7)) >>> 0;
    x[c] = (x[c]! ^ rotl((x[b]! + x[a]!) >>> 0, 9)) >>> 0;
    x[d] = (x[d]! ^ rotl((x[c]! + x[b]!) >>> 0, 13)) >>> 0;
    x[a] = (x[a]! ^ rotl((x[d]! + x[c]!) >>> 0, 18)) >>> 0;
  };
  for (let i = 0; i < 10; i++) {
    qr(0, 4, 8, 12); qr(5, 9, 13, 1); qr(10, 14, 2, 6); qr(15, 3, 7, 11); // columns
    qr(0, 1, 2, 3); qr(5, 6, 7, 4); qr(10, 11, 8, 9); qr(15, 12, 13, 14); // rows
  }
}

function initState(key: Uint8Array, in16: Uint8Array): Uint32Array {
  const k = new DataView(key.buffer, key.byteOffset, 32);
  const n = new DataView(in16.buffer, in16.byteOffset, 16);
  const s = new Uint32Array(16);
  s[0] = SIGMA[0]!; s[5] = SIGMA[1]!; s[10] = SIGMA[2]!; s[15] = SIGMA[3]!;
  for (let i = 0; i < 4; i++) {
    s[1 + i] = k.getUint32(i * 4, true);
    s[11 + i] = k.getUint32(16 + i * 4, true);
    s[6 + i] = n.getUint32(i * 4, true);
  }
  return s;
}

/** HSalsa20: derives XSalsa20's subkey from the key and the first 16 nonce bytes. */
function hsalsa20(key: Uint8Array, nonce16: Uint8Array): Uint8Array {
  const x = initState(key, nonce16);
  rounds(x);
  const out = new Uint8Array(32);
  const dv = new DataView(out.buffer);
  [0, 5, 10, 15, 6, 7, 8, 9].forEach((idx, i) => dv.setUint32(i * 4, x[idx]!, true));
  return out;
}

/** XSalsa20 keystream XOR `data`. */
function xsalsa20Xor(key: Uint8Array, nonce: Uint8Array, data: Uint8Array): Uint8Array {
  const sub = hsalsa20(key, nonce.subarray(0, 16));
  const out = new Uint8Array(data.length);
  const block = new Uint8Array(16);
  block.set(nonce.subarray(16, 24), 0);
  for (let off = 0, counter = 0; off < data.length; off += 64, counter++) {
    const bdv = new DataView(block.buffer);
    bdv.setUint32(8, counter >>> 0, true);
    bdv.setUint32(12, Math.floor(counter / 2 ** 32), true);
    const s = initState(sub, block);
    const x = s.slice();
    rounds(x);
    const ks = new Uint8Array(64);
    const kdv = new DataView(ks.buffer);
    for (let i = 0; i < 16; i++) kdv.setUint32(i * 4, (x[i]! + s[i]!) >>> 0, true);
    for (let i = 0; i < 64 && off + i < data.length; i++) out[off + i] = data[off + i]! ^ ks[i]!;
  }
  return out;
}

function leBig(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}

/** Poly1305 one-time authenticator (RFC 8439 §2.5.1). */
export function poly1305(key: Uint8Array, msg: Uint8Array): Uint8Array {
  const P = (1n << 130n) - 5n;
  const r = leBig(key.subarray(0, 16)) & 0x0ffffffc0ffffffc0ffffffc0fffffffn;
  const s = leBig(key.subarray(16, 32));
  let acc = 0n;
  for (let i = 0; i < msg.length; i += 16) {
    const chunk = msg.subarray(i, i + 16);
    acc = ((acc + leBig(chunk) + (1n << BigInt(8 * chunk.length))) * r) % P;
  }
  acc = (acc + s) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = Number((acc >> BigInt(8 * i)) & 0xffn);
  return out;
}

function check(key: Uint8Array, nonce: Uint8Array): void {
  if (key.length !== 32 || nonce.length !== 24) throw new Error("secretbox needs a 32-byte key and a 24-byte nonce");
}

/** crypto_secretbox_easy: tag (16 bytes) || ciphertext, as NaCl/libsodium and Go's secretbox.Seal. */
export function secretboxSeal(message: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array {
  check(key, nonce);
  const stream = xsalsa20Xor(key, nonce, new Uint8Array(32 + message.length));
  const polyKey = stream.subarray(0, 32);
  const c = new Uint8Array(message.length);
  for (let i = 0; i < message.length; i++) c[i] = message[i]! ^ stream[32 + i]!;
  const out = new Uint8Array(16 + c.length);
  out.set(poly1305(polyKey, c), 0);
  out.set(c, 16);
  return out;
}

/** Opens a sealed box; undefined when the tag does not verify (wrong key/passphrase or tampering). */
export function secretboxOpen(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | undefined {
  check(key, nonce);
  if (box.length < 16) return undefined;
  const tag = box.subarray(0, 16);
  const c = box.subarray(16);
  const stream = xsalsa20Xor(key, nonce, new Uint8Array(32 + c.length));
  if (!timingSafeEqual(Buffer.from(poly1305(stream.subarray(0, 32), c)), Buffer.from(tag))) return undefined;
  const m = new Uint8Array(c.length);
  for (let i = 0; i < c.length; i++) m[i] = c[i]! ^ stream[32 + i]!;
  return m;
}
