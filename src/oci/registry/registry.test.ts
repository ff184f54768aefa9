/**
 * Against a real Debian docker-registry on 127.0.0.1: push from a layout, pull back, verify with
 * skopeo; chunked uploads, mounts, pagination, referrers fallback, idempotency by request counts;
 * htpasswd basic auth; and the bearer-token flow through a local token service in front of it.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../../errors.js";
import { OciLayout } from "../layout.js";
import { writeLayerFromEntries, type MemoryEntry } from "../layer.js";
import { assembleImage } from "../image.js";
import { MediaType, canonicalJson, type Descriptor } from "../spec.js";
import { RegistryClient, digestBytes } from "./client.js";
import { RegistryRepository } from "./repository.js";
import { LayoutStore, RegistryStore } from "./store.js";
import { copyImage } from "./copy.js";
import { forwardToRegistry, freePort, startRegistry, type TestRegistry } from "./testing.js";

const EPOCH = 1_700_000_000;

function skopeo(args: string[]): string {
  const r = spawnSync("skopeo", args, { encoding: "utf8" });
  assert.equal(r.status, 0, `skopeo ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

async function makeImage(dir: string, tag: string, payload: string, bigBytes = 0): Promise<{ layout: OciLayout; desc: Descriptor }> {
  const layout = await OciLayout.create(dir);
  const entries: MemoryEntry[] = [{ path: "etc/payload", type: "file", data: payload }];
  // Incompressible data so the layer is big enough to need several PATCH chunks.
  if (bigBytes) entries.push({ path: "data/big", type: "file" as const, data: randomBytes(bigBytes) });
  const l1 = await writeLayerFromEntries(layout, entries, { sourceDateEpoch: EPOCH });
  const img = await assembleImage(layout, { layers: [l1], config: { cmd: ["/bin/true"] }, created: new Date(EPOCH * 1000).toISOString() });
  await layout.tag(tag, img.manifestDescriptor);
  return { layout, desc: img.manifestDescriptor };
}

function store(host: string, repo: string, client?: RegistryClient): RegistryStore {
  return new RegistryStore(new RegistryRepository(client ?? new RegistryClient({ registry: host, credentials: null }), repo));
}

let tmp: string;
before(() => {
  tmp = mkdtempSync(join(tmpdir(), "mk-reg-test-"));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe("anonymous registry", () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry();
  });
  after(async () => await reg.stop());

  test("push from a layout, idempotent re-push, skopeo and pull-back agree on digests", async () => {
    const { layout, desc } = await makeImage(join(tmp, "a"), "app:1.0", "hello");
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const dst = store(reg.host, "team/app", client);
    const first = await copyImage(new LayoutStore(layout), "app:1.0", dst, { tags: ["1.0", "latest"] });
    assert.equal(first.descriptor.digest, desc.digest);
    assert.equal(first.blobs.uploaded, 2, "config + one layer");

    const inspected = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/team/app:1.0`])) as { Digest: string };
    assert.equal(inspected.Digest, desc.digest);

    const before = { ...client.stats.byMethod };
    const again = await copyImage(new LayoutStore(layout), "app:1.0", dst, { tags: ["1.0", "latest"] });
    assert.equal(again.blobs.uploaded, 0);
    for (const m of ["POST", "PUT", "PATCH"]) assert.equal(client.stats.byMethod[m] ?? 0, before[m] ?? 0, `second push must not ${m}`);

    const back = new LayoutStore(await OciLayout.create(join(tmp, "back")));
    const pulled = await copyImage(dst, "latest", back, { tags: ["pulled"] });
    assert.equal(pulled.descriptor.digest, desc.digest);
    skopeo(["copy", "--src-tls-verify=false", `docker://${reg.host}/team/app:1.0`, `oci:${join(tmp, "skopeo")}:x`]);
    const viaSkopeo = await OciLayout.open(join(tmp, "skopeo"));
    assert.equal((await viaSkopeo.resolve("x"))?.digest, desc.digest);
    assert.deepEqual((await dst.tags()).sort(), ["1.0", "latest"]);
  });

  test("chunked upload, cross-repository mount, tag pagination, referrers tag fallback", async () => {
    const { layout } = await makeImage(join(tmp, "b"), "big:1", "big", 300_000);
    const client = new RegistryClient({ registry: reg.host, credentials: null });
    const a = store(reg.host, "chunked/app", client);
    a.chunkSize = 64 * 1024;
    const r = await copyImage(new LayoutStore(layout), "big:1", a, { tags: ["1"] });
    assert.ok((client.stats.byMethod.PATCH ?? 0) >= 4, `expected several PATCH chunks, got ${client.stats.byMethod.PATCH}`);
    skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/chunked/app:1`]);
    // Pull it back: every blob is verified against its digest while streaming.
    const pulled = await copyImage(a, "1", new LayoutStore(await OciLayout.create(join(tmp, "chunked-back"))), { tags: ["x"] });
    assert.equal(pulled.blobs.uploaded, 2);

    const b = store(reg.host, "other/app", client);
    const mounted = await copyImage(a, "1", b, { tags: ["1"] });
    assert.equal(mounted.blobs.mounted, 2, "both blobs mounted, none re-uploaded");
    assert.equal(mounted.descriptor.digest, r.descriptor.digest);

    const many = store(reg.host, "paged/app", client);
    for (const t of ["a", "b", "c", "d", "e"]) await copyImage(a, "1", many, { tags: [t] });
    assert.deepEqual((await many.repo.listTags(2)).sort(), ["a", "b", "c", "d", "e"]);

    // No referrers API in distribution 2.8: an artifact with a subject is found through the
    // sha256-<hex> fallback index, the way cosign/oras write it.
    const emptyConfig = Buffer.from("{}");
    await a.repo.pushBlob({ mediaType: "application/vnd.oci.empty.v1+json", digest: digestBytes(emptyConfig), size: 2 }, async () => emptyConfig);
    const artifact = Buffer.from(canonicalJson({
      schemaVersion: 2,
      mediaType: MediaType.manifest,
      artifactType: "application/vnd.dev.mailknight.test",
      config: { mediaType: "application/vnd.oci.empty.v1+json", digest: digestBytes(emptyConfig), size: 2 },
      layers: [{ mediaType: "application/vnd.oci.empty.v1+json", digest: digestBytes(emptyConfig), size: 2 }],
      subject: r.descriptor,
    }));
    const { descriptor: artDesc } = await a.writeManifest(artifact, MediaType.manifest);
    assert.deepEqual(await a.repo.referrers(r.descriptor.digest), [], "nothing refers to it yet");
    const fallback = Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: MediaType.index, manifests: [{ ...artDesc, artifactType: "application/vnd.dev.mailknight.test" }] }));
    await a.repo.putManifest(r.descriptor.digest.replace(":", "-"), fallback, MediaType.index);
    const refs = await a.repo.referrers(r.descriptor.digest, "application/vnd.dev.mailknight.test");
    assert.equal(refs.length, 1);
    assert.equal(refs[0]!.digest, artDesc.digest);
  });

  test("an index copies with all its manifests; --platform picks one", async () => {
    const layout = await OciLayout.create(join(tmp, "multi"));
    const children: Descriptor[] = [];
    for (const [arch, payload] of [["amd64", "x86"], ["arm64", "arm"]] as const) {
      const l = await writeLayerFromEntries(layout, [{ path: "etc/arch", type: "file", data: payload }], { sourceDateEpoch: EPOCH });
      const img = await assembleImage(layout, { layers: [l], config: {}, created: new Date(EPOCH * 1000).toISOString(), platform: { os: "linux", architecture: arch } });
      children.push({ ...img.manifestDescriptor, platform: { os: "linux", architecture: arch } });
    }
    const indexDesc = await layout.putBlob(Buffer.from(canonicalJson({ schemaVersion: 2, mediaType: MediaType.index, manifests: children })), MediaType.index);
    await layout.tag("multi:1", indexDesc);
    const dst = store(reg.host, "multi/app");
    const all = await copyImage(new LayoutStore(layout), "multi:1", dst, { tags: ["1"] });
    assert.equal(all.descriptor.digest, indexDesc.digest);
    const raw = JSON.parse(skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${reg.host}/multi/app:1`])) as { manifests: Descriptor[] };
    assert.deepEqual(raw.manifests.map((m) => m.digest), children.map((c) => c.digest));
    // Pulled back through the registry with platform selection: only the arm64 manifest.
    const back = new LayoutStore(await OciLayout.create(join(tmp, "multi-back")));
    const arm = await copyImage(dst, "1", back, { tags: ["arm"], platform: { os: "linux", architecture: "arm64" } });
    assert.equal(arm.descriptor.digest, children[1]!.digest);
    assert.equal(await back.hasBlob(children[0]!.digest), false);
    await assert.rejects(copyImage(dst, "1", back, { tags: ["x"], platform: { os: "linux", architecture: "s390x" } }), (e: unknown) => e instanceof MkError && e.code === "E_NOT_FOUND" && /linux\/amd64, linux\/arm64/.test(e.message));
  });

  test("a blob that does not match its digest is refused while streaming", async () => {
    const { layout } = await makeImage(join(tmp, "c"), "c:1", "c");
    const dst = store(reg.host, "integrity/app");
    await copyImage(new LayoutStore(layout), "c:1", dst, { tags: ["1"] });
    const m = JSON.parse((await dst.readManifest((await dst.resolve("1"))!.digest)).bytes.toString()) as { layers: Descriptor[]; config: Descriptor };
    const lying = { ...m.layers[0]!, digest: m.config.digest };
    await assert.rejects(dst.readBlob(lying, () => {}), (e: unknown) => e instanceof MkError && e.code === "E_INTEGRITY");
    assert.equal(await dst.resolve("nope"), undefined, "a missing tag resolves to nothing");
  });
});

describe("htpasswd basic auth", () => {
  let reg: TestRegistry;
  before(async () => {
    reg = await startRegistry({ auth: { user: "mk", password: "s3cret" } });
  });
  after(async () => await reg.stop());

  test("pushes with the right password, refuses the wrong one with a clear error", async () => {
    const { layout, desc } = await makeImage(join(tmp, "d"), "d:1", "d");
    const good = store(reg.host, "auth/app", new RegistryClient({ registry: reg.host, credentials: { username: "mk", password: "s3cret" } }));
    const r = await copyImage(new LayoutStore(layout), "d:1", good, { tags: ["1"] });
    assert.equal(r.descriptor.digest, desc.digest);
    const inspected = JSON.parse(skopeo(["inspect", "--tls-verify=false", "--creds", "mk:s3cret", `docker://${reg.host}/auth/app:1`])) as { Digest: string };
    assert.equal(inspected.Digest, desc.digest);

    // Credentials found the usual way: a Docker config's base64 `auths` entry for this host.
    const configPath = join(tmp, "docker-config.json");
    writeFileSync(configPath, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from("mk:s3cret").toString("base64") } } }));
    const viaConfig = store(reg.host, "auth/app", new RegistryClient({ registry: reg.host, credentialSource: { dockerConfigPath: configPath, env: {} } }));
    assert.equal((await viaConfig.resolve("1"))?.digest, desc.digest);

    const bad = store(reg.host, "auth/app", new RegistryClient({ registry: reg.host, credentials: { username: "mk", password: "wrong" } }));
    await assert.rejects(bad.resolve("1"), (e: unknown) => e instanceof MkError && e.code === "E_FETCH" && /401/.test(e.message) && !e.message.includes("wrong"));
    const anon = store(reg.host, "auth/app", new RegistryClient({ registry: reg.host, credentials: null }));
    await assert.rejects(anon.resolve("1"), (e: unknown) => e instanceof MkError && /401/.test(e.message));
  });
});

/**
 * A token-auth front for the registry: answers 401 with a Bearer challenge (as Docker Hub and
 * GitLab do), issues tokens from /token after checking basic credentials and the scope, proxies
 * authorised requests to the real registry, and injects one 429 to exercise retries.
 */
