/** SBOM formats and writing them to disk (atomically: a reader never sees half an SBOM). */
import { MkError } from "../errors.js";
import { sha256Digest, type Digest } from "../util/digest.js";
import { writeFileAtomic } from "../util/fs.js";
import type { SbomDocument } from "./model.js";
import { cycloneDxText } from "./writers/cyclonedx.js";
import { spdxText } from "./writers/spdx.js";

export const SBOM_FORMATS = ["cyclonedx-json", "spdx-json"] as const;
export type SbomFormat = (typeof SBOM_FORMATS)[number];

export function parseFormat(value: string): SbomFormat {
  if ((SBOM_FORMATS as readonly string[]).includes(value)) return value as SbomFormat;
  throw new MkError("E_USAGE", `unknown SBOM format "${value}"`, { hint: `formats: ${SBOM_FORMATS.join(", ")}` });
}

export function renderSbom(doc: SbomDocument, format: SbomFormat): string {
  return format === "cyclonedx-json" ? cycloneDxText(doc) : spdxText(doc);
}

/** Writes the rendered SBOM to `path` atomically; returns its digest. */
export async function writeSbom(path: string, doc: SbomDocument, format: SbomFormat): Promise<{ digest: Digest; bytes: number }> {
  const text = renderSbom(doc, format);
  await writeFileAtomic(path, text);
  return { digest: sha256Digest(text), bytes: Buffer.byteLength(text) };
}

/**
 * The document's creation time: SOURCE_DATE_EPOCH when set (reproducible builds), else the
 * image's own creation time, else now.
 */
export function creationTime(env: NodeJS.ProcessEnv, imageCreated: string | undefined, now: () => Date = () => new Date()): Date {
  const sde = env.SOURCE_DATE_EPOCH;
  if (sde !== undefined && sde !== "") {
    if (!/^\d{1,12}$/.test(sde)) throw new MkError("E_USAGE", `SOURCE_DATE_EPOCH=${JSON.stringify(sde)} is not a number of seconds`, { hint: "set it to a Unix time, e.g. `git log -1 --format=%ct`" });
    return new Date(Number(sde) * 1000);
  }
  if (imageCreated) {
    const d = new Date(imageCreated);
    if (!Number.isNaN(d.getTime())) return d;
  }
  return now();
}
