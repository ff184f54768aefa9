/**
 * The binary gate: policy judgement (required properties, exemptions with reasons, FIPS from the
 * recipe, fail-closed on what cannot be checked), the `gate.hardening` schema, and the image
 * reader picking exactly the files of the build's layer out of a real OCI image whose base
 * carries an unhardened binary of its own.
 */
import assert from "node:assert/strict";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { assembleImage, imageFromRootfs, isoFromEpoch, OciLayout, writeLayerFromDir } from "../oci/index.js";
import type { BinaryAssessment, BinaryProperty, PropertyResult, PropertyStatus } from "../inspect/hardening.js";
import { invalidBinary } from "../inspect/hardening.js";
import { compileC, FORTIFY_PROGRAM, HARDENED_FLAGS, tempDir, UNHARDENED_FLAGS } from "../inspect/testing/elf-fixtures.js";
import { workspaceConfigSchema } from "../workspace/schema.js";
import { binaryChecks, binariesReason, judgeBinaries } from "./binaries.js";
import { assessImageBinaries } from "./binaries-image.js";
import { gatePolicy } from "./policy.js";
import { renderJunit } from "./reporters/junit.js";
import { decide } from "./decide.js";

function fake(path: string, statuses: Partial<Record<BinaryProperty, PropertyStatus>>): BinaryAssessment {
  const all: BinaryProperty[] = ["pie", "relro", "bindnow", "stack-protector", "fortify", "fips"];
  const properties = Object.fromEntries(all.map((p) => [p, { status: statuses[p] ?? "pass", detail: `${p} detail` } satisfies PropertyResult])) as Record<BinaryProperty, PropertyResult>;
  return { path, kind: "executable", properties };
}

const hardening = (h: Partial<ReturnType<typeof gatePolicy>["hardening"]> = {}) => gatePolicy({ hardening: { require: ["pie", "relro", "bindnow", "stack-protector", "fortify"], exempt: [], ...h } }).hardening;

