import assert from "node:assert/strict";
import { test } from "node:test";
import { compareStatements, isExpired, latest, selectStatement, statementApplies, timeKey } from "./match.js";
import { parsePurl, purlMatches } from "./purl.js";
import { finding, stmt, type ProductInit } from "./testing/fixtures.js";

const IMG = "pkg:oci/argocd@sha256:" + "a".repeat(64);
const OTHER_IMG = "pkg:oci/argocd@sha256:" + "b".repeat(64);
const now = new Date("2025-06-01T00:00:00Z");

function m(pattern: string, candidate: string): boolean {
  return purlMatches(parsePurl(pattern)!, parsePurl(candidate)!);
}

test("PURL matching: version-less matches every version; version and qualifiers must match when given", () => {
  const trivy = "pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64&distro=3.10.2";
  assert.ok(m("pkg:apk/alpine/libcrypto1.1", trivy));
  assert.ok(m("pkg:apk/alpine/libcrypto1.1@1.1.1c-r0", trivy));
  assert.ok(m("pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64", trivy));
  assert.ok(!m("pkg:apk/alpine/libcrypto1.1@1.1.1d-r0", trivy), "other version");
  assert.ok(!m("pkg:apk/alpine/libcrypto1.1?arch=aarch64", trivy), "other arch");
  assert.ok(!m("pkg:apk/alpine/libssl1.1", trivy), "other name");
  assert.ok(!m("pkg:apk/wolfi/libcrypto1.1", trivy), "other namespace");
  assert.ok(!m("pkg:deb/alpine/libcrypto1.1", trivy), "other type");
  assert.ok(!m("pkg:apk/alpine/libcrypto1.1?distro=3.11", trivy), "qualifier in the statement must be present with the same value");
  assert.ok(!m("pkg:apk/alpine/libcrypto1.1@1.1.1c-r0?arch=x86_64&repo=x", trivy), "a qualifier the candidate lacks");
  // pypi names normalise (packageurl-js): Django == django
  assert.ok(m("pkg:pypi/django@3.2.9", "pkg:pypi/Django@3.2.9"));
  // OCI: digest identifies content whatever the repository name; percent-encoded ':' decodes
  assert.ok(m("pkg:oci/alpine@sha256%3A" + "a".repeat(64), "pkg:oci/argocd@sha256:" + "a".repeat(64) + "?repository_url=ghcr.io/x/argocd"));
  assert.ok(!m(IMG, OTHER_IMG));
  assert.ok(m("pkg:oci/argocd", IMG), "version-less image PURL covers every digest of that name");
  assert.ok(!m("pkg:oci/vexctl", IMG));
  assert.ok(!m(IMG, "pkg:oci/argocd"), "a digest-pinned statement does not cover an undigested subject");
});

test("vulnerability matches by id or alias, case-insensitively", () => {
  const f = finding({ id: "CVE-2021-44420", aliases: ["GHSA-v6rh-hp5x-86rv"], purl: "pkg:pypi/django@3.2.9" });
  const on = (vulnerability: string, aliases: string[] = []) => statementApplies(stmt({ vulnerability, aliases, products: ["pkg:pypi/django"] }), f, { purls: [] });
  assert.ok(on("CVE-2021-44420"));
  assert.ok(on("ghsa-v6rh-hp5x-86rv"), "statement names the finding's alias");
  assert.ok(on("SNYK-1", ["CVE-2021-44420"]), "statement alias is the finding id");
  assert.ok(!on("CVE-2021-44421"));
});

