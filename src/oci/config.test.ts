import { test } from "node:test";
import assert from "node:assert/strict";
import { isMkError } from "../errors.js";
import { isoFromEpoch, mergeEnv, mergeRunConfig, planConfig, planManifest } from "./config.js";
import { MediaType, type ImageConfig } from "./spec.js";

const CREATED = "2024-01-01T00:00:00Z";
const D = (c: string) => `sha256:${c.repeat(64)}`;
const isOciError = (e: unknown) => isMkError(e) && e.code === "E_OCI";

test("isoFromEpoch gives RFC 3339 UTC without milliseconds and refuses bad epochs", () => {
  assert.equal(isoFromEpoch(0), "1970-01-01T00:00:00Z");
  assert.equal(isoFromEpoch(1_704_067_200), CREATED);
  assert.throws(() => isoFromEpoch(-1), isOciError);
  assert.throws(() => isoFromEpoch(1.5), isOciError);
});

test("mergeEnv: ours override same keys in place, new keys appended, bad entries refused", () => {
  assert.deepEqual(mergeEnv(["PATH=/bin", "A=1"], { A: "2", B: "x=y" }), ["PATH=/bin", "A=2", "B=x=y"]);
  assert.deepEqual(mergeEnv(undefined, ["X=1", "X=2"]), ["X=2"]);
  assert.deepEqual(mergeEnv(["A=1"], undefined), ["A=1"]);
  assert.throws(() => mergeEnv([], ["NOEQUALS"]), isOciError);
  assert.throws(() => mergeEnv([], ["=value"]), isOciError);
});

test("mergeRunConfig: entrypoint drops base cmd, ports normalised, maps merged", () => {
  const base = { Entrypoint: ["/old"], Cmd: ["--old"], Labels: { a: "1" }, ExposedPorts: { "22/tcp": {} }, User: "0" };
  assert.deepEqual(mergeRunConfig(base, { entrypoint: ["/new"] }), { Entrypoint: ["/new"], Labels: { a: "1" }, ExposedPorts: { "22/tcp": {} }, User: "0" });
  assert.deepEqual(mergeRunConfig(base, { entrypoint: ["/new"], cmd: ["x"] }).Cmd, ["x"]);
  assert.deepEqual(mergeRunConfig(base, { cmd: ["y"] }).Entrypoint, ["/old"], "cmd alone keeps the entrypoint");
  assert.deepEqual(mergeRunConfig(base, { exposedPorts: [80, "53/udp", "8443/tcp"] }).ExposedPorts, { "22/tcp": {}, "80/tcp": {}, "53/udp": {}, "8443/tcp": {} });
  assert.throws(() => mergeRunConfig(base, { exposedPorts: ["99999"] }), isOciError);
  assert.throws(() => mergeRunConfig(base, { exposedPorts: ["80/http"] }), isOciError);
  assert.deepEqual(mergeRunConfig(undefined, { volumes: ["/data"], stopSignal: "SIGTERM", workingDir: "/app" }), { Volumes: { "/data": {} }, StopSignal: "SIGTERM", WorkingDir: "/app" });
});

test("planConfig: scratch image, history per layer, platform and timestamps checked", () => {
  const platform = { os: "linux", architecture: "arm64", variant: "v8" };
  const c = planConfig({ diffIds: [D("a"), D("b")], config: { user: "1000" }, created: CREATED, platform, history: [{ createdBy: "one", comment: "c" }] });
  assert.deepEqual(c, {
    architecture: "arm64",
    os: "linux",
    variant: "v8",
    created: CREATED,
    config: { User: "1000" },
    rootfs: { type: "layers", diff_ids: [D("a"), D("b")] },
    history: [
      { created: CREATED, created_by: "one", comment: "c" },
      { created: CREATED, created_by: "mailknight" },
    ],
  });
  assert.throws(() => planConfig({ diffIds: [], config: {}, created: "2024-01-01 00:00", platform }), isOciError);
  assert.throws(() => planConfig({ diffIds: [D("a")], config: {}, created: CREATED, platform, history: [{}, {}] }), isOciError);
});

test("planConfig on a base: keeps its fields, drops docker build metadata, aligns history", () => {
  const base = {
    architecture: "amd64",
    os: "linux",
    created: "2020-01-01T00:00:00Z",
    author: "someone",
    container: "abc",
    container_config: { Cmd: ["build step"] },
    config: { Env: ["PATH=/bin"] },
    rootfs: { type: "layers", diff_ids: [D("0")] },
    history: [{ created: "2020-01-01T00:00:00Z", created_by: "base" }],
  } as ImageConfig;
  const c = planConfig({ base, diffIds: [D("1")], config: {}, created: CREATED, platform: { os: "linux", architecture: "amd64" } });
  assert.equal(c.author, "someone");
  assert.equal((c as Record<string, unknown>).container, undefined);
  assert.equal((c as Record<string, unknown>).container_config, undefined);
  assert.deepEqual(c.rootfs.diff_ids, [D("0"), D("1")]);
  assert.deepEqual(c.history?.map((h) => h.created_by), ["base", "mailknight"]);
  assert.equal(c.created, CREATED);

  const noHistory = { ...base, history: undefined };
  const c2 = planConfig({ base: noHistory, diffIds: [D("1")], config: {}, created: CREATED, platform: { os: "linux", architecture: "amd64" } });
  assert.equal(c2.history, undefined, "no history rather than history misaligned with the layers");
  assert.throws(() => planConfig({ base, diffIds: [], config: {}, created: CREATED, platform: { os: "linux", architecture: "arm64" } }), isOciError);
});

test("planManifest: docker base layers become OCI layer types; annotations include created and base", () => {
  const m = planManifest({
    config: { mediaType: MediaType.config, digest: D("c"), size: 10, annotations: { dropped: "yes" } },
    baseLayers: [{ mediaType: MediaType.dockerLayerTarGzip, digest: D("1"), size: 1 }],
    layers: [{ mediaType: MediaType.layerTarGzip, digest: D("2"), size: 2 }],
    annotations: { x: "y" },
    created: CREATED,
    base: { name: "busybox:1", digest: D("b") },
  });
  assert.deepEqual(m, {
    schemaVersion: 2,
    mediaType: MediaType.manifest,
    config: { mediaType: MediaType.config, digest: D("c"), size: 10 },
    layers: [
      { mediaType: MediaType.layerTarGzip, digest: D("1"), size: 1 },
      { mediaType: MediaType.layerTarGzip, digest: D("2"), size: 2 },
    ],
    annotations: {
      x: "y",
      "org.opencontainers.image.created": CREATED,
      "org.opencontainers.image.base.name": "busybox:1",
      "org.opencontainers.image.base.digest": D("b"),
    },
  });
});
