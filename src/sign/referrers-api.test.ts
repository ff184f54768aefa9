/**
 * Referrers with and without the OCI 1.1 referrers API. A registry with the API (a local front
 * that adds the distribution-spec v1.1 endpoints over a real docker-registry: `OCI-Subject` on
 * manifest PUT, an image index from `GET /v2/<name>/referrers/<digest>`, `Link` pagination,
 * `OCI-Filters-Applied`) gets no `sha256-<hex>` fallback tag, and listings come from the API; the
 * real docker-registry 2.8 (no API) and an OCI layout keep the fallback index exactly as before.
 */
import { test, before, after, describe } from "node:test";
import assert from "node:assert/strict";
import { MediaType, type Descriptor } from "../oci/spec.js";
import { RegistryClient } from "../oci/registry/client.js";
import { RegistryRepository } from "../oci/registry/repository.js";
import { RegistryStore } from "../oci/registry/store.js";
import { copyImage } from "../oci/registry/copy.js";
import { startReferrersFront, startRegistry, type TestReferrersFront, type TestRegistry } from "../oci/registry/testing.js";
import { BUNDLE_MEDIA_TYPE, addToReferrersIndex, attachReferrer, listReferrers, referrersTag } from "./attach.js";
import { testImage, type TestImage } from "./testing.js";

const OTHER_TYPE = "application/vnd.dev.mailknight.test+json";

let reg: TestRegistry;
let front: TestReferrersFront;
let img: TestImage;
before(async () => {
  reg = await startRegistry();
  front = await startReferrersFront(reg.host, { pageSize: 2 });
  img = await testImage();
});
after(async () => {
  await front.close();
  await reg.stop();
  img.cleanup();
});

const at = (host: string, repo: string): RegistryStore => new RegistryStore(new RegistryRepository(new RegistryClient({ registry: host, credentials: null }), repo));

async function push(host: string, repo: string): Promise<Descriptor> {
  return (await copyImage(img.store, "greeter:v1", at(host, repo), { tags: ["v1"] })).descriptor;
}

