/**
 * What command groups share: the global options every command sees, and the injectable edges
 * (workspace root, clock, output) that tests replace. Each group's `register*Commands(program,
 * deps)` calls `commandIo(deps)` once instead of wiring the defaults itself.
 */
import type { Command } from "commander";
import { findWorkspaceRoot } from "../workspace/workspace.js";

/** The program-level options (`-C/--workspace`, `--json`, `-q/--quiet`). */
export interface CliGlobals {
  workspace?: string;
  json?: boolean;
  quiet?: boolean;
}

export interface CliDeps {
  /** The workspace root for a command (default: -C/--workspace, else the nearest mailknight.yaml). */
  workspaceRoot?: (cmd: Command) => Promise<string>;
  now?: () => Date;
  out?: (text: string) => void;
  err?: (text: string) => void;
}

const line = (t: string): string => (t.endsWith("\n") ? t : `${t}\n`);

export function globalsOf(cmd: Command): CliGlobals {
  return cmd.optsWithGlobals() as CliGlobals;
}

export function commandIo(deps: CliDeps) {
  const err = deps.err ?? ((t: string) => void process.stderr.write(line(t)));
  return {
    /** Writes to stdout, ending the text with a newline when it has none. */
    out: deps.out ?? ((t: string) => void process.stdout.write(line(t))),
    err,
    now: deps.now ?? (() => new Date()),
    g: globalsOf,
    rootOf: deps.workspaceRoot ?? ((cmd: Command) => findWorkspaceRoot(process.cwd(), globalsOf(cmd).workspace)),
    /** Warnings go to stderr unless --quiet. */
    warn: (cmd: Command, warnings: readonly string[]) => {
      if (!globalsOf(cmd).quiet) for (const w of warnings) err(`warning: ${w}`);
    },
  };
}
