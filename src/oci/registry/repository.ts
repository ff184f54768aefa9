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
import { isOwnUploadLocation, parseUploadRange, readUploadState, removeUploadState, uploadStatePath, writeUploadState } from "./upload-state.js";

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

export interface RegistryRepositoryOptions {
  /**
   * Directory for upload-session state files (`publish` uses `<workspace>/.mailknight/uploads`).
   * With it, a chunked upload interrupted by a crash continues where the registry's session
   * stands on the next attempt; without it (the default), it starts from byte 0.
   */
  uploadStateDir?: string;
}

/** A pushed manifest, and the registry's `OCI-Subject` answer (it indexed the subject itself). */
export interface PushedManifest {
  descriptor: Descriptor;
  /** The `OCI-Subject` response header: the subject digest the referrers API now lists it under. */
  ociSubject?: string;
}

interface UploadSession {
  desc: Descriptor;
  /** Absolute URL for the next PATCH/PUT. */
  location: string;
  /** Bytes the registry holds. */
  offset: number;
  /** Continued from a saved state (so a failure may mean "start over", not "give up"). */
  resumed: boolean;
  statePath?: string;
  uuid?: string;
}

/** A failure that means the session we continued is unusable: gone (404), refused (400) or out of step (416). */
function sessionLost(e: unknown): boolean {
  return e instanceof MkError && [400, 404, 416].includes(Number(e.details?.status));
}

/** At most this many pages of tags or referrers (a registry looping its `Link` stops here). */
const MAX_PAGES = 10_000;

function isDigestRef(ref: string): boolean {
  return /^sha256:[a-f0-9]{64}$/.test(ref);
}

/** Next page from `Link: </v2/x/tags/list?n=2&last=b>; rel="next"`. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  const m = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header);
  return m?.[1];
}

/** The next page's URL, only when it stays on the registry's origin (our credentials go with it). */
function sameOriginNext(header: string | null, baseUrl: string): string | undefined {
  const next = nextLink(header);
  if (!next) return undefined;
  const url = new URL(next, baseUrl);
  if (url.origin !== new URL(baseUrl).origin) {
    throw new MkError("E_FETCH", `the registry's next page is on another host (${url.origin})`, { hint: "refusing to follow a pagination link off the registry; report it to the registry's owner" });
  }
  return url.toString();
}

export class RegistryRepository {
  readonly client: RegistryClient;
  readonly name: string;
  /** See RegistryRepositoryOptions.uploadStateDir. */
  uploadStateDir?: string;
  /** Upload sessions continued after an interruption, bytes they did not re-send, and restarts. */
  readonly uploads = { resumed: 0, resumedBytes: 0, restarted: 0 };

  constructor(client: RegistryClient, name: string, opts: RegistryRepositoryOptions = {}) {
    this.client = client;
    this.name = name;
    this.uploadStateDir = opts.uploadStateDir;
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
    if (await this.hasBlob(desc.digest)) {
      await this.dropUploadState(desc.digest);
      return "exists";
    }
    const what = this.where(`uploading blob ${desc.digest}`);
    const chunk = opts.chunkSize ?? (desc.size > DEFAULT_CHUNK ? DEFAULT_CHUNK : 0);
    let bytes: Uint8Array | undefined;
    for (let attempt = 0; ; attempt++) {
      const session = await this.openSession(desc, what, { mountFrom: opts.mountFrom, resume: chunk > 0 && attempt === 0 });
      if (session === "mounted") return "mounted";
      if (!bytes) {
        bytes = await data();
        if (bytes.byteLength !== desc.size || digestBytes(bytes) !== desc.digest) {
          throw new MkError("E_INTEGRITY", `${what}: the local bytes are ${digestBytes(bytes)} (${bytes.byteLength} bytes), not the descriptor's ${desc.digest} (${desc.size})`, {
            hint: "the local store is damaged; rebuild or re-copy the image",
          });
        }
      }
      try {
        if (chunk > 0) {
          while (session.offset < bytes.byteLength) await this.patchChunk(session, bytes.subarray(session.offset, Math.min(session.offset + chunk, bytes.byteLength)), what);
          await this.finish(session, new Uint8Array(0), desc.digest, what);
        } else {
          await this.finish(session, bytes, desc.digest, what);
        }
        return "uploaded";
      } catch (e) {
        if (!(session.resumed && attempt === 0 && sessionLost(e))) throw e;
        // The resumed session turned out unusable (expired, or holds other bytes): start over.
        this.uploads.restarted++;
        await this.dropUploadState(desc.digest);
      }
    }
  }