async function tokenFront(upstream: string): Promise<{ server: Server; host: string; log: string[] }> {
  const log: string[] = [];
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const issued = new Map<string, string[]>();
  let throttled = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? "/", `http://${host}`);
    if (url.pathname === "/token" && req.method === "POST") {
      // OAuth2 refresh-token grant, as Docker does with an `identitytoken`.
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const form = new URLSearchParams(Buffer.concat(chunks).toString());
        const ok = form.get("grant_type") === "refresh_token" && form.get("refresh_token") === "refresh-123";
        log.push(`oauth service=${form.get("service")} scopes=${form.getAll("scope").join(" ")} auth=${ok}`);
        if (!ok) return void res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ error: "invalid_grant" }));
        const token = `o${issued.size}`;
        issued.set(token, form.getAll("scope"));
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: token, refresh_token: "refresh-123", expires_in: 300, scope: form.getAll("scope").join(" ") }));
      });
      return;
    }
    if (url.pathname === "/token") {
      const auth = req.headers.authorization ?? "";
      const ok = auth === `Basic ${Buffer.from("robot:tok-pass").toString("base64")}`;
      const scopes = url.searchParams.getAll("scope");
      log.push(`token service=${url.searchParams.get("service")} scopes=${scopes.join(" ")} auth=${ok}`);
      if (!ok) {
        res.writeHead(401, { "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required" }] }));
        return;
      }
      const token = `t${issued.size}`;
      issued.set(token, scopes);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
      return;
    }
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
    const repo = /^\/v2\/(.+?)\/(?:blobs|manifests|tags|referrers)\//.exec(url.pathname)?.[1];
    const need = req.method === "GET" || req.method === "HEAD" ? "pull" : "push";
    const granted = bearer ? issued.get(bearer) ?? [] : [];
    const allowed = url.pathname === "/v2/" ? bearer !== undefined : granted.some((s) => s.startsWith(`repository:${repo}:`) && s.split(":")[2]!.split(",").includes(need));
    if (!allowed) {
      const scope = repo ? `repository:${repo}:${need}` : "";
      res
        .writeHead(401, {
          "content-type": "application/json",
          "www-authenticate": `Bearer realm="http://${host}/token",service="mk-test-registry"${scope ? `,scope="${scope}"` : ""}`,
        })
        .end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }] }));
      return;
    }
    // A registry with the OCI 1.1 referrers API answers with an index (distribution-spec shape).
    const referrers = /^\/v2\/.+\/referrers\/(sha256:[a-f0-9]{64})$/.exec(url.pathname);
    if (referrers) {
      const type = url.searchParams.get("artifactType");
      const manifests = [{ mediaType: MediaType.manifest, digest: `sha256:${"e".repeat(64)}`, size: 321, artifactType: "application/vnd.dev.sigstore.bundle.v0.3+json", annotations: { "org.opencontainers.image.created": "2026-01-01T00:00:00Z" } }]
        .filter((m) => !type || m.artifactType === type);
      res.writeHead(200, { "content-type": MediaType.index, ...(type ? { "oci-filters-applied": "artifactType" } : {}) }).end(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.index, manifests }));
      return;
    }
    if (!throttled && req.method === "PUT" && url.pathname.includes("/manifests/")) {
      throttled = true;
      res.writeHead(429, { "retry-after": "0", "content-type": "application/json" }).end(JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down" }] }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      // The token is the front's business: the registry behind it has no auth.
      forwardToRegistry(req, res, { upstream, host, path: `${url.pathname}${url.search}`, body: chunks.length ? Buffer.concat(chunks) : undefined, dropHeaders: ["authorization"] });
    });
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { server, host, log };
}

