/**
 * cosign's encrypted private keys (`ENCRYPTED SIGSTORE PRIVATE KEY`, older `ENCRYPTED COSIGN
 * PRIVATE KEY`): PEM around the JSON of go-securesystemslib's `encrypted` package —
 * `{"kdf":{"name":"scrypt","params":{"N","r","p"},"salt"},"cipher":{"name":"nacl/secretbox","nonce"},"ciphertext"}`
 * (byte fields base64) — whose plaintext is the PKCS#8 DER private key.
 */
import { createPrivateKey, scryptSync, type KeyObject } from "node:crypto";
import { MkError } from "../errors.js";
import { secretboxOpen } from "./secretbox.js";

export const COSIGN_PEM_TYPES = ["ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"] as const;

interface EncryptedData {
  kdf?: { name?: string; params?: { N?: number; r?: number; p?: number }; salt?: string };
  cipher?: { name?: string; nonce?: string };
  ciphertext?: string;
}

export function isCosignKeyPem(pem: string): boolean {
  return COSIGN_PEM_TYPES.some((t) => pem.includes(`-----BEGIN ${t}-----`));
}

function bad(file: string, what: string): MkError {
  return new MkError("E_USAGE", `${file} is not a readable cosign key: ${what}`, { hint: "check the file; cosign writes these with `cosign generate-key-pair`" });
}

export function decryptCosignKey(pem: string, passphrase: string, file = "<private key>"): KeyObject {
  const m = /-----BEGIN ([A-Z ]+)-----([\s\S]*?)-----END \1-----/.exec(pem);
  if (!m || !COSIGN_PEM_TYPES.includes(m[1] as (typeof COSIGN_PEM_TYPES)[number])) throw bad(file, "no ENCRYPTED SIGSTORE/COSIGN PRIVATE KEY block");
  let data: EncryptedData;
  try {
    data = JSON.parse(Buffer.from((m[2] ?? "").replace(/\s+/g, ""), "base64").toString("utf8")) as EncryptedData;
  } catch {
    throw bad(file, "the PEM body is not base64 JSON");
  }
  const { kdf, cipher } = data;
  if (kdf?.name !== "scrypt" || cipher?.name !== "nacl/secretbox") throw bad(file, `unsupported kdf ${JSON.stringify(kdf?.name)} / cipher ${JSON.stringify(cipher?.name)} (scrypt + nacl/secretbox only)`);
  const { N, r, p } = kdf.params ?? {};
  // Bounds keep a hostile file from making scrypt allocate gigabytes; cosign uses N=2^15, r=8, p=1.
  if (!Number.isInteger(N) || !Number.isInteger(r) || !Number.isInteger(p) || (N as number) < 2 || (N as number) > 2 ** 20 || (r as number) > 32 || (p as number) > 16) {
    throw bad(file, `scrypt parameters out of range (N=${String(N)}, r=${String(r)}, p=${String(p)})`);
  }
  const salt = Buffer.from(kdf.salt ?? "", "base64");
  const nonce = Buffer.from(cipher.nonce ?? "", "base64");
  const box = Buffer.from(data.ciphertext ?? "", "base64");
  if (salt.length === 0 || nonce.length !== 24 || box.length <= 16) throw bad(file, "salt, nonce or ciphertext missing or of the wrong size");
  const key = scryptSync(passphrase, salt, 32, { N: N as number, r: r as number, p: p as number, maxmem: 256 * (N as number) * (r as number) + 1024 * 1024 });
  const der = secretboxOpen(box, nonce, key);
  if (!der) throw new MkError("E_USAGE", `cannot decrypt cosign key ${file}: wrong passphrase (or the file was modified)`, { hint: "check MK_KEY_PASSWORD / --password-file (cosign reads COSIGN_PASSWORD)" });
  try {
    return createPrivateKey({ key: Buffer.from(der), format: "der", type: "pkcs8" });
  } catch (e) {
    throw new MkError("E_USAGE", `cosign key ${file} decrypts but is not a PKCS#8 private key`, { cause: e });
  }
}
