/**
 * `mailknight publish <project>[@version]`: pushes every variant the package stage recorded from
 * the workspace layout to the configured registry, with the release tags the layout gives them
 * (`<version>-lts.<YYYYMMDD>[-variant]` and the moving `<version>[-variant]`), then records the
 * releases in mailknight-index.json.
 *
 * When mailknight.yaml configures `signing:`, every image must carry its signature (and, with
 * attestations on, its provenance) in the layout, and those go along: bundle referrers and
 * cosign's `.sig`/`.att` tags.
 *
 * Safety comes from the order (blobs, manifest, signatures, tags): a publish killed at any point
 * leaves no tag on a partial or unsigned image, and re-running it skips what is already there, so
 * publishing is idempotent and resumable.
 */
import { join } from "node:path";
import { MkError } from "../errors.js";
import { OciLayout } from "../oci/layout.js";
import { Annotation, type Descriptor } from "../oci/spec.js";
import { RegistryClient, type RegistryClientOptions } from "../oci/registry/client.js";
import { copyImage, type CopyResult } from "../oci/registry/copy.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { LayoutStore, RegistryStore } from "../oci/registry/store.js";
import type { PackagedImage } from "../pipeline/stages/package.js";
import { gateVerdict, readRecord, requireRecord, type StageRecord } from "../pipeline/record.js";
import { loadProject, selectSource, type Workspace } from "../workspace/index.js";
import { ReleaseAnnotation, recordReleases } from "./release-index.js";
import { legacyTag } from "../sign/attach.js";
import { copySignatures, findSignatures, provenanceDigest, requireSigned, signatureDigest } from "./signatures.js";

export interface PublishOptions {
  project: string;
  version?: string;
  /** Overrides for the registry client (tests inject fetch, credentials). */
  client?: Partial<RegistryClientOptions>;
  /** Upload in PATCH chunks of this size (default: monolithic up to 8 MiB). */
  chunkSize?: number;
  onBlob?: (variant: string, digest: string, result: string) => void;
}

export interface PublishedImage {
  variant: string;
  digest: string;
  /** `host/namespace/project`. */
  repository: string;
  tags: string[];
  blobs: CopyResult["blobs"];
  /** What went along: bundle referrers (by digest) and cosign's legacy tags. */
  signatures: { referrers: string[]; legacy: string[] };
}

export interface PublishResult {
  project: string;
  version: string;
  images: PublishedImage[];
  requests: Record<string, number>;
}

function registryConfig(ws: Workspace): NonNullable<Workspace["config"]["registry"]> {
  const r = ws.config.registry;
  if (!r) {
    throw new MkError("E_CONFIG_INVALID", `${join(ws.root, "mailknight.yaml")} has no registry to publish to`, {
      hint: "add `registry: { host: registry.example.com, namespace: team/images }` to mailknight.yaml",
    });
  }
  return r;
}

/** Release tags in the layout for this image: `<project>:<tag>` entries pointing at its digest. */
function tagsFor(index: Descriptor[], project: string, version: string, digest: string): string[] {
  const prefix = `${project}:`;
  const tags = index
    .filter((d) => d.digest === digest)
    .map((d) => d.annotations?.[Annotation.refName])
    .filter((t): t is string => t !== undefined && t.startsWith(`${prefix}${version}`))
    .map((t) => t.slice(prefix.length));
  // Dated tags first, moving tags last: a moving tag only ever moves to a fully tagged release.
  return tags.sort((a, b) => Number(!a.includes("-lts.")) - Number(!b.includes("-lts.")) || (a < b ? -1 : a > b ? 1 : 0));
}

/** The gate's verdict and the SBOM digest (when the sbom stage recorded one), for the index. */
async function evidence(ws: Workspace, project: string, version: string, gate: StageRecord): Promise<Record<string, string>> {
  const out: Record<string, string> = { [ReleaseAnnotation.gate]: gateVerdict(gate).verdict };
  const sbom = await readRecord(join(ws.workDir, project, version, "sbom"));
  if (typeof sbom?.outputs.digest === "string") out[ReleaseAnnotation.sbomDigest] = sbom.outputs.digest;
  return out;
}

