/**
 * The `mailknight` command line: argument parsing and rendering only; the work happens in the
 * capability modules. Exit codes are documented in the README (see src/errors.ts ExitCode).
 */
import { Command, CommanderError, Option } from "commander";
import { resolve } from "node:path";
import { ExitCode, MkError, formatError, isMkError } from "../errors.js";
import { gateVerdict, runPipeline, runStage, ALL_STAGES, STAGE_ORDER, type PipelineEvent, type RunResult } from "../pipeline/index.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import {
  findWorkspaceRoot,
  initWorkspace,
  listProjects,
  loadProject,
  openWorkspace,
  parseProjectRef,
  writeSchemas,
  type VariantName,
  VARIANTS,
} from "../workspace/index.js";
import { validateWorkspace } from "../workspace/validate.js";
import { addProject, pinProject } from "../workspace/project-edit.js";
import { imageFromRootfsCommand } from "./image-command.js";
import { chooseMode, createRenderer, formatBytes, formatDuration, table } from "./render.js";

interface GlobalOptions {
  workspace?: string;
  json?: boolean;
  quiet?: boolean;
  verbose?: boolean;
}

function globals(cmd: Command): GlobalOptions {
  return cmd.optsWithGlobals() as GlobalOptions;
}

function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
}

async function workspaceFor(cmd: Command) {
  const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
  return await openWorkspace(root);
}

/** Runs `fn` with a renderer attached to stderr; stdout is kept for results. */
async function withRenderer<T>(cmd: Command, fn: (emit: (e: PipelineEvent) => void) => Promise<T>): Promise<T> {
  const g = globals(cmd);
  const renderer = createRenderer(chooseMode(g, process.stderr), process.stderr, g.verbose);
  try {
    return await fn((e) => renderer.onEvent(e));
  } finally {
    renderer.close();
  }
}

function parseVariants(list: string | undefined): VariantName[] | undefined {
  if (!list) return undefined;
  const names = list.split(",").map((s) => s.trim());
  for (const n of names) {
    if (!(VARIANTS as readonly string[]).includes(n)) throw new MkError("E_USAGE", `unknown variant "${n}"`, { hint: `variants: ${VARIANTS.join(", ")}` });
  }
  return names as VariantName[];
}

function checkReleaseDate(date: string | undefined): string | undefined {
  const d = date ?? process.env.MK_RELEASE_DATE;
  if (d !== undefined && !/^\d{8}$/.test(d)) throw new MkError("E_USAGE", `release date "${d}" is not YYYYMMDD`);
  return d;
}

function summaryRows(results: RunResult[]): string[][] {
  const rows: string[][] = [];
  for (const r of results) {
    for (const img of r.images) {
      rows.push([r.project, r.version, img.variant, img.digest.slice(0, 19), formatBytes(img.size), img.components === undefined ? "-" : String(img.components), img.tags[0] ?? "", formatDuration(r.durationMs)]);
    }
  }
  return rows;
}

type Registrar = (program: Command) => void;

/**
 * Command groups beyond the core ones above. Each loads its capability (sigstore, octokit, the
 * CycloneDX library, ...), which together cost over a second of start-up, so only the group of
 * the command being run is loaded. Help, `ci` (which lists every command) and anything unknown
 * load them all, in this order.
 */
const COMMAND_GROUPS: { commands: string[]; load: () => Promise<Registrar[]> }[] = [
  { commands: ["db", "scan"], load: async () => [(await import("../vuln/cli.js")).registerVulnCommands] },
  { commands: ["vex"], load: async () => [(await import("../vex/cli.js")).registerVexCommands] },
  { commands: ["gate"], load: async () => [(await import("../policy/cli.js")).registerGateCommands] },
  { commands: ["sbom"], load: async () => [(await import("../sbom/cli.js")).registerSbomCommands] },
  { commands: ["copy", "publish", "index"], load: async () => [(await import("../release/cli.js")).registerReleaseCommands] },
  { commands: ["pin"], load: async () => [(await import("../pin/cli.js")).registerPinCommands] },
  {
    commands: ["key", "sign", "attest", "verify", "sign-blob", "policy", "evidence"],
    load: async () => [(await import("../sign/index.js")).registerSignCommands],
  },
  {
    commands: ["sync", "status", "serve", "patch"],
    load: async () => {
      const m = await import("../upstream/cli.js");
      return [m.registerUpstreamCommands, m.registerPatchCommands];
    },
  },
  { commands: ["ci"], load: async () => [(await import("../ci/cli.js")).registerCiCommands] },
];

