/**
 * Streams an archive from http(s), file:// or a local path into a file while hashing it.
 * node:http is used rather than fetch() because fetch transparently decodes Content-Encoding,
 * and a server that labels a .tar.gz as `Content-Encoding: gzip` would then hand us different
 * bytes than the ones the pin hashes.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import { resolve as resolvePath } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { MkError } from "../errors.js";

export interface DownloadOptions {
  /** Abort when more bytes than this arrive. */
  maxBytes: number;
  /** Abort when the server sends nothing for this long. */
  idleTimeoutMs?: number;
  onProgress?: (done: number, total: number | undefined) => void;
}

export interface DownloadResult {
  bytes: number;
  sha256: string;
  sha512: string;
}

const MAX_REDIRECTS = 10;
/** Progress is reported at most every this many bytes (and once at the end). */
const PROGRESS_STEP = 256 * 1024;

interface Source {
  stream: Readable;
  total?: number;
}

/** Writes the bytes at `url` to `file` (which must not exist) and returns their digests. */
export async function downloadTo(url: string, file: string, opts: DownloadOptions): Promise<DownloadResult> {
  const source = await openSource(url, opts.idleTimeoutMs ?? 60_000);
  if (source.total !== undefined && source.total > opts.maxBytes) {
    source.stream.destroy();
    throw tooBig(url, opts.maxBytes);
  }
  const sha256 = createHash("sha256");
  const sha512 = createHash("sha512");
  const fh = await open(file, "wx", 0o644);
  let bytes = 0;
  let reported = 0;
  try {
    for await (const chunk of source.stream as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      if (bytes > opts.maxBytes) throw tooBig(url, opts.maxBytes);
      sha256.update(chunk);
      sha512.update(chunk);
      await fh.write(chunk);
      if (bytes - reported >= PROGRESS_STEP) {
        reported = bytes;
        opts.onProgress?.(bytes, source.total);
      }
    }
    await fh.sync();
  } catch (e) {
    source.stream.destroy();
    if (e instanceof MkError) throw e;
    throw new MkError("E_FETCH", `download of ${url} failed after ${bytes} bytes: ${(e as Error).message}`, {
      cause: e,
      hint: "check the network and the URL, then run again",
    });
  } finally {
    await fh.close();
  }
  if (source.total !== undefined && bytes !== source.total) {
    throw new MkError("E_FETCH", `download of ${url} ended after ${bytes} of ${source.total} bytes`, { hint: "the connection was cut; run again" });
  }
  opts.onProgress?.(bytes, source.total);
  return { bytes, sha256: sha256.digest("hex"), sha512: sha512.digest("hex") };
}

function tooBig(url: string, max: number): MkError {
  return new MkError("E_FETCH", `${url} is larger than the download limit of ${max} bytes`, {
    hint: "raise limits.maxDownloadBytes if this archive really is that large",
  });
}

async function openSource(url: string, idleTimeoutMs: number): Promise<Source> {
  if (/^https?:\/\//i.test(url)) return await openHttp(url, idleTimeoutMs, MAX_REDIRECTS);
  let path: string;
  if (/^file:/i.test(url)) {
    try {
      path = fileURLToPath(url);
    } catch (e) {
      throw new MkError("E_FETCH", `cannot read ${url}: ${(e as Error).message}`, { cause: e, hint: "file:// URLs must name a local absolute path (file:///srv/...)" });
    }
  }
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new MkError("E_FETCH", `cannot download ${url}: only http, https, file:// and local paths are supported`, {
      hint: "use an http(s) URL, or map the URL to a local copy with a mirror",
    });
  } else path = resolvePath(url);
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new Error("not a regular file");
    size = st.size;
  } catch (e) {
    throw new MkError("E_FETCH", `cannot read ${url} (${path}): ${(e as Error).message}`, {
      cause: e,
      hint: "check the path, or the mirror that maps to it",
    });
  }
  return { stream: createReadStream(path), total: size };
}

function openHttp(url: string, idleTimeoutMs: number, redirectsLeft: number): Promise<Source> {
  return new Promise<Source>((resolve, reject) => {
    const client = url.toLowerCase().startsWith("https:") ? https : http;
    // identity: we hash the bytes on the wire, so they must be the archive itself.
    const req = client.get(url, { headers: { "accept-encoding": "identity", "user-agent": "mailknight" } }, (res) => {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (status >= 300 && status < 400 && location) {
        res.resume();
        if (redirectsLeft <= 0) {
          reject(new MkError("E_FETCH", `${url}: more than ${MAX_REDIRECTS} redirects`, { hint: "the server redirects in a loop; use the final URL" }));
          return;
        }
        const next = new URL(location, url).toString();
        if (!/^https?:/i.test(next)) {
          reject(new MkError("E_FETCH", `${url} redirects to ${next}, which is not http(s)`));
          return;
        }
        openHttp(next, idleTimeoutMs, redirectsLeft - 1).then(resolve, reject);
        return;
      }
      if (status !== 200) {
        res.resume();
        reject(new MkError("E_FETCH", `${url}: HTTP ${status} ${res.statusMessage ?? ""}`.trimEnd(), {
          hint: status === 404 ? "the file is not there; check the URL and version in the recipe" : "check the URL and the server, then run again",
          details: { url, status },
        }));
        return;
      }
      const length = res.headers["content-length"];
      const total = length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
      resolve({ stream: res, total });
    });
    req.setTimeout(idleTimeoutMs, () => req.destroy(new Error(`no data for ${idleTimeoutMs} ms`)));
    req.on("error", (e) =>
      reject(new MkError("E_FETCH", `cannot download ${url}: ${e.message}`, { cause: e, hint: "check the network and the URL, then run again" })),
    );
  });
}
