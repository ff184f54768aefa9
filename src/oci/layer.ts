/**
 * Deterministic layers: a directory tree (or an in-memory entry list) → a gzip'd tar blob in a
 * layout, with its diffID. Same input, same bytes: entries in a fixed order, uid/gid 0, no user
 * names, mtime = SOURCE_DATE_EPOCH, no atime/ctime, fixed gzip header.
 *
 * Order: depth-first, each directory's names sorted by their bytes, a directory before its
 * contents (the order of GNU `tar --sort=name`).
 *
 * Hostile trees: symlinks are stored as symlinks and never followed (files are opened with
 * O_NOFOLLOW and re-checked with fstat, so a file swapped for a link mid-walk is caught, not read
 * through). Hard links within the tree become tar hard links. Sockets cannot be represented in tar
 * and are refused. Device nodes and FIFOs are refused by default — a layer built from build output
 * has no business carrying them and the runtime provides /dev — and stored as tar device/FIFO
 * entries with `devices: "store"` (e.g. for a debootstrapped rootfs that has /dev/null). Names and
 * link targets must be valid UTF-8 (the encoding pax headers require); others are refused.
 *
 * File system access during the walk is synchronous on purpose: the tree is read from the page
 * cache at memory speed, while the thread pool is left to the compressors. Going through the
 * async fs API costs a thread-pool round trip per open/stat/read/close, which on a rootfs of
 * ten thousand small files is slower than the compression itself.
 */
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  readdirSync,
  readlinkSync,
  statSync,
  writeSync,
  type BigIntStats,
} from "node:fs";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import type { Digest } from "../util/digest.js";
import { ParallelGzipWriter, type ParallelGzipOptions } from "./gzip.js";
import type { OciLayout } from "./layout.js";
import { MediaType, type Descriptor } from "./spec.js";
import { BLOCK, END_OF_ARCHIVE, encodeHeader, paddingFor, type TarEntryType, type TarHeader } from "./tar.js";

export interface LayerEntryInfo {
  /** Path in the layer (no leading `/`). */
  path: string;
  type: TarEntryType;
  mode: number;
  size: number;
  /** Symlink target, or the layer path a hard link points to. */
  linkTarget?: string;
}

export interface LayerResult {
  descriptor: Descriptor;
  /** sha256 of the uncompressed tar: goes into the image config's rootfs.diff_ids. */
  diffId: Digest;
  uncompressedSize: number;
  entries: LayerEntryInfo[];
}

export interface LayerWriteOptions {
  /** Seconds since the epoch, used as every entry's mtime. */
  sourceDateEpoch: number;
  /** Gzip tuning; the defaults are what the benchmark was tuned with. */
  gzip?: ParallelGzipOptions;
}

export interface DirLayerOptions extends LayerWriteOptions {
  /** Place the tree under this path in the layer (e.g. `opt/app`); parents are added as 0755 dirs. */
  prefix?: string;
  /**
   * Return false to leave an entry out (a directory: with everything under it). `relPath` is
   * relative to the root directory, `/`-separated, without the prefix.
   */
  filter?: (relPath: string, info: { type: TarEntryType | "socket"; mode: number; size: number }) => boolean;
  /** Device nodes and FIFOs: refuse (default) or store them as such. */
  devices?: "reject" | "store";
}

/** One entry of an in-memory layer (generated files such as /etc/passwd). */
export interface MemoryEntry {
  path: string;
  type: "file" | "dir" | "symlink" | "hardlink";
  /** Defaults: 0644 for files, 0755 for directories, 0777 for symlinks. */
  mode?: number;
  uid?: number;
  gid?: number;
  data?: string | Uint8Array;
  /** Symlink target, or the layer path of the file a hard link points to. */
  linkTarget?: string;
}

/** Compares two layer paths component by component, by bytes: the order entries are written in. */
export function compareLayerPaths(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(Buffer.from(pa[i] as string), Buffer.from(pb[i] as string));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}

/**
 * Normalises a path inside a layer: strips leading/trailing `/` and refuses `.`/`..`/empty
 * components, which would let an entry land outside where it was meant to go.
 */
export function normalizeLayerPath(path: string, what: string): string {
  const trimmed = path.replace(/^\/+/, "").replace(/\/+$/, "");
  const parts = trimmed.split("/");
  if (trimmed === "" || parts.some((p) => p === "" || p === "." || p === "..")) {
    throw new MkError("E_OCI", `${what} ${JSON.stringify(path)} is not a valid path inside a layer`, {
      hint: "use a relative path like usr/local/bin without empty, '.' or '..' components",
    });
  }
  return trimmed;
}

