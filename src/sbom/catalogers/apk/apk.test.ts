/** apk: records, PURLs as trivy writes them (checked against trivy in the peers suite), edges through provides. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryView } from "../../testing/tree.js";
import { cataloger } from "./index.js";

const DB = `C:Q1wtYyZ0xaHbYQxkzYx0AAAAAAAAA=
P:musl
V:1.2.4_git20230717-r4
A:x86_64
L:MIT
o:musl
m:Natanael Copa <ncopa@alpinelinux.org>
p:so:libc.musl-x86_64.so.1=1
F:lib
R:ld-musl-x86_64.so.1

P:busybox
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only
D:so:libc.musl-x86_64.so.1 !busybox-extras
F:bin
R:busybox

P:noversion

garbage line
P:ssl_client
V:1.36.1-r15
A:x86_64
L:GPL-2.0-only AND MIT
D:busybox>=1.36
`;

test("packages, PURLs, licenses, edges and owned files from /lib/apk/db/installed", () => {
  const r = cataloger.catalog({ files: memoryView({ "/lib/apk/db/installed": DB }), distro: { id: "alpine", versionId: "3.19.1", release: "3.19.1", idLike: [] } });
  const by = new Map(r.components.map((c) => [c.name, c]));
  assert.deepEqual([...by.keys()].sort(), ["busybox", "musl", "ssl_client"]);
  assert.equal(by.get("musl")!.purl, "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=3.19.1");
  assert.deepEqual(by.get("busybox")!.dependsOn, [by.get("musl")!.ref], "so: dependency resolved through provides; a !conflict is not an edge");
  assert.deepEqual(by.get("ssl_client")!.dependsOn, [by.get("busybox")!.ref]);
  assert.deepEqual(by.get("ssl_client")!.licenses, ["GPL-2.0-only AND MIT"]);
  assert.deepEqual(r.ownedFiles, ["/lib/ld-musl-x86_64.so.1", "/bin/busybox"]);
  assert.equal(r.warnings.length, 2, r.warnings.join("\n"));
});