describe("judgeBinaries", () => {
  test("defaults: every hardening property required; a failure blocks with path, property and detail", () => {
    const r = judgeBinaries([fake("/usr/bin/b", { bindnow: "fail" }), fake("/usr/bin/a", {})], gatePolicy().hardening, { fips: false });
    assert.equal(r.passed, false);
    assert.deepEqual(r.required, ["pie", "relro", "bindnow", "stack-protector", "fortify"]);
    assert.deepEqual(r.binaries.map((b) => [b.path, b.verdict]), [["/usr/bin/a", "pass"], ["/usr/bin/b", "fail"]], "sorted by path");
    assert.deepEqual(r.failures, [{ path: "/usr/bin/b", property: "bindnow", status: "fail", detail: "bindnow detail" }]);
    assert.match(binariesReason(r) ?? "", /1 binary fails .*\/usr\/bin\/b: bindnow fail/);
  });

  test("not-applicable and unknown never block; not-checked blocks like a failure", () => {
    const ok = judgeBinaries([fake("/lib/x.so", { pie: "not-applicable", "stack-protector": "unknown", fortify: "not-applicable" })], hardening(), { fips: false });
    assert.equal(ok.passed, true);
    const unchecked = judgeBinaries([fake("/usr/bin/c", { fips: "not-checked" })], hardening(), { fips: true });
    assert.equal(unchecked.passed, false);
    assert.equal(unchecked.failures[0]?.property, "fips");
  });

  test("only required properties count; fips is required exactly when the recipe says build.fips", () => {
    const a = fake("/usr/bin/a", { fortify: "fail", fips: "fail" });
    assert.equal(judgeBinaries([a], hardening({ require: ["pie", "relro"] }), { fips: false }).passed, true);
    const withFips = judgeBinaries([a], hardening({ require: ["pie", "relro"] }), { fips: true });
    assert.deepEqual(withFips.failures.map((f) => f.property), ["fips"]);
    assert.deepEqual(withFips.required, ["pie", "relro", "fips"]);
    assert.equal(binaryChecks(withFips)[0]?.rule, "binary-fips");
  });

  test("exemptions: by property or whole file, the reason recorded; unused ones are warned about", () => {
    const policy = hardening({
      exempt: [
        { path: "/usr/lib/libold.so.1", properties: ["bindnow"], reason: "upstream dlopen()s plugins that need lazy binding" },
        { path: "/usr/share/blob.so", reason: "a data file named .so by upstream; not loaded as code" },
        { path: "/usr/bin/gone", reason: "was unhardened once" },
      ],
    });
    const r = judgeBinaries(
      [fake("/usr/lib/libold.so.1", { bindnow: "fail", relro: "fail" }), invalidBinary("/usr/share/blob.so", "no ELF magic")],
      policy,
      { fips: false },
    );
    assert.deepEqual(r.failures.map((f) => `${f.path} ${f.property}`), ["/usr/lib/libold.so.1 relro"], "the exemption covers bindnow only");
    const old = r.binaries.find((b) => b.path === "/usr/lib/libold.so.1")!;
    assert.equal(old.properties.bindnow.exempted, "upstream dlopen()s plugins that need lazy binding");
    assert.equal(old.properties.bindnow.blocking, false);
    assert.equal(r.binaries.find((b) => b.path === "/usr/share/blob.so")?.verdict, "pass");
    assert.equal(r.summary.exempted, 2);
    assert.deepEqual(r.warnings.length, 1);
    assert.match(r.warnings[0]!, /exempt\[2\] \(\/usr\/bin\/gone\) matches no failing property/);
  });

  test("an unreadable file is one failure, exempted only as a whole", () => {
    const bad = invalidBinary("/usr/lib/libx.so", "named like a shared object but is not an ELF file (no ELF magic)");
    const r = judgeBinaries([bad], hardening({ exempt: [{ path: "/usr/lib/libx.so", properties: ["pie"], reason: "x" }] }), { fips: false });
    assert.deepEqual(r.failures.map((f) => f.property), ["elf"]);
    assert.match(r.failures[0]!.detail, /not an ELF file/);
  });

  test("checks: one failing testcase per blocking property in JUnit; a passing summary otherwise", () => {
    const r = judgeBinaries([fake("/usr/bin/a", { pie: "fail", fortify: "fail" })], hardening(), { fips: false });
    const decision = decide([], [], gatePolicy(), new Date("2026-01-01T00:00:00Z"));
    const xml = renderJunit({ ...decision, passed: false, checks: [...decision.checks, ...binaryChecks(r)] }, { toolVersion: "test" });
    assert.match(xml, /failures="2"/);
    assert.match(xml, /name="binary-hardening \/usr\/bin\/a pie"/);
    assert.match(xml, /name="binary-hardening \/usr\/bin\/a fortify"/);
    const ok = binaryChecks(judgeBinaries([fake("/usr/bin/a", {})], hardening(), { fips: false }));
    assert.deepEqual(ok.map((c) => [c.rule, c.passed]), [["binary-hardening", true]]);
  });
});

describe("gate.hardening schema", () => {
  const parse = (gate: unknown) => workspaceConfigSchema.safeParse({ name: "ws", gate });

  test("defaults to every hardening property and no exemptions", () => {
    const r = workspaceConfigSchema.parse({ name: "ws" });
    assert.deepEqual(r.gate.hardening, { require: ["pie", "relro", "bindnow", "stack-protector", "fortify"], exempt: [] });
    assert.deepEqual(workspaceConfigSchema.parse({ name: "ws", gate: { failOn: ["CRITICAL"] } }).gate.hardening.exempt, []);
  });

  test("an exemption without a reason (missing, empty or blank) is refused, naming the path", () => {
    for (const exempt of [{ path: "/usr/lib/foo.so" }, { path: "/usr/lib/foo.so", reason: "" }, { path: "/usr/lib/foo.so", reason: "   " }]) {
      const r = parse({ hardening: { exempt: [exempt] } });
      assert.equal(r.success, false, JSON.stringify(exempt));
      assert.deepEqual(r.error?.issues[0]?.path, ["gate", "hardening", "exempt", 0, "reason"]);
    }
  });

  test("unknown properties, relative paths and unknown keys are refused", () => {
    assert.equal(parse({ hardening: { require: ["nx"] } }).success, false);
    assert.equal(parse({ hardening: { exempt: [{ path: "usr/lib/foo.so", reason: "r" }] } }).success, false);
    assert.equal(parse({ hardening: { exempt: [{ path: "/x", reason: "r", properties: [] }] } }).success, false);
    assert.equal(parse({ hardening: { requires: ["pie"] } }).success, false);
    assert.equal(parse({ hardening: { exempt: [{ path: "/x", reason: "r", properties: ["fips"] }] } }).success, true);
  });
});

