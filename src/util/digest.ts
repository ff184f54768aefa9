/** Content digests in OCI form (`sha256:<hex>`). */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stableJson } from "./fs.js";

export type Digest = `sha256:${string}`;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function sha256Digest(data: string | Uint8Array): Digest {
  return `sha256:${sha256Hex(data)}`;
}

export async function sha256File(path: string): Promise<Digest> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
}

/** Digest of a JSON-able value, independent of key order. */
export function digestOfJson(value: unknown): Digest {
  return sha256Digest(stableJson(value));
}

const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

export function isDigest(value: string): value is Digest {
  return DIGEST_RE.test(value);
}
