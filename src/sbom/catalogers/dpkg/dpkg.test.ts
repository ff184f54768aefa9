/**
 * dpkg against dpkg itself: the packages we list from a status file are the ones
 * `dpkg-query --admindir` calls installed, with the same versions and architectures. Plus the
 * distroless status.d layout, dependency edges through Provides, DEP-5 licenses and a corrupt
 * status file.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { memoryView } from "../../testing/tree.js";
import { cataloger } from "./index.js";
import { dep5Licenses } from "./copyright.js";

const DISTRO = { id: "debian", versionId: "12", release: "12.5", idLike: [] };

const STATUS = `Package: libc6
Status: install ok installed
Priority: optional
Architecture: amd64
Multi-Arch: same
Source: glibc
Version: 2.36-9+deb12u4
Provides: libc6-x86-64
Depends: libgcc-s1
Maintainer: GNU Libc Maintainers <debian-glibc@lists.debian.org>
Description: GNU C Library: Shared libraries
 Contains the standard libraries.

Package: libgcc-s1
Status: install ok installed
Architecture: amd64
Source: gcc-12 (12.2.0-14)
Version: 12.2.0-14
Depends: gcc-12-base (= 12.2.0-14), libc6 (>= 2.35)

Package: gcc-12-base
Status: install ok installed
Architecture: amd64
Version: 12.2.0-14

Package: bsdutils
Status: install ok installed
Architecture: amd64
Source: util-linux (2.38.1-5+deb12u3)
Version: 1:2.38.1-5+deb12u3
Pre-Depends: libc6 (>= 2.34), libsystemd0 | libc6-x86-64

Package: removed-pkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0

Package: half
Status: install reinstreq half-installed
Architecture: amd64
Version: 2.0
`;

test("the installed set matches dpkg-query on the same status file", async () => {
  const admin = await mkdtemp(join(tmpdir(), "mk-dpkg-"));
  await mkdir(join(admin, "info"), { recursive: true });
  await writeFile(join(admin, "status"), STATUS);
  const q = spawnSync("dpkg-query", ["--admindir", admin, "-W", "-f", "${db:Status-Status} ${Package}:${Architecture} ${Version}\\n"], { encoding: "utf8" });
  assert.equal(q.status, 0, q.stderr);
  const oracle = q.stdout.split("\n").filter((l) => l.startsWith("installed ")).map((l) => l.slice("installed ".length)).sort();
  const r = cataloger.catalog({ files: memoryView({ "/var/lib/dpkg/status": STATUS }), distro: DISTRO });
  assert.deepEqual(r.components.map((c) => `${c.name}:${c.properties["mailknight:dpkg:architecture"]} ${c.version}`).sort(), oracle);
  assert.deepEqual(r.warnings, []);
});

test("PURLs, source packages and dependency edges", () => {
  const r = cataloger.catalog({ files: memoryView({ "/var/lib/dpkg/status": STATUS }), distro: DISTRO });
  const by = new Map(r.components.map((c) => [c.name, c]));
  const bsd = by.get("bsdutils")!;
  assert.equal(bsd.purl, "pkg:deb/debian/bsdutils@2.38.1-5+deb12u3?arch=amd64&distro=debian-12.5&epoch=1");
  assert.equal(bsd.version, "1:2.38.1-5+deb12u3");
  assert.equal(bsd.properties["mailknight:dpkg:source"], "util-linux");
  // libsystemd0 is not installed; the alternative is satisfied through libc6's Provides.
  assert.deepEqual(bsd.dependsOn, [by.get("libc6")!.ref]);
  assert.deepEqual(by.get("libgcc-s1")!.dependsOn, [by.get("gcc-12-base")!.ref, by.get("libc6")!.ref].sort());
  assert.equal(by.get("libgcc-s1")!.properties["mailknight:dpkg:sourceVersion"], "12.2.0-14");
  assert.equal(by.get("libc6")!.supplier, "GNU Libc Maintainers <debian-glibc@lists.debian.org>");
});

test("distroless status.d files, one package each; md5sums files are not packages", () => {
  const r = cataloger.catalog({
    files: memoryView({
      "/var/lib/dpkg/status.d/base-files": "Package: base-files\nVersion: 12.4+deb12u5\nArchitecture: amd64\n",
      "/var/lib/dpkg/status.d/base-files.md5sums": "d41d8cd98f00b204e9800998ecf8427e  etc/issue\n",
      "/var/lib/dpkg/status.d/tzdata": "Package: tzdata\nVersion: 2024a-0+deb12u1\nArchitecture: all\n",
    }),
    distro: DISTRO,
  });
  assert.deepEqual(r.components.map((c) => c.purl), [
    "pkg:deb/debian/base-files@12.4+deb12u5?arch=amd64&distro=debian-12.5",
    "pkg:deb/debian/tzdata@2024a-0+deb12u1?arch=all&distro=debian-12.5",
  ]);
  assert.deepEqual(r.components[0]!.locations, ["/var/lib/dpkg/status.d/base-files"]);
});

test("licenses come from DEP-5 copyright files only, as SPDX where known", () => {
  const dep5 = `Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: x

Files: *
Copyright: 2000 A
License: GPL-2+ or Artistic

Files: lib/*
License: BSD-3-clause

Files: weird/*
License: public-domain

License: GPL-2+
 The full text.
`;
  assert.deepEqual(dep5Licenses(dep5), ["BSD-3-Clause", "GPL-2.0-or-later", "GPL-2.0-or-later OR Artistic-1.0", "public-domain"]);
  assert.deepEqual(dep5Licenses("This package was debianized by someone.\nIt is GPL.\n"), [], "free-form copyright files are not guessed at");
  const r = cataloger.catalog({
    files: memoryView({ "/var/lib/dpkg/status": STATUS, "/usr/share/doc/libc6/copyright": dep5 }),
    distro: DISTRO,
  });
  const libc = r.components.find((c) => c.name === "libc6")!;
  assert.equal(libc.licenses.length, 4);
  assert.ok(libc.locations.includes("/usr/share/doc/libc6/copyright"));
});

test("a corrupt status file gives warnings and the packages that are still readable", () => {
  const corrupt = `Package: good\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\n\u0000\u0001garbage line without colon\n continuation after garbage\nPackage: \nVersion: 1\n\nPackage: noversion\nStatus: install ok installed\n\nPackage: BAD NAME\nVersion: 1\n`;
  const r = cataloger.catalog({ files: memoryView({ "/var/lib/dpkg/status": corrupt }), distro: DISTRO });
  assert.deepEqual(r.components.map((c) => c.name), ["good"]);
  assert.ok(r.warnings.length >= 3, r.warnings.join("\n"));
  for (const w of r.warnings) assert.match(w, /^\/var\/lib\/dpkg\/status: /);
});

test("without os-release the namespace is debian and there is no distro qualifier", () => {
  const r = cataloger.catalog({ files: memoryView({ "/var/lib/dpkg/status": STATUS }) });
  assert.equal(r.components.find((c) => c.name === "gcc-12-base")!.purl, "pkg:deb/debian/gcc-12-base@12.2.0-14?arch=amd64");
});