function checkEpoch(epoch: number): void {
  if (!Number.isSafeInteger(epoch) || epoch < 0) {
    throw new MkError("E_OCI", `sourceDateEpoch must be a non-negative integer number of seconds, got ${epoch}`, {
      hint: "set SOURCE_DATE_EPOCH to e.g. the commit time of the source (`git log -1 --format=%ct`)",
    });
  }
}

/** Streams tar bytes into the gzip writer, which writes to a temp file in the layout. */
class LayerSink {
  readonly entries: LayerEntryInfo[] = [];
  private closed = false;
  private constructor(
    readonly gz: ParallelGzipWriter,
    private readonly fd: number,
    private readonly tmp: string,
    private readonly layout: OciLayout,
  ) {}

  static async open(layout: OciLayout, gzipOpts: ParallelGzipOptions | undefined): Promise<LayerSink> {
    const tmp = await layout.tempPath("layer");
    const fd = openSync(tmp, "wx", 0o644);
    const gz = new ParallelGzipWriter((data) => {
      let off = 0;
      while (off < data.byteLength) off += writeSync(fd, data, off, data.byteLength - off);
    }, gzipOpts);
    return new LayerSink(gz, fd, tmp, layout);
  }

  async header(h: TarHeader): Promise<void> {
    await this.gz.write(encodeHeader(h));
    const info: LayerEntryInfo = { path: h.path, type: h.type, mode: h.mode, size: h.type === "file" ? h.size : 0 };
    if (h.linkname !== undefined) info.linkTarget = h.linkname;
    this.entries.push(info);
  }

  async pad(size: number): Promise<void> {
    const n = paddingFor(size);
    if (n > 0) await this.gz.write(ZEROS.subarray(0, n));
  }

  async finish(): Promise<LayerResult> {
    await this.gz.write(END_OF_ARCHIVE);
    const r = await this.gz.finish();
    fsyncSync(this.fd);
    this.close();
    const descriptor = await this.layout.putBlobFile(this.tmp, MediaType.layerTarGzip, r.compressedDigest, r.compressedSize);
    return { descriptor, diffId: r.uncompressedDigest, uncompressedSize: r.uncompressedSize, entries: this.entries };
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }

  /** Cleans up after a failure: no fd leaks, no temp file left in the layout. */
  async abort(): Promise<void> {
    await this.gz.abandon();
    this.close();
    await rm(this.tmp, { force: true });
  }
}

const ZEROS = Buffer.alloc(BLOCK);

async function withSink(layout: OciLayout, opts: LayerWriteOptions, body: (sink: LayerSink) => Promise<void>): Promise<LayerResult> {
  checkEpoch(opts.sourceDateEpoch);
  const sink = await LayerSink.open(layout, opts.gzip);
  try {
    await body(sink);
    return await sink.finish();
  } catch (e) {
    await sink.abort();
    throw e;
  }
}

/** Adds the parent directories of a prefix (`opt` for `opt/app`), mode 0755. */
async function writePrefixParents(sink: LayerSink, prefix: string, mtime: number): Promise<void> {
  const parts = prefix.split("/");
  for (let i = 1; i < parts.length; i++) {
    await sink.header({ path: parts.slice(0, i).join("/"), type: "dir", mode: 0o755, size: 0, mtime, uid: 0, gid: 0 });
  }
}

function utf8Name(raw: Buffer, where: string): string {
  const s = raw.toString("utf8");
  if (!Buffer.from(s, "utf8").equals(raw)) {
    throw new MkError("E_OCI", `${where}: name ${JSON.stringify(s)} is not valid UTF-8 and cannot be stored exactly in a layer`, {
      hint: "rename the file to a UTF-8 name, or leave it out with a filter",
    });
  }
  return s;
}

function typeOf(st: BigIntStats): TarEntryType | "socket" | undefined {
  if (st.isFile()) return "file";
  if (st.isDirectory()) return "dir";
  if (st.isSymbolicLink()) return "symlink";
  if (st.isCharacterDevice()) return "char";
  if (st.isBlockDevice()) return "block";
  if (st.isFIFO()) return "fifo";
  if (st.isSocket()) return "socket";
  return undefined;
}

/** Runs one file-system read of the walk, turning a failure into an error that names the path. */
function readTree<T>(path: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "error";
    throw new MkError("E_OCI", `cannot read ${path} while building a layer (${code}): ${(e as Error).message}`, {
      cause: e,
      hint: code === "ENOENT" ? "the tree changed while it was being packaged; make sure nothing writes to it meanwhile" : "check the permissions of the tree",
    });
  }
}

