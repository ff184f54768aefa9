/**
 * Rootfs hardening on a realistic tree (merged /usr, busybox applets, /etc/alternatives chains,
 * hard links) and on hostile ones (symlinks to the host's /etc and out of the root, files
 * named like options). Stripping is checked with readelf, results by running the binaries.
 */
import assert from "node:assert/strict";
import { chmod, copyFile, link, lstat, mkdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { isMkError } from "../errors.js";
import { readElfInfo } from "../inspect/index.js";
import { compileC, FORTIFY_PROGRAM, HARDENED_FLAGS, sh, tempDir } from "../inspect/testing/elf-fixtures.js";
import { run } from "../util/exec.js";
import { pathExists } from "../util/fs.js";
import { treeDigest } from "../util/tree.js";
import { hardenRootfs } from "./index.js";

/** Section names readelf reports for a file. */
async function sections(file: string): Promise<string[]> {
  const out = await sh("readelf", ["-SW", file]);
  return [...out.matchAll(/^\s*\[\s*\d+\]\s+(\S+)/gm)].map((m) => m[1]!);
}

async function mode(path: string): Promise<number> {
  return (await lstat(path)).mode & 0o7777;
}

describe("hardenRootfs", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let hello: string; // unstripped program with debug info
  let lib: string; // unstripped shared library
  let n = 0;

  before(async () => {
    tmp = await tempDir("mk-harden-");
    hello = await compileC(tmp.path, "hello", FORTIFY_PROGRAM, [...HARDENED_FLAGS, "-g"]);
    lib = await compileC(tmp.path, "libfoo.so", "int foo(int x) { return x * 2; }\n", ["-O2", "-g", "-shared", "-fPIC"]);
    await sh("gcc", ["-c", "-g", "-o", join(tmp.path, "obj.o"), join(tmp.path, "hello.c")]);
  });
  after(() => tmp.cleanup());

  /**
   * A fresh rootfs plus an `outside/` directory next to it that hostile links point at.
   * Layout follows a merged-/usr Debian image with busybox applets and alternatives.
   */
  async function makeTree(): Promise<{ root: string; outside: string }> {
    const box = join(tmp.path, `box-${++n}`);
    const root = join(box, "rootfs");
    const outside = join(box, "outside");
    for (const d of ["usr/bin", "usr/sbin", "usr/lib", "usr/share/doc", "etc/alternatives", "usr/local"]) await mkdir(join(root, d), { recursive: true });
    await mkdir(join(outside, "bin"), { recursive: true });
    await symlink("usr/bin", join(root, "bin"));
    await symlink("usr/sbin", join(root, "sbin"));
    const bin = (p: string): string => join(root, "usr/bin", p);
    await copyFile(hello, bin("hello"));
    await link(bin("hello"), bin("hello-link"));
    await copyFile(hello, bin("-rf"));
    await copyFile(hello, bin("curl"));
    await symlink("curl", bin("curl-config"));
    await copyFile(hello, bin("mawk"));
    await symlink("/etc/alternatives/awk", bin("awk"));
    await symlink("/usr/bin/mawk", join(root, "etc/alternatives/awk"));
    await copyFile("/usr/bin/busybox", bin("busybox"));
    await link(bin("busybox"), bin("bb-hard"));
    await symlink("busybox", bin("wget"));
    await symlink("/bin/busybox", bin("ash"));
    await symlink("../bin/busybox", join(root, "usr/sbin/nc"));
    await symlink("dash", bin("sh"));
    await copyFile(hello, bin("dash"));
    await copyFile(lib, join(root, "usr/lib/libfoo.so"));
    await copyFile(join(tmp.path, "obj.o"), join(root, "usr/lib/obj.o"));
    await chmod(join(root, "usr/lib/obj.o"), 0o755);
    await writeFile(bin("script.sh"), "#!/bin/sh\necho hi\n", { mode: 0o755 });
    await writeFile(join(root, "usr/share/doc/readme.txt"), "docs\n", { mode: 0o755 });
    await writeFile(join(root, "usr/share/data.bin"), "keep me executable\n", { mode: 0o755 });
    await writeFile(bin("tool.dat"), "not a program, kept through the /bin link\n", { mode: 0o755 });
    // Hostile links: to the host's /etc, out of the root, and a bin dir that is a link outside.
    await symlink("/etc", join(root, "usr/lib/host-etc"));
    await symlink("../../../outside", join(root, "usr/lib/escape"));
    await symlink(join(outside, "bin"), join(root, "usr/local/bin"));
    await copyFile(hello, join(outside, "bin", "curl"));
    await copyFile(hello, join(outside, "victim"));
    await writeFile(join(outside, "notes.txt"), "outside\n", { mode: 0o755 });
    await symlink(join(outside, "notes.txt"), bin("notes-link"));
    return { root, outside };
  }

  test("strips every ELF object once, keeps hard links and non-ELF files, never leaves the root", async () => {
    const { root, outside } = await makeTree();
    const outsideBefore = await treeDigest(outside);
    const etcBefore = await stat("/etc/passwd");
    const scriptBefore = await readFile(join(root, "usr/bin/script.sh"));
    assert.ok((await sections(join(root, "usr/bin/hello"))).includes(".symtab"), "fixture is unstripped");

    const report = await hardenRootfs(root, { strip: true, removeTools: [], dropExecBits: false });

    assert.deepEqual(report.stripped, [
      "usr/bin/-rf",
      "usr/bin/bb-hard", // busybox, reached first under this name (hard link)
      "usr/bin/curl",
      "usr/bin/dash",
      "usr/bin/hello",
      "usr/bin/mawk",
      "usr/lib/libfoo.so",
      "usr/lib/obj.o",
    ]);
    for (const f of ["usr/bin/hello", "usr/bin/-rf", "usr/lib/libfoo.so"]) {
      const s = await sections(join(root, f));
      assert.ok(!s.includes(".symtab") && !s.includes(".debug_info"), `${f} still has ${s.join(",")}`);
    }
    // Relocations of the object file still resolve: it keeps the symbols they need.
    assert.ok((await sections(join(root, "usr/lib/obj.o"))).includes(".symtab"));
    // The hard link is the same, stripped file; the program still runs and is still hardened.
    const [a, b] = [await stat(join(root, "usr/bin/hello")), await stat(join(root, "usr/bin/hello-link"))];
    assert.equal(a.ino, b.ino);
    assert.equal(a.nlink, 2);
    assert.equal(a.mode & 0o777, 0o755);
    const ran = await run(join(root, "usr/bin/hello"), [], { input: "x" });
    assert.equal(ran.code, 0);
    const info = await readElfInfo(join(root, "usr/bin/hello"));
    assert.deepEqual([info.isPie, info.stackProtector, info.fortified, info.bindNow], [true, true, true, true]);
    assert.deepEqual(await readFile(join(root, "usr/bin/script.sh")), scriptBefore);
    // Nothing outside the root changed, links are still links.
    assert.equal(await treeDigest(outside), outsideBefore);
    assert.ok((await sections(join(outside, "victim"))).includes(".symtab"));
    assert.equal((await stat("/etc/passwd")).mtimeMs, etcBefore.mtimeMs);
    assert.ok((await lstat(join(root, "usr/lib/escape"))).isSymbolicLink());
  });

  test("stripping is deterministic", async () => {
    const one = await makeTree();
    const two = await makeTree();
    await hardenRootfs(one.root, { strip: true, removeTools: [], dropExecBits: false });
    await hardenRootfs(two.root, { strip: true, removeTools: [], dropExecBits: false });
    for (const f of ["usr/bin/hello", "usr/lib/libfoo.so", "usr/lib/obj.o", "usr/bin/busybox"]) {
      assert.deepEqual(await readFile(join(one.root, f)), await readFile(join(two.root, f)), f);
    }
  });

  test("removes tools with their symlinks (alternatives chains too), in the real bin dirs only", async () => {
    const { root, outside } = await makeTree();
    const outsideBefore = await treeDigest(outside);
    const report = await hardenRootfs(root, { strip: false, removeTools: ["curl", "wget", "mawk", "sh", "perl"], dropExecBits: false });
    assert.deepEqual(report.removed, ["usr/bin/awk", "usr/bin/curl", "usr/bin/curl-config", "usr/bin/mawk", "usr/bin/sh", "usr/bin/wget"]);
    for (const gone of report.removed) assert.equal(await pathExists(join(root, gone)), false, gone);
    // What `sh` pointed to and busybox itself stay: only the named entries and links to them go.
    for (const kept of ["usr/bin/dash", "usr/bin/busybox", "usr/bin/ash", "usr/sbin/nc", "etc/alternatives/awk"]) assert.ok(await pathExists(join(root, kept)), kept);
    // usr/local/bin is a link out of the root: its curl is not ours to delete.
    assert.ok(await pathExists(join(outside, "bin", "curl")));
    assert.equal(await treeDigest(outside), outsideBefore);
  });

  test("removing busybox takes its applet links and hard links with it", async () => {
    const { root } = await makeTree();
    const report = await hardenRootfs(root, { strip: false, removeTools: ["busybox"], dropExecBits: false });
    assert.deepEqual(report.removed, ["usr/bin/ash", "usr/bin/bb-hard", "usr/bin/busybox", "usr/bin/wget", "usr/sbin/nc"]);
  });

  test("clears exec bits on files that are not programs, except keepExec", async () => {
    const { root, outside } = await makeTree();
    const report = await hardenRootfs(root, { strip: false, removeTools: [], dropExecBits: true, keepExec: ["/usr/share/data.bin", "bin/tool.dat"] });
    assert.deepEqual(report.execCleared, ["usr/lib/obj.o", "usr/share/doc/readme.txt"]);
    assert.equal(await mode(join(root, "usr/share/doc/readme.txt")), 0o644);
    assert.equal(await mode(join(root, "usr/lib/obj.o")), 0o644);
    assert.equal(await mode(join(root, "usr/share/data.bin")), 0o755);
    assert.equal(await mode(join(root, "usr/bin/tool.dat")), 0o755, "keepExec through the merged-/usr link");
    assert.equal(await mode(join(root, "usr/bin/script.sh")), 0o755);
    assert.equal(await mode(join(root, "usr/bin/hello")), 0o755);
    assert.equal(await mode(join(root, "usr/lib/libfoo.so")), 0o755);
    // The link to an outside text file was not followed.
    assert.equal(await mode(join(outside, "notes.txt")), 0o755);
  });

  test("bad options are rejected before anything changes", async () => {
    const { root } = await makeTree();
    const before = await treeDigest(root);
    for (const removeTools of [["../../etc/passwd"], ["usr/bin/curl"], [".."], [""], ["curl", "a/b"]]) {
      await assert.rejects(hardenRootfs(root, { strip: true, removeTools, dropExecBits: true }), (e) => isMkError(e) && e.code === "E_CONFIG_INVALID");
    }
    await assert.rejects(hardenRootfs(root, { strip: true, removeTools: ["curl"], dropExecBits: true, keepExec: ["../outside/notes.txt"] }), (e) => isMkError(e) && e.code === "E_CONFIG_INVALID");
    assert.equal(await treeDigest(root), before);
    await assert.rejects(hardenRootfs("/", { strip: false, removeTools: [], dropExecBits: false }), (e) => isMkError(e) && e.code === "E_USAGE");
    await assert.rejects(hardenRootfs(join(root, "missing"), { strip: false, removeTools: [], dropExecBits: false }), (e) => isMkError(e) && e.code === "E_IO");
  });

  test("an ELF strip cannot handle is a typed error naming the file", async () => {
    const { root } = await makeTree();
    // A valid ELF header for an unknown machine with nothing behind it.
    const bogus = Buffer.alloc(64);
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]).copy(bogus);
    bogus.writeUInt16LE(2, 16);
    bogus.writeUInt16LE(0x7777, 18);
    await writeFile(join(root, "usr/bin/alien"), bogus, { mode: 0o755 });
    await assert.rejects(hardenRootfs(root, { strip: true, removeTools: [], dropExecBits: false }), (e) => isMkError(e) && e.code === "E_PACKAGE" && e.details?.file === "usr/bin/alien");
  });
});
