/**
 * The publish stage: `mailknight run --publish` (or `mailknight stage publish <p>@<v>`) pushes
 * the release after its gate (and, when configured, signing) with `publish()`, and records what
 * went where. Skipped when nothing changed and the registry still serves every recorded tag at
 * its digest; a wiped or rewritten registry is published to again.
 */
import { recordOf, type StageDefinition } from "../pipeline/context.js";
import { releaseStagesOf } from "../pipeline/record.js";
import { digestOfJson } from "../util/digest.js";
import type { PublishedImage } from "./publish.js";

export const publishStage: StageDefinition = {
  name: "publish",
  async inputs(ctx) {
    return {
      images: recordOf(ctx, "package").outputDigest,
      gate: recordOf(ctx, "gate").outputDigest,
      // New signatures or attestations are published too.
      evidence: releaseStagesOf(ctx.ws).map((s) => recordOf(ctx, s).outputDigest),
      registry: ctx.ws.config.registry ?? null,
    };
  },
  async outputsIntact(ctx, record) {
    const { RegistryClient } = await import("../oci/registry/client.js");
    const { RegistryRepository } = await import("../oci/registry/repository.js");
    const reg = ctx.ws.config.registry;
    if (!reg) return false;
    const client = new RegistryClient({ registry: reg.host, insecure: reg.insecure });
    for (const img of record.outputs.images as PublishedImage[]) {
      const repo = new RegistryRepository(client, img.repository.slice(reg.host.length + 1));
      for (const tag of img.tags) {
        const found = await repo.headManifest(tag).catch(() => undefined);
        if (found?.digest !== img.digest) return false;
      }
    }
    return true;
  },
  async run(ctx) {
    const { publish } = await import("./publish.js");
    const result = await publish(ctx.ws, { project: ctx.project, version: ctx.version });
    const images = result.images.map(({ variant, digest, repository, tags }) => ({ variant, digest, repository, tags }));
    return { outputs: { images, requests: result.requests }, outputDigest: digestOfJson(images) };
  },
};
