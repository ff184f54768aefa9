/**
 * Copies an image (manifest or index, recursively) between any two ImageStores: blobs first
 * (bounded parallel, skipped when present, mounted when both sides share a registry), then child
 * manifests, then the top manifest, then the tags. A copy interrupted at any point leaves no tag
 * pointing at a partial image, and re-running it finishes the job without re-sending what is there.
 */
import { MkError } from "../../errors.js";
import { MediaType, type Descriptor, type Platform } from "../spec.js";
import { mapBounded } from "./parallel.js";
import type { ImageStore, StoredManifest, WrittenManifest } from "./store.js";

export interface CopyOptions {
  /** Tags to point at the copied manifest in the destination (may be empty: copy by digest). */
  tags: string[];
  /** Blob transfers in flight at once. */
  concurrency?: number;
  /** Copy only this platform's manifest out of an index (e.g. linux/amd64). */
  platform?: Pick<Platform, "os" | "architecture" | "variant">;
  /** Called after each blob, for progress. */
  onBlob?: (desc: Descriptor, result: string) => void;
}

export interface CopyResult {
  descriptor: Descriptor;
  /**
   * The copied manifest has a `subject` and the destination indexed it (OCI 1.1 referrers API);
   * when false for a referrer, the caller updates the fallback index (sign/attach.ts addToReferrersIndex).
   */
  subjectAccepted: boolean;
  blobs: { uploaded: number; mounted: number; existing: number; bytes: number };
}

const INDEX_TYPES = new Set<string>([MediaType.index, MediaType.dockerManifestList]);

interface ParsedManifest {
  manifests?: Descriptor[];
  config?: Descriptor;
  layers?: Descriptor[];
  subject?: Descriptor;
}

function parse(m: StoredManifest, where: string): ParsedManifest {
  try {
    return JSON.parse(m.bytes.toString("utf8")) as ParsedManifest;
  } catch (e) {
    throw new MkError("E_OCI", `manifest ${m.digest} in ${where} is not JSON`, { cause: e, hint: "the source store is damaged" });
  }
}

function platformMatches(d: Descriptor, p: NonNullable<CopyOptions["platform"]>): boolean {
  return d.platform?.os === p.os && d.platform.architecture === p.architecture && (p.variant === undefined || d.platform.variant === p.variant);
}

export async function copyImage(src: ImageStore, srcRef: string, dst: ImageStore, opts: CopyOptions): Promise<CopyResult> {
  const stats = { uploaded: 0, mounted: 0, existing: 0, bytes: 0 };
  let root = await src.resolve(srcRef);
  if (!root) {
    throw new MkError("E_NOT_FOUND", `${src.description} has no image ${srcRef}`, { hint: `list what is there (skopeo list-tags / mailknight index show) and check the tag` });
  }
  if (opts.platform && INDEX_TYPES.has(root.mediaType)) {
    const index = parse(await src.readManifest(root.digest), src.description);
    const pick = (index.manifests ?? []).find((d) => platformMatches(d, opts.platform!));
    if (!pick) {
      const have = (index.manifests ?? []).map((d) => `${d.platform?.os}/${d.platform?.architecture}`).join(", ");
      throw new MkError("E_NOT_FOUND", `${src.description}:${srcRef} has no ${opts.platform.os}/${opts.platform.architecture} image (it has ${have || "none"})`, { hint: "choose one of the platforms listed" });
    }
    root = pick;
  }
  const limit = opts.concurrency ?? 4;

  async function copyBlobs(descs: Descriptor[]): Promise<void> {
    await mapBounded(descs, limit, async (d) => {
      const r = await dst.writeBlob(d, async () => {
        const parts: Uint8Array[] = [];
        await src.readBlob(d, (c) => void parts.push(c));
        return Buffer.concat(parts);
      }, src);
      if (r === "uploaded") {
        stats.uploaded++;
        stats.bytes += d.size;
      } else if (r === "mounted") stats.mounted++;
      else stats.existing++;
      opts.onBlob?.(d, r);
    });
  }

  async function copyManifest(desc: Descriptor, depth: number): Promise<WrittenManifest> {
    if (depth > 4) throw new MkError("E_OCI", `${src.description}: indexes nest deeper than 4 levels at ${desc.digest}`, { hint: "refusing what looks like a loop" });
    const m = await src.readManifest(desc.digest);
    if (m.digest !== desc.digest) throw new MkError("E_INTEGRITY", `${src.description} served ${m.digest} for ${desc.digest}`, { hint: "the source store is damaged" });
    const parsed = parse(m, src.description);
    if (INDEX_TYPES.has(desc.mediaType) || parsed.manifests) {
      for (const child of parsed.manifests ?? []) await copyManifest(child, depth + 1);
    } else {
      const blobs = [...(parsed.config ? [parsed.config] : []), ...(parsed.layers ?? [])];
      await copyBlobs(blobs);
    }
    return await dst.writeManifest(m.bytes, m.mediaType || desc.mediaType);
  }

  const written = await copyManifest(root, 0);
  // Tags last: until here nothing in the destination names the new image.
  for (const tag of opts.tags) await dst.tag(tag, written.descriptor);
  return { descriptor: written.descriptor, subjectAccepted: written.subjectAccepted, blobs: stats };
}
