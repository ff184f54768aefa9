/**
 * Reading a zip (jar, war, ear) from memory with yauzl, defensively: entry names are decoded
 * here instead of by yauzl (whose name check aborts the whole archive on one bad name), names
 * that could escape a directory are skipped, encrypted entries are skipped, the number of
 * entries and the bytes inflated are capped before anything is read, and the inflated byte
 * count is checked against the declared size (yauzl's validateEntrySizes) so a lying header
 * cannot turn a small entry into a bomb.
 */
import yauzl from "yauzl";
import type { Entry, ZipFile } from "yauzl";
import { messageOf, show, type Warnings } from "../common/warnings.js";

export interface ZipEntryRef {
  name: string;
  uncompressedSize: number;
  entry: Entry;
}

export interface ZipListing {
  zip: ZipFile;
  entries: ZipEntryRef[];
}

/** A name safe to use as a location: relative, `/`-separated, no `..` segment, no NUL. */
export function isSafeEntryName(name: string): boolean {
  if (name === "" || name.includes("\0") || name.includes("\\")) return false;
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name)) return false;
  return !name.split("/").some((s) => s === "..");
}

function open(bytes: Uint8Array): Promise<ZipFile> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true, autoClose: false, strictFileNames: false }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

/**
 * The entries of a zip (directories left out), or undefined when it cannot be opened. A
 * corrupt central directory ends the listing early with a warning; what was read is kept.
 * `where` prefixes warnings (it names a nested archive).
 */
export async function listZip(bytes: Uint8Array, maxEntries: number, warnings: Warnings, where = ""): Promise<ZipListing | undefined> {
  let zip: ZipFile;
  try {
    zip = await open(bytes);
  } catch (e) {
    warnings.add(`${where}not a readable zip archive: ${messageOf(e)}`);
    return undefined;
  }
  const entries: ZipEntryRef[] = [];
  let skippedNames = 0;
  await new Promise<void>((resolve) => {
    let seen = 0;
    zip.on("entry", (entry: Entry) => {
      if (++seen > maxEntries) {
        warnings.add(`${where}more than ${maxEntries} entries; the rest are not read`);
        resolve();
        return;
      }
      const raw = entry.fileName as unknown as Buffer;
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
      if (!name.endsWith("/")) {
        if (isSafeEntryName(name)) entries.push({ name, uncompressedSize: entry.uncompressedSize, entry });
        else if (++skippedNames <= 10) warnings.add(`${where}entry ${show(name)} has an unsafe path (absolute, "..", backslash or NUL); skipped`);
      }
      zip.readEntry();
    });
    zip.on("end", () => resolve());
    zip.on("error", (e: unknown) => {
      warnings.add(`${where}zip central directory is corrupt after ${entries.length} entries: ${messageOf(e)}`);
      resolve();
    });
    zip.readEntry();
  });
  if (skippedNames > 10) warnings.add(`${where}${skippedNames - 10} more entries with unsafe paths skipped`);
  return { zip, entries };
}

/**
 * The bytes of one entry, or undefined (with a warning) when it is encrypted, larger than
 * `maxBytes`, or cannot be inflated. `budget` is shared by a whole parse and shrinks as it reads.
 */
export async function readEntry(zip: ZipFile, ref: ZipEntryRef, maxBytes: number, budget: { remaining: number }, warnings: Warnings, where = ""): Promise<Buffer | undefined> {
  const { entry, name } = ref;
  if (entry.isEncrypted()) {
    warnings.add(`${where}entry ${show(name)} is encrypted; skipped`);
    return undefined;
  }
  if (entry.uncompressedSize > maxBytes || entry.uncompressedSize > budget.remaining) {
    warnings.add(
      `${where}entry ${show(name)} declares ${entry.uncompressedSize} bytes, over the ${entry.uncompressedSize > maxBytes ? `${maxBytes}-byte limit for such entries` : `remaining read budget of ${budget.remaining} bytes`}; skipped`,
    );
    return undefined;
  }
  budget.remaining -= entry.uncompressedSize;
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      zip.openReadStream(entry, (err, stream) => {
        if (err) return reject(err);
        const chunks: Buffer[] = [];
        let total = 0;
        stream.on("data", (c: Buffer) => {
          total += c.length;
          // validateEntrySizes already stops at the declared size; this is the second lock on the door.
          if (total > entry.uncompressedSize) {
            stream.destroy(new Error(`inflates past its declared size of ${entry.uncompressedSize} bytes`));
            return;
          }
          chunks.push(c);
        });
        stream.on("error", reject);
        stream.on("end", () => resolve(Buffer.concat(chunks, total)));
      });
    });
  } catch (e) {
    warnings.add(`${where}entry ${show(name)} cannot be read: ${messageOf(e)}`);
    return undefined;
  }
}
