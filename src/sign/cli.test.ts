/** sign / attest / verify / key generate through the real CLI, on a workspace with pipeline records. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STAGE_RECORD_TYPE, type StageName } from "../pipeline/record.js";
import { testImage } from "./testing.js";

const cli = new URL("../../bin/mailknight.js", import.meta.url).pathname;
const PASSWORD = "pw-for-tests";

function mk(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  delete clean.SIGSTORE_ID_TOKEN;
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...clean, CI: "1", MK_KEY_PASSWORD: PASSWORD, ...env } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const RECIPE = `name: greeter
license: MIT
upstream:
  git: https://git.example.org/greeter/greeter.git
sources:
  - version: v1.1.0
    git:
      tag: v1.1.0
      commit: 6afd6d490d41fca2bfb31664dcb78c118f362020
build:
  toolchain: c
  steps: ["make"]
package:
  base: scratch
  entrypoint: ["/usr/bin/greeter"]
  variants:
    distroless: {}
`;

test("key generate → sign → attest → verify (key), and failures exit non-zero naming the check", async () => {
  const img = await testImage("greeter:v1.1.0-lts.20250701-distroless");
  try {
    const ws = img.dir; // testImage put the layout at <dir>/layout
    writeFileSync(join(ws, "mailknight.yaml"), "name: t\noutput:\n  layout: layout\n");
    mkdirSync(join(ws, "projects", "greeter"), { recursive: true });
    writeFileSync(join(ws, "projects", "greeter", "project.yaml"), RECIPE);
    const work = join(ws, ".mailknight", "work", "greeter", "v1.1.0");
    const record = (stage: StageName, inputs: object, outputs: object) => {
      mkdirSync(join(work, stage), { recursive: true });
      const t = "2025-07-01T00:00:00Z";
      writeFileSync(join(work, stage, "stage.json"), JSON.stringify({ _type: STAGE_RECORD_TYPE, stage, project: "greeter", version: "v1.1.0", inputDigest: "sha256:" + "1".repeat(64), inputs, outputDigest: "sha256:" + "2".repeat(64), outputs, toolVersions: {}, hermetic: true, startedAt: t, finishedAt: t, durationMs: 0, mailknightVersion: "0.1.0" }));
    };
    record("fetch", {}, { url: "https://git.example.org/greeter/greeter.git", upstreamCommit: "6afd6d490d41fca2bfb31664dcb78c118f362020" });
    record("package", {}, { images: [{ variant: "distroless", digest: img.manifest.digest, descriptor: img.manifest, size: 1 }] });

    const prefix = join(ws, "cosign");
    let r = mk(["key", "generate", "--output-prefix", prefix]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(statSync(`${prefix}.key`).mode & 0o777, 0o600);
    assert.doesNotMatch(r.stderr + r.stdout, new RegExp(PASSWORD));

    // No gate record: refused unless explicitly allowed.
    r = mk(["-C", ws, "sign", "greeter@v1.1.0", "--key", `${prefix}.key`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /E_GATE_FAILED/);
    record("gate", {}, { verdict: "fail" });
    r = mk(["-C", ws, "sign", "greeter@v1.1.0", "--key", `${prefix}.key`, "--allow-ungated"]);
    assert.equal(r.code, 1, "a failed gate is never overridden");
    record("gate", {}, { verdict: "pass" });
    mkdirSync(join(work, "sbom"), { recursive: true });
    writeFileSync(join(work, "sbom", "distroless.cdx.json"), JSON.stringify({ bomFormat: "CycloneDX", specVersion: "1.6", components: [] }));

    r = mk(["-C", ws, "--json", "sign", "greeter@v1.1.0", "--key", `${prefix}.key`]);
    assert.equal(r.code, 0, r.stderr);
    r = mk(["-C", ws, "--json", "attest", "greeter@v1.1.0", "--key", `${prefix}.key`]);
    assert.equal(r.code, 0, r.stderr);
    const attested = JSON.parse(r.stdout) as { images: { attached: { predicateType: string }[] }[] };
    assert.deepEqual(attested.images[0]?.attached.map((a) => a.predicateType), ["https://slsa.dev/provenance/v1", "https://cyclonedx.org/bom"]);

    const layout = join(ws, "layout");
    r = mk(["--json", "verify", `oci:${layout}:greeter:v1.1.0-lts.20250701-distroless`, "--key", `${prefix}.pub`, "--require", "provenance,sbom", "--builder-id", "https://mailknight.dev/builders/local/v1", "--source-repo", "https://git.example.org/greeter/greeter"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { digest: string }).digest, img.manifest.digest);
    r = mk(["verify", `oci:${layout}@${img.manifest.digest}`, "--key", `${prefix}.pub`]);
    assert.equal(r.code, 0, r.stderr);

    r = mk(["--json", "verify", `oci:${layout}@${img.manifest.digest}`, "--key", `${prefix}.pub`, "--require", "vex"]);
    assert.equal(r.code, 3);
    assert.equal((JSON.parse(r.stdout) as { error: { details: { check: string } } }).error.details.check, "attestation.present");
    r = mk(["--json", "verify", `oci:${layout}@${img.manifest.digest}`, "--key", `${prefix}.pub`, "--builder-id", "https://evil.example/x", "--require", "provenance"]);
    assert.equal((JSON.parse(r.stdout) as { error: { details: { check: string } } }).error.details.check, "attestation.condition");
    r = mk(["verify", `oci:${layout}@${img.manifest.digest}`]);
    assert.equal(r.code, 2, "no trust policy is a usage error, never a pass");
    // The private key file is encrypted: its PEM says so and holds no plaintext key.
    assert.match(readFileSync(`${prefix}.key`, "utf8"), /BEGIN ENCRYPTED PRIVATE KEY/);
  } finally {
    img.cleanup();
  }
});
