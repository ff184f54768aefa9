/**
 * Test helper: an OCI layout holding one image whose layers are exactly the tar entries given,
 * hostile ones included (`../` names, absolute names, whiteouts, hard links) — which a real image
 * builder would refuse to write, and which a scanner must survive.
 */
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { MediaType, OciLayout } from "../../oci/index.js";
import { sha256Digest } from "../../util/digest.js";

export interface TarEntry {
  name: string;
  type?: "file" | "directory" | "symlink" | "link";
  content?: string | Uint8Array;
  mode?: number;
  linkname?: string;
}

export async function tarBytes(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on("data", (c: unknown) => {
    chunks.push(c as Buffer);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on("end", resolve);
    p.on("error", reject);
  });
  for (const e of entries) {
    const type = e.type ?? "file";
    const content = typeof e.content === "string" ? Buffer.from(e.content) : Buffer.from(e.content ?? new Uint8Array(0));
    const header = { name: e.name, type, mode: e.mode ?? (type === "directory" ? 0o755 : 0o644), mtime: new Date(0), ...(e.linkname !== undefined ? { linkname: e.linkname } : {}) };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (type === "file") p.entry({ ...header, size: content.byteLength }, content, cb);
      else p.entry(header, cb);
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Writes an image with one gzip layer per entry list into a new layout at `dir`; returns the tag. */
export async function writeTestImage(dir: string, layers: TarEntry[][], tag = "test:latest"): Promise<{ layout: OciLayout; tag: string; digest: string }> {
  const layout = await OciLayout.create(dir);
  const descriptors = [];
  const diffIds = [];
  for (const entries of layers) {
    const tar = await tarBytes(entries);
    diffIds.push(sha256Digest(tar));
    descriptors.push(await layout.putBlob(gzipSync(tar), MediaType.layerTarGzip));
  }
  const config = { architecture: "amd64", os: "linux", created: "2026-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: diffIds }, config: {} };
  const configDesc = await layout.putBlob(Buffer.from(JSON.stringify(config)), MediaType.config);
  const manifest = { schemaVersion: 2, mediaType: MediaType.manifest, config: configDesc, layers: descriptors };
  const manifestDesc = await layout.putBlob(Buffer.from(JSON.stringify(manifest)), MediaType.manifest);
  await layout.tag(tag, manifestDesc);
  return { layout, tag, digest: manifestDesc.digest };
}
