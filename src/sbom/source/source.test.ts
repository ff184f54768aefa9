/**
 * Sources on hostile trees: a rootfs with links out of the root, loops, a FIFO and a 10 GB
 * sparse file; images with whiteouts, opaque directories, `../` and absolute entry names, hard
 * links and a damaged blob. Also: a directory and the same directory as an image select the
 * same files.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, open, readFile, symlink, writeFile, chmod } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageFromRootfs, OciLayout } from "../../oci/index.js";
import { isMkError } from "../../errors.js";
import { writeTestImage } from "../testing/layout.js";
import { OciImageSource } from "./oci.js";
import { RootfsSource } from "./rootfs.js";
import type { FileWant } from "./types.js";

const ELF = new Uint8Array([0x7f, 0x45, 0x4c, 0x46]);

const WANTS = new Map<string, FileWant[]>([
  [
    "t",
    [
      { glob: "/etc/os-release", maxBytes: 1 << 16 },
      { glob: "/usr/lib/os-release", maxBytes: 1 << 16 },
      { glob: "/var/lib/dpkg/status", maxBytes: 1 << 20 },
      { glob: "/var/lib/dpkg/status.d/*", maxBytes: 1 << 20 },
      { glob: "/usr/share/doc/*/copyright", maxBytes: 1 << 16 },
    ],
  ],
  ["elf", [{ glob: "/**", maxBytes: 1 << 20, magic: ELF, executable: true }]],
]);

async function tmp(label: string): Promise<string> {
  return await mkdtemp(join(tmpdir(), `mk-sbom-${label}-`));
}

async function put(root: string, path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  const abs = join(root, path);
  await mkdir(join(abs, ".."), { recursive: true });
  await writeFile(abs, content);
  await chmod(abs, mode);
}

test("rootfs: links resolve inside the root, loops warn, FIFOs and huge sparse files are not read", async () => {
  const base = await tmp("rootfs");
  const root = join(base, "root");
  await put(base, "outside/secret", "HOST SECRET\n");
  await put(root, "usr/share/doc/libfoo1/copyright", "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n");
  await symlink("libfoo1", join(root, "usr/share/doc/libfoo-dev"));
  // On the host this climbs out of the root; inside the image `..` stops at `/`.
  await mkdir(join(root, "etc"), { recursive: true });
  await symlink("../../outside/secret", join(root, "etc/os-release"));
  await mkdir(join(root, "usr/lib"), { recursive: true });
  await symlink("/../../../outside/secret", join(root, "usr/lib/os-release"));
  await mkdir(join(root, "var/lib/dpkg/status.d"), { recursive: true });
  await symlink("b", join(root, "var/lib/dpkg/status.d/a"));
  await symlink("a", join(root, "var/lib/dpkg/status.d/b"));
  await put(root, "opt/pkg-status", "Package: via-link\n");
  await symlink("/opt/pkg-status", join(root, "var/lib/dpkg/status.d/c"));
  // 10 GB, sparse: costs no disk, and must cost no reading either.
  const fh = await open(join(root, "var/lib/dpkg/status"), "w");
  await fh.truncate(10 * 1024 ** 3);
  await fh.close();
  await mkdir(join(root, "usr/share/doc/fifo-pkg"), { recursive: true });
  assert.equal(spawnSync("mkfifo", [join(root, "usr/share/doc/fifo-pkg/copyright")]).status, 0);
  await put(root, "usr/bin/real-elf", Buffer.concat([Buffer.from(ELF), Buffer.alloc(60)]), 0o755);
  await put(root, "usr/bin/script", "#!/bin/sh\n", 0o755);
  await put(root, "usr/lib/libnot-exec.so", Buffer.concat([Buffer.from(ELF), Buffer.alloc(60)]), 0o644);

  const started = Date.now();
  const tree = await (await RootfsSource.open(root)).collect(WANTS);
  assert.ok(Date.now() - started < 10_000, "a 10 GB sparse file must not be read");
  const t = tree.view("t");
  assert.equal(t.get("/etc/os-release"), undefined, "a link out of the root must not reach the host");
  assert.equal(t.get("/usr/lib/os-release"), undefined);
  for (const f of tree.files.values()) assert.ok(!Buffer.from(f.bytes ?? []).toString().includes("HOST SECRET"), `${f.path} holds host data`);
  assert.match(tree.warnings.join("\n"), /status\.d\/a: symlink loop/);
  assert.match(tree.warnings.join("\n"), /\/var\/lib\/dpkg\/status: 10240\.0 MiB is over the 1\.0 MiB cap/);
  assert.equal(t.get("/var/lib/dpkg/status.d/c")?.bytes?.toString(), "Package: via-link\n", "a wanted link is read at its in-image target");
  assert.equal(t.get("/usr/share/doc/libfoo-dev/copyright")?.path, "/usr/share/doc/libfoo1/copyright", "directory links resolve like the image would");
  assert.equal(t.get("/usr/share/doc/fifo-pkg/copyright"), undefined, "a FIFO is never opened");
  assert.deepEqual(tree.view("elf").list().map((f) => f.path), ["/usr/bin/real-elf"], "magic and exec bit both select");
});

test("rootfs: a missing or non-directory target is a usage error", async () => {
  await assert.rejects(RootfsSource.open("/nonexistent/mk-sbom"), (e) => isMkError(e) && e.code === "E_NOT_FOUND");
  const base = await tmp("file");
  await writeFile(join(base, "f"), "x");
  await assert.rejects(RootfsSource.open(join(base, "f")), (e) => isMkError(e) && e.code === "E_USAGE");
});

