import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { parseYamlWithSchema } from "./load.js";
import { projectSchema, workspaceConfigSchema } from "./schema.js";
import { initWorkspace } from "./init.js";
import { listProjects, loadProject, parseProjectRef, selectSource } from "./workspace.js";
import { validateWorkspace } from "./validate.js";
import { generateJsonSchemas } from "./json-schema.js";

const COMMIT = "6afd6d490d41fca2bfb31664dcb78c118f362020";
const GOOD = `name: greeter
upstream:
  git: https://example.org/greeter.git
sources:
  - version: v1.1.0
    git: { tag: v1.1.0, commit: ${COMMIT} }
build:
  steps: [make]
`;

function problemsOf(fn: () => unknown): MkError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof MkError, `expected MkError, got ${String(e)}`);
    return e;
  }
  assert.fail("expected an error");
}

test("a valid recipe parses and gets defaults", () => {
  const r = parseYamlWithSchema(GOOD, "projects/greeter/project.yaml", projectSchema);
  assert.equal(r.build.toolchain, "c");
  assert.equal(r.build.sandbox, "preferred");
  assert.deepEqual(Object.keys(r.package.variants), ["distroless"]);
  assert.equal(r.upstream.tagPattern, "^v?(\\d+\\.\\d+\\.\\d+)$");
});

test("every problem in a recipe is reported with path, line and value", () => {
  const bad = `name: Greeter
upstream:
  git: https://example.org/greeter.git
sources:
  - version: v1.1.0
    git: { tag: v1.1.0, commit: abc }
build:
  toolchain: rust
  steps: []
  stepz: [make]
package:
  files:
    - { src: a, dest: relative/path }
`;
  const e = problemsOf(() => parseYamlWithSchema(bad, "projects/greeter/project.yaml", projectSchema));
  assert.equal(e.code, "E_CONFIG_INVALID");
  assert.equal(e.exitCode, 2);
  const byPath = new Map(e.problems.map((p) => [p.path, p]));
  assert.deepEqual(
    [...byPath.keys()].sort(),
    ["build.steps", "build.stepz", "build.toolchain", "name", "package.files[0].dest", "sources[0].git.commit"].sort(),
  );
  assert.equal(byPath.get("name")!.line, 1);
  assert.equal(byPath.get("name")!.value, '"Greeter"');
  assert.equal(byPath.get("build.toolchain")!.line, 8);
  assert.match(byPath.get("build.toolchain")!.message, /"c", "go", "custom"/);
  assert.equal(byPath.get("build.stepz")!.line, 10);
  assert.match(byPath.get("build.stepz")!.message, /unknown field/);
  assert.equal(byPath.get("sources[0].git.commit")!.line, 6);
  for (const p of e.problems) assert.equal(p.file, "projects/greeter/project.yaml");
});

test("missing required fields are named", () => {
  const e = problemsOf(() => parseYamlWithSchema("name: x\n", "p.yaml", projectSchema));
  const paths = e.problems.map((p) => p.path).sort();
  assert.deepEqual(paths, ["build", "sources", "upstream"]);
  assert.ok(e.problems.every((p) => p.message === "is required but missing"));
});

test("YAML syntax errors and garbage are reported, not thrown raw", () => {
  for (const text of ["name: [unclosed\n", "a: 1\na: 2\n", "\u0000\u0001binary", "- just\n- a list\n", "*alias_without_anchor\n"]) {
    const e = problemsOf(() => parseYamlWithSchema(text, "p.yaml", projectSchema));
    assert.equal(e.code, "E_CONFIG_INVALID");
    assert.ok(e.problems.length > 0);
  }
});

