/** Toolchain profiles: which flags and variables each one injects. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { bwrapArgs, hostLayout } from "./layout.js";
import { archHardeningFlags, toolchainProfile } from "./profile.js";

describe("toolchainProfile", () => {
  test("common environment in every profile", () => {
    for (const id of ["c", "go", "custom"] as const) {
      const { env } = toolchainProfile(id, { fips: false, sourceDateEpoch: 1_700_000_000 });
      assert.equal(env.SOURCE_DATE_EPOCH, "1700000000");
      assert.equal(env.TZ, "UTC");
      assert.equal(env.LC_ALL, "C");
      assert.equal(env.LANG, "C");
      assert.equal(env.HOME, "/tmp/home");
      assert.equal(env.DESTDIR, "/build/out");
      assert.equal(env.PREFIX, "/usr");
      assert.match(env.PATH!, /^\/usr\/local\/sbin:.*:\/bin/);
      assert.deepEqual(Object.keys(env), Object.keys(env).sort(), "sorted for stable records");
    }
  });

  test("c: hardened compiler and linker flags; fips is a marker", () => {
    const { env, description } = toolchainProfile("c", { fips: false, arch: "x64" });
    assert.equal(env.CFLAGS, "-O2 -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fstack-clash-protection -fcf-protection -fPIE");
    assert.equal(env.CXXFLAGS, env.CFLAGS);
    assert.equal(env.CPPFLAGS, "-D_FORTIFY_SOURCE=2");
    assert.equal(env.LDFLAGS, "-pie -Wl,-z,relro,-z,now");
    assert.equal(env.MK_FIPS, undefined);
    assert.match(description, /PIE/);
    assert.equal(toolchainProfile("c", { fips: true }).env.MK_FIPS, "1");
    // -fcf-protection only exists on x86; aarch64 gets branch protection instead.
    assert.ok(!toolchainProfile("c", { fips: false, arch: "arm64" }).env.CFLAGS!.includes("-fcf-protection"));
    assert.deepEqual(archHardeningFlags("arm64"), ["-fstack-clash-protection", "-mbranch-protection=standard"]);
    assert.deepEqual(archHardeningFlags("riscv64"), []);
  });

  test("go: trimpath, PIE, hardened cgo, offline; fips selects boringcrypto with cgo", () => {
    const { env } = toolchainProfile("go", { fips: false });
    assert.equal(env.GOFLAGS, "-trimpath -buildmode=pie");
    assert.match(env.CGO_CFLAGS!, /-fstack-protector-strong -D_FORTIFY_SOURCE=2/);
    assert.equal(env.CGO_LDFLAGS, "-Wl,-z,relro,-z,now");
    assert.equal(env.GOPROXY, "off");
    assert.equal(env.GOTOOLCHAIN, "local");
    assert.match(env.PATH!, /\/usr\/local\/go\/bin/);
    assert.equal(env.GOEXPERIMENT, undefined);
    const fips = toolchainProfile("go", { fips: true }).env;
    assert.equal(fips.GOEXPERIMENT, "boringcrypto");
    assert.equal(fips.CGO_ENABLED, "1");
  });

  test("custom: no injected flags", () => {
    const { env } = toolchainProfile("custom", { fips: false });
    for (const k of ["CFLAGS", "LDFLAGS", "GOFLAGS", "CGO_CFLAGS"]) assert.equal(env[k], undefined, k);
  });
});

describe("sandbox layout", () => {
  test("binds only system dirs and allowlisted /etc entries, never homes, the workspace or credentials", async () => {
    const args = bwrapArgs(await hostLayout(), { srcDir: "/w/src", destDir: "/w/out", tmpDir: "/s/tmp", etcDir: "/s/etc" }, { A: "b" });
    const sources = args.flatMap((a, i) => (a === "--ro-bind" || a === "--bind" ? [args[i + 1]!] : []));
    for (const s of sources) {
      assert.ok(/^(\/usr|\/bin|\/sbin|\/lib\w*|\/etc\/[^/]+|\/w\/(src|out)|\/s\/(tmp|etc\/\w[\w.]*))$/.test(s), `unexpected bind source ${s}`);
      assert.ok(!/^\/etc\/(npmrc|pip\.conf|gitconfig|docker|ssh|shadow|gshadow|environment|resolv\.conf|machine-id|passwd|group)$/.test(s), `host ${s} must not be visible`);
    }
    for (const flag of ["--unshare-all", "--die-with-parent", "--clearenv", "--new-session", "--disable-userns"]) assert.ok(args.includes(flag), flag);
    assert.deepEqual(args.slice(args.indexOf("--uid"), args.indexOf("--uid") + 4), ["--uid", "1000", "--gid", "1000"]);
    assert.equal(args.at(-1), "--");
  });
});