describe("registry with the referrers API", () => {
  test("attach writes no fallback tag; listing uses the API across pages; filters by artifactType", async () => {
    const subject = await push(front.host, "api/app");
    const store = at(front.host, "api/app");
    const attached: Descriptor[] = [];
    for (const [i, type] of [BUNDLE_MEDIA_TYPE, OTHER_TYPE, BUNDLE_MEDIA_TYPE].entries()) {
      attached.push(await attachReferrer(store, subject, type, Buffer.from(`{"n":${i}}`), { "dev.mailknight.n": String(i) }));
    }
    assert.ok(!front.log.some((l) => l.startsWith("PUT ") && l.includes(`/manifests/${referrersTag(subject.digest)}`)), `no fallback tag written:\n${front.log.join("\n")}`);
    assert.ok(!(await at(reg.host, "api/app").tags()).includes(referrersTag(subject.digest)), "the registry behind has no fallback tag");

    front.log.length = 0;
    const all = await listReferrers(at(front.host, "api/app"), subject.digest);
    assert.deepEqual(all.map((d) => d.digest), attached.map((d) => d.digest), "three referrers over two pages, in order");
    assert.ok(front.log.some((l) => l.includes("/referrers/") && l.includes("page=1")), `the Link to page 2 was followed:\n${front.log.join("\n")}`);
    assert.deepEqual(all.map((d) => d.artifactType), [BUNDLE_MEDIA_TYPE, OTHER_TYPE, BUNDLE_MEDIA_TYPE]);
    assert.equal(all[1]!.annotations?.["dev.mailknight.n"], "1");
    assert.ok(!front.log.some((l) => l.includes("/manifests/sha256-")), "the fallback tag is not consulted when the API answers");

    const bundles = await store.referrers(subject.digest, BUNDLE_MEDIA_TYPE);
    assert.deepEqual(bundles.map((d) => d.digest), [attached[0]!.digest, attached[2]!.digest]);
    assert.ok(front.log.some((l) => l.includes(`artifactType=${encodeURIComponent(BUNDLE_MEDIA_TYPE)}`)), "the filter went to the registry");

    // Attaching the same referrer again: already listed by the API, so still no fallback tag.
    front.log.length = 0;
    const again = await attachReferrer(at(front.host, "api/app"), subject, BUNDLE_MEDIA_TYPE, Buffer.from('{"n":0}'), { "dev.mailknight.n": "0" });
    assert.equal(again.digest, attached[0]!.digest);
    assert.ok(!front.log.some((l) => l.startsWith("PUT ") && l.includes("/manifests/")), `nothing re-written:\n${front.log.join("\n")}`);
    assert.equal((await listReferrers(store, subject.digest)).length, 3);
  });

  test("copying a referrer reports whether the destination indexed its subject", async () => {
    const subject = await push(front.host, "api/src");
    const src = at(front.host, "api/src");
    const ref = await attachReferrer(src, subject, BUNDLE_MEDIA_TYPE, Buffer.from('{"copy":1}'));
    await push(front.host, "api/dst");
    const toApi = await copyImage(src, ref.digest, at(front.host, "api/dst"), { tags: [] });
    assert.equal(toApi.subjectAccepted, true);
    assert.deepEqual((await listReferrers(at(front.host, "api/dst"), subject.digest)).map((d) => d.digest), [ref.digest]);

    await push(reg.host, "plain/dst");
    const plain = at(reg.host, "plain/dst");
    const toPlain = await copyImage(src, ref.digest, plain, { tags: [] });
    assert.equal(toPlain.subjectAccepted, false, "docker-registry 2.8 has no referrers API");
    assert.deepEqual(await listReferrers(plain, subject.digest), [], "not listed until the fallback index names it");
    const [entry] = await listReferrers(src, subject.digest);
    await addToReferrersIndex(plain, subject.digest, entry!);
    await addToReferrersIndex(plain, subject.digest, entry!); // idempotent
    const listed = await listReferrers(plain, subject.digest);
    assert.deepEqual(listed.map((d) => [d.digest, d.artifactType]), [[ref.digest, BUNDLE_MEDIA_TYPE]]);
  });

  test("a subject with no referrers is an empty list from the API", async () => {
    const subject = await push(front.host, "api/empty");
    front.log.length = 0;
    assert.deepEqual(await listReferrers(at(front.host, "api/empty"), subject.digest), []);
    assert.ok(front.log.some((l) => l.startsWith("GET ") && l.includes("/referrers/")));
    assert.ok(!front.log.some((l) => l.includes("/manifests/sha256-")), "a 200 with an empty index is an answer, not a reason to fall back");
  });
});

describe("registry without the referrers API (docker-registry 2.8)", () => {
  test("attach keeps writing the sha256-<hex> fallback index, and listing reads it", async () => {
    const subject = await push(reg.host, "fallback/app");
    const store = at(reg.host, "fallback/app");
    const a = await attachReferrer(store, subject, BUNDLE_MEDIA_TYPE, Buffer.from('{"a":1}'), { k: "v" });
    const b = await attachReferrer(store, subject, OTHER_TYPE, Buffer.from('{"b":1}'));
    assert.ok((await store.tags()).includes(referrersTag(subject.digest)));
    const index = JSON.parse((await store.repo.getManifest(referrersTag(subject.digest))).bytes.toString("utf8")) as { mediaType: string; manifests: Descriptor[] };
    assert.equal(index.mediaType, MediaType.index);
    assert.deepEqual(index.manifests, [
      { mediaType: MediaType.manifest, digest: a.digest, size: a.size, artifactType: BUNDLE_MEDIA_TYPE, annotations: { k: "v" } },
      { mediaType: MediaType.manifest, digest: b.digest, size: b.size, artifactType: OTHER_TYPE },
    ]);
    assert.deepEqual((await listReferrers(at(reg.host, "fallback/app"), subject.digest)).map((d) => d.digest), [a.digest, b.digest]);
    assert.deepEqual((await store.referrers(subject.digest, OTHER_TYPE)).map((d) => d.digest), [b.digest]);
  });

  test("an OCI layout lists through the fallback tag as well", async () => {
    const a = await attachReferrer(img.store, img.manifest, BUNDLE_MEDIA_TYPE, Buffer.from('{"layout":1}'));
    assert.ok((await img.store.tags()).includes(referrersTag(img.manifest.digest)));
    assert.deepEqual((await listReferrers(img.store, img.manifest.digest)).map((d) => d.digest), [a.digest]);
    assert.deepEqual(await img.store.referrers(img.manifest.digest, OTHER_TYPE), []);
  });
});
