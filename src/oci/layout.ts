/**
 * An OCI image layout directory (image-spec v1.1 image-layout.md): `oci-layout`, `index.json`,
 * `blobs/sha256/<hex>`. This is Mailknight's embedded image store.
 *
 * Invariants:
 * - A blob under its final name always has the bytes its name says: blobs are written to a temp
 *   file inside the layout (same file system, so rename is atomic), synced, then renamed.
 * - Blob writes are idempotent: an existing blob is not rewritten.
 * - index.json is rewritten atomically under a lock, entries sorted, so it is deterministic.
 * - index.json is re-read on every tag operation, never cached, so other writers are seen.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { link, open, readFile, readdir, realpath, rename, rm, stat } from "node:fs/promises";
import { join, relative, isAbsolute, resolve as resolvePath } from "node:path";
import { MkError } from "../errors.js";
import { sha256Digest, type Digest } from "../util/digest.js";
import { ensureDir, stableJson, writeJsonAtomic, writeNewFile } from "../util/fs.js";
import { withFileLock } from "../util/lock.js";
import {
  Annotation,
  IMAGE_LAYOUT_VERSION,
  MediaType,
  imageIndexSchema,
  layoutFileSchema,
  parseJsonText,
  parseSpec,
  type Descriptor,
  type ImageIndex,
} from "./spec.js";

const SHA256_RE = /^sha256:([a-f0-9]{64})$/;

/** Directory inside the layout for in-progress writes; not part of the spec, ignored by readers. */
const TMP_DIR = ".mailknight-tmp";

/**
 * ref.name grammar from annotations.md: components of alphanumerics joined by `-._:@+` or `--`,
 * separated by `/`. Tags like `argocd:v2.11.0-lts.20250701` fit.
 */
const COMPONENT = "[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*";
const REF_NAME_RE = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);

export function isValidRefName(tag: string): boolean {
  return REF_NAME_RE.test(tag);
}

function refNameOf(d: Descriptor): string | undefined {
  return d.annotations?.[Annotation.refName];
}

