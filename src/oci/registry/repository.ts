/**
 * The distribution-spec endpoints of one repository: blobs (HEAD, GET verified while
 * streaming, upload by mount / monolithic POST+PUT / chunked PATCH), manifests (GET with the
 * OCI and Docker Accept types, HEAD, PUT), tags (with `Link` pagination) and referrers (the API,
 * or the `sha256-<hex>` tag fallback on registries without it).
 */
import { createHash } from "node:crypto";
import { MkError } from "../../errors.js";
import { MediaType, type Descriptor, type ImageIndex } from "../spec.js";
import { digestBytes, type RegistryClient } from "./client.js";

/** Everything we can read, best first; Docker v2 lists so Docker Hub does not down-convert. */
export const MANIFEST_ACCEPT = [MediaType.index, MediaType.manifest, MediaType.dockerManifestList, MediaType.dockerManifest, "application/vnd.oci.artifact.manifest.v1+json"].join(", ");

const DEFAULT_CHUNK = 8 * 1024 * 1024;

export interface FetchedManifest {
  bytes: Buffer;
  mediaType: string;
  digest: string;
}

export interface PushBlobOptions {
  /** Try a cross-repository mount from this repository (same registry) first. */
  mountFrom?: string;
  /** Upload in PATCH chunks of this size instead of one PUT. */
  chunkSize?: number;
}

export type PushBlobResult = "exists" | "mounted" | "uploaded";

function isDigestRef(ref: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(ref);
}

