/**
 * Image references in Dockerfiles/Containerfiles: `FROM [--platform=…] <image> [AS <stage>]` and
 * `COPY --from=<image>`. Earlier stage names, `scratch` and build-arg references are not images.
 */
import type { FoundRef } from "./model.js";
import { isPinnedImage, isTemplated } from "./image-ref.js";

export function isDockerfileName(name: string): boolean {
  return /^(?:Dockerfile|Containerfile)(?:\..+)?$/i.test(name) || /\.(?:dockerfile|containerfile)$/i.test(name);
}

export function scanDockerfile(file: string, text: string): FoundRef[] {
  const out: FoundRef[] = [];
  const stages = new Set<string>();
  const lines = text.split("\n");
  let offset = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const lineStart = offset;
    offset += line.length + 1;
    const from = /^(\s*FROM\s+)((?:--\S+\s+)*)(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const image = from[3] as string;
      const col = (from[1] as string).length + (from[2] as string).length;
      const earlierStage = stages.has(image.toLowerCase());
      if (from[4]) stages.add(from[4].toLowerCase());
      if (image.toLowerCase() === "scratch" || earlierStage || isTemplated(image)) continue;
      out.push(ref(file, i, col, "FROM", image, lineStart));
      continue;
    }
    const copy = /^(\s*(?:COPY|ADD)\s+(?:--\S+\s+)*?--from=)(\S+)/i.exec(line);
    if (copy) {
      const image = copy[2] as string;
      if (stages.has(image.toLowerCase()) || /^\d+$/.test(image) || isTemplated(image)) continue;
      out.push(ref(file, i, (copy[1] as string).length, "COPY --from", image, lineStart));
    }
  }
  return out;
}

function ref(file: string, lineIdx: number, col: number, context: string, image: string, lineStart: number): FoundRef {
  const pinned = isPinnedImage(image);
  return {
    kind: "image",
    file,
    line: lineIdx + 1,
    column: col + 1,
    context,
    ref: image,
    pinned,
    reason: pinned ? undefined : "no @sha256 digest",
    span: { start: lineStart + col, end: lineStart + col + image.length, quote: "" },
  };
}
