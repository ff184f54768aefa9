/**
 * rpm against rpm itself: packages read from a real rpmdb.sqlite (multi-page b-tree, overflow
 * pages) equal `rpm -qa` on it. Also: dependency edges through Provides, damaged databases, and
 * the Berkeley DB / NDB formats reported rather than skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { memoryView } from "../../testing/tree.js";
import { rpmQueryAll, rpmRoot } from "../../testing/rpmdb.js";
import { cataloger } from "./index.js";

const DISTRO = { id: "rhel", versionId: "9.4", idLike: ["fedora"] };

test("rpmdb.sqlite: the packages equal rpm -qa on the same database", async () => {
  const root = await rpmRoot();
  const db = await readFile(join(root, "var/lib/rpm/rpmdb.sqlite"));
  const r = cataloger.catalog({ files: memoryView({ "/var/lib/rpm/rpmdb.sqlite": db }), distro: DISTRO });
  assert.deepEqual(r.warnings, []);
  const ours = r.components.map((c) => `${c.name} ${c.version} ${c.purl?.match(/arch=([^&]+)/)?.[1] ?? ""}`).sort();
  assert.deepEqual(ours, rpmQueryAll(root));
  assert.equal(ours.length, 61);
  const main = r.components.find((c) => c.name === "mk-main")!;
  assert.equal(main.purl, "pkg:rpm/redhat/mk-main@1.2.3-4.el9?arch=noarch&distro=redhat-9.4&epoch=2");
  assert.deepEqual(main.licenses, ["GPL-2.0-or-later AND MIT"]);
  const sub1 = r.components.find((c) => c.name === "mk-sub1")!;
  const sub2 = r.components.find((c) => c.name === "mk-sub2")!;
  assert.deepEqual(main.dependsOn, [sub1.ref]);
  assert.deepEqual(sub2.dependsOn, [main.ref], "a Requires on a virtual name resolves to its provider");
  assert.deepEqual(sub1.licenses, ["Apache-2.0"]);
  assert.equal(main.properties["mailknight:rpm:sourceRpm"], "mk-main-1.2.3-4.el9.src.rpm");
});

test("a damaged rpmdb.sqlite is a warning, never a throw", async () => {
  const root = await rpmRoot();
  const db = await readFile(join(root, "var/lib/rpm/rpmdb.sqlite"));
  for (const cut of [50, 200, 4096, 4096 * 3 + 17, Math.floor(db.byteLength / 2)]) {
    const r = cataloger.catalog({ files: memoryView({ "/var/lib/rpm/rpmdb.sqlite": db.subarray(0, cut) }), distro: DISTRO });
    assert.ok(r.warnings.length > 0 || r.components.length > 0, `cut at ${cut}`);
  }
  for (let seed = 0; seed < 50; seed++) {
    const copy = Buffer.from(db);
    for (let i = 0; i < 20; i++) {
      const at = (seed * 7919 + i * 104729) % copy.byteLength;
      copy[at] = copy[at]! ^ 0xff;
    }
    assert.doesNotThrow(() => cataloger.catalog({ files: memoryView({ "/var/lib/rpm/rpmdb.sqlite": copy }), distro: DISTRO }));
  }
});

test("Berkeley DB and NDB databases are reported as not supported, not silently empty", () => {
  const bdb = Buffer.alloc(64);
  bdb.writeUInt32LE(0x00061561, 12);
  const r = cataloger.catalog({ files: memoryView({ "/var/lib/rpm/Packages": bdb, "/usr/lib/sysimage/rpm/Packages.db": Buffer.from("RpmP\0\0\0\0") }), distro: DISTRO });
  assert.deepEqual(r.components, []);
  assert.match(r.warnings.join("\n"), /\/var\/lib\/rpm\/Packages: is a Berkeley DB hash database .* cannot read yet/);
  assert.match(r.warnings.join("\n"), /Packages\.db: is an NDB database \(SUSE\)/);
});
