/**
 * One store interface for images, satisfied by the on-disk OCI layout and by a registry
 * repository, so copy/publish/index code does not care where images live.
 *
 * Writers must keep the invariant "a tag never points at something incomplete": blobs first,
 * then child manifests, then the tagged manifest, then the tag.
 */
import { createReadStream } from "node:fs";
import { createHash } from "node:crypto";
import { rm } from "node:fs/promises";
import { writeNewFile } from "../../util/fs.js";
import { MkError } from "../../errors.js";
import { OciLayout } from "../layout.js";
import type { Descriptor } from "../spec.js";
import { sha256File } from "../../util/digest.js";
import { digestBytes } from "./client.js";
import { RegistryRepository, type PushBlobResult } from "./repository.js";

/** Above this size a blob is streamed to a registry in chunks rather than read into memory. */
const STREAM_THRESHOLD = 8 * 1024 * 1024;

export interface StoredManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface WrittenManifest {
  descriptor: Descriptor;
  /**
   * True when the manifest has a `subject` and the store indexes it itself (a registry with the
   * OCI 1.1 referrers API, which answered the push with `OCI-Subject`, or lists it already). When
   * false, a writer that wants the manifest found as a referrer must update the `sha256-<hex>`
   * fallback index (sign/attach.ts addToReferrersIndex).
   */
  subjectAccepted: boolean;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

/** The `subject` digest a manifest names, if any (undefined for non-JSON or no subject). */
export function subjectOf(bytes: Uint8Array): string | undefined {
  try {
    const digest = (JSON.parse(Buffer.from(bytes).toString("utf8")) as { subject?: { digest?: unknown } }).subject?.digest;
    return typeof digest === "string" ? digest : undefined;
  } catch {
    return undefined;
  }
}

/** The distribution spec's referrers tag schema: `sha256:<hex>` → `sha256-<hex>`. */
export function referrersFallbackTag(digest: string): string {
  if (!DIGEST.test(digest)) throw new MkError("E_OCI", `${JSON.stringify(digest)} is not a sha256 manifest digest`, { hint: "resolve the image to sha256:<hex> first" });
  return digest.replace(":", "-");
}

export interface ImageStore {
  /** For messages: `oci:<dir>` or `docker://host/repo`. */
  readonly description: string;
  /** The manifest a tag (or digest) names, or undefined. */
  resolve(ref: string): Promise<Descriptor | undefined>;
  readManifest(digest: string): Promise<StoredManifest>;
  hasBlob(digest: string): Promise<boolean>;
  /** Streams a blob's bytes, verified against the descriptor. */
  readBlob(desc: Descriptor, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<void>;
  /**
   * Stores a blob from a byte source (called at most once), verified against the descriptor.
   * `from` lets a registry mount instead of upload when both sides are on one registry.
   */
  writeBlob(desc: Descriptor, data: () => Promise<Uint8Array>, from?: ImageStore): Promise<PushBlobResult>;
  /** Stores a manifest by digest, untagged; says whether the store indexed its `subject`. */
  writeManifest(bytes: Uint8Array, mediaType: string): Promise<WrittenManifest>;
  /** Points a tag at a manifest that is already stored. */
  tag(tag: string, desc: Descriptor): Promise<void>;
  tags(): Promise<string[]>;
  /**
   * Descriptors of the manifests whose `subject` is `digest` (optionally of one artifactType):
   * from the referrers API where the store has one, else from the `sha256-<hex>` fallback index.
   */
  referrers(digest: string, artifactType?: string): Promise<Descriptor[]>;
}

/** Adapter: an OciLayout as an ImageStore; tags are the layout's ref names. */
export class LayoutStore implements ImageStore {
  readonly layout: OciLayout;

  constructor(layout: OciLayout) {
    this.layout = layout;
  }

  get description(): string {
    return `oci:${this.layout.dir}`;
  }

  async resolve(ref: string): Promise<Descriptor | undefined> {
    if (/^sha256:[a-f0-9]{64}$/.test(ref)) {
      if (!(await this.layout.hasBlob(ref))) return undefined;
      const m = await this.readManifest(ref);
      return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
    }
    const d = await this.layout.resolve(ref);
    if (!d) return undefined;
    // The index entry carries ref.name; the manifest's own descriptor does not.
    return { mediaType: d.mediaType, digest: d.digest, size: d.size, ...(d.platform ? { platform: d.platform } : {}) };
  }

  async readManifest(digest: string): Promise<StoredManifest> {
    const bytes = await this.layout.readBlob(digest);
    let mediaType = "";
    try {
      mediaType = (JSON.parse(bytes.toString("utf8")) as { mediaType?: string }).mediaType ?? "";
    } catch {
      throw new MkError("E_OCI", `blob ${digest} in ${this.layout.dir} is not a JSON manifest`, { hint: "the layout's index points at something that is not a manifest" });
    }
    return { bytes, mediaType, digest };
  }

  async hasBlob(digest: string): Promise<boolean> {
    return await this.layout.hasBlob(digest);
  }

  async readBlob(desc: Descriptor, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
    const hash = createHash("sha256");
    let size = 0;
    for await (const chunk of createReadStream(this.layout.blobPath(desc.digest))) {
      const buf = chunk as Buffer;
      hash.update(buf);
      size += buf.byteLength;
      await sink(buf);
    }
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== desc.digest || size !== desc.size) {
      throw new MkError("E_INTEGRITY", `blob ${desc.digest} in ${this.layout.dir} is ${actual} (${size} bytes)`, { hint: "the layout is damaged; rebuild or re-copy the image" });
    }
  }