test("a billion-laughs alias bomb is refused", () => {
  const bomb = ["a: &a [x,x,x,x,x,x,x,x,x,x]", ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)},*${String.fromCharCode(97 + i)}]`)].join("\n");
  assert.throws(() => parseYamlWithSchema(bomb, "bomb.yaml", workspaceConfigSchema), (e: MkError) => e.code === "E_CONFIG_INVALID");
});

test("package paths with .. are rejected", () => {
  const text = GOOD + "package:\n  files:\n    - { src: a, dest: /etc/../../x }\n";
  const e = problemsOf(() => parseYamlWithSchema(text, "p.yaml", projectSchema));
  assert.deepEqual(e.problems.map((p) => p.path), ["package.files[0].dest"]);
});

test("init scaffolds a workspace; validate checks pins, names and files across projects", async () => {
  const root = await mkdtemp(join(tmpdir(), "mk-ws-"));
  const r = await initWorkspace(root);
  assert.ok(r.created.includes("mailknight.yaml"));
  const config = await readFile(join(root, "mailknight.yaml"), "utf8");
  assert.match(config, /\$schema: \.\/schemas\/mailknight\.schema\.json/);
  assert.deepEqual(JSON.parse(await readFile(join(root, "schemas/project.schema.json"), "utf8")).title, "Mailknight project recipe");
  await assert.rejects(initWorkspace(root), (e: MkError) => e.code === "E_USAGE");

  await mkdir(join(root, "projects/greeter"), { recursive: true });
  await writeFile(join(root, "projects/greeter/project.yaml"), GOOD);
  await mkdir(join(root, "projects/other"), { recursive: true });
  await writeFile(
    join(root, "projects/other/project.yaml"),
    GOOD.replace("name: greeter", "name: wrong").replace(`, commit: ${COMMIT}`, "") + "package:\n  files: [{ src: missing.txt, dest: /x }]\n  variants: { standard: {} }\n",
  );
  assert.deepEqual(await listProjects(root), ["greeter", "other"]);
  assert.equal((await loadProject(root, "greeter")).name, "greeter");
  const report = await validateWorkspace(root);
  assert.deepEqual(
    report.problems.map((p) => `${p.file} ${p.path}`).sort(),
    [
      "projects/other/project.yaml name",
      "projects/other/project.yaml package.files[0].src",
      "projects/other/project.yaml package.variants.standard.base",
      "projects/other/project.yaml sources[0].git.commit",
    ],
  );
  await assert.rejects(loadProject(root, "nope"), (e: MkError) => e.code === "E_NOT_FOUND" && e.hint!.includes("greeter"));
});

test("an unpinned source is E_PIN_MISSING unless insecure", async () => {
  const root = await mkdtemp(join(tmpdir(), "mk-ws-"));
  await initWorkspace(root);
  await mkdir(join(root, "projects/greeter"), { recursive: true });
  const unpinned = GOOD.replace(`, commit: ${COMMIT}`, "");
  await writeFile(join(root, "projects/greeter/project.yaml"), unpinned);
  await assert.rejects(loadProject(root, "greeter"), (e: MkError) => e.code === "E_PIN_MISSING" && e.exitCode === 2);
  await writeFile(join(root, "projects/greeter/project.yaml"), unpinned + "insecure: true\n");
  assert.equal((await loadProject(root, "greeter")).insecure, true);
});

test("project refs and source selection", () => {
  assert.deepEqual(parseProjectRef("greeter"), { project: "greeter" });
  assert.deepEqual(parseProjectRef("greeter@v1.1.0"), { project: "greeter", version: "v1.1.0" });
  assert.throws(() => parseProjectRef("@v1"), (e: MkError) => e.code === "E_USAGE");
  const recipe = parseYamlWithSchema(GOOD, "p.yaml", projectSchema);
  assert.equal(selectSource(recipe, undefined).version, "v1.1.0");
  assert.throws(() => selectSource(recipe, "v9"), (e: MkError) => e.code === "E_NOT_FOUND");
});

test("committed JSON Schemas match the zod schemas (run `npm run schemas` if this fails)", async () => {
  const repo = new URL("../../", import.meta.url).pathname;
  for (const [name, text] of Object.entries(generateJsonSchemas())) {
    assert.equal(await readFile(join(repo, "schemas", name), "utf8"), text, `schemas/${name} is stale`);
    assert.equal(await readFile(join(repo, "examples/workspace/schemas", name), "utf8"), text, `examples/workspace/schemas/${name} is stale`);
  }
});
