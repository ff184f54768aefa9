/** `mailknight pin scan|fix|bom [--evidence]|mirror-list <paths...>`: parsing and rendering only. */
import type { Command } from "commander";
import { MkError } from "../errors.js";
import { MAILKNIGHT_VERSION } from "../pipeline/version.js";
import { writeFileAtomic } from "../util/fs.js";
import { defaultBomOptions, imageBom, mirrorList } from "./bom.js";
import { loadExemptions } from "./exemptions.js";
import { fixPaths, registryResolver } from "./fix.js";
import { scanPaths } from "./scan.js";

interface Globals {
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

function print(cmd: Command, value: unknown, text: () => string): void {
  if ((cmd.optsWithGlobals() as Globals).json) process.stdout.write(JSON.stringify(value, null, 2) + "\n");
  else process.stdout.write(text() + "\n");
}

export function registerPinCommands(program: Command): void {
  const pin = program.command("pin").description("find image and chart references not pinned by digest / exact version, and pin them");
  pin
    .command("scan")
    .argument("<paths...>", "files or directories (Dockerfiles, Kubernetes, Helm, .gitlab-ci.yml, compose, recipes)")
    .option("--exemptions <file>", "YAML file of references allowed to stay unpinned, each with a reason")
    .option("--gate", "exit 1 when any reference is unpinned and not exempted")
    .option("--all", "list pinned references too")
    .description("report every unpinned image reference and unpinned chart version with file:line")
    .action(async (paths: string[], o: { exemptions?: string; gate?: boolean; all?: boolean }, cmd: Command) => {
      const exemptions = o.exemptions ? await loadExemptions(o.exemptions) : [];
      const r = await scanPaths(paths, { exemptions, cwd: process.cwd() });
      const shown = o.all ? r.refs : r.refs.filter((x) => !x.pinned);
      print(cmd, { files: r.files, references: r.refs.length, unpinned: r.violations.length, refs: shown }, () =>
        [
          ...shown.map((x) => `${x.file}:${x.line}:${x.column}: ${x.kind} ${x.ref} (${x.context})${x.pinned ? " pinned" : x.exemption ? ` exempt: ${x.exemption}` : `: ${x.reason}`}`),
          `${r.files} file(s), ${r.refs.length} reference(s), ${r.violations.length} unpinned and not exempted`,
        ].join("\n"),
      );
      if (o.gate && r.violations.length > 0) {
        // A gate failure (exit 1), like `mailknight gate`; each reference is listed as a problem.
        throw new MkError("E_GATE_FAILED", `pin gate failed: ${r.violations.length} reference(s) are not pinned`, {
          problems: r.violations.map((v) => ({ file: v.file, path: v.context, line: v.line, column: v.column, value: v.ref, message: v.reason ?? "not pinned" })),
          hint: "run `mailknight pin fix <paths>` for images, set exact chart versions, or add an exemption with a reason",
        });
      }
    });
  pin
    .command("fix")
    .argument("<paths...>", "files or directories")
    .option("--insecure <registry>", "allow plain HTTP to this non-loopback registry (repeatable)", collect, [])
    .option("--dry-run", "show what would change without writing")
    .description("resolve tags to digests through the registry and rewrite references as repo:tag@sha256:… in place")
    .action(async (paths: string[], o: { insecure: string[]; dryRun?: boolean }, cmd: Command) => {
      const r = await fixPaths(paths, registryResolver({ insecure: o.insecure }), { dryRun: o.dryRun });
      print(cmd, r, () =>
        [
          ...r.pinned.map((p) => `${p.file}:${p.line}: ${p.from} -> ${p.to}`),
          ...r.skipped.map((s) => `${s.file}:${s.line}: skipped ${s.ref}: ${s.reason}`),
          `${o.dryRun ? "would pin" : "pinned"} ${r.pinned.length} reference(s) in ${r.files.length} file(s); ${r.skipped.length} need a hand`,
        ].join("\n"),
      );
    });
  pin
    .command("bom")
    .argument("<paths...>", "files or directories")
    .option("-o, --output <file>", "write the BOM here instead of stdout")
    .option("--evidence", "read each image's evidence from its registry (signatures, claimed signers, SBOM, provenance) into dev.mailknight:evidence:* properties")
    .option("--concurrency <n>", "with --evidence: images read at once", "8")
    .option("--timeout <seconds>", "with --evidence: per registry request", "10")
    .option("--insecure <registry>", "with --evidence: allow plain HTTP to this non-loopback registry (repeatable)", collect, [])
    .description("CycloneDX 1.6 BOM with a container component per referenced image")
    .action(async (paths: string[], o: { output?: string; evidence?: boolean; concurrency: string; timeout: string; insecure: string[] }) => {
      const r = await scanPaths(paths, { cwd: process.cwd() });
      let bom = imageBom(r.refs, defaultBomOptions(MAILKNIGHT_VERSION));
      if (o.evidence) {
        const concurrency = Number(o.concurrency);
        const timeout = Number(o.timeout);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw new MkError("E_USAGE", `--concurrency ${o.concurrency}: not a positive integer`);
        if (!(timeout > 0)) throw new MkError("E_USAGE", `--timeout ${o.timeout}: not a positive number of seconds`);
        // Loaded only when asked: reading evidence needs the sigstore libraries.
        const { bomEvidence } = await import("../sign/evidence-matrix.js");
        bom = (await bomEvidence(bom, { concurrency, timeoutMs: timeout * 1000, insecure: o.insecure })).bom;
      }
      const text = JSON.stringify(bom, null, 2) + "\n";
      if (o.output) await writeFileAtomic(o.output, text);
      else process.stdout.write(text);
    });
  pin
    .command("mirror-list")
    .argument("<paths...>", "files or directories")
    .description("distinct registries and images to mirror for an air-gapped install")
    .action(async (paths: string[], _o, cmd: Command) => {
      const r = await scanPaths(paths, { cwd: process.cwd() });
      const list = mirrorList(r.refs);
      print(cmd, list, () => [...list.registries.map((x) => `registry ${x}`), ...list.images].join("\n"));
    });
}
