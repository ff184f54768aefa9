/**
 * What a source collected: the wanted files (bytes or extracts), every symlink of the tree, and
 * the warnings met on the way. Also the shared intake rules both sources apply to each regular
 * file (glob, exec bit, magic, size cap, extract), so a rootfs and the same tree as an image
 * select exactly the same files.
 */
import { createHash } from "node:crypto";
import { compileGlob } from "../glob.js";
import { compareStrings } from "../model.js";
import { resolveInImage } from "../paths.js";
import type { CollectedFile, FileView, FileWant, WantsById } from "./types.js";

interface CompiledWant {
  id: string;
  want: FileWant;
  re: RegExp;
}

/** A file some want selected by name; what is left to check needs its bytes. */
export interface Candidate {
  path: string;
  mode: number;
  size: number;
  wants: CompiledWant[];
  /** How many leading bytes the magic checks need (0: none). */
  headBytes: number;
}

/** How many bytes of an admitted candidate to read: all, unless every want truncates. */
export function readLimit(c: Candidate): number {
  if (c.wants.some((w) => !w.want.truncate)) return c.size;
  return Math.min(c.size, Math.max(...c.wants.map((w) => w.want.maxBytes)));
}

function formatBytes(n: number): string {
  return n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${n} bytes`;
}

export class Intake {
  private readonly compiled: CompiledWant[];

  constructor(wants: WantsById) {
    this.compiled = [];
    for (const [id, list] of [...wants].sort((a, b) => compareStrings(a[0], b[0]))) {
      for (const want of list) this.compiled.push({ id, want, re: compileGlob(want.glob) });
    }
  }

  /** True when some glob names `path` (used to check symlinks that stand where a file is wanted). */
  namesPath(path: string): boolean {
    return this.compiled.some((c) => c.re.test(path));
  }

  /** Which wants name `path` (by glob alone): two paths with the same key are read the same way. */
  matchKey(path: string): string {
    return this.compiled.map((c, i) => (c.re.test(path) ? i : "")).join(",");
  }

  /** First filter, from the path and metadata alone (no read). */
  candidate(path: string, mode: number, size: number): Candidate | undefined {
    const wants = this.compiled.filter((c) => c.re.test(path) && (!c.want.executable || (mode & 0o111) !== 0));
    if (wants.length === 0) return undefined;
    const headBytes = Math.max(0, ...wants.map((c) => c.want.magic?.length ?? 0));
    return { path, mode, size, wants, headBytes };
  }

  /**
   * Second filter, once the first `headBytes` are known: magic, then size caps. Returns the
   * wants still interested and the number of bytes to read (0: read nothing more).
   */
  afterHead(c: Candidate, head: Uint8Array, warnings: string[]): Candidate | undefined {
    const byMagic = c.wants.filter((w) => !w.want.magic || startsWith(head, w.want.magic));
    const fits = byMagic.filter((w) => w.want.truncate || c.size <= w.want.maxBytes);
    if (fits.length < byMagic.length) {
      const cap = Math.max(...byMagic.filter((w) => c.size > w.want.maxBytes).map((w) => w.want.maxBytes));
      const who = sortedUnique(byMagic.filter((w) => c.size > w.want.maxBytes).map((w) => w.id)).join(", ");
      warnings.push(`${c.path}: ${formatBytes(c.size)} is over the ${formatBytes(cap)} cap of the ${who} cataloger; not read`);
    }
    return fits.length ? { ...c, wants: fits } : undefined;
  }

  /** Where the source can read at random: drops the wants whose probe rules the file out. */
  async probe(c: Candidate, read: (offset: number, length: number) => Promise<Uint8Array>): Promise<Candidate | undefined> {
    const kept: CompiledWant[] = [];
    for (const w of c.wants) {
      let keep = true;
      if (w.want.probe) keep = await w.want.probe(read, c.size).catch(() => true);
      if (keep) kept.push(w);
    }
    return kept.length ? { ...c, wants: kept } : undefined;
  }

  /** Last step, with the whole file: run extracts; keep the bytes only when someone wants them. */
  async finish(c: Candidate, bytes: Uint8Array, layer: string | undefined, warnings: string[]): Promise<CollectedFile | undefined> {
    const extracted = new Map<string, unknown>();
    const wantedBy = new Set<string>();
    let keepBytes = false;
    for (const w of c.wants) {
      if (!w.want.extract) {
        keepBytes = true;
        wantedBy.add(w.id);
        continue;
      }
      let value: unknown;
      try {
        value = await w.want.extract(bytes, c.path);
      } catch (e) {
        // Extracts must not throw; one that does is a bug, but the file is only one file.
        warnings.push(`${c.path}: the ${w.id} cataloger failed on it (${(e as Error).message}); skipped — this is a bug, please report it`);
        continue;
      }
      if (value !== undefined) {
        extracted.set(w.id, value);
        wantedBy.add(w.id);
      }
    }
    if (wantedBy.size === 0) return undefined;
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    const file: CollectedFile = { path: c.path, size: Math.max(c.size, bytes.byteLength), mode: c.mode, extracted, sha256, wantedBy };
    if (keepBytes) file.bytes = bytes;
    if (layer) file.layer = layer;
    return file;
  }
}

function startsWith(data: Uint8Array, prefix: Uint8Array): boolean {
  if (data.byteLength < prefix.byteLength) return false;
  for (let i = 0; i < prefix.byteLength; i++) if (data[i] !== prefix[i]) return false;
  return true;
}

function sortedUnique(values: string[]): string[] {
  return [...new Set(values)].sort(compareStrings);
}

export class CollectedTree {
  readonly files = new Map<string, CollectedFile>();
  /** In-image path → link target as stored. */
  readonly symlinks = new Map<string, string>();
  readonly warnings: string[] = [];

  /** Adds a file; a second read of the same path (through a link named by other wants) merges. */
  add(file: CollectedFile): void {
    const seen = this.files.get(file.path);
    if (!seen) {
      this.files.set(file.path, file);
      return;
    }
    for (const id of file.wantedBy) seen.wantedBy.add(id);
    for (const [id, v] of file.extracted) seen.extracted.set(id, v);
    if (file.bytes && !seen.bytes) seen.bytes = file.bytes;
  }

  /** Follows in-image symlinks; undefined on a loop. */
  resolve(path: string): string | undefined {
    return resolveInImage(path, (p) => this.symlinks.get(p));
  }

  view(id: string): FileView {
    const mine = [...this.files.values()].filter((f) => f.wantedBy.has(id)).sort((a, b) => compareStrings(a.path, b.path));
    return {
      list: () => mine,
      get: (path: string) => {
        const direct = this.files.get(path);
        if (direct?.wantedBy.has(id)) return direct;
        const real = this.resolve(path);
        const file = real === undefined ? undefined : this.files.get(real);
        return file?.wantedBy.has(id) ? file : undefined;
      },
    };
  }

  /** sha256 over every collected path and content hash: what this SBOM was derived from. */
  evidenceDigest(): string {
    const hash = createHash("sha256");
    for (const path of [...this.files.keys()].sort(compareStrings)) hash.update(`F ${path} ${this.files.get(path)!.sha256}\n`);
    for (const path of [...this.symlinks.keys()].sort(compareStrings)) hash.update(`L ${path} ${this.symlinks.get(path)}\n`);
    return `sha256:${hash.digest("hex")}`;
  }

  /** Warns about wanted paths that are symlinks into a loop, so a loop is never silent. */
  checkLinks(intake: Intake): void {
    for (const path of [...this.symlinks.keys()].sort(compareStrings)) {
      if (intake.namesPath(path) && this.resolve(path) === undefined) {
        this.warnings.push(`${path}: symlink loop (more than 40 links to follow); not read`);
      }
    }
  }
}
