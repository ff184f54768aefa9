/**
 * Writers: every feature of the model (OS, libraries, the patched project with pedigree,
 * licenses that are ids, expressions and plain names, hashes, edges, locations) renders to
 * documents the official CycloneDX 1.6 and SPDX 2.3 schemas accept, byte-identically on every
 * run, with serial numbers that follow the subject and the content.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import type { SbomDocument } from "../model.js";
import { renderSbom } from "../render.js";
import { validateCycloneDx16, validateSpdx23 } from "../testing/schemas.js";
import { toCycloneDx } from "./cyclonedx.js";
import { toSpdx } from "./spdx.js";

function doc(): SbomDocument {
  return {
    subject: { kind: "image", name: "oci:/layout:greeter:v1.1.0", digest: `sha256:${"c".repeat(64)}`, properties: { "mailknight:variant": "distroless" } },
    created: "2026-01-01T00:00:00Z",
    catalogers: [{ id: "dpkg", version: "1" }],
    tool: { name: "mailknight", version: "0.1.0" },
    warnings: [],
    components: [
      { ref: "os:debian@12.5", type: "operating-system", name: "debian", version: "12.5", licenses: [], hashes: [], locations: ["/etc/os-release"], dependsOn: [], properties: {}, cataloger: "os-release" },
      {
        ref: "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12.5",
        purl: "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12.5",
        type: "library",
        name: "libc6",
        version: "2.36-9",
        licenses: ["GPL-2.0-or-later OR Artistic-1.0", "LGPL-2.1-only", "public-domain"],
        hashes: [],
        locations: ["/var/lib/dpkg/status"],
        dependsOn: ["pkg:npm/%40scope/x@1.0.0"],
        properties: { "mailknight:dpkg:source": "glibc" },
        supplier: "GNU Libc Maintainers <debian-glibc@lists.debian.org>",
        cataloger: "dpkg",
      },
      {
        ref: "pkg:npm/%40scope/x@1.0.0",
        purl: "pkg:npm/%40scope/x@1.0.0",
        type: "library",
        name: "x",
        group: "@scope",
        version: "1.0.0",
        licenses: ["MIT OR Apache-2.0"],
        hashes: [{ alg: "SHA-512", content: "ab".repeat(64) }],
        locations: ["/app/node_modules/@scope/x/package.json"],
        dependsOn: [],
        properties: {},
        cataloger: "npm",
      },
      {
        ref: "pkg:github/example/greeter@v1.1.0",
        purl: "pkg:github/example/greeter@v1.1.0",
        type: "application",
        name: "greeter",
        version: "v1.1.0",
        licenses: ["MIT"],
        hashes: [],
        locations: [],
        dependsOn: [],
        properties: { "mailknight:patch:0001-fix.patch": `sha256:${"a".repeat(64)}` },
        cataloger: "project",
        externalReferences: [{ type: "vcs", url: "https://github.com/example/greeter" }],
        pedigree: {
          ancestor: { name: "greeter", version: "v1.1.0", purl: "pkg:github/example/greeter@v1.1.0", commit: "6afd6d490d41fca2bfb31664dcb78c118f362020", hashes: [{ alg: "SHA-256", content: "d".repeat(64) }] },
          patches: [{ name: "0001-fix.patch", digest: `sha256:${"a".repeat(64)}`, path: "patches/greeter/v1.1.0/0001-fix.patch", commit: "b".repeat(40), text: "--- a/x\n+++ b/x\n" }],
        },
      },
    ],
  };
}

test("CycloneDX 1.6: valid against the official schema, with pedigree, occurrences and edges", () => {
  const json = toCycloneDx(doc());
  assert.deepEqual(validateCycloneDx16(json), []);
  assert.equal(json.specVersion, "1.6");
  assert.match(json.serialNumber as string, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  assert.equal((json.metadata as { timestamp: string }).timestamp, "2026-01-01T00:00:00.000Z");
  const comps = json.components as Record<string, unknown>[];
  const project = comps.find((c) => c.name === "greeter")!;
  const pedigree = project.pedigree as { ancestors: { purl: string }[]; patches: { type: string; diff: { url: string } }[]; commits: { uid: string }[] };
  assert.equal(pedigree.ancestors[0]!.purl, "pkg:github/example/greeter@v1.1.0");
  assert.equal(pedigree.patches[0]!.diff.url, "patches/greeter/v1.1.0/0001-fix.patch");
  assert.deepEqual(pedigree.commits.map((c) => c.uid), ["6afd6d490d41fca2bfb31664dcb78c118f362020", "b".repeat(40)]);
  const libc = comps.find((c) => c.name === "libc6")!;
  assert.deepEqual((libc.evidence as { occurrences: unknown[] }).occurrences, [{ location: "/var/lib/dpkg/status" }]);
  // A compound expression among others: one expression joining them, as the schema allows.
  // A compound expression next to a plain name cannot be one SPDX expression: each entry stands alone.
  const sorted = (l: unknown) => (l as unknown[]).map((x) => JSON.stringify(x)).sort();
  assert.deepEqual(sorted(libc.licenses), sorted([{ license: { name: "GPL-2.0-or-later OR Artistic-1.0" } }, { license: { id: "LGPL-2.1-only" } }, { license: { name: "public-domain" } }]));
  const npm = comps.find((c) => c.name === "x")!;
  assert.deepEqual(npm.licenses, [{ expression: "MIT OR Apache-2.0" }]);
  const deps = json.dependencies as { ref: string; dependsOn?: string[] }[];
  assert.deepEqual(deps.find((d) => d.ref === "pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12.5")!.dependsOn, ["pkg:npm/%40scope/x@1.0.0"]);
  assert.equal(deps.find((d) => d.ref === "mailknight:subject")!.dependsOn!.length, 4);
});

test("SPDX 2.3: valid against the schema; unknown licenses become LicenseRefs", () => {
  const json = toSpdx(doc());
  assert.deepEqual(validateSpdx23(json), []);
  const pkgs = json.packages as Record<string, unknown>[];
  const libc = pkgs.find((p) => p.name === "libc6")!;
  assert.match(libc.licenseDeclared as string, /^\(GPL-2\.0-or-later OR Artistic-1\.0\) AND LGPL-2\.1-only AND LicenseRef-public-domain-[0-9a-f]{8}$/);
  assert.equal(libc.supplier, "Organization: GNU Libc Maintainers (debian-glibc@lists.debian.org)");
  const extracted = json.hasExtractedLicensingInfos as { licenseId: string; name: string }[];
  assert.deepEqual(extracted.map((e) => e.name), ["public-domain"]);
  const rels = json.relationships as { relationshipType: string }[];
  assert.equal(rels.filter((r) => r.relationshipType === "CONTAINS").length, 4);
  assert.equal(rels.filter((r) => r.relationshipType === "DEPENDS_ON").length, 1);
  assert.match(pkgs.find((p) => p.name === "greeter")!.comment as string, /Patched downstream of greeter v1\.1\.0 .*0001-fix\.patch sha256:a{64}/);
});

test("output is byte-identical across runs; the serial follows subject and content", () => {
  for (const format of ["cyclonedx-json", "spdx-json"] as const) assert.equal(renderSbom(doc(), format), renderSbom(doc(), format));
  const a = toCycloneDx(doc()).serialNumber;
  const other = doc();
  other.subject.digest = `sha256:${"e".repeat(64)}`;
  assert.notEqual(toCycloneDx(other).serialNumber, a);
  const changed = doc();
  changed.components[1]!.version = "2.36-10";
  assert.notEqual(toCycloneDx(changed).serialNumber, a);
});
