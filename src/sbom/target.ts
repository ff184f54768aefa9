/** What `mailknight sbom <target>` names: an image in an OCI layout, or a root file system directory. */
import { MkError } from "../errors.js";
import { OciImageSource } from "./source/oci.js";
import { RootfsSource } from "./source/rootfs.js";
import type { FileSource } from "./source/types.js";

export type Target = { kind: "oci"; layout: string; ref: string } | { kind: "directory"; path: string };

export function parseTarget(target: string): Target {
  if (!target.startsWith("oci:")) return { kind: "directory", path: target };
  const m = /^oci:([^:]+):(.+)$/.exec(target);
  if (!m) {
    throw new MkError("E_USAGE", `image target ${JSON.stringify(target)} is not oci:<layout-dir>:<tag or sha256:digest>`, {
      hint: "e.g. oci:./out/layout:greeter:v1.1.0-lts.20260101 (list tags with `skopeo list-tags` or look in index.json)",
    });
  }
  return { kind: "oci", layout: m[1]!, ref: m[2]! };
}

export async function openTarget(target: string): Promise<FileSource> {
  const t = parseTarget(target);
  return t.kind === "oci" ? await OciImageSource.open(t.layout, t.ref) : await RootfsSource.open(t.path);
}
