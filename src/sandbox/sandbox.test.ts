/**
 * The build sandbox, for real: bubblewrap on this machine, checked from outside. Every
 * isolation claim is shown twice where possible: the thing works without the sandbox (same
 * user, same command) and fails inside it, so no test passes because the probe was broken.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isMkError } from "../errors.js";
import { readElfInfo } from "../inspect/index.js";
import { FORTIFY_PROGRAM, hardeningCheck } from "../inspect/testing/elf-fixtures.js";
import { pathExists } from "../util/fs.js";
import { probeSandbox, runBuild, type SandboxSpec } from "./index.js";
import { spawnSync } from "node:child_process";

const probe = await probeSandbox();
const noSandbox = probe.available ? false : `bubblewrap cannot run here: ${probe.reason}`;
const unsandboxed = async (): Promise<{ available: boolean; reason: string }> => ({ available: false, reason: "forced by the test" });
const isRoot = process.getuid?.() === 0;

describe("runBuild", () => {
  let base: string;
  let n = 0;
  before(async () => {
    base = await mkdtemp(join(tmpdir(), "mk-sandbox-test-"));
    // The build user (uid 1000) must be able to walk down to the build dirs.
    await chmod(base, 0o755);
  });
  after(() => rm(base, { recursive: true, force: true }));

  async function dirs(files: Record<string, string> = {}): Promise<{ srcDir: string; destDir: string; box: string }> {
    const box = join(base, `b${++n}`);
    const srcDir = join(box, "src");
    await mkdir(srcDir, { recursive: true });
    await chmod(box, 0o755);
    for (const [name, content] of Object.entries(files)) await writeFile(join(srcDir, name), content);
    return { srcDir, destDir: join(box, "out"), box };
  }

  function spec(d: { srcDir: string; destDir: string }, steps: string[], extra: Partial<SandboxSpec> = {}): SandboxSpec {
    return { ...d, steps, env: {}, toolchain: "c", fips: false, sourceDateEpoch: 1_700_000_000, ...extra };
  }

  test("probe finds a working bubblewrap on this machine", { skip: noSandbox }, () => {
    assert.equal(probe.available, true);
    assert.match(probe.bwrap ?? "", /bwrap$/);
  });

  test("a C program built with the profile's flags passes hardening-check", { skip: noSandbox }, async () => {
    const d = await dirs({ "prog.c": FORTIFY_PROGRAM });
    const r = await runBuild(spec(d, ["cc $CFLAGS $CPPFLAGS $LDFLAGS -o prog prog.c", "mkdir -p $DESTDIR/usr/bin && cp prog $DESTDIR/usr/bin/prog"]));
    assert.equal(r.hermetic, true);
    assert.equal(r.steps.length, 2);
    assert.match(r.toolVersions.gcc ?? "", /gcc/);
    assert.match(r.toolVersions.bwrap ?? "", /bubblewrap/);
    const bin = join(d.destDir, "usr/bin/prog");
    const hc = await hardeningCheck(bin);
    assert.deepEqual([hc.pie, hc.stack, hc.relro, hc.bindNow], ["yes", "yes", "yes", "yes"]);
    assert.match(hc.fortify, /^yes/);
    const info = await readElfInfo(bin);
    assert.deepEqual([info.isPie, info.stackProtector, info.fortified, info.hasGnuRelro, info.bindNow], [true, true, true, true, true]);
    // Files come back to the caller.
    assert.equal((await stat(bin)).uid, process.getuid?.());
    assert.equal((await stat(join(d.srcDir, "prog"))).uid, process.getuid?.());
    assert.equal((await stat(bin)).mode & 0o777, 0o755, "umask 022");
  });

  test("steps run as uid/gid 1000 in /build/src, with our environment only", { skip: noSandbox }, async () => {
    process.env.SECRET_TOKEN = "host-secret-" + randomBytes(4).toString("hex");
    try {
      const d = await dirs();
      const r = await runBuild(spec(d, ['{ id -u; id -g; pwd; umask; hostname; } > "$DESTDIR/who"', 'env > "$DESTDIR/env"'], { env: { CFLAGS: "-O0", RECIPE_VAR: "yes" } }));
      const [uid, gid, pwd, umask, hostname] = (await readFile(join(d.destDir, "who"), "utf8")).trim().split("\n");
      assert.deepEqual([uid, gid, pwd, umask, hostname], ["1000", "1000", "/build/src", "0022", "mailknight"]);
      const env = Object.fromEntries((await readFile(join(d.destDir, "env"), "utf8")).trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
      assert.equal(env.SOURCE_DATE_EPOCH, "1700000000");
      assert.equal(env.TZ, "UTC");
      assert.equal(env.LC_ALL, "C");
      assert.equal(env.DESTDIR, "/build/out");
      assert.equal(env.CFLAGS, "-O0", "the recipe's env wins over the profile");
      assert.equal(env.RECIPE_VAR, "yes");
      assert.equal(env.SECRET_TOKEN, undefined, "host variables must not leak");
      assert.ok(!JSON.stringify(env).includes(process.env.SECRET_TOKEN));
      assert.equal(r.env.CFLAGS, "-O0");
      assert.equal(r.env.SECRET_TOKEN, undefined);
      assert.equal(process.getuid?.(), isRoot ? 0 : process.getuid?.(), "the caller keeps its own uid");
    } finally {
      delete process.env.SECRET_TOKEN;
    }
  });

  describe("network", () => {
    let server: Server;
    let port: number;
    const received: string[] = [];
    before(async () => {
      server = createServer((sock) => sock.on("data", (c) => received.push(c.toString())));
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      port = (server.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    test("a step cannot reach a server on the host's loopback (but can without the sandbox)", { skip: noSandbox }, async () => {
      const step = `bash -c 'echo hello-from-build > /dev/tcp/127.0.0.1/${port}'`;
      // Control: the very same step, same user, no sandbox, reaches the server.
      const d1 = await dirs();
      const plain = await runBuild(spec(d1, [step]), { probe: unsandboxed });
      assert.equal(plain.hermetic, false);
      await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(received, ["hello-from-build\n"], "control: the connection works outside the sandbox");
      // In the sandbox it fails, and the server sees nothing new.
      const d2 = await dirs();
      await assert.rejects(runBuild(spec(d2, [step])), (e) => isMkError(e) && e.code === "E_BUILD_FAILED" && /Connection refused|Network is unreachable/.test(e.message));
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(received.length, 1);
    });
  });

  test("the host file system is hidden or read-only; only src, out and a private /tmp are writable", { skip: noSandbox }, async () => {
    const d = await dirs();
    // A world-readable file outside the build dirs, in a world-traversable dir: uid 1000 could read it without the sandbox.
    const outside = join(d.box, "outside");
    await mkdir(outside, { mode: 0o755 });
    await chmod(outside, 0o755);
    await writeFile(join(outside, "secret.txt"), "outside secret\n", { mode: 0o644 });
    const marker = join(tmpdir(), `mk-host-marker-${randomBytes(4).toString("hex")}`);
    await writeFile(marker, "host tmp\n", { mode: 0o644 });
    const fromBuild = `mk-from-build-${randomBytes(4).toString("hex")}`;
    const check = [
      `for p in /root /home /work /var/lib "${outside}/secret.txt" "${marker}"; do if [ -e "$p" ]; then echo "VISIBLE $p"; fi; done`,
      `for p in /usr/mk-x /etc/mk-x /mk-x /build/mk-x; do if touch "$p" 2>/dev/null; then echo "WRITABLE $p"; fi; done`,
      `touch /tmp/${fromBuild} /build/src/ok-src /build/out/ok-out && echo WROTE`,
    ].join("\n");
    try {
      await runBuild(spec(d, [`{ ${check}\n} > "$DESTDIR/report"`]));
      const report = await readFile(join(d.destDir, "report"), "utf8");
      assert.equal(report, "WROTE\n");
      assert.equal(await pathExists(join(tmpdir(), fromBuild)), false, "the build's /tmp is not the host's");
      assert.ok(await pathExists(join(d.srcDir, "ok-src")));
      // Control: without the sandbox the same user does see the outside file and the host's /tmp.
      const d2 = await dirs();
      await runBuild(spec(d2, [`{ ${check.split("\n")[0]}\n} > "$DESTDIR/report"`]), { probe: unsandboxed });
      const plain = await readFile(join(d2.destDir, "report"), "utf8");
      assert.match(plain, new RegExp(`VISIBLE ${outside}/secret.txt`));
      assert.match(plain, new RegExp(`VISIBLE ${marker}`));
    } finally {
      await rm(marker, { force: true });
    }
  });

  test("a failing step is E_BUILD_FAILED naming the step, its command, exit code and last output; later steps do not run", { skip: noSandbox }, async () => {
    const d = await dirs();
    const log = join(d.box, "logs", "build.log");
    const chunks: string[] = [];
    await assert.rejects(
      runBuild(spec(d, ["echo first", "echo boom-output >&2; exit 3", "touch $DESTDIR/never"], { logFile: log, onOutput: (c) => chunks.push(c) })),
      (e) => {
        assert.ok(isMkError(e));
        assert.equal(e.code, "E_BUILD_FAILED");
        assert.match(e.message, /step 2 of 3/);
        assert.match(e.message, /echo boom-output >&2; exit 3/);
        assert.match(e.message, /exited with code 3/);
        assert.match(e.message, /boom-output/);
        assert.equal(e.details?.step, 2);
        assert.equal(e.details?.exitCode, 3);
        return true;
      },
    );
    assert.equal(await pathExists(join(d.destDir, "never")), false);
    const logText = await readFile(log, "utf8");
    assert.match(logText, /==> step 1\/3: echo first\nfirst\n/);
    assert.match(logText, /boom-output/);
    assert.match(chunks.join(""), /boom-output/);
    // Ownership is handed back even after a failure.
    assert.equal((await stat(d.srcDir)).uid, process.getuid?.());
  });

  test("a step that runs past build.timeout is killed, in the sandbox and outside it, and later steps do not run", async () => {
    const modes = [...(noSandbox ? [] : [{ name: "sandboxed", deps: {} }]), { name: "unsandboxed", deps: { probe: unsandboxed } }];
    for (const mode of modes) {
      const d = await dirs();
      // A grandchild of the step's shell, with a duration no other process uses (to find leftovers).
      const marker = `sleep 29.${process.pid}${mode.name.length}`;
      const t0 = Date.now();
      await assert.rejects(runBuild(spec(d, ["true", `echo started; ${marker}; echo woke`, "touch $DESTDIR/never"], { stepTimeoutMs: 1_000 }), mode.deps), (e) => {
        assert.ok(isMkError(e), String(e));
        assert.equal(e.code, "E_BUILD_FAILED");
        assert.match(e.message, /step 2 of 3 .* ran longer than 1 s and was killed/);
        assert.match(e.message, /started/);
        assert.equal(e.details?.timeoutMs, 1_000);
        return true;
      });
      assert.ok(Date.now() - t0 < 15_000, `${mode.name}: the kill took ${Date.now() - t0} ms`);
      assert.equal(await pathExists(join(d.destDir, "never")), false);
      // Nothing of the step is left running.
      await new Promise((r) => setTimeout(r, 200));
      const ps = spawnSync("pgrep", ["-f", marker], { encoding: "utf8" }).stdout.trim();
      assert.equal(ps, "", `${mode.name}: still running: ${ps}`);
    }
  });

  test("without bubblewrap: runs unsandboxed as the build user and says so, or refuses when told to", async () => {
    const d = await dirs();
    const r = await runBuild(spec(d, ['{ id -u; echo "$DESTDIR"; echo "$HOME"; echo "$SOURCE_DATE_EPOCH"; } > "$DESTDIR/who"']), { probe: unsandboxed });
    assert.equal(r.hermetic, false);
    assert.equal(r.reason, "forced by the test");
    assert.equal(r.toolVersions.bwrap, undefined);
    const [uid, destdir, home, sde] = (await readFile(join(d.destDir, "who"), "utf8")).trim().split("\n");
    assert.equal(uid, isRoot ? "1000" : String(process.getuid?.()));
    assert.equal(destdir, r.env.DESTDIR);
    assert.ok(home?.startsWith(tmpdir()) && home.endsWith("/home"));
    assert.equal(await pathExists(home!), false, "the private HOME is removed afterwards");
    assert.equal(sde, "1700000000");

    const d2 = await dirs();
    await assert.rejects(runBuild(spec(d2, ["touch $DESTDIR/ran"], { allowUnsandboxed: false }), { probe: unsandboxed }), (e) => isMkError(e) && e.code === "E_BUILD_FAILED" && !!e.hint);
    assert.equal(await pathExists(join(d2.destDir, "ran")), false);
  });

  test("invalid specs and dangerous directories are refused before anything runs", async () => {
    const d = await dirs();
    for (const bad of [spec(d, []), spec(d, ["true"], { env: { "BAD-NAME": "x" } }), spec(d, ["true"], { sourceDateEpoch: -1 })]) {
      await assert.rejects(runBuild(bad), (e) => isMkError(e) && e.code === "E_CONFIG_INVALID");
    }
    await assert.rejects(runBuild(spec({ srcDir: "/", destDir: d.destDir }, ["true"])), (e) => isMkError(e) && e.code === "E_USAGE");
    await assert.rejects(runBuild(spec({ srcDir: join(d.box, "missing"), destDir: d.destDir }, ["true"])), (e) => isMkError(e) && e.code === "E_IO");
  });

  test("a workspace the build user cannot reach is built on a staged copy, output copied back", { skip: !isRoot && "only relevant when running as root" }, async () => {
    const hidden = await mkdtemp(join(tmpdir(), "mk-sandbox-private-")); // mode 0700, owned by root
    try {
      await mkdir(join(hidden, "src"));
      await writeFile(join(hidden, "src", "input.txt"), "from the source\n");
      await mkdir(join(hidden, "out"));
      await writeFile(join(hidden, "out", "stale"), "");
      const result = await runBuild(spec({ srcDir: join(hidden, "src"), destDir: join(hidden, "out") }, ['test "$(id -u)" = 1000', 'cp input.txt "$DESTDIR/copied.txt"', 'rm "$DESTDIR/stale"']));
      assert.equal(await readFile(join(hidden, "out", "copied.txt"), "utf8"), "from the source\n");
      assert.equal(await pathExists(join(hidden, "out", "stale")), false);
      assert.equal((await stat(join(hidden, "out", "copied.txt"))).uid, process.getuid!());
      assert.equal(result.steps.length, 3);
    } finally {
      await rm(hidden, { recursive: true, force: true });
    }
  });
});
