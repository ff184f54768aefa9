/**
 * Subresource Integrity strings (`sha512-<base64> sha1-<base64>`), as npm writes `integrity`,
 * → hashes in hex. Only algorithms with a correct digest length are kept: a truncated or made-up
 * value must not end up in an SBOM as if it were a digest.
 */
import type { ParsedPackage } from "../types.js";

type Hash = NonNullable<ParsedPackage["hashes"]>[number];

const ALGORITHMS: Record<string, [Hash["alg"], number]> = {
  sha1: ["SHA-1", 20],
  sha256: ["SHA-256", 32],
  sha384: ["SHA-384", 48],
  sha512: ["SHA-512", 64],
  md5: ["MD5", 16],
};

const MAX_SRI_LENGTH = 4096;

/** The hashes in an SRI string; `invalid` counts the parts that were not usable. */
export function sriToHashes(sri: string): { hashes: Hash[]; invalid: number } {
  const hashes: Hash[] = [];
  let invalid = 0;
  if (sri.length > MAX_SRI_LENGTH) return { hashes, invalid: 1 };
  for (const part of sri.trim().split(/\s+/)) {
    if (part === "") continue;
    const m = /^([a-z0-9]+)-([A-Za-z0-9+/]+={0,2})(\?.*)?$/.exec(part);
    const alg = m ? ALGORITHMS[m[1]!] : undefined;
    if (!m || !alg) {
      invalid++;
      continue;
    }
    const digest = Buffer.from(m[2]!, "base64");
    if (digest.length !== alg[1]) {
      invalid++;
      continue;
    }
    const hex = digest.toString("hex");
    if (!hashes.some((h) => h.alg === alg[0] && h.content === hex)) hashes.push({ alg: alg[0], content: hex });
  }
  return { hashes, invalid };
}
