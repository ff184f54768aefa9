/**
 * ECDSA P-256 key pairs: generation (private key as encrypted PKCS#8 PEM), loading, passphrases.
 * Cosign's `ENCRYPTED SIGSTORE PRIVATE KEY` files (scrypt + NaCl secretbox) load too (cosign-key.ts).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFile } from "node:fs/promises";
import { MkError } from "../errors.js";
import { sha256Hex } from "../util/digest.js";
import { decryptCosignKey, isCosignKeyPem } from "./cosign-key.js";

export const PASSWORD_ENV = "MK_KEY_PASSWORD";

export interface GeneratedKeyPair {
  privateKeyPem: string;
  publicKeyPem: string;
}

export function generateKeyPair(passphrase: string): GeneratedKeyPair {
  if (passphrase.length === 0) {
    throw new MkError("E_USAGE", "refusing to write an unencrypted private key: the passphrase is empty", {
      hint: `set ${PASSWORD_ENV} or pass --password-file with a non-empty passphrase`,
    });
  }
  const { privateKey, publicKey } = generateKeyPairSync("ec", {
    namedCurve: "P-256",
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem", cipher: "aes-256-cbc", passphrase },
  });
  return { privateKeyPem: privateKey, publicKeyPem: publicKey };
}

/** Passphrase from --password-file (first line) or the env var; never logged. */
export async function readPassphrase(opts: { passwordFile?: string; env?: Record<string, string | undefined> }): Promise<string> {
  if (opts.passwordFile) {
    const text = await readFile(opts.passwordFile, "utf8").catch((e: unknown) => {
      throw new MkError("E_NOT_FOUND", `cannot read password file ${opts.passwordFile}`, { cause: e, hint: "check the path and its permissions" });
    });
    return text.replace(/\r?\n$/, "");
  }
  const fromEnv = (opts.env ?? process.env)[PASSWORD_ENV];
  if (fromEnv === undefined) {
    throw new MkError("E_USAGE", "no key passphrase given", { hint: `set ${PASSWORD_ENV} or pass --password-file <file>` });
  }
  return fromEnv;
}

export function loadPrivateKey(pem: string, passphrase: string, file = "<private key>"): KeyObject {
  if (isCosignKeyPem(pem)) {
    const key = decryptCosignKey(pem, passphrase, file);
    assertP256(key, file);
    return key;
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: "pem", passphrase });
  } catch (e) {
    throw new MkError("E_USAGE", `cannot decrypt private key ${file}: wrong passphrase or not a PKCS#8 PEM key`, {
      cause: e,
      hint: `check ${PASSWORD_ENV} / --password-file`,
    });
  }
  assertP256(key, file);
  return key;
}

export function loadPublicKey(pem: string, file = "<public key>"): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (e) {
    throw new MkError("E_USAGE", `${file} is not a PEM public key`, { cause: e, hint: "pass the .pub file `mailknight key generate` wrote" });
  }
  assertP256(key, file);
  return key;
}

function assertP256(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== "ec" || key.asymmetricKeyDetails?.namedCurve !== "prime256v1") {
    throw new MkError("E_USAGE", `${file} is not an ECDSA P-256 key (found ${key.asymmetricKeyType ?? "?"} ${key.asymmetricKeyDetails?.namedCurve ?? ""})`, {
      hint: "Mailknight signs with ECDSA P-256 keys only",
    });
  }
}

/** Key hint: hex sha256 of the DER SubjectPublicKeyInfo, stable and non-secret. */
export function keyHint(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: "spki", format: "der" }));
}
