import { test } from "node:test";
import assert from "node:assert/strict";
import { STAGE_RECORD_TYPE, type StageName, type StageRecord } from "../pipeline/record.js";
import { BUILD_TYPE, LOCAL_BUILDER_ID, buildProvenance, type RecordFile } from "./provenance.js";

const hex = (c: string) => c.repeat(64);

function rec(stage: StageName, startedAt: string, finishedAt: string, inputs: Record<string, unknown>, outputs: Record<string, unknown>): RecordFile {
  const record: StageRecord = { _type: STAGE_RECORD_TYPE, stage, project: "greeter", version: "v1.1.0", inputDigest: `sha256:${hex("1")}`, inputs, outputDigest: `sha256:${hex("2")}`, outputs, toolVersions: { gcc: "12" }, hermetic: true, startedAt, finishedAt, durationMs: 1, mailknightVersion: "0.1.0" };
  return { stage, bytes: Buffer.from(JSON.stringify(record)), record };
}

const records = [
  rec("build", "2025-07-01T00:02:00Z", "2025-07-01T00:03:00Z", { toolchain: "go" }, { env: { API_TOKEN: "hunter2-secret" }, rootfsDir: "/x" }),
  rec("fetch", "2025-07-01T00:00:00Z", "2025-07-01T00:01:00Z", {}, { url: "https://github.com/acme/greeter.git", upstreamCommit: "a".repeat(40), tarballDigest: `sha256:${hex("b")}` }),
  rec("patch", "2025-07-01T00:01:00Z", "2025-07-01T00:02:00Z", {}, { patches: [{ name: "0001-fix.patch", digest: `sha256:${hex("c")}` }, { name: "0002-cve.patch", digest: `sha256:${hex("d")}` }] }),
];

const input = { project: "greeter", version: "v1.1.0", variant: "distroless", recipeDigest: `sha256:${hex("e")}`, records, mailknightVersion: "0.1.0", baseDigest: `sha256:${hex("f")}` };

test("provenance: parameters, every dependency, times, byproducts in stage order", () => {
  const p = buildProvenance({ ...input, env: {} });
  assert.equal(p.buildDefinition.buildType, BUILD_TYPE);
  assert.deepEqual(p.buildDefinition.externalParameters, { project: "greeter", version: "v1.1.0", recipeDigest: `sha256:${hex("e")}`, variant: "distroless" });
  const deps = p.buildDefinition.resolvedDependencies;
  assert.deepEqual(deps.map((d) => d.name), ["upstream-source", "upstream-tarball", "patches/greeter/v1.1.0/0001-fix.patch", "patches/greeter/v1.1.0/0002-cve.patch", "base-image", "toolchain"]);
  assert.deepEqual(deps[0]?.digest, { gitCommit: "a".repeat(40) });
  assert.deepEqual(deps[3]?.digest, { sha256: hex("d") });
  assert.deepEqual(deps[4]?.digest, { sha256: hex("f") });
  assert.equal(p.runDetails.builder.id, LOCAL_BUILDER_ID);
  assert.equal(p.runDetails.metadata.startedOn, "2025-07-01T00:00:00Z");
  assert.equal(p.runDetails.metadata.finishedOn, "2025-07-01T00:03:00Z");
  assert.deepEqual(p.runDetails.byproducts.map((b) => b.name), ["stage/fetch/stage.json", "stage/patch/stage.json", "stage/build/stage.json"]);
});

test("provenance: never carries stage outputs such as the build environment", () => {
  const text = JSON.stringify(buildProvenance({ ...input, env: {} }));
  assert.doesNotMatch(text, /hunter2/);
  assert.doesNotMatch(text, /API_TOKEN/);
});

test("provenance: GitLab job is the builder in CI", () => {
  const p = buildProvenance({ ...input, env: { GITLAB_CI: "true", CI_SERVER_URL: "https://gitlab.example.com", CI_PROJECT_PATH: "factory/images", CI_JOB_URL: "https://gitlab.example.com/factory/images/-/jobs/42" } });
  assert.equal(p.runDetails.builder.id, "https://gitlab.example.com/factory/images");
  assert.equal(p.runDetails.metadata.invocationId, "https://gitlab.example.com/factory/images/-/jobs/42");
});
