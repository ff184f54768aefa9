import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parseYamlWithSchema } from "../../workspace/load.js";
import { baseRefSchema, projectSchema } from "../../workspace/schema.js";
import { parseBase, recipeBases, unpinnedBaseProblems } from "./package-plan.js";

const D = `sha256:${"ab".repeat(32)}`;

function recipe(pkg: string, insecure = false) {
  return parseYamlWithSchema(
    `name: greeter
upstream: { git: https://example.org/g.git }
sources: [{ version: v1.1.0, git: { tag: v1.1.0, commit: ${"a".repeat(40)} } }]
insecure: ${insecure}
build: { steps: [make] }
package:
${pkg}
`,
    "projects/greeter/project.yaml",
    projectSchema,
  );
}

test("baseRefSchema accepts scratch, oci: layouts and registry references (with Docker's short forms)", () => {
  for (const ok of [
    "scratch",
    "oci:../work/bases:busybox",
    `oci:bases:busybox@${D}`,
    `127.0.0.1:5000/library/busybox:1.36@${D}`,
    `docker://127.0.0.1:5000/library/busybox:1.36@${D}`,
    `registry.example.com/team/sub/base@${D}`,
    `busybox:1.36@${D}`,
    `localhost:5000/busybox:1.36`,
    "debian:bookworm-slim",
    `[::1]:5000/base:v1@${D}`,
  ]) {
    assert.equal(baseRefSchema.safeParse(ok).success, true, ok);
  }
  for (const bad of [
    "",
    "oci:",
    "Busybox:1.36",
    "registry.example.com/Team/base:1",
    `busybox:1.36@sha256:${"A".repeat(64)}`,
    "busybox:1.36@sha256:abc",
    "busybox:-bad",
    `busybox:1.36@md5:${"a".repeat(32)}`,
    "http://registry.example.com/base:1",
    "registry.example.com/base:1 ",
  ]) {
    assert.equal(baseRefSchema.safeParse(bad).success, false, JSON.stringify(bad));
  }
});

test("parseBase: Docker's defaults apply; base.name is the full reference without the digest", () => {
  assert.deepEqual(parseBase("scratch"), { kind: "scratch" });
  assert.deepEqual(parseBase(`oci:bases:busybox@${D}`), { kind: "oci", layoutDir: "bases", ref: "busybox", digest: D });
  assert.deepEqual(parseBase(`busybox:1.36@${D}`), {
    kind: "registry",
    reference: { registry: "docker.io", repository: "library/busybox", tag: "1.36", digest: D },
    name: "docker.io/library/busybox:1.36",
  });
  const pinnedOnly = parseBase(`docker://127.0.0.1:5000/library/busybox@${D}`);
  assert.equal(pinnedOnly?.kind, "registry");
  assert.equal(pinnedOnly?.kind === "registry" && pinnedOnly.name, "127.0.0.1:5000/library/busybox");
  const tagOnly = parseBase("127.0.0.1:5000/base");
  assert.equal(tagOnly?.kind === "registry" && tagOnly.name, "127.0.0.1:5000/base:latest");
  assert.equal(parseBase("Not A Reference"), undefined);
});

test("a registry base without a digest is a problem naming the file and field, unless insecure: true", () => {
  const r = recipe(`  base: 127.0.0.1:5000/library/busybox:1.36
  variants:
    distroless: {}
    standard: {}
    dev: { base: "registry.example.com/team/dev:1@${D}" }`);
  assert.deepEqual(recipeBases(r), [
    { path: "package.base", base: "127.0.0.1:5000/library/busybox:1.36" },
    { path: "package.variants.dev.base", base: `registry.example.com/team/dev:1@${D}` },
  ]);
  const problems = unpinnedBaseProblems(r, "projects/greeter/project.yaml");
  assert.equal(problems.length, 1);
  assert.equal(problems[0]!.file, "projects/greeter/project.yaml");
  assert.equal(problems[0]!.path, "package.base");
  assert.equal(problems[0]!.value, JSON.stringify("127.0.0.1:5000/library/busybox:1.36"));
  assert.match(problems[0]!.message, /no digest.*@sha256:<digest>.*insecure: true/);

  const variantOnly = recipe(`  variants:
    standard: { base: "docker.io/library/busybox:1.36" }`);
  assert.deepEqual(unpinnedBaseProblems(variantOnly, "p.yaml").map((p) => p.path), ["package.variants.standard.base"]);

  assert.deepEqual(unpinnedBaseProblems(recipe(`  base: 127.0.0.1:5000/library/busybox:1.36`, true), "p.yaml"), []);
  assert.deepEqual(unpinnedBaseProblems(recipe(`  base: oci:bases:busybox`), "p.yaml"), [], "oci: layouts are workspace files, not registry tags");
  assert.deepEqual(unpinnedBaseProblems(recipe(`  base: 127.0.0.1:5000/library/busybox:1.36@${D}`), "p.yaml"), []);
});

test("the committed JSON Schema carries the same base pattern (regenerate with npm run schemas)", () => {
  const schema = JSON.parse(readFileSync(new URL("../../../schemas/project.schema.json", import.meta.url), "utf8")) as {
    properties: { package: { properties: { base: { pattern: string } } } };
  };
  const pattern = new RegExp(schema.properties.package.properties.base.pattern, "u");
  assert.ok(pattern.test(`127.0.0.1:5000/library/busybox:1.36@${D}`));
  assert.ok(pattern.test(`docker://registry.example.com/team/base@${D}`));
  assert.ok(pattern.test("oci:../work/bases:busybox"));
  assert.ok(!pattern.test("Busybox:1.36"));
});
