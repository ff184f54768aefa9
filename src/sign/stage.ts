/**
 * The sign and attest stages: after a passed gate, when mailknight.yaml configures `signing:`,
 * every packaged image is signed and then attested in the workspace's OCI layout (Sigstore
 * bundle referrers and/or cosign's legacy tags). Their records are what `publish` checks so that
 * nothing unsigned leaves the factory, and what the release index takes its evidence digests from.
 * The signing code is loaded only when a stage runs (see configured-signer.ts).
 */
import { OciLayout } from "../oci/layout.js";
import { LayoutStore } from "../oci/registry/store.js";
import { recordOf, type StageContext, type StageDefinition, type StageResult } from "../pipeline/context.js";
import type { StageRecord } from "../pipeline/record.js";
import { digestOfJson } from "../util/digest.js";
import { legacyTag } from "./attach.js";
import { configuredSigner, signerIdentity, signingConfig } from "./configured-signer.js";
import type { ReleaseResult } from "./release.js";

/** One attached signature or attestation, as the stage records it. */
export interface AttachedEvidence {
  predicateType: string;
  /** Digest of the bundle referrer manifest (absent when referrers are switched off). */
  referrer?: string;
  /** Digest of the `.sig`/`.att` manifest right after this was added (absent when legacy is off). */
  legacy?: string;
}

export interface SignedImage {
  variant: string;
  digest: string;
  attached: AttachedEvidence[];
}

function switchesOf(ctx: StageContext) {
  const s = signingConfig(ctx.ws);
  return { referrers: s.referrers, legacy: s.legacy };
}

function imagesOf(result: ReleaseResult): SignedImage[] {
  return result.images.map((i) => ({ variant: i.variant, digest: i.digest, attached: i.attached.map((a) => ({ predicateType: a.predicateType, ...(a.referrer ? { referrer: a.referrer } : {}), ...(a.legacy ? { legacy: a.legacy } : {}) })) }));
}

/** Still there: every referrer manifest in the layout, and the legacy tag of each image. */
async function evidenceIntact(ctx: StageContext, record: StageRecord, suffix: "sig" | "att"): Promise<boolean> {
  const store = new LayoutStore(await OciLayout.open(ctx.ws.layoutDir));
  for (const img of record.outputs.images as SignedImage[]) {
    for (const a of img.attached) {
      if (a.referrer && !(await store.hasBlob(a.referrer))) return false;
      if (a.legacy && !(await store.resolve(legacyTag(img.digest, suffix)))) return false;
    }
  }
  return true;
}

async function commonInputs(ctx: StageContext): Promise<Record<string, unknown>> {
  const { keyFile: _path, ...identity } = await signerIdentity(ctx.ws);
  return {
    images: recordOf(ctx, "package").outputDigest,
    gate: recordOf(ctx, "gate").outputDigest,
    signer: identity,
    switches: switchesOf(ctx),
    // The signed docker reference is <registry>/<namespace>/<project>: a new registry, new signatures.
    registry: ctx.ws.config.registry ?? null,
  };
}

/** Signs (`sign`) or attests (`attest`) every packaged image with the configured signer. */
async function runRelease(ctx: StageContext, inputs: Record<string, unknown>, which: "sign" | "attest"): Promise<StageResult> {
  const signer = await configuredSigner(ctx.ws);
  const { attestRelease, signRelease } = await import("./release.js");
  const opts = { ws: ctx.ws, project: ctx.project, version: ctx.version, signer, switches: switchesOf(ctx) };
  const images = imagesOf(await (which === "sign" ? signRelease(opts) : attestRelease(opts)));
  return { outputs: { signer: inputs.signer, images }, outputDigest: digestOfJson(images) };
}

export const signStage: StageDefinition = {
  name: "sign",
  inputs: commonInputs,
  outputsIntact: (ctx, record) => evidenceIntact(ctx, record, "sig"),
  run: (ctx, _dir, inputs) => runRelease(ctx, inputs, "sign"),
};

export const attestStage: StageDefinition = {
  name: "attest",
  async inputs(ctx) {
    return {
      ...(await commonInputs(ctx)),
      // What the attestations say: the SBOMs, the findings, the decision (which covers the VEX).
      sbom: recordOf(ctx, "sbom").outputDigest,
      scan: recordOf(ctx, "scan").outputDigest,
      signed: recordOf(ctx, "sign").outputDigest,
    };
  },
  outputsIntact: (ctx, record) => evidenceIntact(ctx, record, "att"),
  run: (ctx, _dir, inputs) => runRelease(ctx, inputs, "attest"),
};
