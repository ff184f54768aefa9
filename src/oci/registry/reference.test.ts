import { test } from "node:test";
import assert from "node:assert/strict";
import { MkError } from "../../errors.js";
import { formatReference, isLoopbackHost, parseReference, parseReferenceWithDefaults } from "./reference.js";
import { parseChallenges } from "./challenge.js";
import { nextLink } from "./repository.js";

const D = `sha256:${"a".repeat(64)}`;

test("references get Docker's defaults", () => {
  assert.deepEqual(parseReferenceWithDefaults("nginx"), { registry: "docker.io", repository: "library/nginx", tag: "latest", digest: undefined });
  assert.deepEqual(parseReference("bitnami/redis:7"), { registry: "docker.io", repository: "bitnami/redis", tag: "7", digest: undefined });
  assert.deepEqual(parseReference("localhost/app"), { registry: "localhost", repository: "app", tag: undefined, digest: undefined });
  assert.deepEqual(parseReference("127.0.0.1:5000/team/app:v1.2@" + D), { registry: "127.0.0.1:5000", repository: "team/app", tag: "v1.2", digest: D });
  assert.deepEqual(parseReference("index.docker.io/alpine@" + D), { registry: "docker.io", repository: "library/alpine", tag: undefined, digest: D });
  assert.deepEqual(parseReferenceWithDefaults("ghcr.io/o/r@" + D).tag, undefined, "a digest alone needs no tag");
  assert.equal(formatReference(parseReferenceWithDefaults("alpine:3.20")), "docker.io/library/alpine:3.20");
  assert.equal(parseReference("registry.gitlab.com/g/sub/p:1").repository, "g/sub/p");
});

test("bad references are refused with E_USAGE", () => {
  for (const bad of ["", "UPPER/case", "app:-bad", "app@sha256:abc", "app@md5:" + "a".repeat(32), "a//b", " app", "app:" + "x".repeat(129)]) {
    assert.throws(() => parseReference(bad), (e: unknown) => e instanceof MkError && e.code === "E_USAGE", bad);
  }
});

test("only loopback hosts count as loopback", () => {
  assert.equal(isLoopbackHost("127.0.0.1:5000"), true);
  assert.equal(isLoopbackHost("localhost:5000"), true);
  assert.equal(isLoopbackHost("[::1]:5000"), true);
  assert.equal(isLoopbackHost("127.0.0.1.evil.com"), false);
  assert.equal(isLoopbackHost("registry.example.com"), false);
});

test("WWW-Authenticate challenges parse as registries send them", () => {
  const [c] = parseChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"');
  assert.deepEqual(c, { scheme: "bearer", params: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/nginx:pull" } });
  assert.deepEqual(parseChallenges('Basic realm="mailknight-test"'), [{ scheme: "basic", params: { realm: "mailknight-test" } }]);
  assert.deepEqual(parseChallenges("Basic realm=x, Bearer realm=\"y\""), [
    { scheme: "basic", params: { realm: "x" } },
    { scheme: "bearer", params: { realm: "y" } },
  ]);
});

test("Link pagination header", () => {
  assert.equal(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"'), "/v2/a/tags/list?n=2&last=b");
  assert.equal(nextLink(null), undefined);
});

test("plain HTTP only for loopback or registries marked insecure", async () => {
  const { RegistryClient } = await import("./client.js");
  assert.equal(new RegistryClient({ registry: "registry.example.com", credentials: null }).baseUrl, "https://registry.example.com");
  assert.equal(new RegistryClient({ registry: "registry.example.com:5000", insecure: true, credentials: null }).baseUrl, "http://registry.example.com:5000");
  assert.equal(new RegistryClient({ registry: "127.0.0.1:5000", credentials: null }).baseUrl, "http://127.0.0.1:5000");
  assert.equal(new RegistryClient({ registry: "docker.io", credentials: null }).baseUrl, "https://registry-1.docker.io");
});
