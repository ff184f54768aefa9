import { test } from "node:test";
import assert from "node:assert/strict";
import { parseYamlWithSchema } from "../../workspace/load.js";
import { projectSchema } from "../../workspace/schema.js";
import { enabledVariants, imageAnnotations, imageTags, planVariant, releaseDateOf, SHELLS } from "./package-plan.js";

const recipe = parseYamlWithSchema(
  `name: greeter
upstream: { git: https://example.org/g.git }
sources: [{ version: v1.1.0, git: { tag: v1.1.0, commit: ${"a".repeat(40)} } }]
build: { steps: [make] }
package:
  base: oci:bases:busybox
  entrypoint: [/usr/bin/greeter]
  harden: { removeTools: [curl, wget] }
  variants: { distroless: {}, standard: {}, dev: { tools: [wget] } }
`,
  "p.yaml",
  projectSchema,
);

test("variants: distroless has no shell and runs as nonroot; dev keeps symbols and asked-for tools", () => {
  assert.deepEqual(enabledVariants(recipe), ["distroless", "standard", "dev"]);
  assert.deepEqual(enabledVariants(recipe, ["dev"]), ["dev"]);
  const d = planVariant(recipe, "distroless");
  assert.equal(d.base, "scratch");
  assert.equal(d.config.user, "65532:65532");
  for (const sh of SHELLS) assert.ok(d.harden.removeTools.includes(sh), sh);
  assert.ok(d.nonrootFiles);
  assert.equal(d.tagSuffix, "-distroless");
  const s = planVariant(recipe, "standard");
  assert.equal(s.base, "oci:bases:busybox");
  assert.deepEqual(s.harden.removeTools, ["curl", "wget"]);
  assert.equal(s.config.user, undefined);
  assert.equal(s.tagSuffix, "");
  const dev = planVariant(recipe, "dev");
  assert.equal(dev.harden.strip, false);
  assert.deepEqual(dev.harden.removeTools, ["curl"]);
  assert.equal(dev.tagSuffix, "-dev");
});

test("tags follow <project>:<version>-lts.<YYYYMMDD><suffix>", () => {
  assert.equal(releaseDateOf(new Date("2026-01-02T23:59:59Z")), "20260102");
  assert.deepEqual(imageTags("greeter", "v1.1.0", "20260102", "-distroless"), ["greeter:v1.1.0-lts.20260102-distroless", "greeter:v1.1.0-distroless"]);
});

test("annotations carry OCI and mailknight keys", () => {
  const a = imageAnnotations({ project: "greeter", version: "v1.1.0", sourceUrl: "https://x/g.git", revision: "abc", created: "2025-06-01T12:00:00.000Z", fips: false, hermetic: true, patches: 1 }, "standard");
  assert.equal(a["org.opencontainers.image.source"], "https://x/g.git");
  assert.equal(a["org.opencontainers.image.revision"], "abc");
  assert.equal(a["dev.mailknight.variant"], "standard");
  assert.equal(a["dev.mailknight.patches"], "1");
});
