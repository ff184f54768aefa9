import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateKeyPair, loadPrivateKey, loadPublicKey, readPassphrase, PASSWORD_ENV } from "./keys.js";
import { isMkError } from "../errors.js";
import { createPublicKey, generateKeyPairSync, randomBytes, scryptSync } from "node:crypto";
import { secretboxSeal } from "./secretbox.js";

test("generated private key is encrypted PKCS#8 and loads only with its passphrase", () => {
  const pair = generateKeyPair("s3cret");
  assert.match(pair.privateKeyPem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
  assert.match(pair.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  const key = loadPrivateKey(pair.privateKeyPem, "s3cret");
  assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.throws(() => loadPrivateKey(pair.privateKeyPem, "wrong"), (e) => isMkError(e) && e.code === "E_USAGE");
  assert.equal(loadPublicKey(pair.publicKeyPem).asymmetricKeyType, "ec");
});

test("an empty passphrase is refused rather than writing a plaintext key", () => {
  assert.throws(() => generateKeyPair(""), (e) => isMkError(e) && e.code === "E_USAGE");
});

/** Writes a key the way cosign does (go-securesystemslib encrypted.Encrypt with its defaults). */
function cosignPem(der: Buffer, passphrase: string, type = "ENCRYPTED SIGSTORE PRIVATE KEY", claimedN?: number): string {
  const N = 32768;
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = scryptSync(passphrase, salt, 32, { N, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const json = { kdf: { name: "scrypt", params: { N: claimedN ?? N, r: 8, p: 1 }, salt: salt.toString("base64") }, cipher: { name: "nacl/secretbox", nonce: nonce.toString("base64") }, ciphertext: Buffer.from(secretboxSeal(der, nonce, key)).toString("base64") };
  const body = Buffer.from(JSON.stringify(json)).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;
}

test("cosign-format keys (ENCRYPTED SIGSTORE / COSIGN PRIVATE KEY) load with the right passphrase only", () => {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const der = privateKey.export({ type: "pkcs8", format: "der" });
  for (const type of ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"]) {
    const pem = cosignPem(der, "cosign-pw", type);
    const loaded = loadPrivateKey(pem, "cosign-pw");
    assert.deepEqual(createPublicKey(loaded).export({ type: "spki", format: "der" }), publicKey.export({ type: "spki", format: "der" }));
    assert.throws(() => loadPrivateKey(pem, "wrong"), (e) => isMkError(e) && /wrong passphrase/.test(e.message));
  }
  assert.throws(() => loadPrivateKey(cosignPem(der, "x", undefined, 2 ** 22), "x"), (e) => isMkError(e) && /out of range/.test(e.message));
  const garbage = "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\neyJrZGYiOnt9fQ==\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n";
  assert.throws(() => loadPrivateKey(garbage, "x"), (e) => isMkError(e) && /unsupported kdf/.test(e.message));
});

test("passphrase comes from --password-file (first line) before the env var", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mk-keys-"));
  const file = join(dir, "pw");
  writeFileSync(file, "from-file\n");
  assert.equal(await readPassphrase({ passwordFile: file, env: { [PASSWORD_ENV]: "from-env" } }), "from-file");
  assert.equal(await readPassphrase({ env: { [PASSWORD_ENV]: "from-env" } }), "from-env");
  await assert.rejects(readPassphrase({ env: {} }), (e) => isMkError(e) && e.code === "E_USAGE");
});

test("a real cosign key (written by go-securesystemslib, empty passphrase) decrypts to a P-256 key", () => {
  const pem = readFileSync(new URL("testdata/cosign-empty-password.key", import.meta.url), "utf8");
  const key = loadPrivateKey(pem, "");
  assert.equal(key.asymmetricKeyDetails?.namedCurve, "prime256v1");
  assert.match(createPublicKey(key).export({ type: "spki", format: "pem" }).toString(), /MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEMk2x2CCtYaFNteFO9CDuOMyDP54D/);
  assert.throws(() => loadPrivateKey(pem, "not-empty"), (e) => isMkError(e) && /wrong passphrase/.test(e.message));
});
