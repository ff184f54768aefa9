/**
 * The signer the workspace's `signing:` section describes, shared by the sign/attest stages and
 * the `sign`/`attest` commands. `method: auto` signs keyless when an OIDC token is present (GitLab
 * `id_tokens` mints one in the sign job) and with the configured key otherwise, so one
 * mailknight.yaml serves both a laptop and CI.
 *
 * signer.js (and with it @sigstore/sign, slow to load) is imported only when a signature is made,
 * so a cached `run` does not pay for it.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { MkError } from "../errors.js";
import { sha256Digest } from "../util/digest.js";
import type { Workspace } from "../workspace/workspace.js";
import { PASSWORD_ENV, loadPrivateKey, readPassphrase } from "./keys.js";
import { pathExists } from "../util/fs.js";
import type { MkSigner } from "./signer.js";

/** Same rule as signer.ts identityTokenFromEnv, which this module must not load eagerly. */
function hasIdentityToken(env: Record<string, string | undefined>): boolean {
  return (env.SIGSTORE_ID_TOKEN ?? "").trim() !== "";
}

export type SigningConfig = NonNullable<Workspace["config"]["signing"]>;

/** Which signer a run would use, without secrets: part of the sign/attest stages' cache key. */
export interface SignerIdentity {
  method: "key" | "keyless";
  /** Digest of the (encrypted) key file: changes when the key is replaced. */
  keyFile?: string;
  keyDigest?: string;
  fulcioUrl?: string;
  rekorUrl?: string;
  tsaUrl?: string;
  tlog?: boolean;
}

export function signingConfig(ws: Workspace): SigningConfig {
  const s = ws.config.signing;
  if (!s) {
    throw new MkError("E_CONFIG_INVALID", `${join(ws.root, "mailknight.yaml")} has no \`signing:\` section`, {
      hint: "add `signing: { key: keys/mailknight.key }` (after `mailknight key generate --output-prefix keys/mailknight`), or sign with `mailknight sign --key`",
    });
  }
  return s;
}

function keyPath(ws: Workspace, s: SigningConfig): string {
  if (!s.key) {
    throw new MkError("E_USAGE", `no signing identity: ${join(ws.root, "mailknight.yaml")} names no signing.key and SIGSTORE_ID_TOKEN is not set`, {
      hint: "set signing.key (see `mailknight key generate`), or run where an OIDC token is available (GitLab id_tokens: SIGSTORE_ID_TOKEN)",
    });
  }
  return resolve(ws.root, s.key);
}

async function readKeyFile(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (e) {
    throw new MkError("E_NOT_FOUND", `cannot read the signing key ${path}: ${(e as Error).message}`, {
      cause: e,
      hint: `create it with \`mailknight key generate --output-prefix ${path.replace(/\.key$/, "")}\`, or fix signing.key in mailknight.yaml`,
    });
  }
}

export async function signerIdentity(ws: Workspace, env: Record<string, string | undefined> = process.env): Promise<SignerIdentity> {
  const s = signingConfig(ws);
  const keyless = s.method === "keyless" || (s.method === "auto" && hasIdentityToken(env));
  if (keyless) return { method: "keyless", fulcioUrl: s.fulcioUrl, rekorUrl: s.rekorUrl, tsaUrl: s.tsaUrl, tlog: s.tlog };
  const path = keyPath(ws, s);
  return { method: "key", keyFile: path, keyDigest: sha256Digest(Buffer.from(await readKeyFile(path))) };
}

export async function configuredSigner(ws: Workspace, env: Record<string, string | undefined> = process.env): Promise<MkSigner> {
  const s = signingConfig(ws);
  const id = await signerIdentity(ws, env);
  const { identityTokenFromEnv, keySigner, keylessSigner } = await import("./signer.js");
  if (id.method === "keyless") {
    const token = identityTokenFromEnv(env);
    if (!token) {
      throw new MkError("E_USAGE", "signing.method is keyless but SIGSTORE_ID_TOKEN is not set", {
        hint: "in GitLab CI: id_tokens: { SIGSTORE_ID_TOKEN: { aud: sigstore } } on the sign job",
      });
    }
    return keylessSigner({ identityToken: token, fulcioURL: s.fulcioUrl, rekorURL: s.rekorUrl, tsaURL: s.tsaUrl, tlogUpload: s.tlog });
  }
  const path = id.keyFile as string;
  const passwordFile = s.passwordFile ? resolve(ws.root, s.passwordFile) : undefined;
  return keySigner(loadPrivateKey(await readKeyFile(path), await readPassphrase({ passwordFile, env }), path));
}

/**
 * Fails now, before a long build, when signing could not happen later: the key file is missing,
 * no passphrase source exists, or keyless signing has no OIDC token. Reads no secret.
 */
export async function checkSigningReady(ws: Workspace, env: Record<string, string | undefined> = process.env): Promise<void> {
  const s = signingConfig(ws);
  const id = await signerIdentity(ws, env);
  if (id.method === "keyless") {
    if (!hasIdentityToken(env)) {
      throw new MkError("E_USAGE", "signing.method is keyless but SIGSTORE_ID_TOKEN is not set", {
        hint: "in GitLab CI: id_tokens: { SIGSTORE_ID_TOKEN: { aud: sigstore } } on the sign job; locally, use method: auto with a key",
      });
    }
    return;
  }
  const passwordFile = s.passwordFile ? resolve(ws.root, s.passwordFile) : undefined;
  if (passwordFile ? !(await pathExists(passwordFile)) : env[PASSWORD_ENV] === undefined) {
    throw new MkError("E_USAGE", `no passphrase for the signing key ${id.keyFile}: ${passwordFile ? `${passwordFile} does not exist` : `${PASSWORD_ENV} is not set`}`, {
      hint: `set ${PASSWORD_ENV}, or signing.passwordFile in mailknight.yaml`,
    });
  }
}