describe("bearer token flow", () => {
  let reg: TestRegistry;
  let front: Awaited<ReturnType<typeof tokenFront>>;
  before(async () => {
    reg = await startRegistry();
    front = await tokenFront(reg.host);
  });
  after(async () => {
    front.server.close();
    await reg.stop();
  });

  test("gets a token for the push scope, retries a 429, and the image lands in the registry", async () => {
    const { layout, desc } = await makeImage(join(tmp, "e"), "e:1", "e");
    const client = new RegistryClient({ registry: front.host, credentials: { username: "robot", password: "tok-pass" }, backoffMs: 1 });
    const r = await copyImage(new LayoutStore(layout), "e:1", store(front.host, "tok/app", client), { tags: ["1"] });
    assert.equal(r.descriptor.digest, desc.digest);
    assert.ok(front.log.some((l) => l.includes("scopes=repository:tok/app:pull,push") && l.includes("service=mk-test-registry") && l.endsWith("auth=true")), front.log.join("\n"));
    assert.ok(client.stats.retries >= 1, "the injected 429 must have been retried");
    const inspected = JSON.parse(skopeo(["inspect", "--tls-verify=false", `docker://${reg.host}/tok/app:1`])) as { Digest: string };
    assert.equal(inspected.Digest, desc.digest);

    const refs = await new RegistryRepository(client, "tok/app").referrers(desc.digest, "application/vnd.dev.sigstore.bundle.v0.3+json");
    assert.deepEqual(refs.map((d) => d.digest), [`sha256:${"e".repeat(64)}`], "the referrers API is used when the registry has it");
    assert.deepEqual(await new RegistryRepository(client, "tok/app").referrers(desc.digest, "application/other"), []);

    // Docker's identitytoken: exchanged with the OAuth2 refresh-token grant.
    const configPath = join(tmp, "oauth-config.json");
    writeFileSync(configPath, JSON.stringify({ auths: { [front.host]: { auth: "", identitytoken: "refresh-123" } } }));
    const oauth = new RegistryClient({ registry: front.host, credentialSource: { dockerConfigPath: configPath, env: {} } });
    assert.equal((await store(front.host, "tok/app", oauth).resolve("1"))?.digest, desc.digest);
    assert.ok(front.log.some((l) => l.startsWith("oauth service=mk-test-registry scopes=repository:tok/app:pull") && l.endsWith("auth=true")), front.log.join("\n"));

    const wrong = new RegistryClient({ registry: front.host, credentials: { username: "robot", password: "nope" } });
    await assert.rejects(store(front.host, "tok/app", wrong).resolve("1"), (e: unknown) => e instanceof MkError && e.code === "E_FETCH" && /token service/.test(e.message));
  });
});

test("a pagination Link to another host is refused (credentials go with every page)", async () => {
  const seen: string[] = [];
  const port = await freePort();
  const server = createServer((req, res) => {
    seen.push(req.url ?? "");
    const body = req.url?.includes("/referrers/")
      ? JSON.stringify({ schemaVersion: 2, mediaType: MediaType.index, manifests: [] })
      : JSON.stringify({ name: "x/app", tags: ["a"] });
    res.writeHead(200, { "content-type": req.url?.includes("/referrers/") ? MediaType.index : "application/json", link: `<http://127.0.0.2:${port}/v2/x/app/tags/list?last=a>; rel="next"` }).end(body);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  try {
    const r = new RegistryRepository(new RegistryClient({ registry: `127.0.0.1:${port}`, credentials: { username: "u", password: "p" } }), "x/app");
    await assert.rejects(r.listTags(), (e: unknown) => e instanceof MkError && e.code === "E_FETCH" && /another host/.test(e.message));
    await assert.rejects(r.referrersApi(`sha256:${"a".repeat(64)}`), (e: unknown) => e instanceof MkError && /another host/.test(e.message));
    assert.equal(seen.length, 2, "only the first page of each was fetched");
  } finally {
    server.close();
  }
});