test("image: whiteouts, opaque directories, replaced files and hard links follow overlay rules", async () => {
  const dir = await tmp("img");
  const { tag } = await writeTestImage(join(dir, "layout"), [
    [
      { name: "etc/", type: "directory" },
      { name: "etc/os-release", content: "ID=debian\n" },
      { name: "usr/lib/os-release", type: "link", linkname: "etc/os-release" },
      { name: "var/lib/dpkg/status", content: "Package: one\n" },
      { name: "var/lib/dpkg/status.d/a", content: "Package: a\n" },
      { name: "usr/share/doc/x/copyright", content: "old" },
    ],
    [
      { name: "etc/.wh.os-release" },
      { name: "var/lib/dpkg/status.d/.wh..wh..opq" },
      { name: "var/lib/dpkg/status.d/b", content: "Package: b\n" },
      { name: "usr/share/doc/x/copyright", content: "new" },
    ],
  ]);
  const source = await OciImageSource.open(join(dir, "layout"), tag);
  const tree = await source.collect(WANTS);
  const t = tree.view("t");
  assert.equal(t.get("/etc/os-release"), undefined, "whited out by layer 2");
  assert.equal(t.get("/usr/lib/os-release")?.bytes?.toString(), "ID=debian\n", "a hard link keeps the bytes");
  assert.deepEqual(t.list().filter((f) => f.path.includes("status.d")).map((f) => f.path), ["/var/lib/dpkg/status.d/b"], "opaque dir hides layer 1's entries");
  assert.equal(t.get("/usr/share/doc/x/copyright")?.bytes?.toString(), "new");
  assert.match(t.get("/var/lib/dpkg/status")?.layer ?? "", /^sha256:[a-f0-9]{64}$/, "files record the layer they came from");
  assert.notEqual(t.get("/var/lib/dpkg/status")?.layer, t.get("/usr/share/doc/x/copyright")?.layer);
});

test("image: ../ and absolute entry names are refused or normalised, with warnings", async () => {
  const dir = await tmp("evil");
  const { tag } = await writeTestImage(join(dir, "layout"), [
    [
      { name: "../../../etc/os-release", content: "ID=evil\n" },
      { name: "/var/lib/dpkg/status", content: "Package: abs\n" },
      { name: "usr/../usr/lib/os-release", content: "ID=ok\n" },
      { name: "etc/x", type: "symlink", linkname: "../../../../host" },
    ],
  ]);
  const tree = await (await OciImageSource.open(join(dir, "layout"), tag)).collect(WANTS);
  const t = tree.view("t");
  assert.equal(t.get("/etc/os-release"), undefined, "an entry above the root is ignored");
  assert.equal(t.get("/var/lib/dpkg/status")?.bytes?.toString(), "Package: abs\n");
  assert.equal(t.get("/usr/lib/os-release")?.bytes?.toString(), "ID=ok\n");
  const w = tree.warnings.join("\n");
  assert.match(w, /climbs above the image root/);
  assert.match(w, /has an absolute name/);
  assert.match(w, /contains "\.\."/);
});

test("image: a blob that does not match its digest is an integrity error", async () => {
  const dir = await tmp("corrupt");
  const { tag, layout } = await writeTestImage(join(dir, "layout"), [[{ name: "etc/os-release", content: "ID=debian\n" }]]);
  const manifest = JSON.parse((await readFile(layout.blobPath((await layout.resolve(tag))!.digest))).toString()) as { layers: { digest: string }[] };
  const blob = layout.blobPath(manifest.layers[0]!.digest);
  const bytes = await readFile(blob);
  bytes[bytes.byteLength - 5] = bytes[bytes.byteLength - 5]! ^ 0xff;
  await writeFile(blob, bytes);
  const source = await OciImageSource.open(join(dir, "layout"), tag);
  await assert.rejects(source.collect(WANTS), (e) => isMkError(e) && (e.code === "E_INTEGRITY" || e.code === "E_OCI"));
});

test("a directory and the same directory as an image select the same files", async () => {
  const base = await tmp("same");
  const root = join(base, "root");
  await put(root, "etc/os-release", "ID=debian\nVERSION_ID=12\n");
  await put(root, "var/lib/dpkg/status", "Package: a\nStatus: install ok installed\nVersion: 1\n");
  await put(root, "usr/share/doc/a/copyright", "text");
  await symlink("a", join(root, "usr/share/doc/b"));
  await put(root, "usr/bin/tool", Buffer.concat([Buffer.from(ELF), Buffer.alloc(100)]), 0o755);
  const layout = await OciLayout.create(join(base, "layout"));
  await imageFromRootfs(layout, root, "same:1", { sourceDateEpoch: 0 });
  const fromDir = await (await RootfsSource.open(root)).collect(WANTS);
  const fromImage = await (await OciImageSource.open(join(base, "layout"), "same:1")).collect(WANTS);
  const summary = (tree: typeof fromDir) => [...tree.files.values()].map((f) => `${f.path} ${f.sha256} ${[...f.wantedBy].sort().join(",")}`).sort();
  assert.deepEqual(summary(fromImage), summary(fromDir));
  assert.deepEqual([...fromImage.symlinks].sort(), [...fromDir.symlinks].sort());
  assert.equal(fromImage.evidenceDigest(), fromDir.evidenceDigest());
});