test("product rules: package PURL, whole image, image subcomponents; another product never applies", () => {
  const f = finding({ purl: "pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64" });
  const subject = { purls: [IMG] };
  const applies = (products: ProductInit, s = subject) => statementApplies(stmt({ products }), f, s);
  assert.ok(applies(["pkg:apk/alpine/libssl3"]), "package PURL, version-less");
  assert.ok(applies([IMG]), "the image with no subcomponents = whole image");
  assert.ok(!applies([OTHER_IMG]), "another image");
  assert.ok(!applies(["pkg:oci/alpine"]), "another image name, no digest");
  const withSubs = (image: string, subs: string[]) => ({ id: image, purl: image, subcomponents: subs.map((s) => ({ id: s, purl: s })) });
  assert.ok(applies([withSubs(IMG, ["pkg:apk/alpine/libssl3@3.0.8-r3", "pkg:apk/alpine/libcrypto3@3.0.8-r3"])]));
  assert.ok(!applies([withSubs(IMG, ["pkg:apk/alpine/libcrypto3@3.0.8-r3"])]), "subcomponent list without the finding's package");
  assert.ok(!applies([withSubs(OTHER_IMG, ["pkg:apk/alpine/libssl3"])]), "right subcomponent, wrong image");
  assert.ok(!applies([withSubs(IMG, ["pkg:apk/alpine/libssl3"])], { purls: [] }), "subcomponents need the subject to be known");
  assert.ok(!applies([{ id: "CSAFPID-0001", name: "Example ABC 4.2", subcomponents: [] }]), "named-only product");
  assert.ok(!applies([{ id: "x", purl: "pkg:apk/alpine/libssl3", versionRange: "vers:generic/>=2.9|<=4.1", subcomponents: [] }]), "unevaluable range never applies");
  assert.ok(applies([{ id: "x", purl: "pkg:apk/alpine/libssl3", versionRange: "vers:all/*", subcomponents: [] }]));
});

test("latest statement wins; ties go to the more conservative status, then a stable source order", () => {
  const f = finding();
  const older = stmt({ status: "affected", actionStatement: "upgrade", timestamp: "2024-01-01T00:00:00Z" });
  const newer = stmt({ status: "not_affected", timestamp: "2024-01-02T00:00:00Z" });
  assert.equal(selectStatement([older, newer], f, { purls: [] }, now).statement, newer);
  assert.equal(selectStatement([newer, older], f, { purls: [] }, now).statement, newer, "input order does not matter");
  // nanosecond precision (Go writes nine digits): 05:04:34.779299220 < 05:04:34.779299221
  const a = stmt({ timestamp: "2023-12-05T05:04:34.77929922Z", status: "fixed" });
  const b = stmt({ timestamp: "2023-12-05T05:04:34.779299221Z", status: "not_affected" });
  assert.equal(latest([a, b]), b);
  assert.ok(timeKey("2023-12-05T05:04:34.77929922Z")! < timeKey("2023-12-05T05:04:34.779299221Z")!);
  assert.equal(timeKey("2023-12-05T00:00:00-06:00"), timeKey("2023-12-05T06:00:00Z"), "offsets normalise");
  // equal timestamps: affected beats not_affected whichever comes first
  const tieA = stmt({ status: "affected", actionStatement: "x" });
  const tieN = stmt({ status: "not_affected" });
  assert.equal(latest([tieA, tieN]), tieA);
  assert.equal(latest([tieN, tieA]), tieA);
  // fully equal but for the source: decided by document id, never by input order
  const s1 = stmt({ source: { format: "openvex", file: "a.json", documentId: "urn:a", path: "statements[0]" } });
  const s2 = stmt({ source: { format: "openvex", file: "b.json", documentId: "urn:b", path: "statements[0]" } });
  assert.equal(latest([s1, s2]), latest([s2, s1]));
  assert.ok(compareStatements(s1, s2) < 0);
  // no timestamp sorts oldest
  assert.equal(latest([stmt({ timestamp: undefined, status: "affected" }), newer]), newer);
});

test("an expired statement does not count and does not let an older one take over", () => {
  const f = finding();
  const s = stmt({ expires: "2025-01-01T00:00:00Z" });
  assert.ok(isExpired(s, now));
  assert.ok(!isExpired(s, new Date("2024-12-31T23:59:59Z")));
  assert.ok(isExpired(stmt({ expires: "not a date" }), now), "an unreadable expiry fails closed");
  const older = stmt({ timestamp: "2023-01-01T00:00:00Z" });
  const sel = selectStatement([older, s], f, { purls: [] }, now);
  assert.equal(sel.statement, s);
  assert.equal(sel.expired, true);
  assert.equal(sel.applicable, 2);
});
