/**
 * Pinning on a fixture tree with known references (fixtures/expected.json): none missed, no
 * false positives; `fix` against a real docker-registry rewrites them with a minimal diff and a
 * re-scan finds no unpinned image; the BOM validates against the official CycloneDX 1.6 schema.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { OciLayout } from "../oci/layout.js";
import { writeLayerFromEntries } from "../oci/layer.js";
import { assembleImage } from "../oci/image.js";
import { RegistryClient } from "../oci/registry/client.js";
import { copyImage } from "../oci/registry/copy.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { LayoutStore, RegistryStore } from "../oci/registry/store.js";
import { startRegistry, type TestRegistry } from "../oci/registry/testing.js";
import { validateCycloneDx16 } from "../sbom/testing/schemas.js";
import { imageBom, mirrorList } from "./bom.js";
import { loadExemptions } from "./exemptions.js";
import { fixPaths, registryResolver } from "./fix.js";
import { scanPaths } from "./scan.js";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
const cli = new URL("../../bin/mailknight.js", import.meta.url).pathname;
const IMAGES = ["ci/node:20", "ci/docker:24-dind", "lib/redis:7", "base/debian:12", "app/chart-image:2.1", "app/sidecar:3", "app/web:1.0", "lib/postgres:16", "dev/tool:latest", "lib/golang:1.22", "lib/tools:2", "app/init:1", "app/debug:1"];

let reg: TestRegistry;
let dir: string;
let tree: string;
let digest: string;

/** The fixtures name the registry `R`; point them at the test registry. */
function withRegistry(text: string): string {
  return text.replace(/(?<![A-Za-z0-9])R(?=\/|$)/gm, reg.host);
}

async function copyTree(src: string, dst: string): Promise<void> {
  await cp(src, dst, { recursive: true });
  async function walk(d: string): Promise<void> {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else await writeFile(p, withRegistry(await readFile(p, "utf8")));
    }
  }
  await walk(dst);
}

function line(r: { file: string; line: number; kind: string; ref: string; pinned: boolean }): string {
  return `${r.file}:${r.line} ${r.kind} ${r.ref} ${r.pinned ? "pinned" : "unpinned"}`;
}

before(async () => {
  reg = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), "mk-pin-"));
  const layout = await OciLayout.create(join(dir, "layout"));
  const l = await writeLayerFromEntries(layout, [{ path: "etc/x", type: "file", data: "x" }], { sourceDateEpoch: 0 });
  const img = await assembleImage(layout, { layers: [l], config: {}, created: "1970-01-01T00:00:00Z" });
  await layout.tag("img", img.manifestDescriptor);
  digest = img.manifestDescriptor.digest;
  const client = new RegistryClient({ registry: reg.host, credentials: null });
  for (const ref of IMAGES) {
    const [repo, tag] = ref.split(":") as [string, string];
    await copyImage(new LayoutStore(layout), "img", new RegistryStore(new RegistryRepository(client, repo)), { tags: [tag] });
  }
  tree = join(dir, "tree");
  await copyTree(join(fixtures, "tree"), tree);
});

after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test("scan finds every known reference and nothing else", async () => {
  const expected = (JSON.parse(await readFile(join(fixtures, "expected.json"), "utf8")) as string[]).map(withRegistry).sort();
  const r = await scanPaths([tree], { cwd: tree });
  assert.deepEqual(r.refs.map(line).sort(), expected);
  assert.equal(r.files, 11, "README.md is not scanned; every YAML and Dockerfile is");
});

test("exemptions need a reason and cover only what they name", async () => {
  const exemptions = await loadExemptions(join(fixtures, "exemptions.yaml"));
  const withR = exemptions.map((e) => ({ ...e, ref: withRegistry(e.ref) }));
  const r = await scanPaths([tree], { cwd: tree, exemptions: withR });
  const exempt = r.refs.filter((x) => x.exemption);
  assert.deepEqual(exempt.map((x) => `${x.file}:${x.line}`), ["docker/Containerfile.dev:1"]);
  assert.equal(r.violations.length, r.refs.filter((x) => !x.pinned).length - 1);
  await writeFile(join(dir, "bad.yaml"), "exemptions:\n  - ref: x\n    reason: ''\n  - file: y\n");
  await assert.rejects(loadExemptions(join(dir, "bad.yaml")), (e: unknown) => e instanceof MkError && e.code === "E_CONFIG_INVALID" && e.problems.length >= 2);
});