describe("assessImageBinaries: only the build's layer of a real image", () => {
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  before(async () => {
    tmp = await tempDir("mk-gate-bin-");
  });
  after(() => tmp.cleanup());

  test("base binaries are ignored; the build's hardened, unhardened, truncated and fake .so files are judged", async () => {
    const bins = join(tmp.path, "bins");
    await mkdir(bins);
    const hard = await compileC(bins, "hard", FORTIFY_PROGRAM, HARDENED_FLAGS);
    const soft = await compileC(bins, "soft", FORTIFY_PROGRAM, UNHARDENED_FLAGS);

    const baseTree = join(tmp.path, "base");
    await mkdir(join(baseTree, "bin"), { recursive: true });
    await copyFile(soft, join(baseTree, "bin/base-tool"));
    await copyFile(soft, join(baseTree, "bin/replaced"));
    const baseLayout = await OciLayout.create(join(tmp.path, "base-layout"));
    await imageFromRootfs(baseLayout, baseTree, "base:1", { sourceDateEpoch: 0 });

    const built = join(tmp.path, "rootfs");
    await mkdir(join(built, "usr/bin"), { recursive: true });
    await mkdir(join(built, "usr/lib"), { recursive: true });
    await mkdir(join(built, "bin"), { recursive: true });
    await copyFile(hard, join(built, "usr/bin/good"));
    await copyFile(soft, join(built, "usr/bin/weak"));
    await copyFile(hard, join(built, "bin/replaced")); // the build's copy hides the base's
    await writeFile(join(built, "usr/lib/libcut.so.1"), (await readFile(hard)).subarray(0, 300));
    await writeFile(join(built, "usr/lib/libfake.so"), "INPUT(-lc)\n");
    await writeFile(join(built, "usr/bin/script"), "#!/bin/sh\necho hi\n", { mode: 0o755 });

    const layout = await OciLayout.create(join(tmp.path, "out"));
    const layer = await writeLayerFromDir(layout, built, { sourceDateEpoch: 0 });
    const img = await assembleImage(layout, { base: { layout: baseLayout, ref: "base:1" }, layers: [layer], config: {}, created: isoFromEpoch(0) });

    const found = await assessImageBinaries(layout.dir, img.manifestDescriptor.digest, { fips: false });
    assert.deepEqual(found.layers, [layer.descriptor.digest]);
    assert.deepEqual(
      found.assessments.map((a) => [a.path, a.kind]),
      [
        ["/bin/replaced", "executable"],
        ["/usr/bin/good", "executable"],
        ["/usr/bin/weak", "executable"],
        ["/usr/lib/libcut.so.1", "invalid"],
        ["/usr/lib/libfake.so", "invalid"],
      ],
    );
    const report = judgeBinaries(found.assessments, gatePolicy().hardening, { fips: false });
    assert.deepEqual(report.binaries.filter((b) => b.verdict === "fail").map((b) => b.path), ["/usr/bin/weak", "/usr/lib/libcut.so.1", "/usr/lib/libfake.so"]);
    assert.deepEqual(report.failures.filter((f) => f.path === "/usr/bin/weak").map((f) => f.property), ["pie", "relro", "bindnow", "stack-protector", "fortify"]);
    assert.match(report.failures.find((f) => f.path === "/usr/lib/libcut.so.1")!.detail, /malformed ELF/);
    assert.match(report.failures.find((f) => f.path === "/usr/lib/libfake.so")!.detail, /no ELF magic/);
  });
});
