/**
 * The state of one chunked blob upload, kept in a small JSON file so that a process killed
 * mid-upload (kill -9, a cancelled CI job) can continue the registry's upload session instead of
 * sending the blob again from byte 0.
 *
 * The file is a hint, never trusted: it is read with a size cap, validated field by field, and
 * must name the same registry, repository, digest and size as the upload at hand, with an upload
 * Location on the registry's own origin (so a planted file cannot make us send credentials or
 * bytes anywhere else). How many bytes the session really holds is always asked of the registry.
 */
import { createHash } from "node:crypto";
import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "../../util/fs.js";

export interface UploadState {
  version: 1;
  registry: string;
  repository: string;
  digest: string;
  size: number;
  /** Absolute upload URL the registry gave us last (the next PATCH goes there). */
  location: string;
  /** `Docker-Upload-UUID` of the session, when the registry sent one. */
  uuid?: string;
  /** Bytes the registry confirmed (the end of its last `Range` + 1). */
  confirmed: number;
}

const MAX_STATE_BYTES = 64 * 1024;

const schema = z.strictObject({
  version: z.literal(1),
  registry: z.string().min(1),
  repository: z.string().min(1),
  digest: z.string().regex(/^sha256:[a-f0-9]{64}$/),
  size: z.number().int().nonnegative(),
  location: z.string().min(1).max(8192),
  uuid: z.string().max(256).optional(),
  confirmed: z.number().int().nonnegative(),
});

/** Identifies one upload (registry, repository, blob) on disk: `<hash of registry/repo>-<hex>.json`. */
export function uploadStatePath(dir: string, registry: string, repository: string, digest: string): string {
  const scope = createHash("sha256").update(`${registry}\0${repository}`).digest("hex").slice(0, 16);
  const hex = /^sha256:([a-f0-9]{64})$/.exec(digest)?.[1] ?? createHash("sha256").update(digest).digest("hex");
  return join(dir, `${scope}-${hex}.json`);
}

/** Whether `location` may be used to continue an upload to `baseUrl`/`repository`. */
export function isOwnUploadLocation(location: string, baseUrl: string, repository: string): boolean {
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    return false;
  }
  return url.origin === new URL(baseUrl).origin && url.pathname.startsWith(`/v2/${repository}/blobs/uploads/`) && !url.pathname.includes("/../") && url.username === "" && url.password === "";
}

export interface Expected {
  registry: string;
  repository: string;
  digest: string;
  size: number;
  baseUrl: string;
}

/**
 * Reads the state file for this upload; undefined when there is none. A file that is unreadable,
 * not our JSON, or for another upload is removed (it can only mislead) and reported as `invalid`.
 */
export async function readUploadState(path: string, want: Expected): Promise<{ state?: UploadState; invalid?: string }> {
  let text: string;
  try {
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(MAX_STATE_BYTES + 1);
      const { bytesRead } = await fh.read(buf, 0, buf.byteLength, 0);
      if (bytesRead > MAX_STATE_BYTES) throw new Error(`larger than ${MAX_STATE_BYTES} bytes`);
      text = buf.subarray(0, bytesRead).toString("utf8");
    } finally {
      await fh.close();
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    await removeUploadState(path);
    return { invalid: `unreadable (${(e as Error).message})` };
  }
  let parsed: UploadState;
  try {
    parsed = schema.parse(JSON.parse(text)) as UploadState;
  } catch {
    await removeUploadState(path);
    return { invalid: "not an upload state file" };
  }
  const problem =
    parsed.registry !== want.registry ? `for registry ${parsed.registry}`
    : parsed.repository !== want.repository ? `for repository ${parsed.repository}`
    : parsed.digest !== want.digest ? `for blob ${parsed.digest}`
    : parsed.size !== want.size ? `for a blob of ${parsed.size} bytes`
    : parsed.confirmed > parsed.size ? `confirming ${parsed.confirmed} of ${parsed.size} bytes`
    : !isOwnUploadLocation(parsed.location, want.baseUrl, want.repository) ? "with an upload location outside the registry's upload endpoint"
    : undefined;
  if (problem) {
    await removeUploadState(path);
    return { invalid: problem };
  }
  return { state: parsed };
}

export async function writeUploadState(path: string, state: UploadState): Promise<void> {
  await writeJsonAtomic(path, state);
}

export async function removeUploadState(path: string): Promise<void> {
  await rm(path, { force: true });
}

/** `Range: 0-<last>` (or `bytes=0-<last>`) → last; undefined when absent or not of that form. */
export function parseUploadRange(header: string | null): number | undefined {
  const m = /^(?:bytes=)?0-(\d{1,15})$/.exec((header ?? "").trim());
  return m ? Number(m[1]) : undefined;
}
