/**
 * Base images from OCI registries: a pinned base (`repo:tag@sha256:...`) is pulled once, verified
 * by digest, into the workspace's base cache (an OCI image layout under
 * `.mailknight/cache/bases`), and read from there ever after, without network. The package stage
 * then uses the cached image exactly like an `oci:` base.
 *
 * Only the manifest for the wanted platform (linux/amd64) and its blobs are pulled; when the
 * pinned digest names an index, the index itself is stored last, so the cache never holds an
 * index or manifest whose blobs are missing.
 */
import { join } from "node:path";
import { MkError } from "../../errors.js";
import { DEFAULT_PLATFORM, MediaType, OciLayout, readImage, type Platform, type ResolvedImage } from "../../oci/index.js";
import {
  copyImage,
  formatReference,
  LayoutStore,
  RegistryClient,
  RegistryRepository,
  RegistryStore,
  type ImageReference,
  type RegistryClientOptions,
} from "../../oci/registry/index.js";
import { sha256Digest } from "../../util/digest.js";
import type { Workspace } from "../../workspace/workspace.js";

const INDEX_TYPES = new Set<string>([MediaType.index, MediaType.dockerManifestList]);

export interface RegistryBaseOptions {
  /** The cache layout (see baseCacheDir). */
  cacheDir: string;
  /** Registries allowed over plain HTTP although not on loopback. */
  insecureRegistries?: string[];
  /** Client overrides (tests count requests through an injected fetch). */
  client?: Partial<RegistryClientOptions>;
  platform?: Platform;
}

export interface CachedBase {
  layout: OciLayout;
  /** The digest the recipe pinned (or the tag resolved to); may be an index. */
  pinned: string;
  /** The image for the platform: its descriptor's digest is the platform manifest's. */
  image: ResolvedImage;
  /** True when this call downloaded it; false when the cache already had it. */
  pulled: boolean;
}

/** `<workspace>/.mailknight/cache/bases`: one OCI layout shared by every project. */
export function baseCacheDir(ws: Pick<Workspace, "cacheDir">): string {
  return join(ws.cacheDir, "bases");
}

/** Registries a workspace allows over plain HTTP (its publish registry when marked insecure). */
export function insecureRegistriesOf(ws: Pick<Workspace, "config">): string[] {
  const r = ws.config.registry;
  return r?.insecure ? [r.host] : [];
}

function repositoryOf(ref: ImageReference, opts: RegistryBaseOptions): RegistryRepository {
  const client = new RegistryClient({ ...opts.client, registry: ref.registry, insecure: opts.insecureRegistries?.includes(ref.registry) === true });
  return new RegistryRepository(client, ref.repository);
}

/** The cached image for `digest`, when every blob it needs is there; never touches the network. */
export async function cachedBase(cacheDir: string, digest: string, platform: Platform = DEFAULT_PLATFORM): Promise<Omit<CachedBase, "pulled"> | undefined> {
  let layout: OciLayout;
  try {
    layout = await OciLayout.open(cacheDir);
  } catch {
    return undefined;
  }
  if (!(await layout.hasBlob(digest))) return undefined;
  let image: ResolvedImage;
  try {
    image = await readImage(layout, digest, platform);
  } catch {
    return undefined; // e.g. the index is there but not the manifest: pull again
  }
  for (const d of [image.manifest.config, ...image.manifest.layers]) if (!(await layout.hasBlob(d.digest))) return undefined;
  // The small documents from the pin down to the config are re-hashed on every use (layers are
  // verified when the package stage imports them into the output layout).
  for (const d of new Set([digest, image.descriptor.digest, image.manifest.config.digest])) {
    const actual = sha256Digest(await layout.readBlob(d));
    if (actual !== d) {
      throw new MkError("E_INTEGRITY", `the base cache ${cacheDir} is damaged: blob ${d} hashes to ${actual}`, {
        hint: `delete ${cacheDir} and run again; the base is pulled afresh and verified`,
      });
    }
  }
  return { layout, pinned: digest, image };
}

/** What a tag points at in the registry now (network). Used only for `insecure: true` recipes. */
export async function resolveRegistryTag(ref: ImageReference, opts: RegistryBaseOptions): Promise<string> {
  const tag = ref.tag ?? "latest";
  const found = await repositoryOf(ref, opts).headManifest(tag);
  if (!found) {
    throw new MkError("E_NOT_FOUND", `base image ${formatReference({ ...ref, tag, digest: undefined })} does not exist (no tag ${tag})`, {
      hint: "check the registry, repository and tag of the base",
    });
  }
  return found.digest;
}

/**
 * Makes sure the cache holds `ref` at `digest` (the pin): returns it from the cache, or pulls it
 * (manifest for the platform and its blobs, each verified by digest while streaming). A digest the
 * registry does not have, while the reference's tag points elsewhere, is an integrity failure.
 */
export async function ensureRegistryBase(ref: ImageReference, digest: string, opts: RegistryBaseOptions): Promise<CachedBase> {
  const platform = opts.platform ?? DEFAULT_PLATFORM;
  const hit = await cachedBase(opts.cacheDir, digest, platform);
  if (hit) return { ...hit, pulled: false };

  const name = formatReference({ ...ref, digest: undefined });
  const repo = repositoryOf(ref, opts);
  const top = await repo.headManifest(digest);
  if (!top) {
    const tagged = ref.tag !== undefined ? await repo.headManifest(ref.tag) : undefined;
    if (tagged) {
      throw new MkError("E_INTEGRITY", `base ${name}@${digest}: ${ref.registry} has no image with the pinned digest; the tag ${ref.tag} points at ${tagged.digest}`, {
        hint: "the pin is wrong or the image was removed; re-pin the base (mailknight pin fix) only if you trust the image the tag names now",
      });
    }
    throw new MkError("E_NOT_FOUND", `base ${name}@${digest} does not exist in ${ref.registry}/${ref.repository}`, {
      hint: "check the registry, repository and digest of the base",
    });
  }
  const layout = await OciLayout.create(opts.cacheDir);
  const local = new LayoutStore(layout);
  const remote = new RegistryStore(repo);
  // The top manifest, verified against the pin (getManifest checks the bytes hash to `digest`).
  const fetched = await repo.getManifest(digest);
  const isIndex = INDEX_TYPES.has(fetched.mediaType) || INDEX_TYPES.has(top.mediaType);
  await copyImage(remote, digest, local, { tags: [], platform: { os: platform.os, architecture: platform.architecture, ...(platform.variant ? { variant: platform.variant } : {}) } });
  // An index last: it names the platform manifest just stored, so the pin resolves offline.
  if (isIndex) await layout.putBlob(fetched.bytes, fetched.mediaType);
  const image = await readImage(layout, digest, platform);
  return { layout, pinned: digest, image, pulled: true };
}
