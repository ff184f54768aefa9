/**
 * A read-only reader for the one thing the rpm cataloger needs from an SQLite database: every
 * row of one table (https://www.sqlite.org/fileformat2.html). Pure and bounded, because the
 * database comes from the image under scan: every offset is checked, every page is visited at
 * most once, overflow chains cannot loop, and anything malformed throws SqliteFormatError,
 * which the cataloger turns into a warning. Frames of a `-wal` file, when given, are overlaid up
 * to its last commit, as SQLite does when it opens the database.
 */

export class SqliteFormatError extends Error {}

const HEADER = "SQLite format 3\0";
const MAX_PAGES_VISITED = 1 << 20;

export type SqlValue = null | number | bigint | string | Uint8Array;

interface Db {
  data: Uint8Array;
  view: DataView;
  pageSize: number;
  usable: number;
  pageCount: number;
  /** Page number → bytes from the WAL, overriding the main file. */
  wal: Map<number, Uint8Array>;
}

function fail(message: string): never {
  throw new SqliteFormatError(message);
}

function page(db: Db, n: number): Uint8Array {
  const fromWal = db.wal.get(n);
  if (fromWal) return fromWal;
  if (!Number.isInteger(n) || n < 1 || n > db.pageCount) fail(`page ${n} is out of range (1..${db.pageCount})`);
  const start = (n - 1) * db.pageSize;
  if (start + db.pageSize > db.data.byteLength) fail(`page ${n} lies past the end of the file`);
  return db.data.subarray(start, start + db.pageSize);
}

function u16(b: Uint8Array, off: number): number {
  if (off + 2 > b.byteLength) fail(`read past the end of a page at ${off}`);
  return (b[off]! << 8) | b[off + 1]!;
}

function u32(b: Uint8Array, off: number): number {
  if (off + 4 > b.byteLength) fail(`read past the end of a page at ${off}`);
  return ((b[off]! << 24) >>> 0) + (b[off + 1]! << 16) + (b[off + 2]! << 8) + b[off + 3]!;
}

/** SQLite varint: 1–9 bytes, big-endian 7-bit groups, the 9th byte contributes 8 bits. */
function varint(b: Uint8Array, off: number): [value: number, next: number] {
  let v = 0n;
  for (let i = 0; i < 9; i++) {
    if (off + i >= b.byteLength) fail(`varint runs past the end at ${off}`);
    const byte = b[off + i]!;
    if (i === 8) return [Number((v << 8n) | BigInt(byte)), off + 9];
    v = (v << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) return [Number(v), off + i + 1];
  }
  return fail("unreachable varint");
}

function readWal(wal: Uint8Array, pageSize: number): Map<number, Uint8Array> {
  const pages = new Map<number, Uint8Array>();
  if (wal.byteLength < 32) return pages;
  const view = new DataView(wal.buffer, wal.byteOffset, wal.byteLength);
  const magic = view.getUint32(0);
  if (magic !== 0x377f0682 && magic !== 0x377f0683) fail("the -wal file has no WAL header");
  if (view.getUint32(8) !== pageSize) fail(`the -wal file's page size ${view.getUint32(8)} differs from the database's ${pageSize}`);
  const salt1 = view.getUint32(16);
  const salt2 = view.getUint32(20);
  let pending = new Map<number, Uint8Array>();
  for (let off = 32; off + 24 + pageSize <= wal.byteLength; off += 24 + pageSize) {
    // Frames from an older generation of the WAL carry other salts: they are not part of it.
    if (view.getUint32(off + 8) !== salt1 || view.getUint32(off + 12) !== salt2) break;
    pending.set(view.getUint32(off), wal.subarray(off + 24, off + 24 + pageSize));
    if (view.getUint32(off + 4) !== 0) {
      for (const [n, p] of pending) pages.set(n, p);
      pending = new Map();
    }
  }
  return pages;
}

function open(data: Uint8Array, wal?: Uint8Array): Db {
  if (data.byteLength < 100 || Buffer.from(data.subarray(0, 16)).toString("latin1") !== HEADER) fail("not an SQLite 3 database (bad header)");
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const raw = view.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) fail(`invalid page size ${raw}`);
  const reserved = data[20]!;
  const usable = pageSize - reserved;
  if (usable < 480) fail(`usable page size ${usable} is too small`);
  if (view.getUint32(56) > 1) fail("text encoding is not UTF-8");
  const walPages = wal ? readWal(wal, pageSize) : new Map<number, Uint8Array>();
  const maxWalPage = Math.max(0, ...walPages.keys());
  const pageCount = Math.max(Math.floor(data.byteLength / pageSize), maxWalPage);
  return { data, view, pageSize, usable, pageCount, wal: walPages };
}

