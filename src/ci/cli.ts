/**
 * `mailknight ci generate [--child <project>]` and `mailknight ci check`: parsing and rendering
 * only. Which stages and commands exist is read here, at generation time, from STAGE_ORDER and
 * the command tree, so no job is ever generated for a command this build does not have.
 */
import type { Command } from "commander";
import { join, resolve } from "node:path";
import { MkError } from "../errors.js";
import { STAGE_ORDER } from "../pipeline/index.js";
import { writeFileAtomic } from "../util/fs.js";
import { findWorkspaceRoot, openWorkspace } from "../workspace/index.js";
import { collectInput } from "./collect.js";
import { checkCiFiles, planChildPipeline, planCiFiles, writeCiFiles } from "./generate.js";
import { CHILD_DIR, TEMPLATE_FILE, type TemplateSource } from "./model.js";
import { childFile } from "./names.js";

interface Globals {
  workspace?: string;
  json?: boolean;
  quiet?: boolean;
}

interface SourceOptions {
  templateProject?: string;
  templateRef?: string;
  templateFile: string;
  defaultBranch: string;
}

function rootCommand(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

/** Top-level command names of the CLI as built, e.g. publish, gate, sync. */
export function commandNames(cmd: Command): string[] {
  return rootCommand(cmd).commands.map((c) => c.name());
}

function templateOf(o: SourceOptions): TemplateSource {
  if (o.templateProject) {
    if (!o.templateRef) throw new MkError("E_USAGE", "--template-project needs --template-ref", { hint: "pin the template to a tag or commit of that project, e.g. --template-ref v1.2.0" });
    return { kind: "project", project: o.templateProject, ref: o.templateRef, file: o.templateFile };
  }
  return { kind: "local", file: o.templateFile };
}

function withSourceOptions(cmd: Command): Command {
  return cmd
    .option("--template-project <path>", "include .mailknight.yml from this GitLab project (group/name) instead of the workspace")
    .option("--template-ref <ref>", "with --template-project: the tag or commit to include")
    .option("--template-file <file>", "template file name", TEMPLATE_FILE)
    .option("--default-branch <name>", "branch that feature-branch pipelines compare changes against", "main");
}

async function inputFor(cmd: Command, o: SourceOptions) {
  const g = cmd.optsWithGlobals() as Globals;
  const ws = await openWorkspace(await findWorkspaceRoot(process.cwd(), g.workspace));
  const input = await collectInput(ws, { stages: STAGE_ORDER, commands: commandNames(cmd), template: templateOf(o), defaultBranch: o.defaultBranch });
  return { ws, input, g };
}

export function registerCiCommands(program: Command): void {
  const ci = program.command("ci").description("GitLab CI: generate the pipelines, check they are current");

  withSourceOptions(ci.command("generate"))
    .option("--child <project>", `write the child pipeline of one project (default file: ${CHILD_DIR}/<project>.yml)`)
    .option("-o, --output <file>", "with --child: write it here instead")
    .description("write .gitlab-ci.yml and .mailknight.yml at the workspace root (or one child pipeline)")
    .action(async (o: SourceOptions & { child?: string; output?: string }, cmd: Command) => {
      const { ws, input, g } = await inputFor(cmd, o);
      if (o.child) {
        const file = o.output ? resolve(o.output) : join(ws.root, childFile(CHILD_DIR, o.child));
        await writeFileAtomic(file, planChildPipeline(input, o.child));
        if (g.json) process.stdout.write(JSON.stringify({ child: o.child, file }, null, 2) + "\n");
        else if (!g.quiet) console.log(`wrote ${file}`);
        return;
      }
      const statuses = await writeCiFiles(ws.root, planCiFiles(input));
      if (g.json) process.stdout.write(JSON.stringify(statuses, null, 2) + "\n");
      else if (!g.quiet) for (const s of statuses) console.log(`${s.status.padEnd(9)} ${s.file}`);
    });

  withSourceOptions(ci.command("check"))
    .description("exit 1 when the committed .gitlab-ci.yml or .mailknight.yml differ from what `ci generate` writes")
    .action(async (o: SourceOptions, cmd: Command) => {
      const { ws, input, g } = await inputFor(cmd, o);
      const statuses = await checkCiFiles(ws.root, planCiFiles(input));
      const bad = statuses.filter((s) => s.status !== "unchanged");
      if (g.json) process.stdout.write(JSON.stringify({ ok: bad.length === 0, files: statuses }, null, 2) + "\n");
      if (bad.length > 0) {
        throw new MkError("E_GATE_FAILED", `the generated CI files are out of date: ${bad.map((s) => `${s.file} (${s.status})`).join(", ")}`, {
          hint: "run `mailknight ci generate` and commit the result; never edit these files by hand",
        });
      }
      if (!g.json && !g.quiet) console.log(`ok: ${statuses.map((s) => s.file).join(", ")} up to date`);
    });
}
