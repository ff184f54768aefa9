import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { verifyBundle } from "./bundle-verify.js";
import { signBlobs } from "./blob.js";
import { keySigner } from "./signer.js";
import { testKeys } from "./testing.js";
import { parseStatement } from "../attest/statement.js";
import { isVerifyError } from "./checks.js";

test("sign-blob: checksums.txt passes sha256sum -c, its bundle verifies, archives get provenance", async () => {
  const dir = mkdtempSync(join(tmpdir(), "mk-blob-"));
  try {
    const keys = testKeys();
    writeFileSync(join(dir, "greeter-linux-amd64.tar.gz"), "archive bytes");
    writeFileSync(join(dir, "README.txt"), "readme");
    const r = await signBlobs([join(dir, "greeter-linux-amd64.tar.gz"), join(dir, "README.txt")], keySigner(keys.privateKey), dir, {}, "0.1.0");
    execFileSync("sha256sum", ["-c", "checksums.txt"], { cwd: dir });
    const checksums = readFileSync(r.checksums);
    const bundle: unknown = JSON.parse(readFileSync(r.checksumsBundle, "utf8"));
    verifyBundle(bundle, { kind: "key", publicKey: keys.publicKey }, checksums);
    // A changed checksums file no longer matches the bundle.
    const edited = Buffer.from(checksums.toString().replace(/^./, (c) => (c === "0" ? "1" : "0")));
    assert.throws(() => verifyBundle(bundle, { kind: "key", publicKey: keys.publicKey }, edited), (e) => isVerifyError(e) && e.check === "signature");
    assert.ok(r.provenanceBundle);
    const prov = verifyBundle(JSON.parse(readFileSync(r.provenanceBundle, "utf8")), { kind: "key", publicKey: keys.publicKey });
    const st = parseStatement(prov.payload as Buffer);
    assert.deepEqual(st?.subject, [{ name: "greeter-linux-amd64.tar.gz", digest: { sha256: createHash("sha256").update("archive bytes").digest("hex") } }]);
    assert.equal(st?.predicateType, "https://slsa.dev/provenance/v1");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