  /**
   * Uploads a blob chunk by chunk as `stream` produces it (PATCH per `chunkSize`), so a large
   * layer never sits in memory whole. The digest is checked here as bytes pass and again by the
   * registry on the final PUT. A resumed session skips the bytes the registry already holds (they
   * are still read and hashed, so the local digest check covers the whole blob).
   */
  async pushBlobStreaming(desc: Descriptor, stream: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>, opts: PushBlobOptions = {}): Promise<PushBlobResult> {
    if (await this.hasBlob(desc.digest)) {
      await this.dropUploadState(desc.digest);
      return "exists";
    }
    const what = this.where(`uploading blob ${desc.digest}`);
    const chunkSize = opts.chunkSize ?? DEFAULT_CHUNK;
    for (let attempt = 0; ; attempt++) {
      const session = await this.openSession(desc, what, { resume: attempt === 0 });
      if (session === "mounted") return "mounted";
      try {
        await this.streamInto(session, desc, stream, chunkSize, what);
        await this.finish(session, new Uint8Array(0), desc.digest, what);
        return "uploaded";
      } catch (e) {
        if (!(session.resumed && attempt === 0 && sessionLost(e))) throw e;
        this.uploads.restarted++;
        await this.dropUploadState(desc.digest);
      }
    }
  }