/** Linux dev_t → major/minor (glibc's gnu_dev_major/minor encoding). */
function devNumbers(rdev: bigint): { devmajor: number; devminor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { devmajor: Number(major), devminor: Number(minor) };
}

/**
 * Writes a layer from the tree at `rootDir` into `layout`. The root itself may be reached through
 * a symlink (it is the caller's choice of path); nothing below it is.
 */
export async function writeLayerFromDir(layout: OciLayout, rootDir: string, opts: DirLayerOptions): Promise<LayerResult> {
  let rootStat: BigIntStats;
  try {
    rootStat = statSync(rootDir, { bigint: true });
  } catch (e) {
    throw new MkError("E_NOT_FOUND", `layer source directory ${rootDir} does not exist`, { cause: e, hint: "check the path" });
  }
  if (!rootStat.isDirectory()) {
    throw new MkError("E_OCI", `layer source ${rootDir} is not a directory`, { hint: "pass the directory whose contents form the layer" });
  }
  const prefix = opts.prefix === undefined ? undefined : normalizeLayerPath(opts.prefix, "layer prefix");
  const mtime = opts.sourceDateEpoch;
  const devices = opts.devices ?? "reject";
  // (dev, inode) of files already stored → their layer path, for hard links.
  const seen = new Map<string, string>();

  return await withSink(layout, opts, async (sink) => {
    if (prefix !== undefined) {
      await writePrefixParents(sink, prefix, mtime);
      await sink.header({ path: prefix, type: "dir", mode: Number(rootStat.mode) & 0o7777, size: 0, mtime, uid: 0, gid: 0 });
    }

    const walk = async (absDir: string, relDir: string): Promise<void> => {
      const names = readTree(absDir, () => readdirSync(absDir, { encoding: "buffer" }) as Buffer[]).sort(Buffer.compare);
      for (const raw of names) {
        const name = utf8Name(raw, join(absDir, raw.toString("utf8")));
        const rel = relDir === "" ? name : `${relDir}/${name}`;
        const abs = join(absDir, name);
        const layerPath = prefix === undefined ? rel : `${prefix}/${rel}`;
        const st = readTree(abs, () => lstatSync(abs, { bigint: true }));
        const type = typeOf(st);
        const mode = Number(st.mode) & 0o7777;
        if (type === undefined) throw new MkError("E_OCI", `${abs} has an unknown file type`, { hint: "leave it out with a filter" });
        if (opts.filter && !opts.filter(rel, { type, mode, size: type === "file" ? Number(st.size) : 0 })) continue;
        const base = { path: layerPath, mode, mtime, uid: 0, gid: 0 };
        switch (type) {
          case "dir":
            await sink.header({ ...base, type, size: 0 });
            await walk(abs, rel);
            break;
          case "symlink": {
            const target = utf8Name(readTree(abs, () => readlinkSync(abs, { encoding: "buffer" })), `symlink ${abs}`);
            await sink.header({ ...base, type, size: 0, linkname: target });
            break;
          }
          case "file":
            await writeFileEntry(sink, abs, st, base, seen);
            break;
          case "char":
          case "block":
          case "fifo":
            if (devices !== "store") {
              throw new MkError("E_OCI", `${abs} is a ${type === "fifo" ? "FIFO" : `${type} device`}; layers built from a directory refuse device nodes and FIFOs by default`, {
                hint: "remove it from the tree, leave it out with a filter, or pass devices: \"store\" to keep it",
              });
            }
            await sink.header({ ...base, type, size: 0, ...(type === "fifo" ? {} : devNumbers(st.rdev)) });
            break;
          case "socket":
            throw new MkError("E_OCI", `${abs} is a socket, which a tar layer cannot hold`, {
              hint: "remove it from the tree or leave it out with a filter",
            });
        }
      }
    };
    await walk(rootDir, "");
  });
}

