import assert from "node:assert/strict";
import { test } from "node:test";
import { addSourceToRecipe } from "./recipe-bump.js";

const RECIPE = `# yaml-language-server: $schema=../../schemas/project.schema.json
name: widget
upstream:
  git: https://example.org/widget.git # the canonical URL
  track: ["1.0.x"]
sources:
  # the LTS line we carry
  - version: v1.0.0
    git:
      tag: v1.0.0
      commit: ${"a".repeat(40)}
build:
  steps: [make]
`;

test("adds the new source above the carried one, keeping comments", () => {
  const out = addSourceToRecipe(RECIPE, "projects/widget/project.yaml", { version: "v1.0.1", tag: "v1.0.1", commit: "b".repeat(40) }, "v1.0.0");
  assert.match(out, /# the canonical URL/);
  assert.match(out, /# the LTS line we carry/);
  assert.ok(out.indexOf("v1.0.1") < out.indexOf("version: v1.0.0"), out);
  assert.match(out, new RegExp(`commit: ${"b".repeat(40)}`));
});

test("idempotent: an existing version leaves the text untouched", () => {
  const once = addSourceToRecipe(RECIPE, "f", { version: "v1.0.1", tag: "v1.0.1", commit: "b".repeat(40) }, "v1.0.0");
  assert.equal(addSourceToRecipe(once, "f", { version: "v1.0.1", tag: "v1.0.1", commit: "b".repeat(40) }, "v1.0.0"), once);
});

test("refuses a carried version that is not there", () => {
  assert.throws(() => addSourceToRecipe(RECIPE, "f", { version: "v2", tag: "v2", commit: "b".repeat(40) }, "v9"), /no source with version v9/);
});
