/** go-binary: a real Go binary (built here by Go itself) gives stdlib at its toolchain version; `go version` is the oracle. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { createHash } from "node:crypto";
import { goBinary, goVersionOf } from "../../testing/gobin.js";
import type { CollectedFile } from "../../source/types.js";
import { cataloger, stdlibVersion } from "./index.js";

test("a Go binary: stdlib at the toolchain version, the (devel) main module left out, build settings kept", async () => {
  const path = await goBinary();
  const bytes = await readFile(path);
  const extracted = await cataloger.wants[0]!.extract!(bytes, "/usr/bin/hello");
  assert.ok(extracted, "the Go parser recognises the binary");
  const file: CollectedFile = { path: "/usr/bin/hello", size: bytes.byteLength, mode: 0o755, extracted: new Map([["go-binary", extracted]]), sha256: createHash("sha256").update(bytes).digest("hex"), wantedBy: new Set(["go-binary"]) };
  const r = cataloger.catalog({ files: { list: () => [file], get: () => file } });
  const goVersion = goVersionOf(path);
  assert.deepEqual(r.components.map((c) => c.purl), [`pkg:golang/stdlib@v${stdlibVersion(goVersion)}`]);
  assert.deepEqual(r.components[0]!.locations, ["/usr/bin/hello"]);
  const props = r.components[0]!.properties;
  assert.equal(props["mailknight:go:version"], goVersion);
  assert.equal(props["mailknight:go:-trimpath"], "true");
  assert.equal(props["mailknight:go:CGO_ENABLED"], "0");
  assert.equal(props["mailknight:go:path"], "example.com/hello");
});

test("a non-Go ELF file is dropped at extraction (nothing kept)", async () => {
  const bash = await readFile("/bin/bash");
  assert.equal(await cataloger.wants[0]!.extract!(bash, "/bin/bash"), undefined);
  assert.equal(stdlibVersion("go1.22rc1 X:boringcrypto"), "1.22rc1");
  assert.equal(stdlibVersion("devel +abc"), undefined);
});
