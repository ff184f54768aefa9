/**
 * `index verify` and `index push`: check every release the index lists against a store, and
 * publish the index itself as an OCI artifact (an image manifest whose one layer is the index).
 */
import { MkError, type Problem } from "../errors.js";
import { OciLayout } from "../oci/layout.js";
import { Annotation, MediaType, canonicalJson, type Descriptor, type ImageIndex } from "../oci/spec.js";
import { RegistryClient, digestBytes, type RegistryClientOptions } from "../oci/registry/client.js";
import { parseReference } from "../oci/registry/reference.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { RegistryStore } from "../oci/registry/store.js";
import { stableJson } from "../util/fs.js";
import { RELEASE_INDEX_FILE, ReleaseAnnotation } from "./release-index.js";

export const RELEASE_INDEX_ARTIFACT_TYPE = "application/vnd.dev.mailknight.release-index.v1+json";
const EMPTY = { mediaType: "application/vnd.oci.empty.v1+json", digest: digestBytes(Buffer.from("{}")), size: 2 };

export interface VerifyOptions {
  /** Check the workspace layout (default) or each entry's registry repository. */
  layout?: OciLayout;
  registry?: boolean;
  client?: Partial<RegistryClientOptions>;
  insecure?: string[];
}

/**
 * Returns the problems: an entry that is missing (one problem), has another size, or (in a
 * registry) lacks the signature or provenance manifest it names; empty when all is well.
 */
export async function verifyReleaseIndex(index: ImageIndex, file: string, opts: VerifyOptions): Promise<Problem[]> {
  const problems: Problem[] = [];
  const clients = new Map<string, RegistryClient>();
  for (const [i, d] of index.manifests.entries()) {
    const name = d.annotations?.[Annotation.refName] ?? d.digest;
    const path = `manifests[${i}]`;
    try {
      if (opts.registry) {
        const repoRef = d.annotations?.[ReleaseAnnotation.repository];
        if (!repoRef) {
          problems.push({ file, path, value: name, message: `has no ${ReleaseAnnotation.repository}, so there is no registry to check it in` });
          continue;
        }
        const ref = parseReference(repoRef);
        let client = clients.get(ref.registry);
        if (!client) clients.set(ref.registry, (client = new RegistryClient({ ...opts.client, registry: ref.registry, insecure: opts.insecure?.includes(ref.registry) })));
        const repo = new RegistryRepository(client, ref.repository);
        const found = await repo.headManifest(d.digest);
        if (!found) {
          problems.push({ file, path, value: name, message: `${d.digest} is not in ${repoRef}` });
          continue;
        }
        if (found.size !== d.size) problems.push({ file, path, value: name, message: `${repoRef}@${d.digest} has ${found.size} bytes, the index says ${d.size}` });
        // The evidence the index vouches for must be there too (published next to the image).
        for (const key of [ReleaseAnnotation.signatureDigest, ReleaseAnnotation.provenanceDigest]) {
          const evidence = d.annotations?.[key];
          if (evidence && !(await repo.headManifest(evidence))) problems.push({ file, path, value: name, message: `its ${key} ${evidence} is not in ${repoRef}` });
        }
      } else if (opts.layout) {
        if (!(await opts.layout.hasBlob(d.digest))) problems.push({ file, path, value: name, message: `${d.digest} is not in layout ${opts.layout.dir}` });
        else {
          const bytes = await opts.layout.readBlob(d.digest); // verifies the digest
          if (bytes.byteLength !== d.size) problems.push({ file, path, value: name, message: `has ${bytes.byteLength} bytes in the layout, the index says ${d.size}` });
        }
      }
    } catch (e) {
      if (e instanceof MkError && (e.code === "E_INTEGRITY" || e.code === "E_NOT_FOUND")) problems.push({ file, path, value: name, message: e.message });
      else throw e;
    }
  }
  return problems;
}

/** Pushes the index as an OCI artifact to `target` (`host/repo:tag`); returns the manifest descriptor. */
export async function pushReleaseIndex(index: ImageIndex, target: string, opts: { client?: Partial<RegistryClientOptions>; insecure?: boolean } = {}): Promise<Descriptor> {
  const ref = parseReference(target);
  const client = new RegistryClient({ ...opts.client, registry: ref.registry, insecure: opts.insecure });
  const store = new RegistryStore(new RegistryRepository(client, ref.repository));
  const body = Buffer.from(stableJson(index));
  const layer: Descriptor = { mediaType: MediaType.index, digest: digestBytes(body), size: body.byteLength, annotations: { "org.opencontainers.image.title": RELEASE_INDEX_FILE } };
  await store.writeBlob(EMPTY, async () => Buffer.from("{}"));
  await store.writeBlob(layer, async () => body);
  const manifest = Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: MediaType.manifest, artifactType: RELEASE_INDEX_ARTIFACT_TYPE, config: EMPTY, layers: [layer] }));
  const { descriptor: desc } = await store.writeManifest(manifest, MediaType.manifest);
  await store.tag(ref.tag ?? "latest", desc);
  return desc;
}
