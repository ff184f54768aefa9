/**
 * Resumable chunked uploads against a real Debian docker-registry on 127.0.0.1: a process pushing
 * a big layer is killed with SIGKILL mid-upload, and the next push continues the registry's
 * upload session from its `Range` instead of byte 0. Sessions that are gone, inconsistent, or
 * hold other bytes restart cleanly; hostile state files are dropped without being followed.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OciLayout } from "../layout.js";
import { writeLayerFromEntries } from "../layer.js";
import { assembleImage } from "../image.js";
import type { Descriptor } from "../spec.js";
import { RegistryClient, digestBytes } from "./client.js";
import { RegistryRepository } from "./repository.js";
import { LayoutStore, RegistryStore } from "./store.js";
import { copyImage } from "./copy.js";
import { freePort, startRegistry, type TestRegistry } from "./testing.js";
import { readUploadState, uploadStatePath, writeUploadState, type UploadState } from "./upload-state.js";

const CHUNK = 256 * 1024;
const src = new URL(".", import.meta.url).pathname;

let reg: TestRegistry;
let tmp: string;
before(async () => {
  tmp = mkdtempSync(join(tmpdir(), "mk-resume-"));
  reg = await startRegistry();
});
after(async () => {
  await reg.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function repo(name: string, stateDir: string | undefined, client = new RegistryClient({ registry: reg.host, credentials: null })): RegistryRepository {
  return new RegistryRepository(client, name, { uploadStateDir: stateDir });
}

function blob(size: number): { desc: Descriptor; bytes: Buffer } {
  const bytes = randomBytes(size);
  return { bytes, desc: { mediaType: "application/octet-stream", digest: digestBytes(bytes), size } };
}

/** Starts an upload session by hand and sends `bytes` to it; returns the Location to continue. */
async function partialSession(name: string, bytes: Uint8Array): Promise<{ location: string; uuid: string }> {
  const base = `http://${reg.host}`;
  const started = await fetch(`${base}/v2/${name}/blobs/uploads/`, { method: "POST" });
  const loc = new URL(started.headers.get("location")!, base).toString();
  const patched = await fetch(loc, { method: "PATCH", headers: { "content-type": "application/octet-stream", "content-range": `0-${bytes.byteLength - 1}` }, body: bytes as BodyInit });
  assert.equal(patched.status, 202);
  return { location: new URL(patched.headers.get("location")!, base).toString(), uuid: patched.headers.get("docker-upload-uuid")! };
}

async function pulled(r: RegistryRepository, desc: Descriptor): Promise<string> {
  return digestBytes(await r.readBlob(desc));
}

