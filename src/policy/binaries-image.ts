/**
 * Reads "what was actually built" out of a packaged image and assesses every ELF file in it
 * (src/inspect/hardening.ts). The image is streamed layer by layer through the SBOM's OCI reader
 * (nothing is unpacked); overlay rules decide what the running image sees, and a file counts when
 * the layer it finally comes from is one the build produced — the package stage writes the
 * hardened build rootfs (plus the recipe's extra files) as the image's last layer, on top of the
 * base's layers and its own passwd/group layer (src/pipeline/stages/package.ts). Base image files
 * are the base's business, not this release's.
 *
 * Selected: every regular file starting with the ELF magic, whatever its mode or name, and
 * every file named like a shared object (`*.so`, `*.so.*`) — one of those without ELF magic is
 * reported as invalid rather than skipped. Files above the size cap are reported as invalid too
 * (never silently passed).
 */
import { OciLayout, readImage, type ImageManifest } from "../oci/index.js";
import { OciImageSource } from "../sbom/source/oci.js";
import type { FileWant } from "../sbom/source/types.js";
import { assessBinary, invalidBinary, type AssessOptions, type BinaryAssessment } from "../inspect/hardening.js";

/** Bumped whenever the checks change, so cached gate decisions are made again. */
export const BINARY_CHECKS_VERSION = "1";

const ELF_MAGIC = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);
/** Larger files are not read (and fail as unreadable); real binaries are far smaller. */
export const MAX_BINARY_BYTES = 1 << 30;

const WANT_ELF = "hardening-elf";
const WANT_SO_NAME = "hardening-so-name";

interface Extracted {
  assessment: BinaryAssessment;
  bytesRead: number;
}

/**
 * The layers the build produced: the one the package stage recorded (`builtLayer`), else, for
 * records written before it did, the last one (see the module comment).
 */
export function builtLayers(manifest: ImageManifest, recorded?: string): string[] {
  if (recorded) return [recorded];
  const last = manifest.layers.at(-1);
  return last ? [last.digest] : [];
}

export interface ImageBinaries {
  assessments: BinaryAssessment[];
  /** Layers whose files were judged. */
  layers: string[];
  warnings: string[];
}

/** Assesses the ELF files the build put into image `digest` of the layout at `layoutDir`. */
export async function assessImageBinaries(layoutDir: string, digest: string, opts: AssessOptions, builtLayer?: string): Promise<ImageBinaries> {
  const image = await readImage(await OciLayout.open(layoutDir), digest);
  const layers = builtLayers(image.manifest, builtLayer);
  const source = await OciImageSource.open(layoutDir, digest);
  const elfWant: FileWant = {
    glob: "/**",
    magic: ELF_MAGIC,
    maxBytes: MAX_BINARY_BYTES,
    truncate: true,
    extract: async (bytes, path): Promise<Extracted> => ({ assessment: await assessBinary(bytes, path, opts), bytesRead: bytes.byteLength }),
  };
  const soNameWant = (glob: string): FileWant => ({
    glob,
    maxBytes: 4,
    truncate: true,
    extract: (bytes, path): Extracted | undefined =>
      bytes.byteLength >= 4 && ELF_MAGIC.every((b, i) => bytes[i] === b)
        ? undefined
        : { assessment: invalidBinary(path, "named like a shared object but is not an ELF file (no ELF magic)"), bytesRead: bytes.byteLength },
  });
  const wants = new Map<string, FileWant[]>([
    [WANT_ELF, [elfWant]],
    [WANT_SO_NAME, [soNameWant("/**/*.so"), soNameWant("/**/*.so.*")]],
  ]);
  const tree = await source.collect(wants);
  const inBuilt = new Set(layers);
  const assessments: BinaryAssessment[] = [];
  for (const [path, file] of tree.files) {
    if (file.layer === undefined || !inBuilt.has(file.layer)) continue;
    const elf = file.extracted.get(WANT_ELF) as Extracted | undefined;
    const soName = file.extracted.get(WANT_SO_NAME) as Extracted | undefined;
    if (elf) {
      assessments.push(
        elf.bytesRead < file.size ? invalidBinary(path, `${file.size} bytes is over the ${MAX_BINARY_BYTES}-byte limit of the binary check; not read`) : elf.assessment,
      );
    } else if (soName) assessments.push(soName.assessment);
  }
  assessments.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { assessments, layers, warnings: [...tree.warnings] };
}
