/**
 * Test helper: a real rpmdb.sqlite written by rpm itself. One spec with many subpackages (so
 * the Packages table spans interior b-tree pages) and one package with hundreds of Provides (so
 * its header blob spills onto overflow pages), built with rpmbuild and registered with
 * `rpm --justdb`. `rpm -qa` on the same database is the oracle.
 */
import { readdirSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { cached, sh } from "./cache.js";

const SUBPACKAGES = 60;

function spec(): string {
  const lines = [
    "Name: mk-main",
    "Version: 1.2.3",
    "Release: 4.el9",
    "Epoch: 2",
    "Summary: main test package",
    "License: GPLv2+ and MIT",
    "URL: https://example.org/mk-main",
    "Requires: mk-sub1",
    ...Array.from({ length: 400 }, (_, j) => `Provides: mk-virtual-${j} = 1.0`),
    "%description",
    "main",
  ];
  for (let i = 1; i <= SUBPACKAGES; i++) {
    lines.push(`%package -n mk-sub${i}`, `Summary: sub ${i}`, `License: ${i % 2 ? "ASL 2.0" : "BSD"}`);
    if (i === 2) lines.push("Requires: mk-virtual-5");
    lines.push(`%description -n mk-sub${i}`, `sub ${i}`, `%files -n mk-sub${i}`);
  }
  lines.push("%files", "");
  return lines.join("\n");
}

/** A directory with `var/lib/rpm/rpmdb.sqlite` holding SUBPACKAGES + 1 packages. */
export async function rpmRoot(): Promise<string> {
  return await cached("rpmroot", async (dir) => {
    const top = join(dir, "rpmbuild");
    await mkdir(join(top, "SPECS"), { recursive: true });
    await writeFile(join(top, "SPECS", "mk.spec"), spec());
    sh("rpmbuild", ["--define", `_topdir ${top}`, "--define", "_build_id_links none", "--target", "noarch", "-bb", join(top, "SPECS", "mk.spec")]);
    const rpmsDir = join(top, "RPMS", "noarch");
    const rpms = readdirSync(rpmsDir).map((f) => join(rpmsDir, f));
    const root = join(dir, "root");
    await mkdir(root, { recursive: true });
    sh("rpm", ["--root", root, "--dbpath", "/var/lib/rpm", "--initdb"]);
    sh("rpm", ["--root", root, "--dbpath", "/var/lib/rpm", "-i", "--nodeps", "--justdb", "--noscripts", ...rpms]);
  }).then((d) => join(d, "root"));
}

/** `name epoch:version-release arch` per installed package, from rpm itself. */
export function rpmQueryAll(root: string): string[] {
  const out = sh("rpm", ["--root", root, "--dbpath", "/var/lib/rpm", "-qa", "--qf", "%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE} %{ARCH}\\n"]);
  return out.split("\n").filter(Boolean).sort();
}
