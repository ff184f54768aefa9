/**
 * The whole path from a tree to a schema-valid SBOM, on a hostile tree: a truncated Go binary,
 * a corrupt status file, symlink loops, a link out of the root and a 10 GB sparse file give
 * warnings and a valid document, never a crash. Also: language packages an OS package installed
 * are not listed twice, and the same tree gives byte-identical output.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { chmod, mkdir, mkdtemp, open, readFile, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMkError } from "../errors.js";
import { generateSbom } from "./generate.js";
import { renderSbom } from "./render.js";
import { RootfsSource } from "./source/rootfs.js";
import { goBinary } from "./testing/gobin.js";
import { validateCycloneDx16, validateSpdx23 } from "./testing/schemas.js";

async function put(root: string, path: string, content: string | Uint8Array, mode = 0o644): Promise<void> {
  await mkdir(join(root, path, ".."), { recursive: true });
  await writeFile(join(root, path), content);
  await chmod(join(root, path), mode);
}

async function hostileTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "mk-sbom-hostile-"));
  await put(root, "etc/os-release", "ID=debian\nVERSION_ID=12\n");
  await put(root, "etc/debian_version", "12.5\n");
  await put(root, "var/lib/dpkg/status", "Package: ok\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n\u0000\u0000\u0000garbage\n continuation\nPackage: broken\nVersion: ::::\n");
  await put(root, "var/lib/dpkg/info/python3-pip.list", "/usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA\n");
  await put(root, "usr/lib/python3/dist-packages/pip-23.0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: pip\nVersion: 23.0.1\n");
  await put(root, "usr/local/lib/python3.11/site-packages/pip-24.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: pip\nVersion: 24.0\n");
  const go = await readFile(await goBinary());
  await put(root, "usr/bin/truncated-go", go.subarray(0, Math.floor(go.byteLength / 3)), 0o755);
  await put(root, "usr/bin/hello", go, 0o755);
  await put(root, "usr/bin/tiny-elf", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]), 0o755);
  await mkdir(join(root, "usr/share/doc/loop"), { recursive: true });
  await symlink("copyright", join(root, "usr/share/doc/loop/copyright"));
  await symlink("../../../../../../etc/shadow", join(root, "usr/share/doc/ok"));
  await mkdir(join(root, "lib/apk/db"), { recursive: true });
  const fh = await open(join(root, "lib/apk/db/installed"), "w");
  await fh.truncate(10 * 1024 ** 3);
  await fh.close();
  return root;
}

test("a hostile tree gives warnings and schema-valid SBOMs, deterministically", async () => {
  const root = await hostileTree();
  const doc = await generateSbom(await RootfsSource.open(root), { created: new Date(1_700_000_000_000) });
  const names = doc.components.map((c) => `${c.cataloger}:${c.name}@${c.version}`).sort();
  assert.ok(names.includes("dpkg:ok@1.0"));
  assert.ok(names.includes("python:pip@24.0"), "pip installed by hand is listed");
  assert.ok(!names.includes("python:pip@23.0.1"), "pip installed by python3-pip's deb is the deb, not listed again");
  assert.ok(names.some((n) => n.startsWith("go-binary:stdlib@")), "the intact Go binary is cataloged");
  const w = doc.warnings.join("\n");
  assert.match(w, /lib\/apk\/db\/installed: 10240\.0 MiB is over/);
  assert.match(w, /usr\/share\/doc\/loop\/copyright: symlink loop/);
  assert.match(w, /dpkg: \/var\/lib\/dpkg\/status: /);
  assert.deepEqual(validateCycloneDx16(JSON.parse(renderSbom(doc, "cyclonedx-json"))), []);
  assert.deepEqual(validateSpdx23(JSON.parse(renderSbom(doc, "spdx-json"))), []);
  const again = await generateSbom(await RootfsSource.open(root), { created: new Date(1_700_000_000_000) });
  assert.equal(renderSbom(again, "cyclonedx-json"), renderSbom(doc, "cyclonedx-json"));
  assert.equal(renderSbom(again, "spdx-json"), renderSbom(doc, "spdx-json"));
  assert.equal(doc.created, "2023-11-14T22:13:20Z");
});

test("an unknown cataloger is a usage error naming the known ones", async () => {
  const root = await mkdtemp(join(tmpdir(), "mk-sbom-empty-"));
  await assert.rejects(generateSbom(await RootfsSource.open(root), { created: new Date(0), catalogers: ["dpkg", "nope"] }), (e) => isMkError(e) && e.code === "E_USAGE" && /nope/.test(e.message) && /dpkg/.test(e.hint ?? ""));
  const doc = await generateSbom(await RootfsSource.open(root), { created: new Date(0) });
  assert.deepEqual(doc.components, []);
  assert.deepEqual(validateCycloneDx16(JSON.parse(renderSbom(doc, "cyclonedx-json"))), []);
});
