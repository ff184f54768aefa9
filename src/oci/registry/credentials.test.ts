import { test } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../../errors.js";
import { findCredentials } from "./credentials.js";

function setup(config: unknown): { dir: string; path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "mk-creds-"));
  const path = join(dir, "config.json");
  writeFileSync(path, JSON.stringify(config));
  return { dir, path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

test("GitLab CI variables win for $CI_REGISTRY; job token uses gitlab-ci-token", async () => {
  const env = { CI_REGISTRY: "registry.gitlab.example:5050", CI_REGISTRY_USER: "u", CI_REGISTRY_PASSWORD: "p" };
  assert.deepEqual(await findCredentials("registry.gitlab.example:5050", { env, dockerConfigPath: "/nonexistent" }), { username: "u", password: "p" });
  assert.deepEqual(await findCredentials("registry.gitlab.example:5050", { env: { CI_REGISTRY: "registry.gitlab.example:5050", CI_JOB_TOKEN: "jt" }, dockerConfigPath: "/nonexistent" }), {
    username: "gitlab-ci-token",
    password: "jt",
  });
  assert.equal(await findCredentials("other.example", { env, dockerConfigPath: "/nonexistent" }), undefined, "CI credentials only go to CI_REGISTRY");
});

test("docker config auths (base64) including docker.io's legacy key", async () => {
  const s = setup({
    auths: {
      "reg.example:5000": { auth: Buffer.from("alice:s3cr:et").toString("base64") },
      "https://index.docker.io/v1/": { auth: Buffer.from("bob:pw").toString("base64") },
    },
  });
  try {
    assert.deepEqual(await findCredentials("reg.example:5000", { env: {}, dockerConfigPath: s.path }), { username: "alice", password: "s3cr:et" });
    assert.deepEqual(await findCredentials("docker.io", { env: {}, dockerConfigPath: s.path }), { username: "bob", password: "pw" });
    assert.equal(await findCredentials("nope.example", { env: {}, dockerConfigPath: s.path }), undefined);
  } finally {
    s.cleanup();
  }
});

test("credHelpers and credsStore run docker-credential-<x> get with the host on stdin", async () => {
  const s = setup({ credHelpers: { "helped.example": "mktest" }, credsStore: "mkstore", auths: {} });
  try {
    // Real helper-protocol programs: read the server URL on stdin, answer JSON or "not found".
    writeFileSync(join(s.dir, "docker-credential-mktest"), '#!/bin/sh\nread host\n[ "$1" = get ] || exit 2\nprintf \'{"ServerURL":"%s","Username":"helper-user","Secret":"helper-%s"}\' "$host" "$host"\n');
    writeFileSync(join(s.dir, "docker-credential-mkstore"), '#!/bin/sh\nread host\nif [ "$host" = stored.example ]; then echo \'{"Username":"st","Secret":"x"}\'; else echo "credentials not found in native keychain"; exit 1; fi\n');
    chmodSync(join(s.dir, "docker-credential-mktest"), 0o755);
    chmodSync(join(s.dir, "docker-credential-mkstore"), 0o755);
    const env = { PATH: `${s.dir}:${process.env.PATH}` };
    assert.deepEqual(await findCredentials("helped.example", { env, dockerConfigPath: s.path }), { username: "helper-user", password: "helper-helped.example" });
    assert.deepEqual(await findCredentials("stored.example", { env, dockerConfigPath: s.path }), { username: "st", password: "x" });
    assert.equal(await findCredentials("unknown.example", { env, dockerConfigPath: s.path }), undefined);
  } finally {
    s.cleanup();
  }
});

test("a damaged docker config is a config error naming the file", async () => {
  const s = setup({});
  writeFileSync(s.path, "{not json");
  try {
    await assert.rejects(findCredentials("x.example", { env: {}, dockerConfigPath: s.path }), (e: unknown) => e instanceof MkError && e.code === "E_CONFIG_INVALID" && e.message.includes(s.path));
  } finally {
    s.cleanup();
  }
});
