/** `mailknight sbom` through the real CLI: stdout or -o, both target kinds, exit codes for bad input. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeTestImage } from "./testing/layout.js";
import { validateCycloneDx16, validateSpdx23 } from "./testing/schemas.js";

const cli = new URL("../../bin/mailknight.js", import.meta.url).pathname;

function mk(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: "utf8", env: { ...process.env, CI: "1", ...env } });
  return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

test("sbom of a directory and of an image; usage errors exit 2", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mk-sbom-cli-"));
  const root = join(dir, "root");
  await mkdir(join(root, "etc"), { recursive: true });
  await mkdir(join(root, "var/lib/dpkg"), { recursive: true });
  await writeFile(join(root, "etc/os-release"), "ID=debian\nVERSION_ID=12\n");
  await writeFile(join(root, "var/lib/dpkg/status"), "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\nnot a field line\n");
  const { tag } = await writeTestImage(join(dir, "layout"), [[{ name: "lib/apk/db/installed", content: "P:musl\nV:1.2.4-r2\nA:x86_64\n" }, { name: "etc/os-release", content: "ID=alpine\nVERSION_ID=3.19.1\n" }]]);

  const out = mk(["sbom", root], { SOURCE_DATE_EPOCH: "86400" });
  assert.equal(out.code, 0, out.stderr);
  const cdx = JSON.parse(out.stdout) as { components: { purl?: string }[]; metadata: { timestamp: string } };
  assert.deepEqual(validateCycloneDx16(cdx), []);
  assert.equal(cdx.metadata.timestamp, "1970-01-02T00:00:00.000Z");
  assert.ok(cdx.components.some((c) => c.purl === "pkg:deb/debian/a@1.0?arch=amd64&distro=debian-12"));
  assert.match(out.stderr, /warning: dpkg: \/var\/lib\/dpkg\/status: line 6/);

  const file = join(dir, "img.spdx.json");
  const img = mk(["--json", "sbom", `oci:${join(dir, "layout")}:${tag}`, "--format", "spdx-json", "-o", file]);
  assert.equal(img.code, 0, img.stderr);
  const summary = JSON.parse(img.stdout) as { components: number; digest: string; file: string };
  assert.equal(summary.file, file);
  const spdx = JSON.parse(await readFile(file, "utf8")) as { packages: { externalRefs?: { referenceLocator: string }[] }[] };
  assert.deepEqual(validateSpdx23(spdx), []);
  assert.ok(spdx.packages.some((p) => p.externalRefs?.[0]?.referenceLocator === "pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=3.19.1"));

  assert.equal(mk(["sbom", join(dir, "missing")]).code, 2);
  assert.equal(mk(["sbom", root, "--format", "xml"]).code, 2);
  assert.equal(mk(["sbom", `oci:${join(dir, "layout")}:no-such-tag`]).code, 2);
  assert.equal(mk(["sbom", root], { SOURCE_DATE_EPOCH: "yesterday" }).code, 2);
});
