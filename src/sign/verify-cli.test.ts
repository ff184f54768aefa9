/** `mailknight verify` scan and certificate-pin flags through the real CLI. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PredicateType } from "../attest/statement.js";
import { vulnScanPredicate } from "../attest/predicates.js";
import { attestImage, signImage } from "./image-sign.js";
import { keySigner } from "./signer.js";
import { certificatePins, scanConditions } from "./verify-flags.js";
import { testImage, testKeys } from "./testing.js";

const cli = new URL("../../bin/mailknight.js", import.meta.url).pathname;

function mk(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1" } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

const check = (stdout: string): string => (JSON.parse(stdout) as { error: { details: { check: string } } }).error.details.check;

test("verify --scan-max-age / --scan-fail-on: pass, stale and unmitigated fail with attestation.condition", async () => {
  const img = await testImage();
  try {
    const keys = testKeys();
    const signer = keySigner(keys.privateKey);
    const pub = join(img.dir, "cosign.pub");
    writeFileSync(pub, keys.publicKeyPem);
    const day = 86_400_000;
    const finished = new Date(Date.now() - 3 * day).toISOString();
    await signImage(img.store, img.manifest, "registry.local/greeter", signer);
    const [type, predicate] = vulnScanPredicate({ scanner: { uri: "pkg:npm/mailknight", version: "0.1.0" }, startedOn: finished, finishedOn: finished, results: [{ id: "CVE-2026-1", severity: "HIGH", package: "pkg:deb/debian/openssl@3" }] });
    await attestImage(img.store, img.manifest, "registry.local/greeter", signer, type, predicate);
    const target = `oci:${join(img.dir, "layout")}@${img.manifest.digest}`;

    let r = mk(["--json", "verify", target, "--key", pub, "--scan-max-age", "7", "--scan-fail-on", "none"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    r = mk(["--json", "verify", target, "--key", pub, "--scan-max-age", "2", "--scan-fail-on", "none"]);
    assert.equal(r.code, 3, r.stderr);
    assert.equal(check(r.stdout), "attestation.condition");
    assert.match(r.stdout, new RegExp(finished.replace(/\./g, "\\.")));
    r = mk(["--json", "verify", target, "--key", pub, "--scan-max-age", "7"]); // default HIGH,CRITICAL
    assert.equal(r.code, 3, r.stderr);
    assert.equal(check(r.stdout), "attestation.condition");
    assert.match(r.stdout, /CVE-2026-1 \(HIGH/);
    r = mk(["--json", "verify", target, "--key", pub, "--scan-fail-on", "critical"]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok((JSON.parse(r.stdout) as { checks: { check: string }[] }).checks.some((c) => c.check === "attestation.condition"));

    // Usage errors: exit 2, never a pass.
    for (const bad of [["--scan-max-age", "a week"], ["--scan-fail-on", "SEVERE"], ["--certificate-build-config", "https://x//.gitlab-ci.yml@refs/heads/main"]]) {
      r = mk(["verify", target, "--key", pub, ...bad]);
      assert.equal(r.code, 2, `${bad.join(" ")}: ${r.stderr}`);
    }
    assert.equal(PredicateType.vulnScan, type);
  } finally {
    img.cleanup();
  }
});

test("flag parsing: pins and scan conditions", () => {
  assert.equal(certificatePins({}), undefined);
  assert.deepEqual(certificatePins({ certificateBuildConfig: "https://g//.gitlab-ci.yml@refs/heads/main", certificateSourceRef: "refs/tags/v1" }), { buildConfigUri: "https://g//.gitlab-ci.yml@refs/heads/main", sourceRepositoryRef: "refs/tags/v1" });
  assert.ok(certificatePins({ certificateBuildConfigRegexp: "^https://g/" })?.buildConfigUri instanceof RegExp);
  assert.throws(() => certificatePins({ certificateBuildConfig: "a", certificateBuildConfigRegexp: "b" }), /exclusive/);
  assert.throws(() => certificatePins({ certificateSourceRef: "main" }), /full ref/);
  assert.throws(() => certificatePins({ certificateBuildConfigRegexp: "(" }), /regular expression/);
  assert.equal(scanConditions({}), undefined);
  assert.deepEqual(scanConditions({ scanMaxAge: "7" }), { maxAgeDays: 7, failOn: ["HIGH", "CRITICAL"] });
  assert.deepEqual(scanConditions({ scanFailOn: "none" }), { failOn: [] });
  assert.deepEqual(scanConditions({ scanMaxAge: "1.5", scanFailOn: "critical,high,critical" }), { maxAgeDays: 1.5, failOn: ["CRITICAL", "HIGH"] });
  assert.throws(() => scanConditions({ scanMaxAge: "-1" }), /number of days/);
});