describe("resume after kill -9", () => {
  test("a push killed mid-layer continues from the registry's Range and sends fewer bytes than the layer", async (t) => {
    const layoutDir = join(tmp, "layout");
    const layout = await OciLayout.create(layoutDir);
    // 3 MiB of incompressible data: 12+ PATCH chunks of 256 KiB.
    const written = await writeLayerFromEntries(layout, [{ path: "data/big", type: "file", data: randomBytes(3 * 1024 * 1024) }], { sourceDateEpoch: 0 });
    const layer = written.descriptor;
    const img = await assembleImage(layout, { layers: [written], config: {}, created: "1970-01-01T00:00:00Z" });
    await layout.tag("big", img.manifestDescriptor);
    const stateDir = join(tmp, "uploads-kill");

    // The child pushes through a fetch that announces each PATCH and waits before sending it, so
    // the kill lands between chunks: everything before is confirmed and saved, nothing after sent.
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", `
      const { RegistryClient } = await import(${JSON.stringify(join(src, "client.ts"))});
      const { RegistryRepository } = await import(${JSON.stringify(join(src, "repository.ts"))});
      const { LayoutStore, RegistryStore } = await import(${JSON.stringify(join(src, "store.ts"))});
      const { copyImage } = await import(${JSON.stringify(join(src, "copy.ts"))});
      const { OciLayout } = await import(${JSON.stringify(join(src, "../layout.ts"))});
      let patches = 0;
      const slow = async (url, init) => {
        if (init?.method === "PATCH") {
          patches++;
          process.stdout.write("patch " + patches + "\\n");
          await new Promise((r) => setTimeout(r, patches >= 6 ? 5000 : 20));
        }
        return fetch(url, init);
      };
      const client = new RegistryClient({ registry: ${JSON.stringify(reg.host)}, credentials: null, fetch: slow });
      const dst = new RegistryStore(new RegistryRepository(client, "resume/app"), { uploadStateDir: ${JSON.stringify(stateDir)}, chunkSize: ${CHUNK} });
      await copyImage(new LayoutStore(await OciLayout.open(${JSON.stringify(layoutDir)})), "big", dst, { tags: ["1"], concurrency: 1 });
      process.stdout.write("finished\\n");
    `], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const killed = await new Promise<boolean>((resolve) => {
      child.stdout.on("data", (c: Buffer) => {
        out += c.toString();
        if (/patch 6\n/.test(out) && child.exitCode === null) resolve(child.kill("SIGKILL"));
      });
      child.on("exit", () => resolve(false));
    });
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once("exit", r)));
    assert.ok(killed, `the push finished before it could be killed:\n${out}\n${err}`);

    const states = readdirSync(stateDir).filter((f) => f.endsWith(".json"));
    assert.equal(states.length, 1, `one interrupted session on disk: ${states.join(", ")}`);

    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const r = repo("resume/app", stateDir, client);
    assert.equal(await r.hasBlob(layer.digest), false, "the killed push did not finish the layer");
    const again = await copyImage(new LayoutStore(layout), "big", new RegistryStore(r, { chunkSize: CHUNK }), { tags: ["1"] });
    assert.equal(again.descriptor.digest, img.manifestDescriptor.digest);
    const sent = client.stats.uploadedBytes;
    t.diagnostic(`layer ${layer.size} bytes; resumed at ${r.uploads.resumedBytes}; re-run sent ${sent} bytes in ${client.stats.byMethod.PATCH ?? 0} PATCHes`);
    assert.equal(r.uploads.resumed, 1);
    // The config went first (1 chunk) and then 4 layer chunks were confirmed before the kill.
    assert.ok(r.uploads.resumedBytes >= 4 * CHUNK, `resumed at ${r.uploads.resumedBytes}`);
    assert.ok(sent < layer.size, `the re-run sent ${sent} bytes, the layer is ${layer.size}`);
    assert.ok(sent <= layer.size - r.uploads.resumedBytes + 4096, `only the rest of the layer (+ the manifest) was sent: ${sent}`);
    assert.equal(await pulled(r, layer), layer.digest, "the registry holds the layer with the right digest");
    assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith(".json")), [], "the state file goes when the blob is committed");
  });
});

describe("sessions that cannot be continued", () => {
  test("a session that is gone (bogus upload UUID) restarts from zero and succeeds", async () => {
    const stateDir = join(tmp, "uploads-gone");
    const { desc, bytes } = blob(5 * CHUNK + 123);
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const r = repo("gone/app", stateDir, client);
    const path = uploadStatePath(stateDir, reg.host, "gone/app", desc.digest);
    await writeUploadState(path, {
      version: 1, registry: reg.host, repository: "gone/app", digest: desc.digest, size: desc.size,
      location: `http://${reg.host}/v2/gone/app/blobs/uploads/0b7a3f0e-2c61-4d4c-9b6e-000000000000?_state=bm90LWEtc3RhdGU%3D`,
      uuid: "0b7a3f0e-2c61-4d4c-9b6e-000000000000", confirmed: 3 * CHUNK,
    });
    assert.equal(await r.pushBlob(desc, async () => bytes, { chunkSize: CHUNK }), "uploaded");
    assert.equal(r.uploads.resumed, 0);
    assert.equal(r.uploads.restarted, 1);
    assert.ok(client.stats.uploadedBytes >= desc.size, "everything was sent again");
    assert.equal(await pulled(r, desc), desc.digest);
    assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith(".json")), []);
  });

  test("a session holding fewer bytes than the state says is cancelled and restarted", async () => {
    const stateDir = join(tmp, "uploads-short");
    const { desc, bytes } = blob(4 * CHUNK);
    const session = await partialSession("short/app", bytes.subarray(0, CHUNK));
    const r = repo("short/app", stateDir);
    await writeUploadState(uploadStatePath(stateDir, reg.host, "short/app", desc.digest), {
      version: 1, registry: reg.host, repository: "short/app", digest: desc.digest, size: desc.size, location: session.location, uuid: session.uuid, confirmed: 2 * CHUNK,
    });
    assert.equal(await r.pushBlob(desc, async () => bytes, { chunkSize: CHUNK }), "uploaded");
    assert.deepEqual(r.uploads, { resumed: 0, resumedBytes: 0, restarted: 1 });
    assert.equal(await pulled(r, desc), desc.digest);
    const status = await fetch(session.location);
    assert.equal(status.status, 404, "the abandoned session was cancelled (DELETE)");
  });

  test("a session holding other bytes fails the registry's digest check, and the upload restarts cleanly", async () => {
    const stateDir = join(tmp, "uploads-wrong");
    const { desc, bytes } = blob(4 * CHUNK);
    const session = await partialSession("wrong/app", randomBytes(2 * CHUNK));
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const r = repo("wrong/app", stateDir, client);
    await writeUploadState(uploadStatePath(stateDir, reg.host, "wrong/app", desc.digest), {
      version: 1, registry: reg.host, repository: "wrong/app", digest: desc.digest, size: desc.size, location: session.location, uuid: session.uuid, confirmed: 2 * CHUNK,
    });
    // Streaming path (the one copies from another store use).
    assert.equal(await r.pushBlobStreaming(desc, async (sink) => {
      for (let o = 0; o < bytes.byteLength; o += 100_000) await sink(bytes.subarray(o, o + 100_000));
    }, { chunkSize: CHUNK }), "uploaded");
    assert.equal(r.uploads.resumed, 1, "it did continue the session first");
    assert.equal(r.uploads.restarted, 1, "then started over when the digest did not match");
    assert.equal(await pulled(r, desc), desc.digest, "the registry holds the right bytes");
    assert.deepEqual(readdirSync(stateDir).filter((f) => f.endsWith(".json")), []);
  });
});

