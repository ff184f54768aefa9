/**
 * The sbom stage on recorded outputs: for each image the package record names, it writes
 * `<variant>.cdx.json` and `.spdx.json` (schema-valid), records their digests and component
 * counts, describes the built project as a patched downstream (patch text embedded when the
 * file still has its recorded digest), and knows when its outputs are intact.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageFromRootfs, OciLayout } from "../oci/index.js";
import type { StageContext } from "../pipeline/context.js";
import type { StageRecord } from "../pipeline/record.js";
import { sha256File } from "../util/digest.js";
import { projectSchema } from "../workspace/schema.js";
import { sbomStage, type SbomOutput } from "./stage.js";
import { validateCycloneDx16, validateSpdx23 } from "./testing/schemas.js";

function record(stage: StageRecord["stage"], outputs: Record<string, unknown>, outputDigest = `sha256:${"0".repeat(64)}`): StageRecord {
  return { _type: "https://mailknight.dev/stage-record/v1", stage, project: "greeter", version: "v1.1.0", inputDigest: "x", inputs: {}, outputDigest, outputs, toolVersions: {}, hermetic: true, startedAt: "", finishedAt: "", durationMs: 0, mailknightVersion: "0" };
}

test("writes both formats per variant, with the project's pedigree, and checks its outputs", async () => {
  const ws = await mkdtemp(join(tmpdir(), "mk-sbom-stage-"));
  const rootfs = join(ws, "rootfs");
  await mkdir(join(rootfs, "etc"), { recursive: true });
  await mkdir(join(rootfs, "var/lib/dpkg"), { recursive: true });
  await writeFile(join(rootfs, "etc/os-release"), "ID=debian\nVERSION_ID=12\n");
  await writeFile(join(rootfs, "var/lib/dpkg/status"), "Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\nArchitecture: amd64\n");
  const layoutDir = join(ws, "out/layout");
  const layout = await OciLayout.create(layoutDir);
  const img = await imageFromRootfs(layout, rootfs, "greeter:v1.1.0", { sourceDateEpoch: 1_700_000_000 });
  const patchText = "From 1 Mon Sep 17 00:00:00 2001\nSubject: [PATCH] fix\n---\n";
  await mkdir(join(ws, "patches/greeter/v1.1.0"), { recursive: true });
  await writeFile(join(ws, "patches/greeter/v1.1.0/0001-fix.patch"), patchText);
  const patchDigest = await sha256File(join(ws, "patches/greeter/v1.1.0/0001-fix.patch"));
  const recipe = projectSchema.parse({
    name: "greeter",
    license: "MIT",
    upstream: { git: "https://git.example.org/greeter/greeter.git" },
    sources: [{ version: "v1.1.0", git: { tag: "v1.1.0", commit: "6afd6d490d41fca2bfb31664dcb78c118f362020" } }],
    build: { steps: ["make"] },
    package: {},
  });
  const stageDir = join(ws, ".mailknight/work/greeter/v1.1.0/sbom");
  await mkdir(stageDir, { recursive: true });
  const ctx = {
    ws: { root: ws, layoutDir },
    recipe,
    source: recipe.sources[0]!,
    project: "greeter",
    version: "v1.1.0",
    ref: "greeter@v1.1.0",
    workDir: join(ws, ".mailknight/work/greeter/v1.1.0"),
    options: {},
    emit: () => {},
    records: {
      fetch: record("fetch", { sourceDateEpoch: 1_700_000_000, upstreamCommit: "6afd6d490d41fca2bfb31664dcb78c118f362020", url: "https://git.example.org/greeter/greeter.git" }),
      patch: record("patch", { commit: "b".repeat(40), patches: [{ name: "0001-fix.patch", digest: patchDigest, commit: "c".repeat(40) }] }),
      package: record("package", { layoutDir, images: [{ variant: "distroless", digest: img.manifestDescriptor.digest, descriptor: img.manifestDescriptor, size: 1 }] }),
    },
  } as unknown as StageContext;

  const inputs = await sbomStage.inputs(ctx);
  assert.ok((inputs.catalogers as Record<string, string>).dpkg, "cataloger versions are part of the cache key");
  const result = await sbomStage.run(ctx, stageDir, inputs);
  const [out] = result.outputs.sboms as SbomOutput[];
  assert.equal(out!.variant, "distroless");
  assert.equal(out!.cyclonedx.path, join(stageDir, "distroless.cdx.json"));
  assert.deepEqual(result.outputs.componentCounts, { distroless: out!.components });
  const cdx = JSON.parse(await readFile(out!.cyclonedx.path, "utf8")) as { components: { name: string; purl?: string; pedigree?: { patches: { diff: { text?: { content: string } } }[] } }[]; metadata: { timestamp: string } };
  assert.deepEqual(validateCycloneDx16(cdx), []);
  assert.deepEqual(validateSpdx23(JSON.parse(await readFile(out!.spdx.path, "utf8"))), []);
  assert.equal(cdx.metadata.timestamp, "2023-11-14T22:13:20.000Z", "time from SOURCE_DATE_EPOCH");
  assert.deepEqual(cdx.components.map((c) => c.name).sort(), ["debian", "greeter", "libc6"]);
  const project = cdx.components.find((c) => c.name === "greeter")!;
  assert.equal(project.purl, "pkg:generic/greeter@v1.1.0?vcs_url=git%2Bhttps%3A%2F%2Fgit.example.org%2Fgreeter%2Fgreeter.git%406afd6d490d41fca2bfb31664dcb78c118f362020");
  assert.equal(project.pedigree!.patches[0]!.diff.text!.content, patchText);

  const fakeRecord = record("sbom", result.outputs, result.outputDigest);
  assert.equal(await sbomStage.outputsIntact(ctx, fakeRecord), true);
  await writeFile(out!.spdx.path, "tampered");
  assert.equal(await sbomStage.outputsIntact(ctx, fakeRecord), false);
  // Same inputs, same bytes: the stage is reproducible.
  const again = await sbomStage.run(ctx, stageDir, inputs);
  assert.equal(again.outputDigest, result.outputDigest);
});