async function writeFileEntry(
  sink: LayerSink,
  abs: string,
  st: BigIntStats,
  base: { path: string; mode: number; mtime: number; uid: number; gid: number },
  seen: Map<string, string>,
): Promise<void> {
  const key = `${st.dev}:${st.ino}`;
  if (st.nlink > 1n) {
    const first = seen.get(key);
    if (first !== undefined) {
      await sink.header({ ...base, type: "hardlink", size: 0, linkname: first });
      return;
    }
  }
  let fd: number;
  try {
    // O_NOFOLLOW: if the file was replaced by a symlink since lstat, fail instead of reading
    // through it. O_NONBLOCK: a FIFO swapped in cannot hang the walk.
    fd = openSync(abs, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  } catch (e) {
    throw new MkError("E_OCI", `cannot read ${abs}: ${(e as Error).message}`, {
      cause: e,
      hint: "the tree changed while it was being packaged, or the file is unreadable; make sure nothing writes to it meanwhile",
    });
  }
  try {
    const fst = fstatSync(fd, { bigint: true });
    if (!fst.isFile() || fst.ino !== st.ino || fst.dev !== st.dev) {
      throw new MkError("E_OCI", `${abs} was replaced while it was being packaged`, { hint: "make sure nothing writes to the tree while a layer is built from it" });
    }
    const size = Number(fst.size);
    await sink.header({ ...base, type: "file", size });
    await sink.gz.fill(
      size,
      (buf, offset, length) => readSync(fd, buf, offset, length, null),
      (got) =>
        new MkError("E_OCI", `${abs} shrank from ${size} to ${got} bytes while it was being packaged`, {
          hint: "make sure nothing writes to the tree while a layer is built from it",
        }),
    );
    await sink.pad(size);
  } finally {
    closeSync(fd);
  }
  if (st.nlink > 1n) seen.set(key, base.path);
}

/**
 * Writes a layer from in-memory entries (generated files such as /etc/passwd). Entries are sorted
 * into layer order; missing parent directories are added (0755, root-owned); duplicates are refused.
 */
export async function writeLayerFromEntries(layout: OciLayout, entries: MemoryEntry[], opts: LayerWriteOptions): Promise<LayerResult> {
  const byPath = new Map<string, MemoryEntry>();
  for (const e of entries) {
    const path = normalizeLayerPath(e.path, "layer entry path");
    if (byPath.has(path)) {
      throw new MkError("E_OCI", `layer entry ${JSON.stringify(path)} is listed twice`, { hint: "give each path once" });
    }
    for (const id of [e.uid, e.gid]) {
      if (id !== undefined && (!Number.isSafeInteger(id) || id < 0)) {
        throw new MkError("E_OCI", `layer entry ${JSON.stringify(path)} has uid/gid ${id}; ids are non-negative integers`, { hint: "fix the uid/gid" });
      }
    }
    if ((e.type === "symlink" || e.type === "hardlink") && !e.linkTarget) {
      throw new MkError("E_OCI", `layer entry ${JSON.stringify(path)} is a ${e.type} without a linkTarget`, { hint: "set linkTarget" });
    }
    if (e.type === "hardlink") {
      const target = normalizeLayerPath(e.linkTarget as string, `hard link target of ${path}`);
      const t = entries.find((x) => normalizeLayerPath(x.path, "layer entry path") === target);
      if (!t || t.type !== "file" || compareLayerPaths(target, path) >= 0) {
        throw new MkError("E_OCI", `hard link ${JSON.stringify(path)} must point to a regular file entry that sorts before it, got ${JSON.stringify(e.linkTarget)}`, {
          hint: "list the file itself and point the hard link at its path",
        });
      }
    }
    byPath.set(path, e);
  }
  for (const path of [...byPath.keys()]) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) {
      const parent = parts.slice(0, i).join("/");
      const existing = byPath.get(parent);
      if (existing === undefined) byPath.set(parent, { path: parent, type: "dir" });
      else if (existing.type !== "dir") {
        throw new MkError("E_OCI", `layer entry ${JSON.stringify(parent)} is a ${existing.type} but ${JSON.stringify(path)} is inside it`, {
          hint: "make the parent a directory entry",
        });
      }
    }
  }
  const sorted = [...byPath.entries()].sort((a, b) => compareLayerPaths(a[0], b[0]));
  const mtime = opts.sourceDateEpoch;
  return await withSink(layout, opts, async (sink) => {
    for (const [path, e] of sorted) {
      const defaultMode = e.type === "dir" ? 0o755 : e.type === "symlink" ? 0o777 : 0o644;
      const base = { path, mode: (e.mode ?? defaultMode) & 0o7777, mtime, uid: e.uid ?? 0, gid: e.gid ?? 0 };
      if (e.type === "file") {
        const data = typeof e.data === "string" ? Buffer.from(e.data, "utf8") : Buffer.from(e.data ?? new Uint8Array());
        await sink.header({ ...base, type: "file", size: data.byteLength });
        await sink.gz.write(data);
        await sink.pad(data.byteLength);
      } else if (e.type === "dir") {
        await sink.header({ ...base, type: "dir", size: 0 });
      } else if (e.type === "symlink") {
        await sink.header({ ...base, type: "symlink", size: 0, linkname: e.linkTarget as string });
      } else {
        await sink.header({ ...base, type: "hardlink", size: 0, linkname: normalizeLayerPath(e.linkTarget as string, "hard link target") });
      }
    }
  });
}