export async function publish(ws: Workspace, opts: PublishOptions): Promise<PublishResult> {
  const reg = registryConfig(ws);
  const recipe = await loadProject(ws.root, opts.project);
  const version = selectSource(recipe, opts.version).version;
  const ref = `${opts.project}@${version}`;
  const record = await requireRecord(join(ws.workDir, opts.project, version, "package"), "package", ref);
  // Nothing leaves the factory without a passed gate (unmitigated HIGH/CRITICAL findings stop here).
  const gate = await requireRecord(join(ws.workDir, opts.project, version, "gate"), "gate", ref);
  if (gateVerdict(gate).verdict !== "pass") {
    throw new MkError("E_GATE_FAILED", `the release gate of ${ref} did not pass; refusing to publish`, {
      hint: "see .mailknight/work/<project>/<version>/gate/*.decision.json; fix or VEX the blocking findings and run again",
    });
  }
  if (gate.inputs.images !== record.outputDigest) {
    throw new MkError("E_GATE_FAILED", `the gate record of ${ref} is for other images than the packaged ones; refusing to publish`, {
      hint: `run \`mailknight run ${ref}\` (or \`mailknight stage gate ${ref}\`) so the gate decides on these images`,
    });
  }
  const images = record.outputs.images as PackagedImage[];
  const layout = await OciLayout.open(ws.layoutDir);
  const index = (await layout.readIndex()).manifests;
  const client = new RegistryClient({ ...opts.client, registry: reg.host, insecure: reg.insecure });
  const repoName = reg.namespace ? `${reg.namespace}/${opts.project}` : opts.project;
  // Upload sessions are saved under .mailknight/uploads, so a publish killed mid-blob resumes it.
  const dst = new RegistryStore(new RegistryRepository(client, repoName, { uploadStateDir: join(ws.root, ".mailknight", "uploads") }));
  dst.chunkSize = opts.chunkSize;
  const src = new LayoutStore(layout);
  const extra = await evidence(ws, opts.project, version, gate);

  // Every variant is checked before anything is pushed: a refused release leaves the registry untouched.
  const planned = [];
  for (const img of images) {
    const tags = tagsFor(index, opts.project, version, img.digest);
    const lts = tags.find((t) => t.includes("-lts."));
    if (!lts) {
      throw new MkError("E_NOT_FOUND", `the ${img.variant} image of ${ref} (${img.digest}) has no release tag in ${ws.layoutDir}`, {
        hint: `run \`mailknight run ${ref}\` to package and tag it`,
      });
    }
    const signatures = await findSignatures(src, img.digest);
    if (ws.config.signing) requireSigned(signatures, { ref, variant: img.variant, digest: img.digest, attest: ws.config.signing.attest });
    planned.push({ img, tags, lts, signatures });
  }

  const published: PublishedImage[] = [];
  const entries: Descriptor[] = [];
  for (const { img, tags, lts, signatures } of planned) {
    // By digest first, then its signatures and attestations, then the tags: a tag never names an
    // image whose evidence is not in the registry yet.
    const r = await copyImage(src, img.digest, dst, { tags: [], concurrency: reg.concurrency, onBlob: (d, res) => opts.onBlob?.(img.variant, d.digest, res) });
    await copySignatures(src, dst, img.digest, signatures, reg.concurrency);
    for (const tag of tags) await dst.tag(tag, r.descriptor);
    const sig = signatureDigest(signatures);
    const prov = provenanceDigest(signatures);
    const legacy = (["sig", "att"] as const).filter((suffix) => signatures.legacy[suffix]).map((suffix) => legacyTag(img.digest, suffix));
    published.push({ variant: img.variant, digest: r.descriptor.digest, repository: `${reg.host}/${repoName}`, tags, blobs: r.blobs, signatures: { referrers: signatures.referrers.map((d) => d.digest), legacy } });
    const manifest = JSON.parse((await layout.readBlob(img.digest)).toString("utf8")) as { annotations?: Record<string, string> };
    const own = Object.fromEntries(Object.entries(manifest.annotations ?? {}).filter(([k]) => k.startsWith("org.opencontainers.image.") || k.startsWith("dev.mailknight.")));
    entries.push({
      mediaType: r.descriptor.mediaType,
      digest: r.descriptor.digest,
      size: r.descriptor.size,
      annotations: {
        ...own,
        ...extra,
        ...(sig ? { [ReleaseAnnotation.signatureDigest]: sig } : {}),
        ...(prov ? { [ReleaseAnnotation.provenanceDigest]: prov } : {}),
        [Annotation.refName]: `${opts.project}:${lts}`,
        [ReleaseAnnotation.ltsTag]: lts,
        [ReleaseAnnotation.variant]: img.variant,
        [ReleaseAnnotation.repository]: `${reg.host}/${repoName}`,
      },
    });
  }
  // The index names only what is complete in the registry: written after every push succeeded.
  await recordReleases(ws.root, entries);
  return { project: opts.project, version, images: published, requests: { ...client.stats.byMethod } };
}
