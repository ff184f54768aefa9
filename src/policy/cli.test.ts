/**
 * `mailknight vex ...` and `mailknight gate ...` end to end in a scratch workspace: record a
 * decision, see the gate go from fail to pass on a real Trivy report, write every report format,
 * and read the policy from mailknight.yaml.
 */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Command } from "commander";
import { isMkError } from "../errors.js";
import { registerVexCommands } from "../vex/cli.js";
import { fixturePath } from "../vex/testing/fixtures.js";
import { initWorkspace } from "../workspace/init.js";
import { registerGateCommands } from "./cli.js";

let root: string;
const now = () => new Date("2025-06-01T00:00:00Z");
const TRIVY = fixturePath("trivy/debian-buster-image-ignore-unfixed.json");

before(async () => {
  root = await mkdtemp(join(tmpdir(), "mk-gate-cli-"));
  await initWorkspace(root);
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function cli(...args: string[]): Promise<{ out: string; err: string; error?: unknown }> {
  let out = "";
  let err = "";
  const program = new Command("mailknight").option("-C, --workspace <dir>").option("--json").option("-q, --quiet").exitOverride();
  const deps = { workspaceRoot: async () => root, now, out: (t: string) => void (out += t.endsWith("\n") ? t : `${t}\n`), err: (t: string) => void (err += `${t}\n`) };
  registerVexCommands(program, { ...deps, author: async () => "CI Bot <ci@example.com>" });
  registerGateCommands(program, deps);
  try {
    await program.parseAsync(args, { from: "user" });
    return { out, err };
  } catch (error) {
    return { out, err, error };
  }
}

function code(r: { error?: unknown }): string {
  return r.error === undefined ? "ok" : isMkError(r.error) ? r.error.code : String(r.error);
}

test("gate fails on the CRITICAL finding, vex add records a decision, and the gate passes", async () => {
  const before = await cli("gate", "debian", "--trivy", TRIVY);
  assert.equal(code(before), "E_GATE_FAILED");
  assert.equal(isMkError(before.error) && before.error.exitCode, 1);
  assert.match(before.out, /BLOCK\s+CRITICAL\s+CVE-2019-18224/);

  const add = await cli("vex", "add", "debian", "CVE-2019-18224", "--status", "not_affected", "--justification", "vulnerable_code_not_in_execute_path", "--note", "no IDN input", "--expires", "2026-01-01");
  assert.equal(code(add), "ok");
  assert.match(add.out, /recorded not_affected for CVE-2019-18224 in vex\/debian\/CVE-2019-18224-20250601T000000Z\.json/);

  const list = await cli("vex", "list", "debian");
  assert.match(list.out, /debian\s+CVE-2019-18224\s+not_affected\s+vulnerable_code_not_in_execute_path\s+pkg:oci\/debian\s+CI Bot <ci@example.com>\s+2025-06-01\s+2026-01-01\s+active/);
  assert.equal(code(await cli("vex", "validate")), "ok");

  const after = await cli("gate", "debian@10.1", "--trivy", TRIVY, "--format", "json", "--report", `gitlab=${join(root, "gl.json")}`, "--report", `junit=${join(root, "junit.xml")}`, "--report", `sarif=${join(root, "gate.sarif")}`);
  assert.equal(code(after), "ok", String(after.error));
  const decision = JSON.parse(after.out) as { passed: boolean; target: string; findings: { status: string; statement: { source: { file: string } } }[] };
  assert.equal(decision.passed, true);
  assert.equal(decision.target, "debian@10.1");
  assert.equal(decision.findings[0]!.status, "not_affected");
  assert.equal(decision.findings[0]!.statement.source.file, "vex/debian/CVE-2019-18224-20250601T000000Z.json");
  const gl = JSON.parse(await readFile(join(root, "gl.json"), "utf8")) as { vulnerabilities: { flags?: unknown[] }[] };
  assert.equal(gl.vulnerabilities[0]!.flags?.length, 1);
  assert.match(await readFile(join(root, "junit.xml"), "utf8"), /<skipped message="VEX not_affected/);
  assert.match(await readFile(join(root, "gate.sarif"), "utf8"), /"kind": "external"/);

  // past the re-review date the decision stops counting
  assert.equal(code(await cli("gate", "debian", "--trivy", TRIVY, "--at", "2026-01-02")), "E_GATE_FAILED");
  // the decision is about debian's images: handed to another project's gate, it does not apply
  const other = await cli("gate", "other", "--trivy", TRIVY, "--vex", join(root, "vex", "debian"));
  assert.equal(code(other), "E_GATE_FAILED");
  assert.match(other.out, /no statement\s+severity/);

  // export: every format passes its schema (exportVex checks) and goes where asked
  for (const format of ["openvex", "cyclonedx", "csaf"]) {
    const file = join(root, `export.${format}.json`);
    assert.equal(code(await cli("vex", "export", "debian", "--format", format, "-o", file)), "ok");
    assert.equal(code(await cli("vex", "validate", file)), "ok");
  }
});

test("the gate reads its policy from mailknight.yaml and its findings from scan output", async () => {
  const yaml = join(root, "mailknight.yaml");
  const original = await readFile(yaml, "utf8");
  try {
    await writeFile(yaml, `${original}gate:\n  failOn: [CRITICAL, HIGH, MEDIUM]\n  maxDataAgeDays: 3\n`);
    const findings = join(root, "scan.json");
    const trivyAlpine = fixturePath("trivy/alpine-310-image.json");
    // the alpine report has only MEDIUM findings: they pass by default, fail under this policy
    const r = await cli("gate", "--trivy", trivyAlpine, "--data-age-days", "1", "-o", join(root, "out.txt"));
    assert.equal(code(r), "E_GATE_FAILED");
    assert.match(await readFile(join(root, "out.txt"), "utf8"), /4 blocking/);
    // findings in `mailknight scan -o` shape, with the data age the scan measured
    const { importReport } = await import("../vuln/importers/index.js");
    const imported = await importReport(TRIVY);
    await writeFile(findings, JSON.stringify({ findings: imported.findings, dataAge: { ageDays: 10 } }));
    const stale = await cli("gate", "--findings", findings, "--vex", join(root, "vex"));
    assert.equal(code(stale), "E_GATE_FAILED");
    assert.match(stale.out, /FAIL: vulnerability data is 10 days old; gate.maxDataAgeDays is 3/);
  } finally {
    await writeFile(yaml, original);
  }
});

test("usage errors: no findings, malformed findings with JSON paths, bad --image, bad --report", async () => {
  assert.equal(code(await cli("gate")), "E_USAGE");
  // A project ref alone gates on the scan stage's findings; before `run` there are none to read.
  const noScan = await cli("gate", "debian");
  assert.equal(code(noScan), "E_NOT_FOUND");
  const bad = join(root, "bad-findings.json");
  await writeFile(bad, JSON.stringify([{ id: "CVE-1", aliases: [], severity: "SEVERE", cvss: [], fixedVersions: [], package: { ecosystem: "npm", name: "x" }, source: { kind: "trivy" } }]));
  const r = await cli("gate", "--findings", bad);
  assert.equal(code(r), "E_CONFIG_INVALID");
  assert.deepEqual(isMkError(r.error) && r.error.problems.map((p) => p.path), ["[0].severity", "[0].package.version"]);
  assert.equal(code(await cli("gate", "--trivy", TRIVY, "--image", "debian:latest")), "E_USAGE");
  assert.equal(code(await cli("gate", "--trivy", TRIVY, "--report", "pdf=x.pdf")), "E_USAGE");
  assert.equal(code(await cli("vex", "add", "debian", "CVE-2019-1", "--status", "not_affected", "--expires", "2026-01-01")), "E_USAGE");
});
