/** python: dist-info and egg-info metadata, names normalised (PEP 503), Requires-Dist edges within one site directory. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import type { CollectedFile } from "../../source/types.js";
import { compileGlob } from "../../glob.js";
import { cataloger } from "./index.js";

async function file(path: string, text: string): Promise<CollectedFile> {
  const bytes = Buffer.from(text);
  const want = cataloger.wants.find((w) => compileGlob(w.glob).test(path))!;
  return { path, size: bytes.byteLength, mode: 0o644, extracted: new Map([["python", await want.extract!(bytes, path)]]), sha256: createHash("sha256").update(bytes).digest("hex"), wantedBy: new Set(["python"]) };
}

test("dist-info and egg-info, with edges", async () => {
  const site = "/usr/local/lib/python3.11/site-packages";
  const files = [
    await file(`${site}/requests-2.31.0.dist-info/METADATA`, "Metadata-Version: 2.1\nName: requests\nVersion: 2.31.0\nLicense: Apache 2.0\nRequires-Dist: urllib3 (<3,>=1.21.1)\nRequires-Dist: PySocks ; extra == 'socks'\n"),
    await file(`${site}/urllib3-2.0.7.dist-info/METADATA`, "Metadata-Version: 2.1\nName: urllib3\nVersion: 2.0.7\nLicense-Expression: MIT\n"),
    await file(`${site}/PyYAML-6.0.1.egg-info/PKG-INFO`, "Metadata-Version: 1.1\nName: PyYAML\nVersion: 6.0.1\nLicense: MIT\n"),
  ];
  const r = cataloger.catalog({ files: { list: () => files, get: (p) => files.find((f) => f.path === p) } });
  const by = new Map(r.components.map((c) => [c.name, c]));
  assert.deepEqual(r.components.map((c) => c.purl).sort(), ["pkg:pypi/pyyaml@6.0.1", "pkg:pypi/requests@2.31.0", "pkg:pypi/urllib3@2.0.7"]);
  assert.deepEqual(by.get("requests")!.dependsOn, [by.get("urllib3")!.ref]);
  assert.deepEqual(by.get("urllib3")!.licenses, ["MIT"]);
});
