/**
 * What `mailknight sbom <target>` names: an image in an OCI layout, an image in a registry, or a
 * root file system directory. A registry image is pulled (blobs verified by digest) into a
 * temporary layout first, then read layer by layer like any other image.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { OciLayout } from "../oci/index.js";
import { copyImage, LayoutStore, openLocation } from "../oci/registry/index.js";
import { pathExists } from "../util/fs.js";
import { OciImageSource } from "./source/oci.js";
import { RootfsSource } from "./source/rootfs.js";
import type { FileSource } from "./source/types.js";

export type Target =
  | { kind: "oci"; layout: string; ref: string }
  | { kind: "registry"; reference: string }
  | { kind: "directory"; path: string };

/** `host/repo:tag`, `host/repo@sha256:...` — a name with a registry part and a tag or digest. */
const REGISTRY_REF = /^[A-Za-z0-9.-]+(?::\d+)?\/[a-z0-9._/-]+(?::[A-Za-z0-9_.-]+)?(?:@sha256:[a-f0-9]{64})?$/;

export async function parseTarget(target: string): Promise<Target> {
  if (target.startsWith("docker://")) return { kind: "registry", reference: target.slice("docker://".length) };
  if (target.startsWith("oci:")) {
    const m = /^oci:([^:]+):(.+)$/.exec(target);
    if (!m) {
      throw new MkError("E_USAGE", `image target ${JSON.stringify(target)} is not oci:<layout-dir>:<tag or sha256:digest>`, {
        hint: "e.g. oci:./out/layout:greeter:v1.1.0-lts.20260101 (list tags with `skopeo list-tags` or look in index.json)",
      });
    }
    return { kind: "oci", layout: m[1]!, ref: m[2]! };
  }
  // A path that exists is a directory target even if it looks like a reference.
  if (!(await pathExists(target)) && REGISTRY_REF.test(target) && /[:@]/.test(target.split("/").slice(1).join("/"))) {
    return { kind: "registry", reference: target };
  }
  return { kind: "directory", path: target };
}

export interface OpenedTarget {
  source: FileSource;
  /** Removes what opening needed (the temporary layout of a pulled image). */
  close(): Promise<void>;
}

export async function openTarget(target: string, opts: { insecureRegistries?: string[] } = {}): Promise<OpenedTarget> {
  const t = await parseTarget(target);
  if (t.kind === "directory") return { source: await RootfsSource.open(t.path), close: async () => {} };
  if (t.kind === "oci") return { source: await OciImageSource.open(t.layout, t.ref), close: async () => {} };
  const remote = await openLocation(`docker://${t.reference}`, { insecure: opts.insecureRegistries });
  const dir = await mkdtemp(join(tmpdir(), "mk-sbom-pull-"));
  try {
    const local = new LayoutStore(await OciLayout.create(dir));
    const copied = await copyImage(remote.store, remote.ref, local, { tags: [], platform: { os: "linux", architecture: "amd64" } });
    const source = await OciImageSource.open(dir, copied.descriptor.digest, t.reference);
    return { source, close: () => rm(dir, { recursive: true, force: true }) };
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
}
