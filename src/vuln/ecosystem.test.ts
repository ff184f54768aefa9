import { test } from "node:test";
import assert from "node:assert/strict";
import { formatEcosystem, normalizeName, parseEcosystem, parsePurl, releaseCovers, targetForPurl, type DistroHint } from "./ecosystem.js";

function target(purl: string, hint?: DistroHint) {
  const p = parsePurl(purl);
  assert.ok(p, `${purl} parses`);
  return targetForPurl(p, hint);
}

test("PURL → OSV ecosystem, lookup name, compare version, display name", () => {
  const cases: [string, string, string, string, string][] = [
    // purl, ecosystem, lookup name, compare version, display name
    ["pkg:npm/jquery@3.3.9", "npm", "jquery", "3.3.9", "jquery"],
    ["pkg:npm/%40babel/core@7.0.0", "npm", "@babel/core", "7.0.0", "@babel/core"],
    ["pkg:pypi/Zope.Interface@5.0", "PyPI", "zope-interface", "5.0", "zope.interface"],
    ["pkg:golang/github.com/gin-gonic/gin@v1.5.0", "Go", "github.com/gin-gonic/gin", "1.5.0", "github.com/gin-gonic/gin"],
    ["pkg:golang/stdlib@go1.22.1", "Go", "stdlib", "1.22.1", "stdlib"],
    ["pkg:maven/org.xwiki.commons/xwiki-commons-core@12.6.6?type=jar", "Maven", "org.xwiki.commons:xwiki-commons-core", "12.6.6", "org.xwiki.commons:xwiki-commons-core"],
    ["pkg:cargo/serde@1.0.0", "crates.io", "serde", "1.0.0", "serde"],
    ["pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&upstream=glibc&distro=debian-12.5", "Debian:12", "glibc", "2.36-9+deb12u4", "libc6"],
    ["pkg:deb/debian/libc6@2.28-10+b1?upstream=glibc%402.28-10&distro=debian-10", "Debian:10", "glibc", "2.28-10", "libc6"],
    ["pkg:deb/debian/bash@5.2-1?distro=bookworm", "Debian:12", "bash", "5.2-1", "bash"],
    ["pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl&distro=3.19.1", "Alpine:v3.19", "openssl", "3.1.4-r5", "libcrypto3"],
    ["pkg:apk/wolfi/openssl@3.2.1-r0?arch=x86_64", "Wolfi", "openssl", "3.2.1-r0", "openssl"],
    ["pkg:apk/chainguard/glibc@2.39-r1", "Chainguard", "glibc", "2.39-r1", "glibc"],
    ["pkg:rpm/redhat/openssl@1.1.1k-7.el8_6?arch=x86_64&epoch=1&distro=rhel-8.6", "Red Hat:8", "openssl", "1:1.1.1k-7.el8_6", "openssl"],
    ["pkg:rpm/rocky/bash@5.1.8-6.el9?distro=rocky-9.3", "Rocky Linux:9", "bash", "5.1.8-6.el9", "bash"],
    ["pkg:rpm/almalinux/curl@7.76.1-26.el9?distro=almalinux-9.3&upstream=curl-7.76.1-26.el9.src.rpm", "AlmaLinux:9", "curl", "7.76.1-26.el9", "curl"],
    ["pkg:deb/ubuntu/openssl@1.0.2g-1ubuntu4.15?distro=ubuntu-16.04", "Ubuntu:16.04", "openssl", "1.0.2g-1ubuntu4.15", "openssl"],
  ];
  for (const [purl, eco, lookup, cmp, display] of cases) {
    const t = target(purl);
    assert.ok(t.ok, `${purl}: ${t.ok ? "" : t.reason}`);
    assert.equal(formatEcosystem(t.target.ecosystem), eco, purl);
    assert.equal(t.target.lookupName, lookup, purl);
    assert.equal(t.target.compareVersion, cmp, purl);
    assert.equal(t.target.displayName, display, purl);
  }
});

test("the distribution comes from a hint when the PURL has no distro qualifier", () => {
  const t = target("pkg:deb/debian/libc6@2.28-10?arch=amd64", { name: "debian", version: "10" });
  assert.ok(t.ok);
  assert.equal(formatEcosystem(t.target.ecosystem), "Debian:10");
  assert.equal(t.target.binaryNameOnly, true, "no upstream= qualifier: looked up by binary name");
  const noNs = target("pkg:deb/libc6@2.28-10", { name: "debian", version: "10" });
  assert.ok(noNs.ok);
  assert.equal(formatEcosystem(noNs.target.ecosystem), "Debian:10");
});

test("unsupported or incomplete PURLs say why", () => {
  for (const [purl, re] of [
    ["pkg:generic/openssl@3.0.0", /no OSV ecosystem for package URL type "generic"/],
    ["pkg:npm/jquery", /no version/],
    ["pkg:rpm/fedora/bash@5.2-1", /no OSV ecosystem for rpm packages of "fedora"/],
    ["pkg:deb/constructor/x@1", /no OSV ecosystem/],
  ] as const) {
    const t = target(purl);
    assert.equal(t.ok, false, purl);
    if (!t.ok) assert.match(t.reason, re, purl);
  }
  assert.equal(parsePurl("not a purl"), undefined);
});

test("OSV ecosystem strings split into base and release", () => {
  assert.deepEqual(parseEcosystem("Debian:12"), { base: "Debian", release: "12" });
  assert.deepEqual(parseEcosystem("Red Hat:enterprise_linux:8::appstream"), { base: "Red Hat", release: "enterprise_linux:8::appstream" });
  assert.deepEqual(parseEcosystem("npm"), { base: "npm" });
  assert.equal(formatEcosystem({ base: "Alpine", release: "v3.19" }), "Alpine:v3.19");
});

test("release coverage: release-less records cover all; a release must be one of the record's fields", () => {
  assert.equal(releaseCovers(undefined, "12"), true);
  assert.equal(releaseCovers(undefined, undefined), true);
  assert.equal(releaseCovers("12", "12"), true);
  assert.equal(releaseCovers("11", "12"), false);
  assert.equal(releaseCovers("12", undefined), false, "unknown component release never guesses");
  assert.equal(releaseCovers("enterprise_linux:8::appstream", "8"), true);
  assert.equal(releaseCovers("enterprise_linux:9::appstream", "8"), false);
  assert.equal(releaseCovers("16.04:LTS", "16.04"), true);
});

test("PyPI names are PEP 503-normalised, others are exact", () => {
  assert.equal(normalizeName("PyPI", "Foo__Bar.baz"), "foo-bar-baz");
  assert.equal(normalizeName("npm", "Foo_Bar"), "Foo_Bar");
});
