/** Test helper: a FileView over in-memory files, as a source would hand them to a cataloger. */
import { createHash } from "node:crypto";
import type { CollectedFile, FileView } from "../source/types.js";

export function memoryView(files: Record<string, string | Uint8Array>, links: Record<string, string> = {}): FileView {
  const map = new Map<string, CollectedFile>();
  for (const [path, content] of Object.entries(files)) {
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    map.set(path, { path, size: bytes.byteLength, mode: 0o644, bytes, extracted: new Map(), sha256: createHash("sha256").update(bytes).digest("hex"), wantedBy: new Set(["*"]) });
  }
  return {
    list: () => [...map.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    get: (p) => map.get(p) ?? (links[p] ? map.get(links[p]) : undefined),
  };
}
