/**
 * An image in an OCI layout as a FileSource, read layer by layer, lowest first, as a stream:
 * blob → (gunzip) → tar-stream. Nothing is unpacked to disk; only wanted files are held, and a
 * later layer's entry, whiteout (`.wh.<name>`) or opaque marker (`.wh..wh..opq`) removes what
 * lower layers put there, as overlayfs does when the image runs. Entry names with `../` or a
 * leading `/` are normalised (or refused) with a warning. The compressed bytes of each layer are
 * hashed as they stream and checked against the manifest's digest (inflate.ts, on a worker).
 */
import { posix } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { extract, type Header } from "tar-stream";
import { MkError } from "../../errors.js";
import { MediaType, OciLayout, readImage, type Descriptor, type ResolvedImage } from "../../oci/index.js";
import { normaliseEntryName } from "../paths.js";
import { inflateLayer } from "./inflate.js";
import { CollectedTree, Intake, readLimit, type Candidate } from "./tree.js";
import type { CollectedFile, FileSource, SourceInfo, WantsById } from "./types.js";

const GZIP_TYPES = new Set<string>([MediaType.layerTarGzip, MediaType.dockerLayerTarGzip]);
const TAR_TYPES = new Set<string>([MediaType.layerTar, "application/vnd.oci.image.layer.nondistributable.v1.tar"]);

/**
 * Which layer each kept path (file or symlink) came from: overlay rules only hide what lower
 * layers put there. `dirs` over-approximates the directories holding kept paths, so the common
 * case (an entry over nothing we kept) costs a lookup, not a scan.
 */
class Origins {
  readonly layerOf = new Map<string, number>();
  readonly dirs = new Set<string>(["/"]);

  add(path: string, layerIndex: number): void {
    this.layerOf.set(path, layerIndex);
    for (let d = posix.dirname(path); !this.dirs.has(d); d = posix.dirname(d)) this.dirs.add(d);
  }
}

export class OciImageSource implements FileSource {
  readonly info: SourceInfo;
  private readonly layout: OciLayout;
  private readonly image: ResolvedImage;

  private constructor(layout: OciLayout, image: ResolvedImage, name: string, ref: string) {
    this.layout = layout;
    this.image = image;
    const platform = image.config.os && image.config.architecture ? `${image.config.os}/${image.config.architecture}` : undefined;
    this.info = {
      kind: "image",
      name,
      digest: image.descriptor.digest,
      properties: { "mailknight:image:ref": ref, ...(platform ? { "mailknight:image:platform": platform } : {}) },
      ...(typeof image.config.created === "string" ? { created: image.config.created } : {}),
    };
  }

  /** Opens `ref` (tag or manifest digest) in the layout at `layoutDir`. */
  /** `name` is what the SBOM calls the subject (default `oci:<dir>:<ref>`), e.g. the registry reference it was pulled from. */
  static async open(layoutDir: string, ref: string, name?: string): Promise<OciImageSource> {
    const layout = await OciLayout.open(layoutDir);
    const image = await readImage(layout, ref);
    return new OciImageSource(layout, image, name ?? `oci:${layout.dir}:${ref}`, ref);
  }

  get architecture(): string | undefined {
    return this.image.config.architecture;
  }

  async collect(wants: WantsById, onProgress?: (files: number) => void): Promise<CollectedTree> {
    const intake = new Intake(wants);
    const tree = new CollectedTree();
    const origins = new Origins();
    let visited = 0;
    for (const [index, layer] of this.image.manifest.layers.entries()) {
      await this.readLayer(layer, index, intake, tree, origins, () => {
        visited++;
        if (visited % 1000 === 0) onProgress?.(visited);
      });
    }
    onProgress?.(visited);
    tree.checkLinks(intake);
    // A stream cannot go back for a link's target whose own name no want selected: say so.
    for (const [link] of [...tree.symlinks].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      if (!intake.namesPath(link)) continue;
      const real = tree.resolve(link);
      if (real !== undefined && !tree.files.has(real) && intake.matchKey(link) !== intake.matchKey(real) && !intake.namesPath(real)) {
        tree.warnings.push(`${link} is a symlink to ${real}, which was not kept while streaming the layers; not read`);
      }
    }
    return tree;
  }

