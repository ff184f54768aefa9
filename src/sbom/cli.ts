/**
 * `mailknight sbom <target>`: argument parsing and output only; the work is in generate.ts.
 * The SBOM goes to stdout (or -o, written atomically); warnings go to stderr, so piping the
 * SBOM stays clean. With --json and -o, a summary is printed instead.
 */
import type { Command } from "commander";
import { resolve } from "node:path";
import { MkError } from "../errors.js";
import { generateSbom } from "./generate.js";
import { SBOM_FORMATS, creationTime, parseFormat, renderSbom, writeSbom, type SbomFormat } from "./render.js";
import type { FileSource } from "./source/types.js";
import { openTarget } from "./target.js";

interface SbomOptions {
  insecureRegistry: string[];
  output?: string;
  format: string;
  catalogers?: string;
}

/** Catalogs `source` and writes the SBOM to stdout or -o. */
async function writeOutput(source: FileSource, o: SbomOptions, format: SbomFormat, g: { json?: boolean; quiet?: boolean }): Promise<void> {
  const catalogers = o.catalogers?.split(",").map((s) => s.trim()).filter(Boolean);
  if (catalogers?.includes("project")) {
    throw new MkError("E_USAGE", "the project cataloger needs the pipeline's records; it runs in the sbom stage, not here", { hint: "run `mailknight stage sbom <project>@<version>`" });
  }
  const doc = await generateSbom(source, {
    created: creationTime(process.env, source.info.created),
    ...(catalogers ? { catalogers } : {}),
  });
  if (!g.quiet) for (const w of doc.warnings) process.stderr.write(`warning: ${w}\n`);
  if (!o.output) {
    // A reader that goes away early (`| head`) is not an error of ours.
    process.stdout.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") throw e;
    });
    process.stdout.write(renderSbom(doc, format));
    return;
  }
  const file = resolve(o.output);
  const written = await writeSbom(file, doc, format);
  const summary = { file, format, subject: doc.subject, components: doc.components.length, warnings: doc.warnings, digest: written.digest };
  if (g.json) process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  else if (!g.quiet) process.stderr.write(`${doc.components.length} components from ${doc.subject.name} -> ${file} (${format}, ${written.digest})\n`);
}

export function registerSbomCommands(program: Command): void {
  program
    .command("sbom")
    .argument("<target>", "oci:<layout-dir>:<tag|sha256:digest>, a registry image (host/repo:tag, host/repo@sha256:..., docker://...) or a root file system directory")
    .option("--insecure-registry <host>", "allow plain HTTP to this registry (loopback hosts always may)", (v: string, all: string[]) => [...all, v], [] as string[])
    .option("-o, --output <file>", "write the SBOM to this file (default: stdout)")
    .option("--format <format>", `${SBOM_FORMATS.join(" | ")}`, "cyclonedx-json")
    .option("--catalogers <list>", "only these catalogers (comma-separated)")
    .description("catalog the packages in an image or directory and write a CycloneDX 1.6 or SPDX 2.3 SBOM")
    .action(async (target: string, o: SbomOptions, cmd: Command) => {
      const g = cmd.optsWithGlobals() as { json?: boolean; quiet?: boolean };
      const format = parseFormat(o.format);
      const opened = await openTarget(target, { insecureRegistries: o.insecureRegistry });
      try {
        await writeOutput(opened.source, o, format, g);
      } finally {
        await opened.close();
      }
    });
}
