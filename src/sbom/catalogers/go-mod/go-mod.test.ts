/** go-mod: requirements, replace/exclude, and the go.sum stand-in for go.mod files older than 1.17. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { memoryView } from "../../testing/tree.js";
import { parseGoMod } from "./gomod.js";
import { cataloger } from "./index.js";

test("require blocks, indirect marks, replace and exclude", () => {
  const mod = parseGoMod(
    `module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/net v0.17.0\n\tgithub.com/a/b v1.0.0 // indirect\n\tgithub.com/c/d v1.2.0\n\tgithub.com/e/f v0.1.0\n)\nrequire github.com/g/h v2.0.0+incompatible\nexclude github.com/c/d v1.2.0\nreplace golang.org/x/net => golang.org/x/net v0.19.0\nreplace github.com/e/f v0.1.0 => ../local\nbogus line\n`,
    "/src/go.mod",
  );
  assert.equal(mod.module, "example.com/app");
  assert.deepEqual(mod.requires, [
    { path: "golang.org/x/net", version: "v0.19.0", indirect: false, replaces: "golang.org/x/net@v0.17.0" },
    { path: "github.com/a/b", version: "v1.0.0", indirect: true },
    { path: "github.com/g/h", version: "v2.0.0+incompatible", indirect: false },
  ]);
  assert.equal(mod.warnings.length, 1);
});

test("go < 1.17: the highest version of each module in go.sum; testdata is skipped", () => {
  const r = cataloger.catalog({
    files: memoryView({
      "/src/_asm/go.mod": "module asm\n\ngo 1.16\n\nrequire github.com/mmcloughlin/avo v0.2.0\n",
      "/src/_asm/go.sum": "github.com/mmcloughlin/avo v0.2.0 h1:x=\ngolang.org/x/mod v0.3.0 h1:y=\ngolang.org/x/mod v0.2.0/go.mod h1:z=\ngolang.org/x/arch v0.0.0-20210405154355-08b684f594a5/go.mod h1:w=\n",
      "/src/cmd/go/testdata/x/go.mod": "module x\n\nrequire example.com/fixture v1.0.0\n",
    }),
  });
  assert.deepEqual(r.components.map((c) => c.purl), [
    "pkg:golang/github.com/mmcloughlin/avo@v0.2.0",
    "pkg:golang/golang.org/x/arch@v0.0.0-20210405154355-08b684f594a5",
    "pkg:golang/golang.org/x/mod@v0.3.0",
  ]);
  assert.equal(r.components.find((c) => c.name === "mod")!.properties["mailknight:go:fromGoSum"], "true");
});