test("--gate exits 1 on unpinned references and names them with file:line", () => {
  const r = spawnSync(process.execPath, [cli, "pin", "scan", "--gate", "k8s", "compose"], { cwd: tree, encoding: "utf8", env: { ...process.env, CI: "1" } });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /E_GATE_FAILED/);
  assert.match(r.stderr, /k8s\/workloads\.yaml:47:\d+ at spec\.ephemeralContainers\[0\]\.image/);
  assert.match(r.stdout, /2 file\(s\), 8 reference\(s\), 6 unpinned and not exempted/);
  const pinnedOnly = spawnSync(process.execPath, [cli, "pin", "scan", "--gate", "argocd/apps.yaml"], { cwd: tree, encoding: "utf8" });
  assert.equal(pinnedOnly.status, 1, "a chart range fails the gate too");
});

test("fix pins through the registry with a minimal diff; a re-scan finds no unpinned image", async () => {
  const work = join(dir, "fix");
  await cp(tree, work, { recursive: true });
  const beforeText = await readFile(join(work, "k8s/workloads.yaml"), "utf8");
  const r = await fixPaths([work], registryResolver());
  assert.equal(r.pinned.length, 18, JSON.stringify(r.skipped));
  const after = await scanPaths([work], { cwd: work });
  assert.deepEqual(after.violations.filter((x) => x.kind === "image").map(line), []);
  assert.deepEqual(after.violations.map(line).sort(), [
    "argocd/apps.yaml:19 chart api@15.* unpinned",
    "charts/mychart/Chart.yaml:11 chart common@ unpinned",
    "charts/mychart/Chart.yaml:9 chart postgresql@~12.1.0 unpinned",
    "helmfile.yaml:5 chart bitnami/nginx@ unpinned",
  ]);
  for (const x of after.refs.filter((x) => x.kind === "image" && !x.ref.startsWith("oci:") && !x.ref.includes("1111111111"))) assert.ok(x.ref.endsWith(`@${digest}`), x.ref);

  // Minimal diff: only the reference lines change, comments and quotes stay.
  const afterText = await readFile(join(work, "k8s/workloads.yaml"), "utf8");
  const a = beforeText.split("\n");
  const b = afterText.split("\n");
  assert.equal(a.length, b.length);
  const changed = a.map((l, i) => (l === b[i] ? -1 : i + 1)).filter((i) => i > 0);
  assert.deepEqual(changed, [11, 14, 36, 44, 47]);
  assert.equal(b[13], `          image: "${reg.host}/app/web:1.0@${digest}"   # keep this comment`);
  assert.equal(b[35], `            image: '${reg.host}/lib/tools:2@${digest}'`);
  const values = await readFile(join(work, "charts/mychart/values.yaml"), "utf8");
  assert.match(values, new RegExp(`  tag: "2.1"\\n  digest: ${digest}\\n  pullPolicy: IfNotPresent`));
  assert.match(values, new RegExp(`    tag: 3\\n    digest: "${digest}"\\n`));
  assert.match(await readFile(join(work, "docker/Containerfile.dev"), "utf8"), new RegExp(`^FROM ${reg.host.replace(/\./g, "\\.")}/dev/tool:latest@${digest}\\n`));
  const again = await fixPaths([work], registryResolver());
  assert.equal(again.pinned.length, 0, "a second fix changes nothing");
  assert.deepEqual(again.files, [], "and rewrites no file");
});

test("image BOM is valid CycloneDX 1.6 with a container per image; mirror list is distinct", async () => {
  const r = await scanPaths([tree], { cwd: tree });
  const bom = imageBom(r.refs, { timestamp: "2026-01-01T00:00:00Z", serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", toolVersion: "test" });
  assert.deepEqual(validateCycloneDx16(bom), []);
  const components = bom.components as { type: string; name: string; version?: string; purl: string; properties: { name: string; value: string }[] }[];
  assert.ok(components.every((c) => c.type === "container"));
  const web = components.find((c) => c.name === `${reg.host}/app/web` && c.version === "1.0")!;
  assert.deepEqual(web.properties.filter((p) => p.name === "dev.mailknight:referenced-in").map((p) => p.value), [
    "charts/mychart/values.yaml:13",
    "k8s/workloads.yaml:14",
    "k8s/workloads.yaml:44",
  ]);
  assert.match(web.purl, /^pkg:oci\/web\?repository_url=127\.0\.0\.1%3A\d+%2Fapp%2Fweb&tag=1\.0$|^pkg:oci\/web\?repository_url=127\.0\.0\.1:\d+\/app\/web&tag=1\.0$/);
  const list = mirrorList(r.refs);
  assert.deepEqual(list.registries, [reg.host]);
  assert.equal(list.images.length, new Set(list.images).size);
  assert.ok(list.images.includes(`${reg.host}/dev/tool:latest`));
});