/** The payload of a table-leaf cell, following its overflow chain. */
function payload(db: Db, p: Uint8Array, off: number, size: number, visited: Set<number>): Uint8Array {
  const U = db.usable;
  const X = U - 35;
  if (size <= X) {
    if (off + size > p.byteLength) fail("cell payload runs past the end of its page");
    return p.subarray(off, off + size);
  }
  const M = Math.floor(((U - 12) * 32) / 255) - 23;
  const K = M + ((size - M) % (U - 4));
  const local = K <= X ? K : M;
  if (off + local + 4 > p.byteLength) fail("cell payload runs past the end of its page");
  const out = new Uint8Array(size);
  out.set(p.subarray(off, off + local), 0);
  let have = local;
  let next = u32(p, off + local);
  while (have < size) {
    if (next === 0 || visited.has(next)) fail("overflow chain is broken or loops");
    visited.add(next);
    const op = page(db, next);
    const n = Math.min(U - 4, size - have);
    out.set(op.subarray(4, 4 + n), have);
    have += n;
    next = u32(op, 0);
  }
  return out;
}

function decodeRecord(rec: Uint8Array): SqlValue[] {
  const [headerSize, first] = varint(rec, 0);
  if (headerSize > rec.byteLength || headerSize < first) fail("record header is longer than the record");
  const types: number[] = [];
  let off = first;
  while (off < headerSize) {
    const [t, next] = varint(rec, off);
    types.push(t);
    off = next;
  }
  const values: SqlValue[] = [];
  let body = headerSize;
  const take = (n: number): Uint8Array => {
    if (body + n > rec.byteLength) fail("record value runs past the end of the record");
    const v = rec.subarray(body, body + n);
    body += n;
    return v;
  };
  for (const t of types) {
    if (t === 0) values.push(null);
    else if (t >= 1 && t <= 6) {
      const len = [0, 1, 2, 3, 4, 6, 8][t]!;
      const b = take(len);
      let v = 0n;
      for (const x of b) v = (v << 8n) | BigInt(x);
      if (b[0]! & 0x80) v -= 1n << BigInt(len * 8);
      values.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
    } else if (t === 7) values.push(new DataView(take(8).slice().buffer).getFloat64(0));
    else if (t === 8) values.push(0);
    else if (t === 9) values.push(1);
    else if (t >= 12 && t % 2 === 0) values.push(take((t - 12) / 2));
    else if (t >= 13) values.push(Buffer.from(take((t - 13) / 2)).toString("utf8"));
    else fail(`reserved serial type ${t}`);
  }
  return values;
}

/** Every row of the table b-tree rooted at `root`, in rowid order. */
function* tableRows(db: Db, root: number): Generator<{ rowid: number; values: SqlValue[] }> {
  const visited = new Set<number>();
  const stack = [root];
  const order: number[] = [];
  // Depth-first, left to right: interior pages push children in reverse so rows come in order.
  while (stack.length) {
    const n = stack.pop()!;
    if (visited.has(n)) fail(`page ${n} is reached twice: the b-tree loops`);
    visited.add(n);
    if (visited.size > MAX_PAGES_VISITED) fail("too many pages");
    const p = page(db, n);
    const hdr = n === 1 ? 100 : 0;
    const type = p[hdr];
    const cells = u16(p, hdr + 3);
    if (type === 0x05) {
      const children: number[] = [];
      for (let i = 0; i < cells; i++) children.push(u32(p, u16(p, hdr + 12 + 2 * i)));
      children.push(u32(p, hdr + 8));
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
    } else if (type === 0x0d) {
      order.push(n);
      for (let i = 0; i < cells; i++) {
        const cellOff = u16(p, hdr + 8 + 2 * i);
        const [size, a] = varint(p, cellOff);
        const [rowid, b] = varint(p, a);
        yield { rowid, values: decodeRecord(payload(db, p, b, size, visited)) };
      }
    } else fail(`page ${n} has b-tree type ${type}, not a table page`);
  }
}

/**
 * Rows of `table` (by name, case-insensitive) as arrays of column values. An INTEGER PRIMARY
 * KEY column is stored as NULL in the record; the rowid is returned beside it.
 */
export function readTable(data: Uint8Array, table: string, wal?: Uint8Array): { rowid: number; values: SqlValue[] }[] {
  const db = open(data, wal);
  let root: number | undefined;
  for (const row of tableRows(db, 1)) {
    const [type, name, , rootpage] = row.values;
    if (type === "table" && typeof name === "string" && name.toLowerCase() === table.toLowerCase() && typeof rootpage === "number") root = rootpage;
  }
  if (root === undefined) fail(`no table named ${table}`);
  return [...tableRows(db, root)];
}
