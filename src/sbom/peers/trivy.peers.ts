/**
 * Mailknight against trivy on real trees (npm run test:sbom-peers; slow the first time:
 * mmdebstrap builds the Debian trees, cached afterwards). For each input, the sets of
 * (type, name, version) must agree both ways to at least 99 %, and OS packages must carry the
 * same PURL (qualifiers included). Every difference is printed, and written to
 * .mailknight/test-cache/sbom/peers-report.json.
 */
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateSbom } from "../generate.js";
import { parsePurl } from "../purl.js";
import { OciImageSource } from "../source/oci.js";
import { RootfsSource } from "../source/rootfs.js";
import type { FileSource } from "../source/types.js";
import { CACHE } from "../testing/cache.js";
import { compareSets, keysOfCycloneDx, type Comparison } from "../testing/compare.js";
import { debianImage, debianRootfs, runTrivy, type RootfsName } from "../testing/peers.js";
import { rpmRoot } from "../testing/rpmdb.js";
import { toCycloneDx } from "../writers/cyclonedx.js";
import { cp, mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";

const report: Record<string, Comparison & { mailknightMs: number; trivyMs: number }> = {};

after(async () => {
  await mkdir(CACHE, { recursive: true });
  await writeFile(join(CACHE, "peers-report.json"), JSON.stringify(report, null, 2) + "\n");
});

/** OS package PURLs, canonical (qualifiers sorted), so `arch`, `distro` and `epoch` are compared too. */
function osPurls(bom: { components?: { purl?: string }[] }): Set<string> {
  const out = new Set<string>();
  for (const c of bom.components ?? []) {
    const p = c.purl ? parsePurl(c.purl) : undefined;
    if (p && ["deb", "apk", "rpm"].includes(p.type)) out.add(p.toString());
  }
  return out;
}

async function check(label: string, source: FileSource, trivyKind: "rootfs" | "image", trivyTarget: string): Promise<void> {
  const started = Date.now();
  const doc = await generateSbom(source, { created: new Date(0) });
  const mailknightMs = Date.now() - started;
  const ours = toCycloneDx(doc) as { components?: { purl?: string }[] };
  const trivy = await runTrivy(trivyKind, trivyTarget);
  const cmp = compareSets(keysOfCycloneDx(ours), keysOfCycloneDx(trivy.bom));
  report[label] = { ...cmp, mailknightMs, trivyMs: trivy.wallMs };
  console.log(`${label}: ours ${cmp.ours}, trivy ${cmp.theirs}, common ${cmp.common}; only ours: ${JSON.stringify(cmp.onlyOurs)}; only trivy: ${JSON.stringify(cmp.onlyTheirs)}; ${mailknightMs} ms vs ${trivy.wallMs} ms`);
  assert.ok(cmp.common > 0, `${label}: nothing in common — a broken comparison, not agreement`);
  assert.ok(cmp.recall >= 0.99, `${label}: only ${(cmp.recall * 100).toFixed(1)} % of trivy's packages found; missing ${cmp.onlyTheirs.join(", ")}`);
  assert.ok(cmp.precision >= 0.99, `${label}: only ${(cmp.precision * 100).toFixed(1)} % of ours are in trivy's; extra ${cmp.onlyOurs.join(", ")}`);
  const oursOs = osPurls(ours);
  const theirsOs = osPurls(trivy.bom);
  assert.deepEqual([...oursOs].filter((p) => !theirsOs.has(p)), [], `${label}: OS PURLs trivy does not write`);
  assert.deepEqual([...theirsOs].filter((p) => !oursOs.has(p)), [], `${label}: trivy's OS PURLs we do not write`);
}

for (const name of ["minbase", "extra", "big"] as RootfsName[]) {
  test(`rootfs ${name}: the same packages as trivy`, { timeout: 30 * 60_000 }, async () => {
    const root = await debianRootfs(name);
    await check(`rootfs:${name}`, await RootfsSource.open(root), "rootfs", root);
  });
}

test("image minbase (OCI layout, read layer by layer): the same packages as trivy image --input", { timeout: 30 * 60_000 }, async () => {
  const layout = await debianImage("minbase");
  await check("image:minbase", await OciImageSource.open(layout, "img:1"), "image", layout);
});

test("Alpine-style tree (apk installed database): the same packages and PURLs as trivy", async () => {
  const root = await mkdtemp(join(tmpdir(), "mk-peer-alpine-"));
  await mkdir(join(root, "etc"), { recursive: true });
  await mkdir(join(root, "lib/apk/db"), { recursive: true });
  await writeFile(join(root, "etc/os-release"), 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\n');
  await writeFile(join(root, "etc/alpine-release"), "3.19.1\n");
  await writeFile(
    join(root, "lib/apk/db/installed"),
    "P:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nL:MIT\np:so:libc.musl-x86_64.so.1=1\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\nL:GPL-2.0-only\nD:so:libc.musl-x86_64.so.1\n\nP:ca-certificates-bundle\nV:20230506-r0\nA:x86_64\nL:MPL-2.0 AND MIT\n\n",
  );
  await check("rootfs:alpine-synthetic", await RootfsSource.open(root), "rootfs", root);
});

test("RHEL-style tree (rpmdb.sqlite written by rpm): the same packages and PURLs as trivy", async () => {
  const rpm = await rpmRoot();
  const root = await mkdtemp(join(tmpdir(), "mk-peer-rhel-"));
  await mkdir(join(root, "etc"), { recursive: true });
  await writeFile(join(root, "etc/os-release"), 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nID_LIKE="fedora"\nVERSION_ID="9.4"\n');
  await writeFile(join(root, "etc/redhat-release"), "Red Hat Enterprise Linux release 9.4 (Plow)\n");
  await cp(join(rpm, "var"), join(root, "var"), { recursive: true });
  await check("rootfs:rhel-synthetic", await RootfsSource.open(root), "rootfs", root);
});

test("language packages: a real npm install and Go binaries with dependencies, against trivy", { timeout: 30 * 60_000 }, async () => {
  // Fixtures of the parsers' own suite: `npm install` from the registry, Go builds through a local GOPROXY.
  const { npmFixture } = await import("../parsers/testing/npm-fixtures.js");
  const { goFixtures } = await import("../parsers/testing/go-fixtures.js");
  const npm = await npmFixture();
  const go = await goFixtures();
  const root = await mkdtemp(join(tmpdir(), "mk-peer-lang-"));
  await cp(npm.project, join(root, "app"), { recursive: true, verbatimSymlinks: true });
  await mkdir(join(root, "usr/bin"), { recursive: true });
  for (const name of ["deps-ldflags-vcs", "deps-pie", "deps-stripped", "hello-nocgo", "local-trimpath-cgo"] as const) {
    await cp(go.bin[name], join(root, "usr/bin", name));
  }
  await check("rootfs:languages", await RootfsSource.open(root), "rootfs", root);
});
