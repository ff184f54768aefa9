/**
 * rpm header blobs as rpmdb stores them (rpm's lib/header.c, "headerImport"): a big-endian
 * index count and data length, that many 16-byte index entries (tag, type, offset, count), then
 * the data store. Only the tags the cataloger needs are decoded; every offset and count is
 * checked against the store, and a bad entry makes that tag unreadable, not the header.
 */

export const Tag = {
  name: 1000,
  version: 1001,
  release: 1002,
  epoch: 1003,
  summary: 1004,
  vendor: 1011,
  license: 1014,
  url: 1020,
  arch: 1022,
  sourceRpm: 1044,
  provideName: 1047,
  requireName: 1049,
  modularityLabel: 5096,
  dirIndexes: 1116,
  baseNames: 1117,
  dirNames: 1118,
  sigMd5: 261,
  sha256Header: 273,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_BIN = 7;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;

const MAX_ENTRIES = 1 << 16;
const MAX_DATA = 256 << 20;

export class RpmHeaderError extends Error {}

interface Entry {
  type: number;
  offset: number;
  count: number;
}

export class RpmHeader {
  private readonly entries = new Map<number, Entry>();
  private readonly store: Uint8Array;

  constructor(blob: Uint8Array) {
    if (blob.byteLength < 8) throw new RpmHeaderError(`header blob of ${blob.byteLength} bytes is too short`);
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    const il = view.getUint32(0);
    const dl = view.getUint32(4);
    if (il === 0 || il > MAX_ENTRIES || dl > MAX_DATA) throw new RpmHeaderError(`header claims ${il} entries and ${dl} data bytes`);
    const storeStart = 8 + il * 16;
    if (storeStart + dl > blob.byteLength) throw new RpmHeaderError(`header claims ${il} entries and ${dl} data bytes but the blob has ${blob.byteLength}`);
    this.store = blob.subarray(storeStart, storeStart + dl);
    for (let i = 0; i < il; i++) {
      const off = 8 + i * 16;
      const tag = view.getUint32(off);
      // The first occurrence wins: later ones are rpm's "dribble" entries for install-time data.
      if (!this.entries.has(tag)) this.entries.set(tag, { type: view.getUint32(off + 4), offset: view.getInt32(off + 8), count: view.getUint32(off + 12) });
    }
  }

  private strings(tag: number): string[] | undefined {
    const e = this.entries.get(tag);
    if (!e || (e.type !== TYPE_STRING && e.type !== TYPE_STRING_ARRAY && e.type !== TYPE_I18NSTRING)) return undefined;
    if (e.offset < 0 || e.offset >= this.store.byteLength || e.count > this.store.byteLength) return undefined;
    const out: string[] = [];
    let pos = e.offset;
    const n = e.type === TYPE_STRING ? 1 : e.count;
    for (let i = 0; i < n; i++) {
      const end = this.store.indexOf(0, pos);
      if (end < 0) return undefined;
      out.push(Buffer.from(this.store.subarray(pos, end)).toString("utf8"));
      pos = end + 1;
    }
    return out;
  }

  string(tag: number): string | undefined {
    return this.strings(tag)?.[0];
  }

  stringArray(tag: number): string[] {
    return this.strings(tag) ?? [];
  }

  int32(tag: number): number | undefined {
    const e = this.entries.get(tag);
    if (!e || e.type !== TYPE_INT32 || e.count < 1 || e.offset < 0 || e.offset + 4 > this.store.byteLength) return undefined;
    return new DataView(this.store.buffer, this.store.byteOffset + e.offset, 4).getInt32(0);
  }

  int32Array(tag: number): number[] {
    const e = this.entries.get(tag);
    if (!e || e.type !== TYPE_INT32 || e.offset < 0 || e.offset + 4 * e.count > this.store.byteLength) return [];
    const view = new DataView(this.store.buffer, this.store.byteOffset + e.offset, 4 * e.count);
    return Array.from({ length: e.count }, (_, i) => view.getInt32(i * 4));
  }

  binHex(tag: number): string | undefined {
    const e = this.entries.get(tag);
    if (!e || e.type !== TYPE_BIN || e.offset < 0 || e.offset + e.count > this.store.byteLength) return undefined;
    return Buffer.from(this.store.subarray(e.offset, e.offset + e.count)).toString("hex");
  }
}
