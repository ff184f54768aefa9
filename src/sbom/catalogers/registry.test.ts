/**
 * The cataloger family: the registry map matches the folders, and every member passes the
 * shared conformance tests — nothing from an empty tree, warnings (never a throw) from garbage
 * at every path it wants, the same output for the same input, and wants that are sane.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { CATALOGERS } from "./registry.js";
import { compileGlob } from "../glob.js";
import type { CollectedFile, FileView } from "../source/types.js";
import type { Cataloger } from "./types.js";

const dir = new URL(".", import.meta.url).pathname;

/** A concrete path a glob selects (wildcards filled in), to plant garbage at. */
function samplePath(glob: string): string {
  return glob.replace(/\/\*\*\//g, "/x/").replace(/\/\*\*$/, "/x/y").replace(/\{([^,}]+)[^}]*\}/g, "$1").replace(/\*/g, "x").replace(/\?/g, "x");
}

function viewOf(files: CollectedFile[]): FileView {
  const byPath = new Map(files.map((f) => [f.path, f]));
  return { list: () => [...files].sort((a, b) => (a.path < b.path ? -1 : 1)), get: (p) => byPath.get(p) };
}

async function fileFor(c: Cataloger, path: string, bytes: Uint8Array): Promise<CollectedFile | undefined> {
  const extracted = new Map<string, unknown>();
  let keep = false;
  for (const w of c.wants) {
    if (!compileGlob(w.glob).test(path)) continue;
    if (w.extract) {
      const v = await w.extract(bytes, path);
      if (v !== undefined) extracted.set(c.id, v);
    } else keep = true;
  }
  if (!keep && extracted.size === 0) return undefined;
  return { path, size: bytes.byteLength, mode: 0o755, extracted, sha256: createHash("sha256").update(bytes).digest("hex"), wantedBy: new Set([c.id]), ...(keep ? { bytes } : {}) };
}

test("the registry lists exactly the cataloger folders, each under its own id", async () => {
  const folders = (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name).sort();
  assert.deepEqual(Object.keys(CATALOGERS).sort(), folders);
  for (const [id, c] of Object.entries(CATALOGERS)) {
    assert.equal(c.id, id);
    const mod = (await import(`./${id}/index.js`)) as { id: string; cataloger: Cataloger };
    assert.equal(mod.id, id, `${id}/index.ts exports id`);
    assert.equal(mod.cataloger, c);
  }
});

for (const c of Object.values(CATALOGERS)) {
  test(`conformance: ${c.id}`, async (t) => {
    await t.test("has a version, a description and valid wants", () => {
      assert.match(c.version, /^\d+(\.\d+)*$/);
      assert.ok(c.description.length > 10);
      for (const w of c.wants) {
        assert.doesNotThrow(() => compileGlob(w.glob), w.glob);
        assert.ok(w.maxBytes > 0 && w.maxBytes <= 1 << 30, `${w.glob}: cap ${w.maxBytes}`);
      }
    });
    await t.test("an empty tree gives no components and no warnings", () => {
      const r = c.catalog({ files: viewOf([]) });
      assert.deepEqual(r.components, []);
      assert.deepEqual(r.warnings, []);
    });
    await t.test("garbage at every wanted path gives warnings or nothing, never a throw", async () => {
      for (let seed = 0; seed < 20; seed++) {
        const files: CollectedFile[] = [];
        for (const w of c.wants) {
          const path = samplePath(w.glob);
          const noise = seed % 2 === 0 ? randomBytes(64 + seed * 97) : Buffer.from(`${"Package: x\nVersion: ::\n\0\0garbage: ".repeat(seed)}${randomBytes(32).toString("latin1")}`);
          const bytes = w.magic ? Buffer.concat([Buffer.from(w.magic), noise]) : noise;
          const f = await fileFor(c, path, bytes);
          if (f) files.push(f);
        }
        const r = c.catalog({ files: viewOf(files), distro: { id: "debian", versionId: "12", idLike: [] } });
        for (const comp of r.components) {
          assert.ok(comp.ref && comp.name, "components from garbage still have a ref and a name");
          for (const d of comp.dependsOn) assert.equal(typeof d, "string");
        }
      }
    });
    await t.test("the same input gives the same output", async () => {
      const files: CollectedFile[] = [];
      for (const w of c.wants) {
        const f = await fileFor(c, samplePath(w.glob), Buffer.from("Package: a\nStatus: install ok installed\nVersion: 1.0-1\nArchitecture: amd64\n\nP:a\nV:1.0-r0\nA:x86_64\n\nID=debian\nVERSION_ID=12\n"));
        if (f) files.push(f);
      }
      const input = { files: viewOf(files), distro: { id: "debian", versionId: "12", idLike: [] } };
      assert.deepEqual(JSON.stringify(c.catalog(input)), JSON.stringify(c.catalog(input)));
    });
  });
}