  async writeBlob(desc: Descriptor, data: () => Promise<Uint8Array>, from?: ImageStore): Promise<PushBlobResult> {
    if (await this.layout.hasBlob(desc.digest)) return "exists";
    // Stream straight into a temp file when the source can stream, instead of buffering a layer.
    const tmp = await this.layout.tempPath("pull");
    await writeNewFile(tmp, async (fh) => {
      if (from) await from.readBlob(desc, async (c) => void (await fh.write(c)));
      else await fh.write(await data());
    });
    if (!from) {
      // data() was not verified on the way in; check it before it gets its final name.
      const actual = await sha256File(tmp);
      if (actual !== desc.digest) {
        await rm(tmp, { force: true });
        throw new MkError("E_INTEGRITY", `bytes for blob ${desc.digest} hash to ${actual}`, { hint: "the source is damaged" });
      }
    }
    await this.layout.putBlobFile(tmp, desc.mediaType, desc.digest, desc.size);
    return "uploaded";
  }

  async writeManifest(bytes: Uint8Array, mediaType: string): Promise<WrittenManifest> {
    // A layout has no referrers API: the fallback tag is the only listing.
    return { descriptor: await this.layout.putBlob(bytes, mediaType), subjectAccepted: false };
  }

  async tag(tag: string, desc: Descriptor): Promise<void> {
    await this.layout.tag(tag, { mediaType: desc.mediaType, digest: desc.digest, size: desc.size, ...(desc.platform ? { platform: desc.platform } : {}) });
  }

  async tags(): Promise<string[]> {
    return await this.layout.tags();
  }

  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const found = await this.resolve(referrersFallbackTag(digest));
    if (!found) return [];
    const m = await this.readManifest(found.digest);
    if (digestBytes(m.bytes) !== found.digest) {
      throw new MkError("E_INTEGRITY", `manifest ${found.digest} in ${this.layout.dir} hashes to ${digestBytes(m.bytes)}`, { hint: "the layout is damaged or was tampered with" });
    }
    const manifests = (JSON.parse(m.bytes.toString("utf8")) as { manifests?: unknown }).manifests;
    const all = Array.isArray(manifests) ? (manifests as Descriptor[]) : [];
    return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
  }
}

/** A registry repository as an ImageStore. */
export class RegistryStore implements ImageStore {
  readonly repo: RegistryRepository;
  /** Manifests written in this session, so tag() need not download them again. */
  private readonly written = new Map<string, StoredManifest>();
  /** PATCH chunk size for uploads (undefined: monolithic up to 8 MiB). */
  chunkSize?: number;

  /** `uploadStateDir` (see RegistryRepositoryOptions) makes interrupted chunked uploads resumable. */
  constructor(repo: RegistryRepository, opts: { uploadStateDir?: string; chunkSize?: number } = {}) {
    this.repo = repo;
    if (opts.uploadStateDir !== undefined) repo.uploadStateDir = opts.uploadStateDir;
    this.chunkSize = opts.chunkSize;
  }

  get description(): string {
    return `docker://${this.repo.client.registry}/${this.repo.name}`;
  }

  async resolve(ref: string): Promise<Descriptor | undefined> {
    return await this.repo.headManifest(ref);
  }

  async readManifest(digest: string): Promise<StoredManifest> {
    return this.written.get(digest) ?? (await this.repo.getManifest(digest));
  }

  async hasBlob(digest: string): Promise<boolean> {
    return await this.repo.hasBlob(digest);
  }

  async readBlob(desc: Descriptor, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
    await this.repo.pullBlob(desc, sink);
  }

  async writeBlob(desc: Descriptor, data: () => Promise<Uint8Array>, from?: ImageStore): Promise<PushBlobResult> {
    const sameRegistry = from instanceof RegistryStore && from.repo.client.baseUrl === this.repo.client.baseUrl;
    // Blobs bigger than one chunk stream from the source in PATCH chunks instead of being buffered.
    if (from && !sameRegistry && desc.size > (this.chunkSize ?? STREAM_THRESHOLD)) {
      return await this.repo.pushBlobStreaming(desc, (sink) => from.readBlob(desc, sink), { chunkSize: this.chunkSize });
    }
    return await this.repo.pushBlob(desc, data, { mountFrom: sameRegistry ? from.repo.name : undefined, chunkSize: this.chunkSize });
  }

  async writeManifest(bytes: Uint8Array, mediaType: string): Promise<WrittenManifest> {
    const digest = digestBytes(bytes);
    const subject = subjectOf(bytes);
    const existing = await this.repo.headManifest(digest);
    let descriptor: Descriptor;
    let subjectAccepted = false;
    if (existing) {
      descriptor = existing;
      // Pushed before: the registry indexed it then if it has the API; ask whether it lists it.
      if (subject && DIGEST.test(subject)) subjectAccepted = (await this.repo.referrersApi(subject))?.some((d) => d.digest === digest) ?? false;
    } else {
      const pushed = await this.repo.pushManifest(digest, bytes, mediaType);
      descriptor = pushed.descriptor;
      subjectAccepted = subject !== undefined && pushed.ociSubject === subject;
    }
    this.written.set(digest, { bytes: Buffer.from(bytes), mediaType, digest });
    return { descriptor, subjectAccepted };
  }

  async tag(tag: string, desc: Descriptor): Promise<void> {
    const current = await this.repo.headManifest(tag);
    if (current?.digest === desc.digest) return; // idempotent: nothing to do
    const m = await this.readManifest(desc.digest);
    await this.repo.putManifest(tag, m.bytes, m.mediaType);
  }

  async tags(): Promise<string[]> {
    return await this.repo.listTags();
  }

  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    return await this.repo.referrers(digest, artifactType);
  }
}