  private async readLayer(layer: Descriptor, index: number, intake: Intake, tree: CollectedTree, origins: Origins, tick: () => void): Promise<void> {
    const blob = this.layout.blobPath(layer.digest);
    const where = `layer ${index + 1} (${layer.digest}) of ${this.info.name}`;
    let gzip: boolean;
    if (GZIP_TYPES.has(layer.mediaType)) gzip = true;
    else if (TAR_TYPES.has(layer.mediaType)) gzip = false;
    else {
      throw new MkError("E_OCI", `${where} has media type ${layer.mediaType}, which Mailknight cannot read yet (gzip or plain tar only)`, {
        hint: "convert the image to gzip layers, e.g. `skopeo copy --dest-compress-format gzip oci:<in> oci:<out>`",
      });
    }
    const tar = extract();
    const layerWarnings: string[] = [];
    tar.on("entry", (header, stream, next) => {
      tick();
      this.onEntry(header, stream as unknown as Readable, index, layer.digest, intake, tree, origins, layerWarnings).then(
        () => next(),
        (e: unknown) => next(e as Error),
      );
    });
    // Read, hashed and inflated on a worker thread (see inflate.ts); this thread parses the tar.
    const inflated = inflateLayer(blob, gzip);
    let digest: { digest: string; size: number };
    try {
      await pipeline(Readable.from(inflated.chunks), tar);
      digest = await inflated.done;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") {
        throw new MkError("E_NOT_FOUND", `${where}: blob ${blob} is missing`, { hint: "the layout is incomplete; copy the image into it again" });
      }
      // A damaged blob fails the digest check before anything else: report that when it is so.
      const check = await inflated.done.catch(() => undefined);
      if (check && (check.digest !== layer.digest || check.size !== layer.size)) throw integrityError(where, blob, check, layer);
      throw new MkError("E_OCI", `${where} cannot be read as a ${gzip ? "gzip-compressed " : ""}tar archive: ${(e as Error).message}`, {
        cause: e,
        hint: "the layer blob is damaged or not a tar layer; copy the image into the layout again",
      });
    }
    if (digest.digest !== layer.digest || digest.size !== layer.size) throw integrityError(where, blob, digest, layer);
    for (const w of layerWarnings) tree.warnings.push(`${where}: ${w}`);
  }

  private async onEntry(
    header: Header,
    stream: Readable,
    layerIndex: number,
    layerDigest: string,
    intake: Intake,
    tree: CollectedTree,
    origins: Origins,
    warnings: string[],
  ): Promise<void> {
    const named = normaliseEntryName(header.name);
    if (named.warning) warnings.push(named.warning);
    const path = named.path;
    if (path === undefined || path === "/") return await skip(stream);
    const base = posix.basename(path);
    const dir = posix.dirname(path);
    if (base === ".wh..wh..opq") {
      removeBelow(dir, layerIndex, tree, origins, { self: false, subtree: true });
      return await skip(stream);
    }
    if (base.startsWith(".wh.")) {
      removeBelow(posix.join(dir, base.slice(4)), layerIndex, tree, origins, { self: true, subtree: true });
      return await skip(stream);
    }
    // Whatever this entry is, it replaces what lower layers had at this path; a non-directory
    // also hides everything a lower layer had beneath it (a directory merges with the one below).
    removeBelow(path, layerIndex, tree, origins, { self: true, subtree: header.type !== "directory" });
    if (header.type === "symlink") {
      tree.symlinks.set(path, header.linkname ?? "");
      origins.add(path, layerIndex);
      return await skip(stream);
    }
    if (header.type === "link") {
      linkHard(path, header.linkname ?? "", layerIndex, tree, origins, intake, warnings);
      return await skip(stream);
    }
    if (header.type !== "file" && header.type !== "contiguous-file") return await skip(stream);
    const size = header.size ?? 0;
    const c = intake.candidate(path, (header.mode ?? 0) & 0o7777, size);
    if (!c) return await skip(stream);
    const file = await readEntry(stream, c, intake, layerDigest, tree.warnings);
    if (file) {
      tree.files.set(path, file);
      origins.add(path, layerIndex);
    }
  }
}

