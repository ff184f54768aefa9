/**
 * `mailknight sign|attest <project>[@version]`: the package stage's images, signed and attested
 * in the workspace's OCI layout. Refuses to run unless the gate passed (or the caller explicitly
 * allows an ungated release), so nothing unsigned-but-gated or signed-but-failed slips out.
 */
import { join } from "node:path";
import { MkError } from "../errors.js";
import { OciLayout } from "../oci/layout.js";
import { LayoutStore, type ImageStore } from "../oci/registry/store.js";
import { gateVerdict, readRecord, requireRecord } from "../pipeline/record.js";
import type { PackagedImage } from "../pipeline/stages/package.js";
import { loadProject, paths, selectSource, type Workspace } from "../workspace/workspace.js";
import { releasePredicates } from "../attest/release.js";
import { attestImage, signImage, type LayoutSwitches } from "./image-sign.js";
import type { MkSigner } from "./signer.js";

export interface ReleaseOptions {
  ws: Workspace;
  project: string;
  version?: string;
  signer: MkSigner;
  switches?: LayoutSwitches;
  /** Sign even without a gate record (a passed gate record is otherwise required). */
  allowUngated?: boolean;
  env?: Record<string, string | undefined>;
}

export interface ReleaseResult {
  ref: string;
  images: { variant: string; digest: string; reference: string; attached: { predicateType: string; referrer?: string; legacy?: string }[] }[];
}

interface Release {
  ref: string;
  project: string;
  version: string;
  workDir: string;
  recipe: unknown;
  images: PackagedImage[];
  store: ImageStore;
  dockerReference: string;
}

async function openRelease(opts: ReleaseOptions): Promise<Release> {
  const recipe = await loadProject(opts.ws.root, opts.project);
  const version = selectSource(recipe, opts.version).version;
  const ref = `${recipe.name}@${version}`;
  const workDir = join(opts.ws.workDir, recipe.name, version);
  const pkg = await requireRecord(join(workDir, "package"), "package", ref);
  const gate = await readRecord(join(workDir, "gate"));
  if (gate && gateVerdict(gate).verdict !== "pass") {
    throw new MkError("E_GATE_FAILED", `the gate of ${ref} did not pass (verdict ${JSON.stringify(gate.outputs.verdict)}); refusing to sign`, { hint: "fix or VEX the blocking findings and run the gate again" });
  }
  if (!gate && !opts.allowUngated) {
    throw new MkError("E_GATE_FAILED", `${ref} has no gate record, so it is not known to have passed the gate; refusing to sign`, {
      hint: `run \`mailknight stage gate ${ref}\` first, or pass --allow-ungated to sign anyway`,
    });
  }
  const images = pkg.outputs.images as PackagedImage[] | undefined;
  if (!Array.isArray(images) || images.length === 0) throw new MkError("E_NOT_FOUND", `the package record of ${ref} lists no images`, { hint: `run \`mailknight stage package ${ref}\`` });
  const registry = opts.ws.config.registry;
  const dockerReference = registry ? [registry.host, registry.namespace, recipe.name].filter(Boolean).join("/") : recipe.name;
  return { ref, project: recipe.name, version, workDir, recipe, images, store: new LayoutStore(await OciLayout.open(opts.ws.layoutDir)), dockerReference };
}

export async function signRelease(opts: ReleaseOptions): Promise<ReleaseResult> {
  const r = await openRelease(opts);
  const out: ReleaseResult = { ref: r.ref, images: [] };
  for (const img of r.images) {
    const a = await signImage(r.store, img.descriptor, r.dockerReference, opts.signer, opts.switches);
    out.images.push({ variant: img.variant, digest: img.digest, reference: r.dockerReference, attached: [{ predicateType: "https://sigstore.dev/cosign/sign/v1", referrer: a.referrer?.digest, legacy: a.legacy?.digest }] });
  }
  return out;
}

export async function attestRelease(opts: ReleaseOptions): Promise<ReleaseResult> {
  const r = await openRelease(opts);
  const out: ReleaseResult = { ref: r.ref, images: [] };
  for (const img of r.images) {
    const predicates = await releasePredicates({
      workDir: r.workDir,
      vexDir: paths.vexDir(opts.ws.root, r.project),
      project: r.project,
      version: r.version,
      variant: img.variant,
      recipe: r.recipe,
      env: opts.env ?? process.env,
      ...(img.baseDigest ? { baseDigest: img.baseDigest } : {}),
    });
    const attached = [];
    for (const [type, predicate] of predicates) {
      const a = await attestImage(r.store, img.descriptor, r.dockerReference, opts.signer, type, predicate, opts.switches);
      attached.push({ predicateType: type, referrer: a.referrer?.digest, legacy: a.legacy?.digest });
    }
    out.images.push({ variant: img.variant, digest: img.digest, reference: r.dockerReference, attached });
  }
  return out;
}
