import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Command } from "commander";
import { registerVulnCommands } from "./cli.js";
import { expectMkError, fixture, NOW, tempDir, writeSbom } from "./testing.js";

async function cli(root: string, args: string[]): Promise<{ out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const program = new Command("mailknight").option("-C, --workspace <dir>").option("--json").option("-q, --quiet").exitOverride();
  registerVulnCommands(program, { workspaceRoot: async () => root, now: () => NOW, out: (t) => out.push(t), err: (t) => err.push(t) });
  await program.parseAsync(args, { from: "user" });
  return { out: out.join("\n"), err: err.join("\n") };
}

test("db import, db status and scan of an SBOM, a Trivy and a Grype report", async () => {
  const root = await tempDir();
  const imp = await cli(root, ["db", "import", fixture("osv/GHSA-6c3j-c64m-qhgq.npm-jquery.json"), fixture("osv/GHSA-35c4-f3rq-f9g3.rubygems-withdrawn.json")]);
  assert.match(imp.out, /^npm\s+1\s+1\s+1\s+2022-02-08T22:08:08Z$/m);
  assert.match(imp.out, /2 added, 0 updated, 0 kept .* 1 withdrawn/);
  assert.match(imp.err, /RubyGems: 1 record\(s\) stored/);

  const status = JSON.parse((await cli(root, ["db", "status", "--json"])).out);
  assert.equal(status.dir, join(root, ".mailknight", "vulndb"));
  assert.equal(status.manifest.ecosystems.length, 2);
  assert.equal(status.dataAge.stalest.ecosystem, "RubyGems");
  assert.match((await cli(root, ["db", "status"])).out, /data age: \d+\.\dd \(stalest: RubyGems\)/);

  const sbom = await writeSbom(join(root, "sbom.json"), ["pkg:npm/jquery@3.3.9", "pkg:npm/jquery@3.4.0"]);
  const outFile = join(root, "findings.json");
  const scan = await cli(root, ["scan", sbom, "-o", outFile]);
  assert.match(scan.out, /^ID\s+ALIASES\s+PACKAGE\s+VERSION\s+SEVERITY\s+FIXED$/m);
  assert.match(scan.out, /^CVE-2019-11358\s+GHSA-6c3j-c64m-qhgq\s+jquery \(npm\)\s+3\.3\.9\s+MEDIUM\s+3\.4\.0$/m);
  assert.match(scan.out, /1 finding\(s\): 1 MEDIUM; data age \d+\.\dd/);
  const written = JSON.parse(await readFile(outFile, "utf8"));
  assert.equal(written.findings.length, 1);
  assert.equal(written.findings[0].package.bomRef, "ref-0");

  const trivy = JSON.parse((await cli(root, ["--json", "scan", "--trivy", fixture("trivy/alpine-310-image.json")])).out);
  assert.equal(trivy.findings.length, 4);
  assert.equal(trivy.importer, "trivy");
  const grype = await cli(root, ["scan", "--grype", fixture("grype/defectdojo-check_all_fields.grype.json")]);
  assert.match(grype.out, /5 finding\(s\): 2 CRITICAL, 2 HIGH, 1 NONE/);
  assert.match(grype.err, /wont-fix/);
});

test("scan needs exactly one input; a wrong report format is a config error naming the file", async () => {
  const root = await tempDir();
  await expectMkError(() => cli(root, ["scan"]), "E_USAGE");
  await expectMkError(() => cli(root, ["scan", "a.json", "--trivy", "b.json"]), "E_USAGE");
  const e = await expectMkError(() => cli(root, ["scan", "--trivy", fixture("grype/grype-snapshot-image.json")]), "E_CONFIG_INVALID");
  assert.ok(e.problems.some((p) => p.file.endsWith("grype-snapshot-image.json") && p.path === "SchemaVersion"));
  const garbage = join(root, "garbage.json");
  await writeFile(garbage, "{ not json");
  const g = await expectMkError(() => cli(root, ["scan", "--grype", garbage]), "E_CONFIG_INVALID");
  assert.equal(g.problems[0]?.line, 1);
});

test("the real mailknight binary has the commands wired in (global --json after the subcommand)", () => {
  const bin = new URL("../../bin/mailknight.js", import.meta.url).pathname;
  const r = spawnSync(process.execPath, [bin, "scan", "--grype", fixture("grype/grype-snapshot-image.json"), "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(r.stdout);
  assert.equal(doc.findings.length, 2);
  const bad = spawnSync(process.execPath, [bin, "scan"], { encoding: "utf8" });
  assert.equal(bad.status, 2, "usage errors exit 2");
});