const CORE_COMMANDS = ["init", "schemas", "validate", "project", "run", "stage", "image"];

/** The command word of argv, skipping global options (and the value of -C/--workspace). */
function commandWord(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-C" || a === "--workspace") i++;
    else if (!a.startsWith("-")) return a;
  }
  return undefined;
}

/** The registrars the command line needs: none for core commands, one group, or all. */
export async function commandGroupsFor(argv: string[]): Promise<Registrar[]> {
  const word = commandWord(argv);
  if (word && CORE_COMMANDS.includes(word)) return [];
  if (!word && (argv.includes("--version") || argv.includes("-V"))) return [];
  const group = COMMAND_GROUPS.find((g) => word !== undefined && g.commands.includes(word) && word !== "ci");
  const chosen = group ? [group] : COMMAND_GROUPS;
  return (await Promise.all(chosen.map((g) => g.load()))).flat();
}

export function buildProgram(groups: Registrar[] = []): Command {
  const program = new Command("mailknight")
    .description("Hardened, reproducible, signed OCI images from upstream releases")
    .version(MAILKNIGHT_VERSION)
    .option("-C, --workspace <dir>", "workspace root (default: nearest parent with mailknight.yaml)")
    .option("--json", "machine-readable output on stdout")
    .option("-q, --quiet", "no progress output")
    .option("-v, --verbose", "show build output")
    .showHelpAfterError()
    .exitOverride();

  program
    .command("init")
    .argument("[dir]", "directory to create the workspace in", ".")
    .description("scaffold a workspace: mailknight.yaml, projects/, patches/, vex/, schemas/")
    .action(async (dir: string, _o, cmd: Command) => {
      const result = await initWorkspace(resolve(dir));
      if (globals(cmd).json) return printJson(result);
      console.log(`Initialised Mailknight workspace in ${result.root}`);
      for (const f of result.created) console.log(`  created ${f}`);
      if (result.gitInitialised) console.log("  initialised a git repository");
      console.log("Next: mailknight project add <name> --git <url> --tag <tag>");
    });

  program
    .command("schemas")
    .description("(re)write the JSON Schemas of mailknight.yaml and recipes into <workspace>/schemas/")
    .action(async (_o, cmd: Command) => {
      const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
      const written = await writeSchemas(root);
      if (globals(cmd).json) return printJson({ written });
      console.log(written.length ? `wrote ${written.join(", ")}` : "schemas are up to date");
    });

  program
    .command("validate")
    .argument("[projects...]", "only these projects")
    .description("check mailknight.yaml and every recipe; list every problem")
    .action(async (projects: string[], _o, cmd: Command) => {
      const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
      const report = await validateWorkspace(root, projects.length ? projects : undefined);
      if (globals(cmd).json) printJson({ ok: report.problems.length === 0, ...report });
      else if (report.problems.length === 0) console.log(`ok: ${report.files.length} file(s) valid`);
      if (report.problems.length > 0) {
        throw new MkError("E_CONFIG_INVALID", `${report.problems.length} problem(s) in ${report.files.length} file(s)`, { problems: report.problems });
      }
    });

  const project = program.command("project").description("manage recipes");
  project
    .command("add")
    .argument("<name>", "project name (image repository name)")
    .option("--git <url>", "upstream git URL")
    .option("--github <owner/repo>", "upstream GitHub repository")
    .option("--tag <tag>", "upstream tag to carry; resolved to a commit and pinned")
    .option("--tarball <url>", "upstream release tarball")
    .option("--sha256 <hex>", "sha256 of the tarball")
    .option("--version <version>", "upstream version (defaults to the tag)")
    .addOption(new Option("--toolchain <id>", "toolchain profile").choices(["c", "go", "custom"]).default("c"))
    .description("create projects/<name>/project.yaml with a pinned source")
    .action(async (name: string, o: Record<string, string>, cmd: Command) => {
      const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
      const r = await addProject(root, { name, ...o } as never);
      if (globals(cmd).json) return printJson(r);
      console.log(`created ${r.file}${r.commit ? ` (pinned to ${r.commit})` : ""}`);
    });
  project
    .command("list")
    .description("list the projects in the workspace")
    .action(async (_o, cmd: Command) => {
      const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
      const names = await listProjects(root);
      const rows = [];
      for (const n of names) {
        const r = await loadProject(root, n).catch((e: unknown) => e);
        if (isMkError(r)) rows.push({ name: n, versions: [], error: r.message });
        else {
          const recipe = r as Awaited<ReturnType<typeof loadProject>>;
          rows.push({ name: n, versions: recipe.sources.map((s) => s.version), toolchain: recipe.build.toolchain, variants: Object.keys(recipe.package.variants) });
        }
      }
      if (globals(cmd).json) return printJson(rows);
      if (rows.length === 0) return console.log("no projects yet: mailknight project add <name> --git <url> --tag <tag>");
      console.log(table(["PROJECT", "VERSIONS", "TOOLCHAIN", "VARIANTS"], rows.map((r) => [r.name, r.versions.join(", "), "toolchain" in r ? String(r.toolchain) : `invalid: ${"error" in r ? r.error : ""}`, "variants" in r ? (r.variants ?? []).join(",") : ""])));
    });
  project
    .command("show")
    .argument("<name>")
    .description("print a recipe with every default filled in")
    .action(async (name: string, _o, cmd: Command) => {
      const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
      const recipe = await loadProject(root, name);
      if (globals(cmd).json) return printJson(recipe);
      const { stringify } = await import("yaml");
      process.stdout.write(stringify(recipe));
    });
  project
    .command("pin")
    .argument("<name>")
    .option("--version <version>", "only this source version")
    .description("resolve each source tag to its commit and record it in the recipe")
    .action(async (name: string, o: { version?: string }, cmd: Command) => {
      const root = await findWorkspaceRoot(process.cwd(), globals(cmd).workspace);
      const results = await pinProject(root, name, o.version);
      if (globals(cmd).json) return printJson(results);
      for (const r of results) console.log(`${name}@${r.version}: ${r.tag} -> ${r.commit}${r.changed ? " (updated)" : ""}`);
    });

  program
    .command("run")
    .argument("<refs...>", "<project> or <project>@<version>")
    .option("--variant <list>", "only these variants (comma-separated: distroless,standard,dev)")
    .option("--release-date <YYYYMMDD>", "date in the LTS tag (default: today, UTC; env MK_RELEASE_DATE)")
    .option("--force", "re-run every stage even when its inputs are unchanged")
    .option("--publish", "then publish to the registry in mailknight.yaml (the publish stage)")
    .description(`run ${STAGE_ORDER.join(" → ")} (then sign → attest when mailknight.yaml configures signing, and publish with --publish) for each project@version`)
    .action(async (refs: string[], o: { variant?: string; releaseDate?: string; force?: boolean; publish?: boolean }, cmd: Command) => {
      const ws = await workspaceFor(cmd);
      const options = { variants: parseVariants(o.variant), releaseDate: checkReleaseDate(o.releaseDate), force: o.force, publish: o.publish };
      const results: RunResult[] = [];
      await withRenderer(cmd, async (emit) => {
        for (const ref of refs) {
          const { project: p, version } = parseProjectRef(ref);
          results.push(await runPipeline(ws, p, version, options, emit));
        }
      });
      const failedGates = results.filter((r) => r.gate.verdict === "fail");
      if (globals(cmd).json) {
        printJson({
          layout: ws.layoutDir,
          results: results.map((r) => ({
            project: r.project,
            version: r.version,
            hermetic: r.hermetic,
            durationMs: r.durationMs,
            stages: r.outcomes.map((s) => ({ stage: s.stage, status: s.status, inputDigest: s.record.inputDigest, outputDigest: s.record.outputDigest, durationMs: s.record.durationMs })),
            images: r.images,
            gate: r.gate,
            ...(r.signed ? { signed: r.signed } : {}),
          })),
        });
      } else if (!globals(cmd).quiet) {
        console.log("");
        console.log(table(["PROJECT", "VERSION", "VARIANT", "DIGEST", "SIZE", "COMPONENTS", "TAG", "TIME"], summaryRows(results)));
        for (const r of results) {
          console.log(`gate ${r.project}@${r.version}: ${r.gate.verdict}${r.gate.reasons.length ? ` (${r.gate.reasons.join("; ")})` : ""}`);
          if (r.signed) {
            const count = r.signed.reduce((n, i) => n + i.attached.length, 0);
            console.log(`signed ${r.project}@${r.version}: ${r.signed.length} image(s), ${count} signature(s) and attestation(s) attached`);
          }
        }
        console.log(`\nimages in oci:${ws.layoutDir}`);
      }
      if (failedGates.length > 0) {
        throw new MkError("E_GATE_FAILED", `release gate failed for ${failedGates.map((r) => `${r.project}@${r.version}`).join(", ")}: nothing may be signed or published`, {
          hint: "see .mailknight/work/<project>/<version>/gate/*.decision.json and *.binaries.json; fix or VEX the findings (mailknight vex add), import vulnerability data (mailknight db import), or fix the build flags (or exempt a binary, with a reason, in gate.hardening)",
          details: { reasons: failedGates.flatMap((r) => r.gate.reasons) },
        });
      }
    });

  program
    .command("stage")
    .argument("<stage>", `one of ${ALL_STAGES.join(", ")}`)
    .argument("<ref>", "<project>@<version>")
    .option("--variant <list>", "package: only these variants")
    .option("--release-date <YYYYMMDD>", "package: date in the LTS tag")
    .option("--force", "run even when the inputs are unchanged")
    .description("run one stage on the recorded outputs of the stages before it (what a CI job runs)")
    .action(async (stage: string, ref: string, o: { variant?: string; releaseDate?: string; force?: boolean }, cmd: Command) => {
      const ws = await workspaceFor(cmd);
      const { project: p, version } = parseProjectRef(ref);
      const options = { variants: parseVariants(o.variant), releaseDate: checkReleaseDate(o.releaseDate), force: o.force };
      const outcome = await withRenderer(cmd, (emit) => runStage(ws, stage, p, version, options, emit));
      if (globals(cmd).json) printJson(outcome);
      else if (!globals(cmd).quiet && outcome.images.length) console.log(table(["VARIANT", "DIGEST", "SIZE", "TAG"], outcome.images.map((i) => [i.variant, i.digest, formatBytes(i.size), i.tags[0] ?? ""])));
      // The gate job of a CI pipeline must fail when the gate does.
      if (outcome.stage === "gate" && gateVerdict(outcome.record).verdict === "fail") {
        throw new MkError("E_GATE_FAILED", `release gate failed for ${ref}: ${gateVerdict(outcome.record).reasons.join("; ")}`, {
          hint: "see the decision files in .mailknight/work/<project>/<version>/gate/",
        });
      }
    });

  const image = program.command("image").description("work with OCI images on disk");
  image
    .command("from-rootfs")
    .argument("<dir>", "root file system directory")
    .argument("<target>", "oci:<layout-dir>:<tag>")
    .option("--source-date-epoch <seconds>", "timestamp for every file (default: $SOURCE_DATE_EPOCH or 0)")
    .option("--entrypoint <json>", "entrypoint as a JSON array")
    .option("--cmd <json>", "cmd as a JSON array")
    .option("--user <user>", "user")
    .option("--env <KEY=VALUE...>", "environment")
    .description("make a one-layer image from a directory, deterministically (e.g. a base image)")
    .action(async (dir: string, target: string, o: Record<string, unknown>, cmd: Command) => {
      const r = await imageFromRootfsCommand(dir, target, o);
      if (globals(cmd).json) return printJson(r);
      console.log(`${r.tag} -> ${r.digest} in ${r.layout}`);
    });

  for (const register of groups) register(program);
  return program;
}

/** Notes whether anything reached stdout, so a failing --json command prints one JSON document, not two. */
function watchStdout(): () => boolean {
  let written = false;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((...args: Parameters<typeof write>) => {
    written = true;
    return write(...args);
  }) as typeof process.stdout.write;
  return () => written;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram(await commandGroupsFor(argv));
  const stdoutUsed = watchStdout();
  try {
    await program.parseAsync(argv, { from: "user" });
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed the problem (or help/version, which exit 0)
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    const json = argv.includes("--json");
    // A command that already printed its result (e.g. a gate decision) keeps stdout to itself.
    if (json && isMkError(e) && !stdoutUsed()) {
      process.stdout.write(
        JSON.stringify({ error: { code: e.code, message: e.message, hint: e.hint, problems: e.problems, details: e.details } }, null, 2) + "\n",
      );
    }
    process.stderr.write(formatError(e) + "\n");
    return isMkError(e) ? e.exitCode : ExitCode.internal;
  }
}