describe("hostile state files", () => {
  test("garbage, another repository, another blob, an off-registry location: dropped, never followed", async () => {
    const stateDir = join(tmp, "uploads-hostile");
    mkdirSync(stateDir, { recursive: true });
    // A server that records whoever comes: a planted Location must never reach it (credentials!).
    const seen: string[] = [];
    const trap = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ""}`);
      res.writeHead(204, { range: "0-999999", location: req.url ?? "/" }).end();
    });
    const trapPort = await freePort();
    await new Promise<void>((r) => trap.listen(trapPort, "127.0.0.1", r));
    try {
      const { desc, bytes } = blob(3 * CHUNK);
      const path = uploadStatePath(stateDir, reg.host, "hostile/app", desc.digest);
      const base: UploadState = { version: 1, registry: reg.host, repository: "hostile/app", digest: desc.digest, size: desc.size, location: `http://${reg.host}/v2/hostile/app/blobs/uploads/x`, confirmed: CHUNK };
      const cases: [string, string][] = [
        ["garbage", "{ this is not json"],
        ["binary", "\u0000\u0001\u0002"],
        ["wrong type", JSON.stringify({ ...base, confirmed: "lots" })],
        ["extra field", JSON.stringify({ ...base, evil: true })],
        ["other repository", JSON.stringify({ ...base, repository: "victim/app", location: `http://${reg.host}/v2/victim/app/blobs/uploads/x` })],
        ["other registry", JSON.stringify({ ...base, registry: "evil.example.com" })],
        ["other blob", JSON.stringify({ ...base, digest: `sha256:${"0".repeat(64)}` })],
        ["other origin", JSON.stringify({ ...base, location: `http://127.0.0.1:${trapPort}/v2/hostile/app/blobs/uploads/x` })],
        ["path escape", JSON.stringify({ ...base, location: `http://${reg.host}/v2/hostile/app/blobs/uploads/../../../other/blobs/uploads/x` })],
        ["user info", JSON.stringify({ ...base, location: `http://user:pw@${reg.host}/v2/hostile/app/blobs/uploads/x` })],
        ["more confirmed than size", JSON.stringify({ ...base, confirmed: desc.size + 1 })],
        ["huge", JSON.stringify({ ...base, pad: "x".repeat(100_000) })],
      ];
      const want = { registry: reg.host, repository: "hostile/app", digest: desc.digest, size: desc.size, baseUrl: `http://${reg.host}` };
      for (const [name, text] of cases) {
        writeFileSync(path, text);
        const read = await readUploadState(path, want);
        assert.equal(read.state, undefined, `${name}: must not be used`);
        assert.ok(read.invalid, `${name}: reported invalid`);
        assert.deepEqual(readdirSync(stateDir), [], `${name}: removed`);
      }
      // Through a real push with credentials: the planted file is dropped, the blob lands, the trap sees nothing.
      writeFileSync(path, JSON.stringify({ ...base, location: `http://127.0.0.1:${trapPort}/v2/hostile/app/blobs/uploads/x` }));
      const r = repo("hostile/app", stateDir, new RegistryClient({ registry: reg.host, credentials: { username: "u", password: "secret" } }));
      assert.equal(await r.pushBlob(desc, async () => bytes, { chunkSize: CHUNK }), "uploaded");
      assert.equal(await pulled(r, desc), desc.digest);
      assert.deepEqual(seen, [], "the off-registry location was never contacted");
      assert.deepEqual(readdirSync(stateDir), []);
    } finally {
      await new Promise<void>((r) => trap.close(() => r()));
    }
  });

  test("without a state directory nothing is written and nothing resumes", async () => {
    const { desc, bytes } = blob(2 * CHUNK + 1);
    const r = repo("nostate/app", undefined);
    assert.equal(await r.pushBlob(desc, async () => bytes, { chunkSize: CHUNK }), "uploaded");
    assert.deepEqual(r.uploads, { resumed: 0, resumedBytes: 0, restarted: 0 });
    assert.equal(await r.pushBlob(desc, async () => bytes, { chunkSize: CHUNK }), "exists");
  });
});
