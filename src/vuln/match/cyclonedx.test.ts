import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expectMkError, fixture, tempDir } from "../testing.js";
import { componentsFromCycloneDx, readCycloneDx } from "./cyclonedx.js";

test("real SBOMs: Trivy's CycloneDX 1.6 and the 1.3 Maven example", async () => {
  const trivy = await readCycloneDx(fixture("cyclonedx-vex/trivy-conda-sbom-1.6.cdx.json"));
  assert.equal(trivy.specVersion, "1.6");
  assert.deepEqual(
    trivy.components.map((c) => [c.bomRef, c.purl, c.version]),
    [
      ["pkg:conda/openssl@1.1.1q", "pkg:conda/openssl@1.1.1q", "1.1.1q"],
      ["pkg:conda/pip@22.2.2", "pkg:conda/pip@22.2.2", "22.2.2"],
    ],
  );
  const maven = await readCycloneDx(fixture("cyclonedx-vex/bom-examples-bom.cdx.json"));
  assert.equal(maven.specVersion, "1.3");
  assert.equal(maven.components.length, 3);
  assert.equal(maven.components[0]?.purl, "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.10.0?type=jar");
});

test("nested components are flattened in document order, with evidence locations and the OS component", () => {
  const r = componentsFromCycloneDx(
    {
      bomFormat: "CycloneDX",
      specVersion: "1.6",
      components: [
        { type: "operating-system", name: "debian", version: "12.5" },
        {
          type: "application",
          "bom-ref": "app",
          name: "app",
          components: [{ type: "library", "bom-ref": "lib", purl: "pkg:npm/a@1.0.0", evidence: { occurrences: [{ location: "/app/node_modules/a/package.json" }] } }],
        },
        { type: "library", "bom-ref": "z", purl: "pkg:npm/z@1.0.0" },
      ],
    },
    "sbom.json",
  );
  assert.deepEqual(
    r.components.map((c) => [c.bomRef ?? c.name, c.path]),
    [
      ["debian", "components[0]"],
      ["app", "components[1]"],
      ["lib", "components[1].components[0]"],
      ["z", "components[2]"],
    ],
  );
  assert.deepEqual(r.components[2]?.locations, ["/app/node_modules/a/package.json"]);
  assert.deepEqual(r.operatingSystem, { name: "debian", version: "12.5" });
});

test("not CycloneDX, bad fields and bad PURLs are all reported with their JSON paths", async () => {
  const e = await expectMkError(
    () =>
      componentsFromCycloneDx(
        { bomFormat: "SPDX", specVersion: 2, components: [{ purl: "pkg:npm/ok@1" }, "x", { name: 3, purl: "npm:bad" }, { components: {} }] },
        "s.json",
      ),
    "E_CONFIG_INVALID",
  );
  assert.deepEqual(
    e.problems.map((p) => p.path),
    ["bomFormat", "specVersion", "components[1]", "components[2].name", "components[2].purl", "components[3].components"],
  );
  await expectMkError(() => componentsFromCycloneDx([], "s.json"), "E_CONFIG_INVALID");
});

test("absurd nesting is refused, not walked into a stack overflow; a syntax error gives line and column", async () => {
  let deep: Record<string, unknown> = { name: "leaf" };
  for (let i = 0; i < 10_000; i++) deep = { name: `n${i}`, components: [deep] };
  const e = await expectMkError(() => componentsFromCycloneDx({ bomFormat: "CycloneDX", specVersion: "1.6", components: [deep] }, "deep.json"), "E_CONFIG_INVALID");
  assert.ok(e.problems.some((p) => /nested more than 64 levels/.test(p.message)));
  const dir = await tempDir();
  const bad = join(dir, "bad.json");
  await writeFile(bad, '{\n  "bomFormat": "CycloneDX",\n  "components": [,]\n}');
  const s = await expectMkError(() => readCycloneDx(bad), "E_CONFIG_INVALID");
  assert.equal(s.problems[0]?.line, 3);
  assert.equal(s.problems[0]?.file, bad);
});
