/**
 * `mailknight-index.json` at the workspace root: an OCI image index (image-spec index.md) with one
 * entry per released manifest, annotated with what it is and its evidence. Because it is a plain
 * OCI index, any OCI tool can read it (put it next to the layout's blobs and skopeo inspects it).
 *
 * Entries are keyed by their `org.opencontainers.image.ref.name` (`<project>:<lts-tag>`), sorted
 * by it, and the file is rewritten atomically under a lock so concurrent publishes do not lose
 * each other's entries.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { withFileLock } from "../util/lock.js";
import { Annotation, MediaType, imageIndexSchema, parseJsonText, parseSpec, type Descriptor, type ImageIndex } from "../oci/spec.js";
import { ensureDir, writeJsonAtomic } from "../util/fs.js";

export const RELEASE_INDEX_FILE = "mailknight-index.json";

/** `dev.mailknight.*` keys this file uses beyond the ones images carry. */
export const ReleaseAnnotation = {
  project: "dev.mailknight.project",
  upstreamVersion: "dev.mailknight.upstream-version",
  ltsTag: "dev.mailknight.lts-tag",
  variant: "dev.mailknight.variant",
  fips: "dev.mailknight.fips",
  gate: "dev.mailknight.gate",
  repository: "dev.mailknight.repository",
  sbomDigest: "dev.mailknight.sbom.digest",
  signatureDigest: "dev.mailknight.signature.digest",
  provenanceDigest: "dev.mailknight.provenance.digest",
} as const;

export function releaseIndexPath(root: string): string {
  return join(root, RELEASE_INDEX_FILE);
}

const HINT = `restore ${RELEASE_INDEX_FILE} from git (it is committed with the workspace), or delete it and publish again`;

export async function readReleaseIndex(root: string): Promise<ImageIndex> {
  const path = releaseIndexPath(root);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return emptyIndex();
    throw new MkError("E_IO", `cannot read ${path}: ${(e as Error).message}`, { cause: e, hint: HINT });
  }
  const index = parseSpec(imageIndexSchema, parseJsonText(text, path, HINT), path, "release index (OCI image index)", HINT);
  for (const [i, d] of index.manifests.entries()) {
    if (!d.annotations?.[Annotation.refName]) {
      throw new MkError("E_CONFIG_INVALID", `${path}: manifests[${i}] (${d.digest}) has no ${Annotation.refName}`, { hint: HINT });
    }
  }
  return index;
}

function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MediaType.index, manifests: [], annotations: { "dev.mailknight.index": "releases" } };
}

function keyOf(d: Descriptor): string {
  return d.annotations?.[Annotation.refName] ?? d.digest;
}

/** Pure: the index with `entries` added, replacing entries with the same ref name; sorted by bytes. */
export function mergeReleases(index: ImageIndex, entries: Descriptor[]): ImageIndex {
  const byKey = new Map(index.manifests.map((d) => [keyOf(d), d]));
  for (const e of entries) byKey.set(keyOf(e), e);
  const manifests = [...byKey.values()].sort((a, b) => Buffer.compare(Buffer.from(keyOf(a)), Buffer.from(keyOf(b))));
  return { ...index, schemaVersion: 2, mediaType: MediaType.index, manifests };
}

/** Adds releases to the workspace's index file atomically, under a lock. */
export async function recordReleases(root: string, entries: Descriptor[]): Promise<ImageIndex> {
  const lockDir = join(root, ".mailknight");
  await ensureDir(lockDir);
  return await withFileLock(join(lockDir, `${RELEASE_INDEX_FILE}.lock`), async () => {
    const merged = mergeReleases(await readReleaseIndex(root), entries);
    await writeJsonAtomic(releaseIndexPath(root), merged);
    return merged;
  });
}