/** Next page from `Link: </v2/x/tags/list?n=2&last=b>; rel="next"`. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  return m?.[1];
}

export class RegistryRepository {
  readonly client: RegistryClient;
  readonly name: string;

  constructor(client: RegistryClient, name: string) {
    this.client = client;
    this.name = name;
  }

  private get pull(): string {
    return `repository:${this.name}:pull`;
  }

  private get push(): string {
    return `repository:${this.name}:pull,push`;
  }

  private where(what: string): string {
    return `${what} in ${this.client.registry}/${this.name}`;
  }

  async hasBlob(digest: string): Promise<boolean> {
    const res = await this.client.request(`/v2/${this.name}/blobs/${digest}`, { method: "HEAD", scope: this.pull, ok: [200, 404], what: this.where(`checking blob ${digest}`) });
    return res.status === 200;
  }

  /**
   * Streams a blob into `sink` (chunk by chunk), hashing as it goes; throws E_INTEGRITY when the
   * bytes do not match the descriptor, so the caller must not commit what the sink received.
   */
  async pullBlob(desc: Descriptor, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<void> {
    const res = await this.client.request(`/v2/${this.name}/blobs/${desc.digest}`, { scope: this.pull, ok: [200], what: this.where(`downloading blob ${desc.digest}`) });
    const hash = createHash("sha256");
    let size = 0;
    if (!res.body) throw new MkError("E_FETCH", `${this.where(`downloading blob ${desc.digest}`)}: empty response`);
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.byteLength;
      if (size > desc.size) break;
      await sink(chunk);
    }
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== desc.digest || size !== desc.size) {
      throw new MkError("E_INTEGRITY", `blob from ${this.client.registry}/${this.name} is ${actual} (${size} bytes), not the ${desc.digest} (${desc.size} bytes) it was asked for`, {
        hint: "the registry served different bytes than the manifest names; do not trust this image, and report it to the registry's owner",
      });
    }
  }

  async readBlob(desc: Descriptor): Promise<Buffer> {
    const parts: Uint8Array[] = [];
    await this.pullBlob(desc, (c) => void parts.push(c));
    return Buffer.concat(parts);
  }

  /** Uploads a blob unless present: mount, else monolithic or chunked. Returns what happened. */
  async pushBlob(desc: Descriptor, data: () => Promise<Uint8Array>, opts: PushBlobOptions = {}): Promise<PushBlobResult> {
    if (await this.hasBlob(desc.digest)) return "exists";
    const what = this.where(`uploading blob ${desc.digest}`);
    const start = opts.mountFrom && opts.mountFrom !== this.name
      ? `/v2/${this.name}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(opts.mountFrom)}`
      : `/v2/${this.name}/blobs/uploads/`;
    const started = await this.client.request(start, { method: "POST", scope: opts.mountFrom ? `${this.push} repository:${opts.mountFrom}:pull` : this.push, ok: [201, 202], what });
    await started.body?.cancel();
    if (started.status === 201) return "mounted";
    let location = this.location(started, what);
    const bytes = await data();
    if (bytes.byteLength !== desc.size || digestBytes(bytes) !== desc.digest) {
      throw new MkError("E_INTEGRITY", `${what}: the local bytes are ${digestBytes(bytes)} (${bytes.byteLength} bytes), not the descriptor's ${desc.digest} (${desc.size})`, {
        hint: "the local store is damaged; rebuild or re-copy the image",
      });
    }
    const chunk = opts.chunkSize ?? (bytes.byteLength > DEFAULT_CHUNK ? DEFAULT_CHUNK : 0);
    if (chunk > 0) {
      for (let offset = 0; offset < bytes.byteLength; offset += chunk) {
        const part = bytes.subarray(offset, Math.min(offset + chunk, bytes.byteLength));
        location = await this.patchChunk(location, offset, part, what);
      }
      await this.finish(location, new Uint8Array(0), desc.digest, what);
    } else {
      await this.finish(location, bytes, desc.digest, what);
    }
    return "uploaded";
  }

  /**
   * Uploads a blob chunk by chunk as `stream` produces it (PATCH per `chunkSize`), so a large
   * layer never sits in memory whole. The digest is checked here as bytes pass and again by the
   * registry on the final PUT.
   */
  async pushBlobStreaming(desc: Descriptor, stream: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>, opts: PushBlobOptions = {}): Promise<PushBlobResult> {
    if (await this.hasBlob(desc.digest)) return "exists";
    const what = this.where(`uploading blob ${desc.digest}`);
    const started = await this.client.request(`/v2/${this.name}/blobs/uploads/`, { method: "POST", scope: this.push, ok: [202], what });
    await started.body?.cancel();
    let location = this.location(started, what);
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    const hash = createHash("sha256");
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    let offset = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const part = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      location = await this.patchChunk(location, offset, part, what);
      offset += part.byteLength;
    };
    await stream(async (chunk) => {
      hash.update(chunk);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      while (pendingBytes >= chunkSize) {
        const all = Buffer.concat(pending);
        const rest = all.subarray(chunkSize);
        pending = [all.subarray(0, chunkSize)];
        pendingBytes = chunkSize;
        await flush();
        pending = rest.byteLength > 0 ? [rest] : [];
        pendingBytes = rest.byteLength;
      }
    });
    await flush();
    const actual = `sha256:${hash.digest("hex")}`;
    if (actual !== desc.digest || offset !== desc.size) {
      throw new MkError("E_INTEGRITY", `${what}: the source produced ${actual} (${offset} bytes), not ${desc.digest} (${desc.size})`, { hint: "the source store is damaged; rebuild or re-copy the image" });
    }
    await this.finish(location, new Uint8Array(0), desc.digest, what);
    return "uploaded";
  }

  private async finish(location: string, body: Uint8Array, digest: string, what: string): Promise<void> {
    const url = new URL(location, this.client.baseUrl);
    url.searchParams.set("digest", digest);
    const res = await this.client.request(url.toString(), {
      method: "PUT",
      scope: this.push,
      headers: { "content-type": "application/octet-stream", "content-length": String(body.byteLength) },
      body,
      ok: [201],
      what,
    });
    await res.body?.cancel();
  }

  /** Sends one chunk of an upload session (bytes at `offset`); returns where the session continues. */
  private async patchChunk(location: string, offset: number, part: Uint8Array, what: string): Promise<string> {
    const res = await this.client.request(location, {
      method: "PATCH",
      scope: this.push,
      headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${offset + part.byteLength - 1}`, "content-length": String(part.byteLength) },
      body: part,
      ok: [202],
      what,
    });
    await res.body?.cancel();
    return this.location(res, what);
  }

  private location(res: Response, what: string): string {
    const loc = res.headers.get("location");
    if (!loc) throw new MkError("E_FETCH", `${what}: the registry did not say where to upload (no Location header)`, { hint: "the registry does not follow the distribution spec" });
    return new URL(loc, this.client.baseUrl).toString();
  }

  /** GET a manifest by tag or digest; verifies the bytes when asked by digest. */
  async getManifest(ref: string): Promise<FetchedManifest> {
    const what = this.where(`reading manifest ${ref}`);
    const res = await this.client.request(`/v2/${this.name}/manifests/${ref}`, { scope: this.pull, headers: { accept: MANIFEST_ACCEPT }, ok: [200], what });
    const bytes = Buffer.from(await res.arrayBuffer());
    const digest = digestBytes(bytes);
    if (isDigestRef(ref) && digest !== ref) {
      throw new MkError("E_INTEGRITY", `${what}: the registry served ${digest}`, { hint: "do not trust this registry's answer; report it" });
    }
    const header = res.headers.get("docker-content-digest");
    if (header && header.startsWith("sha256:") && header !== digest) {
      throw new MkError("E_INTEGRITY", `${what}: Docker-Content-Digest says ${header} but the bytes are ${digest}`, { hint: "a proxy may have rewritten the manifest; do not trust it" });
    }
    let mediaType = res.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
    try {
      const parsed = JSON.parse(bytes.toString("utf8")) as { mediaType?: string };
      if (parsed.mediaType) mediaType = parsed.mediaType;
    } catch {
      throw new MkError("E_OCI", `${what}: the manifest is not JSON`, { hint: "the registry served something else than a manifest" });
    }
    return { bytes, mediaType, digest };
  }

  /** Descriptor of a manifest by tag or digest, or undefined when there is none. */
  async headManifest(ref: string): Promise<Descriptor | undefined> {
    const res = await this.client.request(`/v2/${this.name}/manifests/${ref}`, { method: "HEAD", scope: this.pull, headers: { accept: MANIFEST_ACCEPT }, ok: [200, 404], what: this.where(`checking manifest ${ref}`) });
    if (res.status === 404) return undefined;
    const digest = res.headers.get("docker-content-digest");
    const size = Number(res.headers.get("content-length"));
    const mediaType = res.headers.get("content-type")?.split(";")[0]?.trim();
    if (digest && mediaType && Number.isFinite(size)) return { mediaType, digest, size };
    // Some registries omit the digest on HEAD: fall back to GET.
    const m = await this.getManifest(ref);
    return { mediaType: m.mediaType, digest: m.digest, size: m.bytes.byteLength };
  }

  /** PUT a manifest under a tag or its digest; checks the registry computed the same digest. */
  async putManifest(ref: string, bytes: Uint8Array, mediaType: string): Promise<Descriptor> {
    const digest = digestBytes(bytes);
    const what = this.where(`writing manifest ${ref}`);
    const res = await this.client.request(`/v2/${this.name}/manifests/${ref}`, { method: "PUT", scope: this.push, headers: { "content-type": mediaType }, body: bytes, ok: [201], what });
    await res.body?.cancel();
    const echoed = res.headers.get("docker-content-digest");
    if (echoed && echoed !== digest) throw new MkError("E_INTEGRITY", `${what}: the registry stored ${echoed}, we sent ${digest}`, { hint: "the registry rewrote the manifest; use a registry that stores manifests as sent" });
    return { mediaType, digest, size: bytes.byteLength };
  }

  /** Every tag, following `Link` pagination. */
  async listTags(pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${this.name}/tags/list?n=${pageSize}`;
    while (next) {
      const res: Response = await this.client.request(next, { scope: this.pull, ok: [200, 404], what: this.where("listing tags") });
      if (res.status === 404) return [];
      const body = (await res.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      next = nextLink(res.headers.get("link"));
    }
    return tags;
  }

  /**
   * Manifests whose `subject` is `digest`: the referrers API where the registry has it, else the
   * `sha256-<hex>` tag fallback index from the distribution spec (what cosign and oras write).
   */
  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const what = this.where(`listing referrers of ${digest}`);
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
    const res = await this.client.request(`/v2/${this.name}/referrers/${digest}${q}`, { scope: this.pull, headers: { accept: MediaType.index }, ok: [200, 404], what });
    let index: ImageIndex | undefined;
    const ctype = res.headers.get("content-type") ?? "";
    if (res.status === 200 && ctype.startsWith(MediaType.index)) {
      index = (await res.json()) as ImageIndex;
    } else {
      await res.body?.cancel();
      const tag = digest.replace(":", "-");
      if (await this.headManifest(tag)) index = JSON.parse((await this.getManifest(tag)).bytes.toString("utf8")) as ImageIndex;
    }
    const all = index?.manifests ?? [];
    return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
  }
}
