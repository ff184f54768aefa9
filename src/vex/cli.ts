/**
 * `mailknight vex add|list|validate|export`: argument parsing and rendering only; the work is in
 * the store, the readers/validators and the exporters.
 */
import { Option, type Command } from "commander";
import { relative, resolve } from "node:path";
import { formatTable as columns } from "../util/text-table.js";
import { MkError, type Problem } from "../errors.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { run } from "../util/exec.js";
import { isDirectory, writeFileAtomic } from "../util/fs.js";
import { effectiveStatements, exportVex } from "./export.js";
import { VEX_FORMAT_IDS, type VexFormatId, type VexStatement } from "./model.js";
import { loadVex, expandVexPaths } from "./read.js";
import { addDecision, listDecisions, projectStatements } from "./store.js";
import { validateVexFile } from "./validate.js";
import { commandIo, type CliDeps } from "../cli/deps.js";

export interface VexCliDeps extends CliDeps {
  /** Default author when --author is not given (default: git config user.name <user.email>). */
  author?: (root: string) => Promise<string | undefined>;
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function gitAuthor(root: string): Promise<string | undefined> {
  const get = async (key: string) => {
    try {
      const r = await run("git", ["config", "--get", key], { cwd: root });
      return r.code === 0 ? r.stdout.trim() : undefined;
    } catch {
      return undefined; // no git: the user passes --author
    }
  };
  const name = await get("user.name");
  const email = await get("user.email");
  if (!name && !email) return undefined;
  return name && email ? `${name} <${email}>` : (name ?? email);
}


function productText(s: VexStatement): string {
  return s.products.map((p) => (p.subcomponents.length ? `${p.purl ?? p.id} [${p.subcomponents.map((c) => c.purl ?? c.id).join(", ")}]` : (p.purl ?? p.id))).join("; ");
}

export function registerVexCommands(program: Command, deps: VexCliDeps = {}): void {
  const { out, err, now, g, rootOf, warn } = commandIo(deps);
  const authorOf = deps.author ?? gitAuthor;

  const vex = program.command("vex").description("VEX decisions: record, list, validate, export");

  vex
    .command("add")
    .argument("<project>", "project the decision is for (stored in vex/<project>/)")
    .argument("<vulnerability>", "vulnerability id, e.g. CVE-2024-1234")
    .addOption(new Option("--status <status>", "VEX status").choices(["not_affected", "affected", "fixed", "under_investigation"]).makeOptionMandatory())
    .option("--justification <label>", "for not_affected: component_not_present, vulnerable_code_not_present, vulnerable_code_not_in_execute_path, vulnerable_code_cannot_be_controlled_by_adversary, inline_mitigations_already_exist")
    .option("--note <text>", "why (not_affected: impact statement), what to do (affected: action statement), or notes")
    .requiredOption("--expires <YYYY-MM-DD>", "re-review date: from then on the decision no longer suppresses findings")
    .option("--product <purl>", "product the decision is about (repeatable; default pkg:oci/<project>, every image of the project)", collect, [])
    .option("--subcomponent <purl>", "package inside the product the decision is about (repeatable; default: the whole product)", collect, [])
    .option("--alias <id>", "other id of the same vulnerability (repeatable)", collect, [])
    .option("--author <name>", "who decides (default: git config user.name <user.email>)")
    .description("record a VEX decision as an OpenVEX document vex/<project>/<id>.json")
    .action(async (project: string, vulnerability: string, o: Record<string, string | string[] | undefined>, cmd: Command) => {
      const root = await rootOf(cmd);
      const author = (o.author as string | undefined) ?? (await authorOf(root));
      if (!author) throw new MkError("E_USAGE", "who is deciding? no --author and no git user configured", { hint: 'pass --author "Name <email>"' });
      const r = await addDecision(root, {
        project,
        vulnerability,
        status: o.status as string,
        ...(o.justification ? { justification: o.justification as string } : {}),
        ...(o.note ? { note: o.note as string } : {}),
        expires: o.expires as string,
        products: o.product as string[],
        subcomponents: o.subcomponent as string[],
        aliases: o.alias as string[],
        author,
        now: now(),
        toolVersion: MAILKNIGHT_VERSION,
      });
      if (g(cmd).json) return out(JSON.stringify({ file: r.file, document: r.document }, null, 2));
      out(`recorded ${r.statement.status} for ${vulnerability} in ${r.file} (re-review by ${o.expires as string})`);
    });

  vex
    .command("list")
    .argument("[project]", "only this project")
    .description("list the recorded decisions, with whether each is still in force")
    .action(async (project: string | undefined, _o: unknown, cmd: Command) => {
      const root = await rootOf(cmd);
      const at = now();
      const { entries, warnings } = await listDecisions(root, project, at);
      warn(cmd, warnings);
      if (g(cmd).json) {
        return out(JSON.stringify(entries.map((e) => ({ project: e.project, expired: e.expired, ...e.statement })), null, 2));
      }
      if (entries.length === 0) return out(`no VEX decisions${project ? ` for ${project}` : ""}`);
      out(
        columns(
          ["PROJECT", "VULNERABILITY", "STATUS", "JUSTIFICATION", "PRODUCTS", "AUTHOR", "DECIDED", "RE-REVIEW", "STATE", "FILE"],
          entries.map((e) => [
            e.project,
            e.statement.vulnerability,
            e.statement.status,
            e.statement.justification ?? "-",
            productText(e.statement),
            e.statement.author ?? "-",
            e.statement.timestamp?.slice(0, 10) ?? "-",
            e.statement.expires?.slice(0, 10) ?? "-",
            e.expired ? "EXPIRED" : "active",
            e.statement.source.file,
          ]),
        ),
      );
    });

  vex
    .command("validate")
    .argument("[files...]", "VEX files or directories (default: the workspace's vex/)")
    .description("check VEX documents against their official schemas (OpenVEX 0.2.0, CycloneDX, CSAF 2.0)")
    .action(async (files: string[], _o: unknown, cmd: Command) => {
      let targets = files.map((f) => resolve(f));
      let base = process.cwd();
      if (targets.length === 0) {
        base = await rootOf(cmd);
        const dir = resolve(base, "vex");
        if (!(await isDirectory(dir))) return out("no vex/ directory: nothing to validate");
        targets = [dir];
      }
      const problems: Problem[] = [];
      const reports = [];
      for (const file of await expandVexPaths(targets)) {
        const r = await validateVexFile(file, relative(base, file) || file);
        reports.push({ file: r.file, format: r.format, valid: r.problems.length === 0, problems: r.problems });
        problems.push(...r.problems);
      }
      if (g(cmd).json) out(JSON.stringify(reports, null, 2));
      else for (const r of reports) out(`${r.valid ? "ok" : "INVALID"}  ${r.file}${r.format ? ` (${r.format})` : ""}`);
      if (problems.length) throw new MkError("E_CONFIG_INVALID", `${problems.length} problem(s) in ${reports.filter((r) => !r.valid).length} of ${reports.length} VEX file(s)`, { problems });
    });

  vex
    .command("export")
    .argument("<project>", "project whose decisions (vex/<project>/) to export")
    .addOption(new Option("--format <format>", "output format").choices([...VEX_FORMAT_IDS]).default("openvex"))
    .option("--image <purl>", "export only what applies to this image, e.g. pkg:oci/argocd@sha256:... (default pkg:oci/<project>)")
    .option("--vex <path>", "more VEX files or directories to include (repeatable)", collect, [])
    .option("--author <name>", "document author / CSAF publisher (default: git config user.name <user.email>)")
    .option("--namespace <uri>", "CSAF publisher namespace, a URI you control")
    .option("-o, --output <file>", "write here instead of stdout")
    .option("--at <date-time>", "which statements are in force as of this time (default: now)")
    .description("the effective VEX of a project or image (latest statement per vulnerability and product, expired ones left out)")
    .action(async (project: string, o: { format: VexFormatId; image?: string; vex: string[]; author?: string; namespace?: string; output?: string; at?: string }, cmd: Command) => {
      const root = await rootOf(cmd);
      const at = o.at ? new Date(Date.parse(o.at)) : now();
      if (Number.isNaN(at.getTime())) throw new MkError("E_USAGE", `--at ${o.at} is not a date or date-time`);
      const own = await projectStatements(root, project);
      const extra = o.vex.length ? await loadVex(o.vex.map((p) => resolve(p)), process.cwd()) : { statements: [], warnings: [] };
      warn(cmd, [...own.warnings, ...extra.warnings]);
      const subject = o.image ?? `pkg:oci/${project}`;
      const statements = effectiveStatements([...own.statements, ...extra.statements], at, { purls: [subject] });
      const author = o.author ?? (await authorOf(root)) ?? "Mailknight";
      const result = exportVex(statements, {
        format: o.format,
        author,
        documentId: `urn:mailknight:vex:${project}:effective:${subject}`,
        toolVersion: MAILKNIGHT_VERSION,
        subject,
        ...(o.namespace ? { namespace: o.namespace } : {}),
      });
      warn(cmd, result.warnings);
      const text = JSON.stringify(result.document, null, 2) + "\n";
      if (o.output) {
        await writeFileAtomic(resolve(o.output), text);
        if (!g(cmd).quiet) err(`wrote ${result.statements} statement(s) as ${o.format} to ${o.output}`);
      } else out(text);
    });
}
