/** npm: installed packages with Node's resolution for edges; a lockfile only speaks for what is installed next to it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { CollectedFile, FileView } from "../../source/types.js";
import { compileGlob } from "../../glob.js";
import { cataloger } from "./index.js";

async function view(files: Record<string, unknown>): Promise<FileView> {
  const out: CollectedFile[] = [];
  for (const [path, json] of Object.entries(files)) {
    const bytes = Buffer.from(JSON.stringify(json));
    const want = cataloger.wants.find((w) => compileGlob(w.glob).test(path))!;
    out.push({ path, size: bytes.byteLength, mode: 0o644, extracted: new Map([["npm", await want.extract!(bytes, path)]]), sha256: createHash("sha256").update(bytes).digest("hex"), wantedBy: new Set(["npm"]) });
  }
  const by = new Map(out.map((f) => [f.path, f]));
  return { list: () => out.sort((a, b) => (a.path < b.path ? -1 : 1)), get: (p) => by.get(p) };
}

test("installed packages, nested versions, edges by Node resolution, lockfile entries only when installed", async () => {
  const files = await view({
    "/app/node_modules/a/package.json": { name: "a", version: "1.0.0", license: "MIT", dependencies: { b: "^2", "@s/c": "1" } },
    "/app/node_modules/b/package.json": { name: "b", version: "2.0.0" },
    "/app/node_modules/a/node_modules/b/package.json": { name: "b", version: "1.5.0" },
    "/app/node_modules/@s/c/package.json": { name: "@s/c", version: "1.0.0", license: "(MIT OR Apache-2.0)" },
    "/app/package-lock.json": {
      name: "app",
      version: "3.0.0",
      lockfileVersion: 3,
      packages: {
        "": { name: "app", version: "3.0.0", dependencies: { a: "1" } },
        "node_modules/a": { version: "1.0.0", integrity: "sha512-" + Buffer.alloc(64, 1).toString("base64") },
        "node_modules/typescript": { version: "5.0.0", dev: true },
        "node_modules/not-installed": { version: "9.9.9" },
      },
    },
  });
  const r = cataloger.catalog({ files });
  const refs = r.components.map((c) => c.ref).sort();
  assert.deepEqual([...new Set(refs)], ["pkg:npm/%40s/c@1.0.0", "pkg:npm/a@1.0.0", "pkg:npm/app@3.0.0", "pkg:npm/b@1.5.0", "pkg:npm/b@2.0.0"]);
  const a = r.components.find((c) => c.ref === "pkg:npm/a@1.0.0" && c.locations[0]!.endsWith("package.json") && !c.locations[0]!.endsWith("lock.json"))!;
  assert.deepEqual(a.dependsOn, ["pkg:npm/%40s/c@1.0.0", "pkg:npm/b@1.5.0"], "the nested b wins over the hoisted one");
  assert.equal(r.components.find((c) => c.name === "c")!.group, "@s");
  assert.ok(r.components.some((c) => c.ref === "pkg:npm/a@1.0.0" && c.hashes.some((h) => h.alg === "SHA-512")), "the lockfile adds integrity");
});