/** Byte order (not locale order), so the result does not depend on the machine's settings. */
function compareBytes(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** Untagged entries first (by digest), then tagged ones by tag: the same set always serialises the same. */
function sortIndexEntries(entries: Descriptor[]): Descriptor[] {
  return [...entries].sort((a, b) => {
    const ta = refNameOf(a);
    const tb = refNameOf(b);
    if (ta === undefined && tb === undefined) return compareBytes(a.digest, b.digest);
    if (ta === undefined) return -1;
    if (tb === undefined) return 1;
    return compareBytes(ta, tb);
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Writes `data` to `path` only if nothing is there yet; never replaces an existing file. */
async function writeIfAbsent(path: string, data: string, tmpDir: string): Promise<void> {
  await ensureDir(tmpDir);
  const tmp = join(tmpDir, `init-${process.pid}-${randomBytes(6).toString("hex")}`);
  const fh = await open(tmp, "wx", 0o644);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    // link() fails with EEXIST instead of overwriting, unlike rename(): two concurrent creators
    // cannot clobber each other's index.json.
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
  } finally {
    await rm(tmp, { force: true });
  }
}

export class OciLayout {
  readonly dir: string;

  private constructor(dir: string) {
    this.dir = dir;
  }

  get indexPath(): string {
    return join(this.dir, "index.json");
  }

  get layoutFilePath(): string {
    return join(this.dir, "oci-layout");
  }

  private get tmpDir(): string {
    return join(this.dir, TMP_DIR);
  }

  /** Opens the layout at `dir`, creating it when `dir` is missing or empty. */
  static async create(dir: string): Promise<OciLayout> {
    const abs = resolvePath(dir);
    const layout = new OciLayout(abs);
    if (await exists(layout.layoutFilePath)) return await OciLayout.open(abs);
    await ensureDir(abs);
    // Our own layout files may already be there: another process creating the same layout.
    const ours = new Set([TMP_DIR, "blobs", "index.json"]);
    const present = (await readdir(abs)).filter((n) => !ours.has(n));
    if (present.length > 0) {
      throw new MkError("E_OCI", `${abs} is not empty and is not an OCI image layout (no oci-layout file; found ${present.slice(0, 5).join(", ")})`, {
        hint: "choose an empty or missing directory for a new layout, or point at an existing layout",
      });
    }
    await ensureDir(join(abs, "blobs", "sha256"));
    const emptyIndex: ImageIndex = { schemaVersion: 2, mediaType: MediaType.index, manifests: [] };
    // index.json first, oci-layout last: the oci-layout file marks a complete layout.
    await writeIfAbsent(layout.indexPath, stableJson(emptyIndex), layout.tmpDir);
    await writeIfAbsent(layout.layoutFilePath, stableJson({ imageLayoutVersion: IMAGE_LAYOUT_VERSION }), layout.tmpDir);
    return await OciLayout.open(abs);
  }

  /** Opens an existing layout, checking `oci-layout` and `index.json`. */
  static async open(dir: string): Promise<OciLayout> {
    const abs = resolvePath(dir);
    const layout = new OciLayout(abs);
    let st;
    try {
      st = await stat(abs);
    } catch {
      throw new MkError("E_NOT_FOUND", `OCI layout ${abs} does not exist`, {
        hint: "check the path, or create the layout first (OciLayout.create)",
      });
    }
    if (!st.isDirectory()) throw new MkError("E_OCI", `OCI layout ${abs} is not a directory`, { hint: "point at the layout directory" });
    let text: string;
    try {
      text = await readFile(layout.layoutFilePath, "utf8");
    } catch {
      throw new MkError("E_OCI", `${abs} is not an OCI image layout: ${layout.layoutFilePath} is missing`, {
        hint: "point at a directory made by `skopeo copy ... oci:<dir>` or Mailknight, or create a new layout",
      });
    }
    const hint = `the layout is damaged; restore ${layout.layoutFilePath} to {"imageLayoutVersion":"1.0.0"} or re-create the layout`;
    parseSpec(layoutFileSchema, parseJsonText(text, layout.layoutFilePath, hint), layout.layoutFilePath, "oci-layout file", hint);
    await layout.readIndex();
    return layout;
  }

  /** Reads and validates index.json. */
  async readIndex(): Promise<ImageIndex> {
    const hint = `the layout's index is damaged; restore ${this.indexPath} from a backup or re-create the layout and re-tag its images`;
    let text: string;
    try {
      text = await readFile(this.indexPath, "utf8");
    } catch (e) {
      throw new MkError("E_OCI", `${this.indexPath} cannot be read: ${(e as Error).message}`, { cause: e, hint });
    }
    return parseSpec(imageIndexSchema, parseJsonText(text, this.indexPath, hint), this.indexPath, "OCI image index", hint);
  }

  /** Path of a blob; throws E_OCI for anything but `sha256:<64 hex>` (which also rules out `../`). */
  blobPath(digest: string): string {
    const m = SHA256_RE.exec(digest);
    if (!m) {
      throw new MkError("E_OCI", `${JSON.stringify(digest)} is not a sha256 digest usable in layout ${this.dir}`, {
        hint: "digests must look like sha256:<64 lowercase hex digits>",
      });
    }
    return join(this.dir, "blobs", "sha256", m[1] as string);
  }

  async hasBlob(digest: string): Promise<boolean> {
    return await exists(this.blobPath(digest));
  }

  /**
   * A fresh temp path inside the layout for a blob being written; hand it to putBlobFile when
   * complete. Being inside the layout keeps the final rename on one file system (atomic).
   */
  async tempPath(label = "blob"): Promise<string> {
    await ensureDir(this.tmpDir);
    return join(this.tmpDir, `${label}-${process.pid}-${randomBytes(6).toString("hex")}`);
  }

  async putBlob(data: Uint8Array, mediaType: string): Promise<Descriptor> {
    const digest = sha256Digest(data);
    const descriptor: Descriptor = { mediaType, digest, size: data.byteLength };
    if (await this.hasBlob(digest)) return descriptor;
    const tmp = await this.tempPath();
    await writeNewFile(tmp, (fh) => fh.writeFile(data));
    return await this.putBlobFile(tmp, mediaType, digest, data.byteLength);
  }

  /**
   * Moves a finished temp file (from tempPath()) into place as blob `digest`. The caller computed
   * the digest while writing; the size is checked here. If the blob already exists the temp file
   * is removed instead. The temp file (which the caller has synced) is consumed either way.
   */
  async putBlobFile(tmpPath: string, mediaType: string, digest: string, size: number): Promise<Descriptor> {
    const rel = relative(this.dir, resolvePath(tmpPath));
    if (rel.startsWith("..") || isAbsolute(rel)) {
      throw new MkError("E_OCI", `temp file ${tmpPath} is outside layout ${this.dir}, so moving it into place would not be atomic`, {
        hint: "create temp files with layout.tempPath()",
      });
    }
    try {
      const finalPath = this.blobPath(digest);
      const st = await stat(tmpPath);
      if (st.size !== size) {
        throw new MkError("E_INTEGRITY", `temp file ${tmpPath} for blob ${digest} has ${st.size} bytes, expected ${size}`, {
          hint: "the writer and the declared size disagree; this is a bug in the caller",
        });
      }
      if (!(await exists(finalPath))) {
        await ensureDir(join(this.dir, "blobs", "sha256"));
        await rename(tmpPath, finalPath);
      }
      return { mediaType, digest, size };
    } finally {
      await rm(tmpPath, { force: true });
    }
  }

  /** Reads a whole blob and verifies its digest (E_INTEGRITY on mismatch, E_NOT_FOUND if absent). */
  async readBlob(digest: string): Promise<Buffer> {
    const path = this.blobPath(digest);
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        throw new MkError("E_NOT_FOUND", `blob ${digest} is not in layout ${this.dir} (${path} is missing)`, {
          hint: "the layout is incomplete; copy the image into it again",
        });
      }
      throw e;
    }
    const actual = sha256Digest(data);
    if (actual !== digest) {
      throw new MkError("E_INTEGRITY", `blob ${path} has digest ${actual}, not the ${digest} its name says`, {
        hint: "the blob was modified or damaged on disk; delete it and copy the image into the layout again",
        details: { expected: digest, actual },
      });
    }
    return data;
  }

  /** Reads a blob, verifies it, and parses it as JSON (E_OCI when it is not JSON). */
  async readJson(digest: string): Promise<unknown> {
    const data = await this.readBlob(digest);
    return parseJsonText(data.toString("utf8"), this.blobPath(digest), "the blob is not the JSON document its descriptor says it is");
  }

  /**
   * Copies a blob from another layout, streaming, verifying digest and size before it gets its
   * final name here. No-op when this layout already has it.
   */
  async importBlob(from: OciLayout, descriptor: Descriptor): Promise<void> {
    const digest = descriptor.digest as Digest;
    if (await this.hasBlob(digest)) return;
    const src = from.blobPath(digest);
    const tmp = await this.tempPath("import");
    const hash = createHash("sha256");
    let size = 0;
    const fh = await open(tmp, "wx", 0o644);
    try {
      try {
        for await (const chunk of createReadStream(src)) {
          const buf = chunk as Buffer;
          hash.update(buf);
          size += buf.byteLength;
          await fh.write(buf);
        }
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "ENOENT") {
          throw new MkError("E_NOT_FOUND", `blob ${digest} is not in layout ${from.dir} (${src} is missing)`, {
            hint: "the source layout is incomplete; copy the image into it again",
          });
        }
        throw e;
      }
      await fh.sync();
    } catch (e) {
      await fh.close();
      await rm(tmp, { force: true });
      throw e;
    }
    await fh.close();
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== digest || size !== descriptor.size) {
      await rm(tmp, { force: true });
      throw new MkError("E_INTEGRITY", `blob ${src} has digest ${actual} and ${size} bytes; its descriptor says ${digest} and ${descriptor.size} bytes`, {
        hint: "the source layout is damaged; copy the image into it again",
      });
    }
    await this.putBlobFile(tmp, descriptor.mediaType, digest, size);
  }

  async resolve(tag: string): Promise<Descriptor | undefined> {
    const index = await this.readIndex();
    return index.manifests.find((d) => refNameOf(d) === tag);
  }

  async tags(): Promise<string[]> {
    const index = await this.readIndex();
    const names = index.manifests.map(refNameOf).filter((t): t is string => t !== undefined);
    return names.sort(compareBytes);
  }

  /** Points `tag` at `descriptor` in index.json, replacing any entry with the same tag. */
  async tag(tag: string, descriptor: Descriptor): Promise<void> {
    if (!isValidRefName(tag)) {
      throw new MkError("E_OCI", `${JSON.stringify(tag)} is not a valid tag for layout ${this.dir}`, {
        hint: "tags are alphanumeric components joined by one of - . _ : @ + (or --), separated by /; e.g. argocd:v2.11.0-lts.20250701",
      });
    }
    if (!(await this.hasBlob(descriptor.digest))) {
      throw new MkError("E_NOT_FOUND", `cannot tag ${tag}: blob ${descriptor.digest} is not in layout ${this.dir}`, {
        hint: "write the manifest into this layout before tagging it",
      });
    }
    await ensureDir(this.tmpDir);
    await withFileLock(join(this.tmpDir, "index.json.lock"), async () => {
      const index = await this.readIndex();
      const entry: Descriptor = { ...descriptor, annotations: { ...descriptor.annotations, [Annotation.refName]: tag } };
      const others = index.manifests.filter((d) => refNameOf(d) !== tag);
      await writeJsonAtomic(this.indexPath, { ...index, manifests: sortIndexEntries([...others, entry]) });
    });
  }

  /** True when both objects refer to the same directory on disk (symlinks resolved). */
  async sameAs(other: OciLayout): Promise<boolean> {
    return (await realpath(this.dir)) === (await realpath(other.dir));
  }
}