function integrityError(where: string, blob: string, actual: { digest: string; size: number }, layer: Descriptor): MkError {
  return new MkError("E_INTEGRITY", `${where}: blob ${blob} has digest ${actual.digest} and ${actual.size} bytes; the manifest says ${layer.digest} and ${layer.size} bytes`, {
    hint: "the blob was modified or damaged on disk; copy the image into the layout again",
  });
}

async function skip(stream: Readable): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
    stream.resume();
  });
}

/** Reads the head for the magic check, then (if still wanted) the entry up to its read limit; drains the rest. */
async function readEntry(stream: Readable, c: Candidate, intake: Intake, layer: string, warnings: string[]): Promise<CollectedFile | undefined> {
  const chunks: Buffer[] = [];
  let have = 0;
  let admitted: Candidate | undefined = c.headBytes === 0 ? intake.afterHead(c, new Uint8Array(0), warnings) : undefined;
  let decided = c.headBytes === 0;
  let limit = admitted ? readLimit(admitted) : Infinity;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if ((decided && !admitted) || have >= limit) continue; // draining: not wanted, or read enough
    chunks.push(chunk);
    have += chunk.byteLength;
    if (!decided && have >= Math.min(c.headBytes, c.size)) {
      decided = true;
      admitted = intake.afterHead(c, Buffer.concat(chunks), warnings);
      if (!admitted) chunks.length = 0;
      else limit = readLimit(admitted);
    }
  }
  if (!decided) admitted = intake.afterHead(c, Buffer.concat(chunks), warnings);
  if (!admitted) return undefined;
  const all = Buffer.concat(chunks);
  return await intake.finish(admitted, all.byteLength > limit ? all.subarray(0, limit) : all, layer, warnings);
}

/** Drops what lower layers put at `path` itself and/or below it. */
function removeBelow(path: string, layerIndex: number, tree: CollectedTree, origins: Origins, what: { self: boolean; subtree: boolean }): void {
  const drop = (p: string): void => {
    tree.files.delete(p);
    tree.symlinks.delete(p);
    origins.layerOf.delete(p);
  };
  if (what.self) {
    const own = origins.layerOf.get(path);
    if (own !== undefined && own < layerIndex) drop(path);
  }
  if (!what.subtree || !origins.dirs.has(path)) return;
  const prefix = path === "/" ? "/" : `${path}/`;
  for (const [p, own] of origins.layerOf) if (own < layerIndex && p.startsWith(prefix)) drop(p);
}

/** A hard link in a layer shares the bytes of a file already seen; alias it when that file was kept. */
function linkHard(path: string, linkname: string, layerIndex: number, tree: CollectedTree, origins: Origins, intake: Intake, warnings: string[]): void {
  const named = normaliseEntryName(linkname);
  if (named.path === undefined) {
    warnings.push(`hard link ${path} points above the image root (${JSON.stringify(linkname)}); ignored`);
    return;
  }
  const target = tree.files.get(named.path);
  if (!target) {
    // Usually the target was not wanted, so neither is a second name for it; but when only the
    // link's name is wanted, its bytes went by unread: say so rather than miss it silently.
    if (intake.namesPath(path) && !intake.namesPath(named.path)) warnings.push(`hard link ${path} -> ${named.path}: the target was not kept, so ${path} was not read`);
    return;
  }
  tree.files.set(path, { ...target, path });
  origins.add(path, layerIndex);
}