  private async streamInto(session: UploadSession, desc: Descriptor, stream: (sink: (chunk: Uint8Array) => Promise<void>) => Promise<void>, chunkSize: number, what: string): Promise<void> {
    const hash = createHash("sha256");
    /** Bytes of the source seen so far. */
    let seen = 0;
    const skip = session.offset;
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      const part = Buffer.concat(pending);
      pending = [];
      pendingBytes = 0;
      await this.patchChunk(session, part, what);
    };
    await stream(async (chunk) => {
      hash.update(chunk);
      const start = seen;
      seen += chunk.byteLength;
      if (seen <= skip) return; // the registry has these bytes already
      const fresh = start < skip ? chunk.subarray(skip - start) : chunk;
      pending.push(fresh);
      pendingBytes += fresh.byteLength;
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
    if (actual !== desc.digest || seen !== desc.size) {
      throw new MkError("E_INTEGRITY", `${what}: the source produced ${actual} (${seen} bytes), not ${desc.digest} (${desc.size})`, { hint: "the source store is damaged; rebuild or re-copy the image" });
    }
  }

  private statePath(digest: string): string | undefined {
    return this.uploadStateDir ? uploadStatePath(this.uploadStateDir, this.client.registry, this.name, digest) : undefined;
  }

  private async dropUploadState(digest: string): Promise<void> {
    const path = this.statePath(digest);
    if (path) await removeUploadState(path);
  }

  /** Saves where the session stands, when it can be resumed (a Location on the registry's origin). */
  private async saveSession(session: UploadSession): Promise<void> {
    const desc = session.desc;
    if (!session.statePath) return;
    if (!isOwnUploadLocation(session.location, this.client.baseUrl, this.name)) {
      await removeUploadState(session.statePath);
      return;
    }
    await writeUploadState(session.statePath, {
      version: 1,
      registry: this.client.registry,
      repository: this.name,
      digest: desc.digest,
      size: desc.size,
      location: session.location,
      ...(session.uuid ? { uuid: session.uuid } : {}),
      confirmed: session.offset,
    });
  }

  /**
   * An upload session for `desc`: the saved one when the registry still has it and what it holds
   * is consistent (GET <location> → 204, `Range: 0-<last>`), else a new one (POST, or a mount,
   * which finishes the job at once).
   */
  private async openSession(desc: Descriptor, what: string, opts: { mountFrom?: string; resume: boolean }): Promise<UploadSession | "mounted"> {
    const statePath = opts.resume ? this.statePath(desc.digest) : undefined;
    if (statePath) {
      const resumed = await this.resumeSession(statePath, desc, what);
      if (resumed) return resumed;
    }
    const mount = opts.mountFrom && opts.mountFrom !== this.name ? opts.mountFrom : undefined;
    const start = mount
      ? `/v2/${this.name}/blobs/uploads/?mount=${encodeURIComponent(desc.digest)}&from=${encodeURIComponent(mount)}`
      : `/v2/${this.name}/blobs/uploads/`;
    const started = await this.client.request(start, { method: "POST", scope: mount ? `${this.push} repository:${mount}:pull` : this.push, ok: [201, 202], what });
    await started.body?.cancel();
    if (started.status === 201) {
      await this.dropUploadState(desc.digest);
      return "mounted";
    }
    const uuid = started.headers.get("docker-upload-uuid") ?? undefined;
    const session: UploadSession = { desc, location: this.location(started, what), offset: 0, resumed: false, statePath, uuid };
    await this.saveSession(session);
    return session;
  }

  private async resumeSession(statePath: string, desc: Descriptor, what: string): Promise<UploadSession | undefined> {
    const { state } = await readUploadState(statePath, { registry: this.client.registry, repository: this.name, digest: desc.digest, size: desc.size, baseUrl: this.client.baseUrl });
    if (!state) return undefined;
    // "Get upload status" (distribution spec): 204 with the bytes held so far. 404 (and 400 from
    // distribution, whose signed `_state` no longer matches) means the session is gone.
    const res = await this.client.request(state.location, { method: "GET", scope: this.push, ok: [200, 204, 400, 404, 416], what: `${what} (checking the interrupted upload)` });
    await res.body?.cancel();
    const last = parseUploadRange(res.headers.get("range"));
    const uuid = res.headers.get("docker-upload-uuid") ?? undefined;
    const loc = res.headers.get("location");
    const location = loc ? new URL(loc, this.client.baseUrl).toString() : state.location;
    // `0-0` is ambiguous (nothing, or one byte): not worth a resume. Fewer bytes than we saw
    // confirmed, more than the blob, or another session's UUID: inconsistent.
    const consistent = (res.status === 200 || res.status === 204) && last !== undefined && last > 0 && last + 1 <= desc.size && last + 1 >= state.confirmed && !(state.uuid && uuid && state.uuid !== uuid);
    if (!consistent) {
      if (res.status === 200 || res.status === 204) await this.cancelUpload(location, what);
      await removeUploadState(statePath);
      this.uploads.restarted++;
      return undefined;
    }
    const session: UploadSession = { desc, location, offset: last + 1, resumed: true, statePath, uuid: uuid ?? state.uuid };
    this.uploads.resumed++;
    this.uploads.resumedBytes += session.offset;
    await this.saveSession(session);
    return session;
  }

  /** Best effort: tells the registry to drop an upload session we abandon. */
  private async cancelUpload(location: string, what: string): Promise<void> {
    try {
      const res = await this.client.request(location, { method: "DELETE", scope: this.push, ok: [200, 202, 204, 400, 404, 405], what: `${what} (cancelling the interrupted upload)` });
      await res.body?.cancel();
    } catch {
      /* the registry expires abandoned sessions itself */
    }
  }

  private async finish(session: UploadSession, body: Uint8Array, digest: string, what: string): Promise<void> {
    const url = new URL(session.location, this.client.baseUrl);
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
    if (session.statePath) await removeUploadState(session.statePath);
  }

  /** Sends one chunk of an upload session at its offset; moves the session on and saves it. */
  private async patchChunk(session: UploadSession, part: Uint8Array, what: string): Promise<void> {
    const offset = session.offset;
    const res = await this.client.request(session.location, {
      method: "PATCH",
      scope: this.push,
      headers: { "content-type": "application/octet-stream", "content-range": `${offset}-${offset + part.byteLength - 1}`, "content-length": String(part.byteLength) },
      body: part,
      ok: [202],
      what,
    });
    await res.body?.cancel();
    if (session.resumed) {
      // distribution 2.x appends a PATCH wherever its upload ends, whatever Content-Range says:
      // after a resume, make sure the registry's count is ours before going on.
      const last = parseUploadRange(res.headers.get("range"));
      if (last !== undefined && last + 1 !== offset + part.byteLength) {
        throw new MkError("E_FETCH", `${what}: after a resumed chunk the registry holds ${last + 1} bytes, expected ${offset + part.byteLength}`, { details: { status: 416 }, hint: "the upload is restarted from the beginning" });
      }
    }
    session.location = this.location(res, what);
    session.offset = offset + part.byteLength;
    session.uuid = res.headers.get("docker-upload-uuid") ?? session.uuid;
    await this.saveSession(session);
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
    return (await this.pushManifest(ref, bytes, mediaType)).descriptor;
  }

  /** putManifest, also returning the registry's `OCI-Subject` header (OCI 1.1 referrers API). */
  async pushManifest(ref: string, bytes: Uint8Array, mediaType: string): Promise<PushedManifest> {
    const digest = digestBytes(bytes);
    const what = this.where(`writing manifest ${ref}`);
    const res = await this.client.request(`/v2/${this.name}/manifests/${ref}`, { method: "PUT", scope: this.push, headers: { "content-type": mediaType }, body: bytes, ok: [201], what });
    await res.body?.cancel();
    const echoed = res.headers.get("docker-content-digest");
    if (echoed && echoed !== digest) throw new MkError("E_INTEGRITY", `${what}: the registry stored ${echoed}, we sent ${digest}`, { hint: "the registry rewrote the manifest; use a registry that stores manifests as sent" });
    const ociSubject = res.headers.get("oci-subject")?.trim() || undefined;
    return { descriptor: { mediaType, digest, size: bytes.byteLength }, ...(ociSubject ? { ociSubject } : {}) };
  }

  /** Every tag, following `Link` pagination. */
  async listTags(pageSize = 1000): Promise<string[]> {
    const tags: string[] = [];
    let next: string | undefined = `/v2/${this.name}/tags/list?n=${pageSize}`;
    for (let page = 0; next && page < MAX_PAGES; page++) {
      const res: Response = await this.client.request(next, { scope: this.pull, ok: [200, 404], what: this.where("listing tags") });
      if (res.status === 404) return [];
      const body = (await res.json()) as { tags?: string[] | null };
      tags.push(...(body.tags ?? []));
      next = sameOriginNext(res.headers.get("link"), this.client.baseUrl);
    }
    return tags;
  }

  /**
   * The OCI 1.1 referrers API: descriptors of the manifests whose `subject` is `digest` (all
   * pages, following `Link`), or undefined when the registry has no such API (404, or an answer
   * that is not an image index), in which case the `sha256-<hex>` tag schema applies.
   */
  async referrersApi(digest: string, artifactType?: string): Promise<Descriptor[] | undefined> {
    const what = this.where(`listing referrers of ${digest}`);
    if (!isDigestRef(digest)) throw new MkError("E_OCI", `${what}: ${JSON.stringify(digest)} is not a sha256 digest`, { hint: "resolve the image to sha256:<hex> first" });
    const q = artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : "";
    const out: Descriptor[] = [];
    const seen = new Set<string>();
    let next: string | undefined = `/v2/${this.name}/referrers/${digest}${q}`;
    let filtered = true;
    for (let page = 0; next && page < MAX_PAGES && !seen.has(next); page++) {
      seen.add(next);
      const res: Response = await this.client.request(next, { scope: this.pull, headers: { accept: MediaType.index }, ok: [200, 404], what });
      const ctype = res.headers.get("content-type")?.split(";")[0]?.trim() ?? "";
      if (res.status !== 200 || ctype !== MediaType.index) {
        await res.body?.cancel();
        if (page === 0) return undefined;
        throw new MkError("E_FETCH", `${what}: page ${page + 1} of the referrers list is ${res.status === 200 ? ctype || "not an index" : `HTTP ${res.status}`}`, { hint: "retry later; the registry's referrers pagination is broken" });
      }
      let body: ImageIndex;
      try {
        body = (await res.json()) as ImageIndex;
      } catch (e) {
        throw new MkError("E_FETCH", `${what}: the referrers response is not JSON`, { cause: e, hint: "the registry does not follow the distribution spec" });
      }
      // Without `OCI-Filters-Applied: artifactType` the registry did not filter: we do it below.
      if (!(res.headers.get("oci-filters-applied") ?? "").split(",").map((s) => s.trim()).includes("artifactType")) filtered = false;
      for (const d of Array.isArray(body.manifests) ? body.manifests : []) {
        if (d && typeof d.digest === "string" && typeof d.mediaType === "string") out.push(d);
      }
      next = sameOriginNext(res.headers.get("link"), this.client.baseUrl);
    }
    return artifactType && !filtered ? out.filter((d) => d.artifactType === artifactType) : out;
  }

  /** Referrers from the `sha256-<hex>` fallback tag (an image index), empty when it does not exist. */
  async referrersFromTag(digest: string): Promise<Descriptor[]> {
    if (!isDigestRef(digest)) throw new MkError("E_OCI", `${JSON.stringify(digest)} is not a sha256 digest`, { hint: "resolve the image to sha256:<hex> first" });
    const tag = digest.replace(":", "-");
    if (!(await this.headManifest(tag))) return [];
    const index = JSON.parse((await this.getManifest(tag)).bytes.toString("utf8")) as ImageIndex;
    return Array.isArray(index.manifests) ? index.manifests : [];
  }

  /**
   * Manifests whose `subject` is `digest`: the referrers API where the registry has it, else the
   * `sha256-<hex>` tag fallback index from the distribution spec (what cosign and oras write).
   */
  async referrers(digest: string, artifactType?: string): Promise<Descriptor[]> {
    const api = await this.referrersApi(digest, artifactType);
    if (api) return api;
    const all = await this.referrersFromTag(digest);
    return artifactType ? all.filter((d) => d.artifactType === artifactType) : all;
  }
}
