/**
 * Yields the JSON entries of an OSV zip export (osv.dev's `<ecosystem>/all.zip`: one `<ID>.json`
 * per record) without extracting anything to disk. A zip is untrusted input, so the entry count,
 * each entry's size, the total inflated size and the compression ratio are capped before any byte
 * is inflated, and an entry must inflate to exactly its declared size (zlib stops at that size),
 * so a lying header cannot get past the caps.
 */
import { readFile, stat } from "node:fs/promises";
import { crc32, inflateRawSync } from "node:zlib";
import yauzl from "yauzl";
import { MkError } from "../../errors.js";

export interface ZipCaps {
  /** The archive is read into memory (one read instead of three per entry); osv.dev's largest export is a few hundred MB. */
  maxZipBytes: number;
  maxEntries: number;
  /** Largest single record; real ones stay under a few MB even with long `versions` lists. */
  maxEntryBytes: number;
  maxTotalBytes: number;
  /** Inflated/compressed; JSON compresses ~10-50x, zip bombs ~1000x and more. */
  maxRatio: number;
}

export const DEFAULT_ZIP_CAPS: ZipCaps = {
  maxZipBytes: 2 ** 31 - 1, // fs.readFile's own limit
  maxEntries: 2_000_000,
  maxEntryBytes: 32 * 1024 * 1024,
  maxTotalBytes: 8 * 1024 * 1024 * 1024,
  maxRatio: 1000,
};

export interface ZipTextEntry {
  name: string;
  text: string;
}

function refuse(zipPath: string, why: string): MkError {
  return new MkError("E_CONFIG_INVALID", `refusing ${zipPath}: ${why}`, {
    hint: "OSV exports are flat zips of <ID>.json files; download the export again from https://osv-vulnerabilities.storage.googleapis.com/<ecosystem>/all.zip",
  });
}

/**
 * Inflates one entry in a single synchronous step instead of through yauzl's per-entry stream
 * pipeline, which costs ~200 µs an entry (an osv.dev npm export has ~200,000). yauzl still parses
 * the central directory and the local header (and checks the data lies inside the file); the
 * output is capped at the declared size by zlib itself and must match it and the CRC-32 exactly.
 */
async function readEntry(zip: yauzl.ZipFile, archive: Buffer, entry: yauzl.Entry): Promise<Buffer> {
  const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
  const raw = archive.subarray(fileDataStart, fileDataStart + entry.compressedSize);
  if (raw.length !== entry.compressedSize) throw new Error("truncated entry data");
  let data: Buffer;
  if (entry.compressionMethod === 0) data = raw;
  else if (entry.compressionMethod === 8) {
    try {
      data = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    } catch (e) {
      throw new Error(`does not inflate to its declared ${entry.uncompressedSize} bytes (${(e as Error).message})`);
    }
  } else throw new Error(`uses compression method ${entry.compressionMethod}; only stored (0) and deflate (8) are read`);
  if (data.length !== entry.uncompressedSize) throw new Error(`inflates to ${data.length} bytes, its header says ${entry.uncompressedSize}`);
  if ((crc32(data) >>> 0) !== entry.crc32 >>> 0) throw new Error("CRC-32 mismatch (corrupt archive)");
  return data;
}

/** Yields `*.json` entries in archive order; other entries and directories are skipped and counted. */
export async function* readZipJsonEntries(zipPath: string, caps: ZipCaps = DEFAULT_ZIP_CAPS, skipped?: { count: number }): AsyncGenerator<ZipTextEntry> {
  let archive: Buffer;
  try {
    const st = await stat(zipPath);
    if (st.size > caps.maxZipBytes) throw refuse(zipPath, `${st.size} bytes; the limit is ${caps.maxZipBytes}`);
    archive = await readFile(zipPath);
  } catch (e) {
    if (e instanceof MkError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new MkError("E_NOT_FOUND", `${zipPath} does not exist`, { cause: e });
    throw new MkError("E_IO", `cannot read ${zipPath}: ${(e as Error).message}`, { cause: e });
  }
  let zip: yauzl.ZipFile;
  try {
    zip = await yauzl.fromBufferPromise(archive, { lazyEntries: true, validateEntrySizes: true, strictFileNames: true, decodeStrings: true });
  } catch (e) {
    throw refuse(zipPath, `not a readable zip archive (${(e as Error).message})`);
  }
  try {
    if (zip.entryCount > caps.maxEntries) throw refuse(zipPath, `${zip.entryCount} entries; the limit is ${caps.maxEntries}`);
    let total = 0;
    for await (const entry of zip.eachEntry()) {
      const name = entry.fileName;
      if (name.endsWith("/") || !name.toLowerCase().endsWith(".json")) {
        if (skipped) skipped.count++;
        continue;
      }
      if (entry.isEncrypted()) throw refuse(zipPath, `entry ${name} is encrypted`);
      if (entry.uncompressedSize > caps.maxEntryBytes) throw refuse(zipPath, `entry ${name} is ${entry.uncompressedSize} bytes; the limit is ${caps.maxEntryBytes}`);
      if (entry.compressedSize > 0 && entry.uncompressedSize / entry.compressedSize > caps.maxRatio) {
        throw refuse(zipPath, `entry ${name} inflates ${Math.round(entry.uncompressedSize / entry.compressedSize)}x (a zip bomb?); the limit is ${caps.maxRatio}x`);
      }
      total += entry.uncompressedSize;
      if (total > caps.maxTotalBytes) throw refuse(zipPath, `entries inflate beyond ${caps.maxTotalBytes} bytes in total`);
      let data: Buffer;
      try {
        data = await readEntry(zip, archive, entry);
      } catch (e) {
        throw refuse(zipPath, `entry ${name}: ${(e as Error).message}`);
      }
      yield { name, text: data.toString("utf8") };
    }
  } catch (e) {
    if (e instanceof MkError) throw e;
    throw refuse(zipPath, (e as Error).message);
  } finally {
    zip.close();
  }
}
