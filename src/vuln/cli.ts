/**
 * `mailknight db import|status` and `mailknight scan`: argument parsing and rendering only; the
 * work is in `scanSbom`, `importReport`, `importOsv` and `dataAge`. Results go to stdout (a table,
 * or JSON with the global --json); warnings and progress go to stderr.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { MkError } from "../errors.js";
import { writeFileAtomic, stableJson } from "../util/fs.js";
import { table } from "../cli/render.js";
import type { Finding } from "./model.js";
import { dataAge } from "./osv/age.js";
import { importOsv } from "./osv/import.js";
import { readManifest, vulnDbDir } from "./osv/store.js";
import { scanSbom } from "./match/scan.js";
import { importReport } from "./importers/index.js";
import { commandIo, type CliDeps } from "../cli/deps.js";

export type VulnCliDeps = CliDeps;

function fmtAge(days: number | undefined): string {
  return days === undefined ? "-" : `${days.toFixed(1)}d`;
}

/** The findings table: id, aliases, package, version, severity, fixed. */
export function findingsTable(findings: readonly Finding[]): string {
  if (findings.length === 0) return "no findings";
  return table(
    ["ID", "ALIASES", "PACKAGE", "VERSION", "SEVERITY", "FIXED"],
    findings.map((f) => [f.id, f.aliases.join(","), `${f.package.name} (${f.package.ecosystem})`, f.package.version, f.severity, f.fixedVersions.join(", ") || "-"]),
  );
}

function severityLine(findings: readonly Finding[]): string {
  const counts = new Map<string, number>();
  for (const f of findings) counts.set(f.severity, (counts.get(f.severity) ?? 0) + 1);
  const parts = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "NONE", "UNKNOWN"].filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  return `${findings.length} finding(s)${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

export function registerVulnCommands(program: Command, deps: VulnCliDeps = {}): void {
  const { out, err, now, g, rootOf, warn } = commandIo(deps);
  const dbDirOf = async (cmd: Command, explicit: string | undefined) => (explicit ? resolve(explicit) : vulnDbDir(await rootOf(cmd)));

  const db = program.command("db").description("the local vulnerability database (OSV)");
  db.command("import")
    .argument("<paths...>", "directories of OSV JSON/YAML records, OSV zip exports (all.zip), or single records")
    .option("--db <dir>", "database directory (default: <workspace>/.mailknight/vulndb)")
    .option("--skip-invalid", "leave malformed records out (listed as warnings) instead of failing")
    .description("import OSV records; prints per-ecosystem counts")
    .action(async (paths: string[], o: { db?: string; skipInvalid?: boolean }, cmd: Command) => {
      const dir = await dbDirOf(cmd, o.db);
      const r = await importOsv(dir, paths, {
        now,
        skipInvalid: o.skipInvalid,
        displayBase: process.cwd(),
        onProgress: g(cmd).quiet || g(cmd).json ? undefined : (e) => err(`${e.source}: ${e.records} records read`),
      });
      warn(cmd, r.warnings);
      if (g(cmd).json) return out(JSON.stringify({ dir, added: r.added, updated: r.updated, keptNewer: r.keptNewer, sources: r.sources, ecosystems: r.manifest.ecosystems, warnings: r.warnings }, null, 2));
      const imported = new Map<string, number>();
      for (const s of r.sources) for (const e of s.ecosystems) imported.set(e.name, (imported.get(e.name) ?? 0) + e.records);
      const rows = r.manifest.ecosystems.map((e) => [e.name, String(imported.get(e.name) ?? 0), String(e.records), String(e.packages), e.newestModified ?? "-"]);
      out(table(["ECOSYSTEM", "IMPORTED", "IN DATABASE", "PACKAGES", "NEWEST MODIFIED"], rows));
      const skipped = r.sources.reduce((n, s) => n + s.withoutPackage, 0);
      const withdrawn = r.sources.reduce((n, s) => n + s.withdrawn, 0);
      out(`\n${r.added} added, ${r.updated} updated, ${r.keptNewer} kept (stored copy newer); ${withdrawn} withdrawn, ${skipped} without a package (GIT-only) in ${dir}`);
    });

  db.command("status")
    .option("--db <dir>", "database directory (default: <workspace>/.mailknight/vulndb)")
    .description("sources, record counts and data age")
    .action(async (o: { db?: string }, cmd: Command) => {
      const dir = await dbDirOf(cmd, o.db);
      const manifest = await readManifest(dir);
      const age = dataAge(manifest, now());
      if (g(cmd).json) return out(JSON.stringify({ dir, manifest: manifest ?? null, dataAge: age }, null, 2));
      if (!manifest) return out(`no vulnerability data in ${dir}; import some: mailknight db import <dir|all.zip>`);
      out(table(["ECOSYSTEM", "RECORDS", "PACKAGES", "WITHDRAWN", "NEWEST MODIFIED", "AGE"], manifest.ecosystems.map((e) => {
        const a = age.ecosystems.find((x) => x.ecosystem === e.name);
        return [e.name, String(e.records), String(e.packages), String(e.withdrawn), e.newestModified ?? "-", fmtAge(a?.ageDays)];
      })));
      out("");
      out(table(["SOURCE", "KIND", "RECORDS", "INVALID", "IMPORTED AT", "NEWEST MODIFIED"], manifest.sources.map((s) => [s.path, s.kind, String(s.records), String(s.invalid), s.importedAt, s.newestModified ?? "-"])));
      out(`\ndata age: ${fmtAge(age.ageDays)}${age.stalest ? ` (stalest: ${age.stalest.ecosystem})` : ""}; last import ${age.lastImportedAt ?? "never"}`);
    });

  program
    .command("scan")
    .argument("[sbom]", "CycloneDX JSON SBOM to match against the local OSV database")
    .option("--trivy <report>", "import a Trivy JSON report instead")
    .option("--grype <report>", "import a Grype JSON report instead")
    .option("--db <dir>", "database directory (default: <workspace>/.mailknight/vulndb)")
    .option("-o, --output <file>", "also write the findings as JSON to this file")
    .description("findings for an SBOM (OSV matching) or from a scanner report, de-duplicated by alias")
    .action(async (sbom: string | undefined, o: { trivy?: string; grype?: string; db?: string; output?: string }, cmd: Command) => {
      const inputs = [sbom, o.trivy, o.grype].filter((x) => x !== undefined);
      if (inputs.length !== 1) throw new MkError("E_USAGE", "give exactly one of: an SBOM file, --trivy <report>, --grype <report>");
      let result: Record<string, unknown> & { findings: Finding[]; warnings: string[] };
      if (sbom !== undefined) {
        result = { ...(await scanSbom(sbom, { db: await dbDirOf(cmd, o.db), now })) };
      } else {
        const format = o.trivy !== undefined ? "trivy" : "grype";
        result = { ...(await importReport((o.trivy ?? o.grype) as string, { format })) };
      }
      warn(cmd, result.warnings);
      if (o.output) await writeFileAtomic(resolve(o.output), stableJson(result));
      if (g(cmd).json) return out(JSON.stringify(result, null, 2));
      out(findingsTable(result.findings));
      if (!g(cmd).quiet) {
        const age = result.dataAge as ReturnType<typeof dataAge> | undefined;
        out(`\n${severityLine(result.findings)}${age ? `; data age ${fmtAge(age.ageDays)}` : ""}`);
      }
    });
}
