/**
 * End to end on the bundled example, through the real CLI, with the real peers as oracles:
 * skopeo and umoci read every variant, hardening-check passes the binary, two fresh work
 * directories give the same manifest digests, and the cache skips what did not change.
 */
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cp, mkdtemp, readFile, writeFile, rm, lstat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { existsSync } from "node:fs";

const repo = new URL("..", import.meta.url).pathname;
const cli = join(repo, "bin/mailknight.js");

interface Cli {
  code: number;
  stdout: string;
  stderr: string;
}

function mk(args: string[], env: NodeJS.ProcessEnv = {}): Cli {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1", ...env } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${cmd} ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

let shared: string; // holds work/upstream and work/bases, like examples/work

/** A fresh copy of the example workspace next to a shared work/ dir (upstream repo + bases). */
async function freshWorkspace(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mk-e2e-"));
  await cp(join(repo, "examples/workspace"), join(dir, "workspace"), { recursive: true, filter: (src) => !/\/(\.mailknight|out)(\/|$)/.test(src) });
  await cp(shared, join(dir, "work"), { recursive: true, verbatimSymlinks: true });
  sh("bash", [join(repo, "examples/make-example-key.sh"), join(dir, "workspace")]);
  return join(dir, "workspace");
}

function runJson(ws: string, extra: string[] = []) {
  const r = mk(["-C", ws, "--json", "run", "greeter", "--release-date", "20260101", ...extra]);
  assert.equal(r.code, 0, `run failed:\n${r.stderr}\n${r.stdout}`);
  return JSON.parse(r.stdout) as {
    layout: string;
    results: { stages: { stage: string; status: string }[]; images: { variant: string; digest: string; tags: string[]; components?: number }[]; durationMs: number; hermetic: boolean; gate: { verdict: string } }[];
  };
}

before(async () => {
  shared = join(await mkdtemp(join(tmpdir(), "mk-e2e-shared-")), "work");
  sh("bash", [join(repo, "examples/make-upstream.sh"), join(shared, "upstream/greeter.git")]);
  sh("bash", [join(repo, "examples/bases/make-busybox-base.sh"), join(shared, "bases"), "busybox"]);
});

test("the example builds reproducibly, caches, and every variant is readable by skopeo and umoci", async () => {
  const ws1 = await freshWorkspace();
  const ws2 = await freshWorkspace();
  const first = runJson(ws1);
  const second = runJson(ws2);
  const digests = (o: typeof first) => o.results[0]!.images.map((i) => `${i.variant}=${i.digest}`);
  assert.deepEqual(digests(first), digests(second), "two fresh work directories must give the same manifest digests");
  assert.deepEqual(first.results[0]!.images.map((i) => i.variant), ["distroless", "standard", "dev"]);
  assert.equal(first.results[0]!.hermetic, true, "the build should have run in the bubblewrap sandbox");
  assert.equal(first.results[0]!.gate.verdict, "pass");
  for (const img of first.results[0]!.images) assert.ok((img.components ?? 0) >= 1, `${img.variant}: the SBOM should list at least the project itself`);

  const layout = first.layout;
  for (const img of first.results[0]!.images) {
    for (const tag of img.tags) {
      const inspected = JSON.parse(sh("skopeo", ["inspect", `oci:${layout}:${tag}`])) as { Digest: string; Labels: Record<string, string> };
      assert.equal(inspected.Digest, img.digest);
      assert.equal(inspected.Labels["dev.mailknight.variant"], img.variant);
    }
    const bundle = await mkdtemp(join(tmpdir(), "mk-umoci-"));
    await rm(bundle, { recursive: true });
    sh("umoci", ["unpack", "--image", `${layout}:${img.tags[0]}`, bundle]);
    const rootfs = join(bundle, "rootfs");
    const binary = join(rootfs, "usr/bin/greeter");
    const greeting = await readFile(join(rootfs, "etc/greeter/greeting.txt"), "utf8");
    assert.equal(greeting, "Hello from Mailknight\n");
    if (img.variant === "distroless") {
      for (const shell of ["bin/sh", "bin/bash", "usr/bin/sh", "bin/busybox"]) {
        await assert.rejects(lstat(join(rootfs, shell)), `distroless must not contain /${shell}`);
      }
      const config = JSON.parse(await readFile(join(bundle, "config.json"), "utf8")) as { process: { user: { uid: number } } };
      assert.equal(config.process.user.uid, 65532);
    } else {
      await lstat(join(rootfs, "bin/sh")); // standard and dev sit on the busybox base
      if (img.variant === "standard") await assert.rejects(lstat(join(rootfs, "usr/bin/wget")), "harden.removeTools must remove wget from the standard variant");
    }
    // hardening-check exits non-zero when any of these properties is missing.
    const hc = spawnSync("hardening-check", ["--nocfprotection", binary], { encoding: "utf8" });
    assert.equal(hc.status, 0, `hardening-check failed for the ${img.variant} variant:\n${hc.stdout}${hc.stderr}`);
    for (const property of ["Position Independent Executable: yes", "Stack protected: yes", "Fortify Source functions: yes", "Read-only relocations: yes", "Immediate binding: yes"]) {
      assert.ok(hc.stdout.includes(property), `${img.variant}: expected "${property}" in\n${hc.stdout}`);
    }
    await rm(bundle, { recursive: true, force: true });
  }

  // The gate judged what the build made (greeter, hardened) and not the busybox base it sits on.
  for (const img of first.results[0]!.images) {
    const report = JSON.parse(await readFile(join(ws1, `.mailknight/work/greeter/v1.1.0/gate/${img.variant}.binaries.json`), "utf8")) as { passed: boolean; binaries: { path: string; verdict: string }[] };
    assert.equal(report.passed, true, img.variant);
    assert.deepEqual(report.binaries.map((b) => `${b.path}:${b.verdict}`), ["/usr/bin/greeter:pass"], img.variant);
  }

  // The passed gate was followed by sign and attest (mailknight.yaml `signing:`, the local key):
  // each variant verifies against the public key alone, with every attestation a release carries.
  assert.deepEqual(first.results[0]!.stages.slice(-2).map((s) => `${s.stage}:${s.status}`), ["sign:ran", "attest:ran"]);
  const publicKey = join(ws1, ".mailknight/keys/example.pub");
  for (const img of first.results[0]!.images) {
    const verified = mk(["-C", ws1, "--json", "verify", `oci:${layout}:${img.tags[0]}`, "--key", publicKey, "--require", "provenance,sbom,vuln,gate"]);
    assert.equal(verified.code, 0, `${img.variant}: ${verified.stderr}`);
    assert.equal((JSON.parse(verified.stdout) as { digest: string }).digest, img.digest);
  }
  // Another key does not verify them.
  const otherPrefix = join(ws1, "..", "other");
  assert.equal(mk(["-C", ws1, "key", "generate", "--output-prefix", otherPrefix], { MK_KEY_PASSWORD: "x" }).code, 0);
  const wrongKey = mk(["-C", ws1, "verify", `oci:${layout}:${first.results[0]!.images[0]!.tags[0]}`, "--key", `${otherPrefix}.pub`]);
  assert.equal(wrongKey.code, 3, wrongKey.stderr);

  // `mailknight gate <p>@<v>` alone decides on the scan stage's findings.
  const gate = mk(["-C", ws1, "gate", "greeter@v1.1.0"]);
  assert.equal(gate.code, 0, gate.stderr);
  assert.match(gate.stdout, /gate PASSED for greeter@v1\.1\.0/);

  // Nothing changed: every stage is skipped (how fast: `npm run bench:cache`).
  const again = runJson(ws1);
  assert.deepEqual(again.results[0]!.stages.map((s) => s.status), ["skipped", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped", "skipped"]);
  assert.deepEqual(digests(again), digests(first));

  // Only a patch changes: patch and everything after it run again, fetch does not.
  const patchFile = join(ws1, "patches/greeter/v1.1.0/0001-greeter-reject-names-that-do-not-fit-the-buffer.patch");
  const patch = await readFile(patchFile, "utf8");
  await writeFile(patchFile, patch.replace("name too long", "name is too long"));
  const changed = runJson(ws1);
  assert.deepEqual(changed.results[0]!.stages.map((s) => `${s.stage}:${s.status}`), ["fetch:skipped", "patch:ran", "build:ran", "package:ran", "sbom:ran", "scan:ran", "gate:ran", "sign:ran", "attest:ran"]);
  assert.notDeepEqual(digests(changed), digests(first));

  // Without vulnerability data and without gate.allowMissingData the gate fails closed: exit 1,
  // the images exist, the decision says why, and only the gate ran again.
  const configFile = join(ws1, "mailknight.yaml");
  await writeFile(configFile, (await readFile(configFile, "utf8")).replace("allowMissingData: true", "allowMissingData: false"));
  const gated = mk(["-C", ws1, "--json", "run", "greeter", "--release-date", "20260101"]);
  assert.equal(gated.code, 1, gated.stderr);
  assert.match(gated.stderr, /E_GATE_FAILED/);
  const gatedOut = JSON.parse(gated.stdout) as { results: { gate: { verdict: string; reasons: string[] }; stages: { stage: string; status: string }[] }[] };
  assert.equal(gatedOut.results[0]!.gate.verdict, "fail");
  assert.match(gatedOut.results[0]!.gate.reasons.join("\n"), /no vulnerability data/);
  assert.deepEqual(gatedOut.results[0]!.stages.filter((s) => s.status === "ran").map((s) => s.stage), ["gate"]);
  // ...and nothing proceeds to signing or publishing (the registry below is never contacted).
  await writeFile(configFile, (await readFile(configFile, "utf8")) + "registry:\n  host: 127.0.0.1:1\n");
  const keyPrefix = join(ws1, "..", "signing");
  const keyEnv = { MK_KEY_PASSWORD: "example-passphrase" };
  assert.equal(mk(["-C", ws1, "key", "generate", "--output-prefix", keyPrefix], keyEnv).code, 0);
  for (const cmd of [["sign", "greeter", "--key", `${keyPrefix}.key`], ["stage", "sign", "greeter@v1.1.0"], ["stage", "attest", "greeter@v1.1.0"], ["publish", "greeter"]]) {
    const refused = mk(["-C", ws1, ...cmd], keyEnv);
    assert.equal(refused.code, 1, `${cmd.join(" ")}: ${refused.stderr}`);
    assert.match(refused.stderr, /E_GATE_FAILED/, cmd.join(" "));
  }
});

test("a conflicting patch names the patch and the files; a broken recipe exits 2 listing every problem", async () => {
  const ws = await freshWorkspace();
  // --publish without a registry is refused before anything is built.
  const noRegistry = mk(["-C", ws, "run", "greeter", "--publish"]);
  assert.equal(noRegistry.code, 2, noRegistry.stderr);
  assert.match(noRegistry.stderr, /has no registry to publish to/);
  assert.equal(existsSync(join(ws, ".mailknight/work/greeter")), false);
  const patchFile = join(ws, "patches/greeter/v1.1.0/0001-greeter-reject-names-that-do-not-fit-the-buffer.patch");
  const patch = await readFile(patchFile, "utf8");
  await writeFile(patchFile, patch.replaceAll("strcpy(name, who);", "strcpy(name, whom);"));
  const r = mk(["-C", ws, "run", "greeter"]);
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /E_PATCH_FAILED/);
  assert.match(r.stderr, /0001-greeter-reject-names-that-do-not-fit-the-buffer\.patch/);
  assert.match(r.stderr, /greeter\.c/);

  const recipeFile = join(ws, "projects/greeter/project.yaml");
  const recipe = await readFile(recipeFile, "utf8");
  await writeFile(recipeFile, recipe.replace("toolchain: c", "toolchain: rust").replace("commit: 6afd6d490d41fca2bfb31664dcb78c118f362020", "commit: nothex"));
  const v = mk(["-C", ws, "validate"]);
  assert.equal(v.code, 2);
  assert.match(v.stderr, /project\.yaml:\d+:\d+ at build\.toolchain/);
  assert.match(v.stderr, /project\.yaml:\d+:\d+ at sources\[0\]\.git\.commit/);
  const j = mk(["-C", ws, "--json", "run", "greeter"]);
  assert.equal(j.code, 2);
  const err = JSON.parse(j.stdout) as { error: { code: string; problems: { path: string }[] } };
  assert.equal(err.error.code, "E_CONFIG_INVALID");
  assert.equal(err.error.problems.length, 2);
});
