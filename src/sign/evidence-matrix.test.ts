/**
 * The evidence matrix for the images a deployment references, against a real docker-registry on
 * 127.0.0.1 (no referrers API, so bundles go under the `sha256-<hex>` fallback tag): three images
 * (signed in both layouts with SBOM and provenance attestations; signed with the legacy `.sig`
 * only; unsigned), a tag that does not exist, and a registry that does not answer. Every cell of
 * the matrix, every evidence property on the image BOM, and the BOM still valid CycloneDX 1.6.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../errors.js";
import type { Descriptor } from "../oci/spec.js";
import { RegistryClient } from "../oci/registry/client.js";
import { copyImage } from "../oci/registry/copy.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { RegistryStore } from "../oci/registry/store.js";
import { startRegistry, type TestRegistry } from "../oci/registry/testing.js";
import { validateCycloneDx16 } from "../sbom/testing/schemas.js";
import { PredicateType } from "../attest/statement.js";
import { EvidenceProperty, imageBom, imagesOfBom, withEvidence } from "../pin/bom.js";
import { scanPaths } from "../pin/scan.js";
import { attestImage, signImage } from "./image-sign.js";
import { keyHint } from "./keys.js";
import { keySigner } from "./signer.js";
import { testImage, testKeys } from "./testing.js";
import { bomEvidence, scanEvidence } from "./evidence-matrix.js";
import type { EvidenceRow } from "./evidence.js";

const cli = new URL("../../bin/mailknight.js", import.meta.url).pathname;
const BOM_OPTS = { timestamp: "2026-01-01T00:00:00Z", serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", toolVersion: "test" };
const DEAD = "127.0.0.1:1";

let reg: TestRegistry;
let dir: string;
let tree: string;
const digests: Record<"signed" | "legacy" | "unsigned", string> = { signed: "", legacy: "", unsigned: "" };
let hint: string;

const store = (repo: string): RegistryStore => new RegistryStore(new RegistryRepository(new RegistryClient({ registry: reg.host, credentials: null }), repo));

async function push(label: string, repo: string, tag: string): Promise<Descriptor> {
  const img = await testImage("x:1", label);
  try {
    return (await copyImage(img.store, "x:1", store(repo), { tags: [tag] })).descriptor;
  } finally {
    img.cleanup();
  }
}

before(async () => {
  reg = await startRegistry();
  dir = await mkdtemp(join(tmpdir(), "mk-evidence-"));
  const keys = testKeys();
  hint = keyHint(keys.publicKey);
  const signer = keySigner(keys.privateKey);

  const signed = await push("signed", "third/signed", "1.0");
  await signImage(store("third/signed"), signed, `${reg.host}/third/signed`, signer);
  await attestImage(store("third/signed"), signed, `${reg.host}/third/signed`, signer, PredicateType.cyclonedx, { bomFormat: "CycloneDX", specVersion: "1.6" });
  await attestImage(store("third/signed"), signed, `${reg.host}/third/signed`, signer, PredicateType.slsaProvenance, { runDetails: { builder: { id: "https://ci.example/b" } } });
  const legacy = await push("legacy", "third/legacy", "2.0");
  await signImage(store("third/legacy"), legacy, `${reg.host}/third/legacy`, signer, { referrers: false });
  const unsigned = await push("unsigned", "third/unsigned", "3.0");
  Object.assign(digests, { signed: signed.digest, legacy: legacy.digest, unsigned: unsigned.digest });

  // A deployment: a Kubernetes manifest and a Dockerfile, every image by tag.
  tree = join(dir, "deploy");
  await mkdir(join(tree, "k8s"), { recursive: true });
  await mkdir(join(tree, "build"), { recursive: true });
  await writeFile(
    join(tree, "k8s", "app.yaml"),
    [
      "apiVersion: apps/v1",
      "kind: Deployment",
      "metadata:",
      "  name: app",
      "spec:",
      "  template:",
      "    spec:",
      "      initContainers:",
      `        - name: init`,
      `          image: ${DEAD}/team/ghost:1`,
      "      containers:",
      "        - name: app",
      `          image: ${reg.host}/third/signed:1.0`,
      "        - name: cache",
      `          image: ${reg.host}/third/unsigned:3.0`,
      "        - name: gone",
      `          image: ${reg.host}/third/missing:9`,
      "",
    ].join("\n"),
  );
  await writeFile(join(tree, "build", "Dockerfile"), `FROM ${reg.host}/third/legacy:2.0 AS build\nRUN make\nFROM ${reg.host}/third/signed:1.0\nCOPY --from=build /out /out\n`);
});

after(async () => {
  await reg?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function expectedRows(): Record<string, Omit<EvidenceRow, "image" | "bomRef">> {
  const none = { signedLegacy: false, signedReferrer: false, signers: [], sbom: false, provenance: false, predicateTypes: [] };
  return {
    [`${DEAD}/team/ghost:1`]: { ...none, referencedIn: ["k8s/app.yaml:10"] },
    [`${reg.host}/third/legacy:2.0`]: { ...none, digest: digests.legacy, signedLegacy: true, signers: ["key (cosign .sig)"], referencedIn: ["build/Dockerfile:1"] },
    [`${reg.host}/third/missing:9`]: { ...none, referencedIn: ["k8s/app.yaml:17"] },
    [`${reg.host}/third/signed:1.0`]: {
      digest: digests.signed,
      signedLegacy: true,
      signedReferrer: true,
      signers: ["key (cosign .sig)", `key ${hint}`],
      sbom: true,
      provenance: true,
      predicateTypes: [PredicateType.cyclonedx, PredicateType.slsaProvenance].sort(),
      referencedIn: ["build/Dockerfile:3", "k8s/app.yaml:13"],
    },
    [`${reg.host}/third/unsigned:3.0`]: { ...none, digest: digests.unsigned, referencedIn: ["k8s/app.yaml:15"] },
  };
}

function props(c: { properties?: { name: string; value: string }[] }, name: string): string[] {
  return (c.properties ?? []).filter((p) => p.name === name).map((p) => p.value);
}

test("scan + BOM + evidence: every cell of the matrix, the BOM properties, and the BOM validates", async () => {
  const started = Date.now();
  const { rows, bom } = await scanEvidence([tree], { cwd: tree, bomOptions: BOM_OPTS, client: { credentials: null }, timeoutMs: 5000 });
  assert.ok(Date.now() - started < 15_000, "an unreachable registry does not hold the matrix up");
  const expected = expectedRows();
  assert.deepEqual(rows.map((r) => r.image), Object.keys(expected), "one row per distinct image, in BOM order");
  for (const r of rows) {
    const { error, bomRef, image, ...rest } = r;
    assert.equal(bomRef, image, "the BOM's container components are keyed by the reference");
    assert.deepEqual(rest, expected[image], image);
    if (image.startsWith(DEAD)) assert.match(error ?? "", /cannot reach http:\/\/127\.0\.0\.1:1 .*: bad port$/, "an unreachable registry is an error row");
    else if (image.includes("missing")) assert.match(error ?? "", /9 not found in docker:\/\/127\.0\.0\.1:\d+\/third\/missing/, "a missing tag is an error row");
    else assert.equal(error, undefined, image);
  }

  assert.deepEqual(validateCycloneDx16(bom), []);
  const components = bom.components as { "bom-ref": string; properties: { name: string; value: string }[] }[];
  const byRef = new Map(components.map((c) => [c["bom-ref"], c]));
  const evidenceOf = (ref: string): { name: string; value: string }[] => (byRef.get(ref)?.properties ?? []).filter((p) => p.name.startsWith("dev.mailknight:evidence:"));
  const p = (name: string, value: string) => ({ name, value });
  assert.deepEqual(evidenceOf(`${reg.host}/third/signed:1.0`), [
    p(EvidenceProperty.digest, digests.signed),
    p(EvidenceProperty.signed, "cosign-tag"),
    p(EvidenceProperty.signed, "referrer"),
    p(EvidenceProperty.signers, "key (cosign .sig)"),
    p(EvidenceProperty.signers, `key ${hint}`),
    p(EvidenceProperty.sbom, "true"),
    p(EvidenceProperty.provenance, "true"),
    p(EvidenceProperty.predicateType, PredicateType.cyclonedx),
    p(EvidenceProperty.predicateType, PredicateType.slsaProvenance),
  ]);
  assert.deepEqual(evidenceOf(`${reg.host}/third/legacy:2.0`), [
    p(EvidenceProperty.digest, digests.legacy),
    p(EvidenceProperty.signed, "cosign-tag"),
    p(EvidenceProperty.signers, "key (cosign .sig)"),
    p(EvidenceProperty.sbom, "false"),
    p(EvidenceProperty.provenance, "false"),
  ]);
  assert.deepEqual(evidenceOf(`${reg.host}/third/unsigned:3.0`), [
    p(EvidenceProperty.digest, digests.unsigned),
    p(EvidenceProperty.signed, "none"),
    p(EvidenceProperty.sbom, "false"),
    p(EvidenceProperty.provenance, "false"),
  ]);
  for (const ref of [`${DEAD}/team/ghost:1`, `${reg.host}/third/missing:9`]) {
    const e = evidenceOf(ref);
    assert.deepEqual(e.map((x) => x.name), [EvidenceProperty.error], `${ref}: only the error, the rest is unknown`);
    assert.ok(e[0]!.value.length > 0);
  }
  // The scan's own properties stay, in front of the evidence.
  const signed = byRef.get(`${reg.host}/third/signed:1.0`)!;
  assert.deepEqual(props(signed, "dev.mailknight:pinned"), ["false"]);
  assert.equal(signed.properties[0]!.name, "dev.mailknight:registry");
});

test("evidence from a BOM file's components equals the scan's; adding it again replaces, never duplicates", async () => {
  const scanned = await scanPaths([tree], { cwd: tree });
  const plain = imageBom(scanned.refs, BOM_OPTS);
  assert.deepEqual(
    imagesOfBom(plain).map((i) => i.reference),
    Object.keys(expectedRows()),
  );
  const once = await bomEvidence(plain, { client: { credentials: null }, concurrency: 1 });
  const twice = await bomEvidence(once.bom, { client: { credentials: null }, concurrency: 3 });
  assert.deepEqual(twice.bom, once.bom, "idempotent, whatever the concurrency");
  assert.deepEqual(validateCycloneDx16(twice.bom), []);
  assert.equal(JSON.stringify(plain).includes("evidence"), false, "the input is not modified");
});

test("a foreign BOM: container components by name/version, nested ones too, keyed by position without bom-ref", async () => {
  const foreign = {
    bomFormat: "CycloneDX",
    specVersion: "1.6",
    version: 1,
    components: [
      { type: "library", name: "openssl", version: "3.0.13" },
      { type: "container", name: `${reg.host}/third/unsigned`, version: "3.0" },
      { type: "application", name: "suite", components: [{ type: "container", "bom-ref": "legacy-by-digest", name: `${reg.host}/third/legacy`, version: digests.legacy }] },
    ],
  };
  assert.deepEqual(imagesOfBom(foreign), [
    { key: "components[1]", reference: `${reg.host}/third/unsigned:3.0`, referencedIn: [] },
    { key: "legacy-by-digest", bomRef: "legacy-by-digest", reference: `${reg.host}/third/legacy@${digests.legacy}`, referencedIn: [] },
  ]);
  const { rows, bom } = await bomEvidence(foreign, { client: { credentials: null } });
  assert.deepEqual(rows.map((r) => [r.digest, r.signedLegacy, r.error]), [
    [digests.unsigned, false, undefined],
    [digests.legacy, true, undefined],
  ]);
  assert.deepEqual(validateCycloneDx16(bom), []);
  const out = bom.components as { properties?: { name: string; value: string }[]; components?: { properties?: { name: string; value: string }[] }[] }[];
  assert.deepEqual(props(out[1]!, EvidenceProperty.signed), ["none"]);
  assert.deepEqual(props(out[2]!.components![0]!, EvidenceProperty.signed), ["cosign-tag"]);
  assert.deepEqual(props(out[0]!, EvidenceProperty.signed), [], "only containers get evidence");
  assert.throws(() => imagesOfBom({ spdxVersion: "SPDX-2.3" }, "x.json"), (e: unknown) => e instanceof MkError && e.code === "E_CONFIG_INVALID");
  assert.deepEqual(withEvidence(foreign, []), foreign, "no rows: unchanged");
});

test("a registry that accepts connections and never answers is an error row after the timeout", async () => {
  const sockets: Socket[] = [];
  const server = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as { port: number }).port;
  try {
    const started = Date.now();
    const { rows } = await bomEvidence({ bomFormat: "CycloneDX", components: [{ type: "container", name: `127.0.0.1:${port}/team/slow`, version: "1" }] }, { timeoutMs: 300, attempts: 1, client: { credentials: null } });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    assert.match(rows[0]!.error ?? "", /cannot reach .*timed out/);
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
});

function run(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { cwd, env: { ...process.env, CI: "1", SOURCE_DATE_EPOCH: "1767225600" } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

test("CLI: pin bom --evidence, evidence --bom as a table and --json (-o), evidence --scan, usage errors", async () => {
  const expected = expectedRows();
  const bomFile = join(dir, "images.cdx.json");
  let r = await run(["pin", "bom", ".", "--evidence", "--timeout", "5", "-o", bomFile], tree);
  assert.equal(r.status, 0, r.stderr);
  const pinned = JSON.parse(await readFile(bomFile, "utf8")) as { metadata: { timestamp: string }; components: { "bom-ref": string; properties: { name: string; value: string }[] }[] };
  assert.deepEqual(validateCycloneDx16(pinned), []);
  assert.equal(pinned.metadata.timestamp, "2026-01-01T00:00:00Z");
  assert.deepEqual(
    pinned.components.map((c) => [c["bom-ref"], props(c, EvidenceProperty.signed), props(c, EvidenceProperty.error).length]),
    [
      [`${DEAD}/team/ghost:1`, [], 1],
      [`${reg.host}/third/legacy:2.0`, ["cosign-tag"], 0],
      [`${reg.host}/third/missing:9`, [], 1],
      [`${reg.host}/third/signed:1.0`, ["cosign-tag", "referrer"], 0],
      [`${reg.host}/third/unsigned:3.0`, ["none"], 0],
    ],
  );

  // The table: one line per image, every cell.
  r = await run(["evidence", "--bom", bomFile], dir);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.deepEqual(lines[0]!.split(/\s{2,}/), ["IMAGE", "DIGEST", ".sig", "REFERRER", "SBOM", "PROVENANCE", "SIGNERS (claimed)"]);
  const cells = new Map(lines.slice(1).map((l) => [l.split(/\s{2,}/)[0]!, l.split(/\s{2,}/).slice(1)]));
  assert.deepEqual(cells.get(`${reg.host}/third/signed:1.0`), [digests.signed.slice(0, 19), "yes", "yes", "yes", "yes", `key (cosign .sig); key ${hint}`]);
  assert.deepEqual(cells.get(`${reg.host}/third/legacy:2.0`), [digests.legacy.slice(0, 19), "yes", "no", "no", "no", "key (cosign .sig)"]);
  assert.deepEqual(cells.get(`${reg.host}/third/unsigned:3.0`), [digests.unsigned.slice(0, 19), "no", "no", "no", "no"]);
  const dead = cells.get(`${DEAD}/team/ghost:1`)!;
  assert.deepEqual(dead.slice(0, 5), ["-", "-", "-", "-", "-"]);
  assert.match(dead[5]!, /^error: .*cannot reach/);
  assert.match(cells.get(`${reg.host}/third/missing:9`)![5]!, /^error: .*not found/);
  assert.equal(lines.length, 6);

  // --json, and the BOM again with -o: same as what pin bom --evidence wrote.
  const out = join(dir, "again.cdx.json");
  r = await run(["--json", "evidence", "--bom", bomFile, "-o", out, "--concurrency", "2"], dir);
  assert.equal(r.status, 0, r.stderr);
  const rows = JSON.parse(r.stdout) as EvidenceRow[];
  for (const row of rows) {
    const { error, bomRef, image, ...rest } = row;
    assert.equal(bomRef, image);
    assert.deepEqual(rest, expected[image], image);
    assert.equal(error !== undefined, image.includes("ghost") || image.includes("missing"), image);
  }
  const again = JSON.parse(await readFile(out, "utf8")) as typeof pinned;
  assert.deepEqual(again.components, pinned.components);

  // --scan: the deployment directly; plain references and docker:// mixed in the same command.
  r = await run(["evidence", "--scan", "deploy", "--json"], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as EvidenceRow[]).map((x) => [x.image, x.signedReferrer, x.referencedIn]), Object.entries(expected).map(([k, v]) => [k, v.signedReferrer, v.referencedIn?.map((f) => join("deploy", f))]));
  r = await run(["--json", "evidence", `${reg.host}/third/legacy:2.0`, `docker://${reg.host}/third/unsigned:3.0`], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual((JSON.parse(r.stdout) as EvidenceRow[]).map((x) => [x.digest, x.signedLegacy]), [[digests.legacy, true], [digests.unsigned, false]]);

  for (const bad of [["evidence"], ["evidence", "--bom", bomFile, "--scan", "deploy"], ["evidence", "-o", out, "x"], ["evidence", "--bom", join(dir, "nope.json")]]) {
    r = await run(bad, dir);
    assert.equal(r.status, 2, `${bad.join(" ")}: ${r.stderr}`);
  }
});
