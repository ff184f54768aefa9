import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, mkdir, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OciLayout } from "../oci/index.js";
import { copyImage, LayoutStore, openLocation } from "../oci/registry/index.js";
import { startRegistry } from "../oci/registry/testing.js";
import { generateSbom } from "./generate.js";
import { openTarget, parseTarget } from "./target.js";
import { writeTestImage } from "./testing/layout.js";

const STATUS = `Package: zlib1g
Status: install ok installed
Architecture: amd64
Source: zlib
Version: 1:1.2.13.dfsg-1

Package: libc6
Status: install ok installed
Architecture: amd64
Source: glibc
Version: 2.36-9+deb12u14
`;
const OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n';

test("targets: oci:, docker://, bare registry references, and directories", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mk-target-"));
  assert.deepEqual(await parseTarget("oci:./out:greeter:v1"), { kind: "oci", layout: "./out", ref: "greeter:v1" });
  assert.deepEqual(await parseTarget("docker://127.0.0.1:5000/team/app:1"), { kind: "registry", reference: "127.0.0.1:5000/team/app:1" });
  assert.deepEqual(await parseTarget(`registry.example.com/team/argocd@sha256:${"a".repeat(64)}`), { kind: "registry", reference: `registry.example.com/team/argocd@sha256:${"a".repeat(64)}` });
  assert.deepEqual(await parseTarget(dir), { kind: "directory", path: dir });
  // An existing directory wins over a name that looks like a reference.
  const tricky = join(dir, "host:5000");
  await mkdir(tricky);
  assert.equal((await parseTarget(tricky)).kind, "directory");
});

test("an image pulled from a registry gives the same SBOM as the same image read from its layout", async () => {
  const dir = await mkdtemp(join(tmpdir(), "mk-target-"));
  const image = await writeTestImage(join(dir, "layout"), [
    [
      { name: "etc/", type: "directory" },
      { name: "etc/os-release", content: OS_RELEASE },
      { name: "var/lib/dpkg/", type: "directory" },
      { name: "var/lib/dpkg/status", content: STATUS },
    ],
  ]);
  const registry = await startRegistry();
  try {
    const src = new LayoutStore(await OciLayout.open(join(dir, "layout")));
    const remote = await openLocation(`docker://${registry.host}/team/base:1`);
    await copyImage(src, image.tag, remote.store, { tags: ["1"] });

    const local = await openTarget(`oci:${join(dir, "layout")}:${image.tag}`);
    const pulled = await openTarget(`${registry.host}/team/base@${image.digest}`);
    try {
      const a = await generateSbom(local.source, { created: new Date(0) });
      const b = await generateSbom(pulled.source, { created: new Date(0) });
      const purls = (d: typeof a) => d.components.map((c) => c.purl).filter(Boolean).sort();
      assert.deepEqual(purls(b), purls(a));
      assert.ok(purls(a).some((p) => p!.startsWith("pkg:deb/debian/zlib1g@")), "the dpkg cataloger found zlib1g");
      assert.equal(b.subject.name, `${registry.host}/team/base@${image.digest}`);
    } finally {
      await local.close();
      await pulled.close();
    }
    // The temporary layout of the pull is gone.
    assert.equal((await readdir(tmpdir())).filter((n) => n.startsWith("mk-sbom-pull-")).length, 0);
    await assert.rejects(openTarget(`${registry.host}/team/missing:1`), (e: Error & { code?: string }) => e.code === "E_NOT_FOUND" || e.code === "E_OCI");
  } finally {
    await registry.stop();
  }
});
