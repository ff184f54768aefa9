/** In-image path rules (chroot-like symlink resolution, tar entry names) and cataloger globs. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { compileGlob } from "./glob.js";
import { normaliseEntryName, resolveInImage } from "./paths.js";

test("symlinks resolve inside the image: absolute targets restart at /, .. stops at /, loops end", () => {
  const links = new Map([
    ["/bin", "usr/bin"],
    ["/usr/bin/sh", "dash"],
    ["/etc/alternatives/x", "/usr/bin/sh"],
    ["/escape", "../../../../etc/passwd"],
    ["/a", "b"],
    ["/b", "a"],
    ["/usr/share/doc/libfoo-dev", "libfoo1"],
    ["/dir/up", "../sub/../bin/sh"],
  ]);
  const r = (p: string) => resolveInImage(p, (x) => links.get(x));
  assert.equal(r("/bin/sh"), "/usr/bin/dash");
  assert.equal(r("/etc/alternatives/x"), "/usr/bin/dash");
  assert.equal(r("/escape"), "/etc/passwd", "an escape attempt lands inside the root");
  assert.equal(r("/a"), undefined, "a loop is reported, not followed forever");
  assert.equal(r("/usr/share/doc/libfoo-dev/copyright"), "/usr/share/doc/libfoo1/copyright");
  assert.equal(r("/dir/up"), "/usr/bin/dash", ".. in a target applies after the links before it");
  assert.equal(r("/../../x"), "/x");
});

test("tar entry names: ./ and trailing / trimmed, absolute names warned, escapes refused", () => {
  assert.deepEqual(normaliseEntryName("./etc/os-release"), { path: "/etc/os-release" });
  assert.deepEqual(normaliseEntryName("usr/lib/"), { path: "/usr/lib" });
  assert.equal(normaliseEntryName("/etc/x").path, "/etc/x");
  assert.match(normaliseEntryName("/etc/x").warning ?? "", /absolute/);
  assert.equal(normaliseEntryName("../etc/x").path, undefined);
  assert.equal(normaliseEntryName("a/../../x").path, undefined);
  assert.equal(normaliseEntryName("a/../b").path, "/b");
});

test("globs: ** spans directories, * and ? stay in one name, braces alternate", () => {
  const g = compileGlob("/**/node_modules/*/package.json");
  assert.ok(g.test("/node_modules/a/package.json"));
  assert.ok(g.test("/app/x/node_modules/a/package.json"));
  assert.ok(!g.test("/app/node_modules/a/b/package.json"));
  const j = compileGlob("/**/*.{jar,war}");
  assert.ok(j.test("/opt/a.jar") && j.test("/a.war") && !j.test("/a.jarx"));
  assert.ok(compileGlob("/var/lib/dpkg/status.d/?").test("/var/lib/dpkg/status.d/x"));
  assert.ok(!compileGlob("/etc/*").test("/etc/a/b"));
  assert.ok(compileGlob("/**").test("/any/thing"));
  assert.ok(!compileGlob("/a.b").test("/axb"), "dots are literal");
});
