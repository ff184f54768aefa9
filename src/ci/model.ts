/**
 * What CI generation is computed from. Everything here is plain data gathered at the edge
 * (collect.ts) so that the generators stay pure: the same CiInput always gives the same YAML.
 */

/** One carried version of a project, as the child pipeline needs it. */
export interface CiVersion {
  version: string;
  /** Variant name → tag suffix in the layout (`""` for standard, `-distroless`, `-dev`). */
  variants: Record<string, string>;
}

export interface CiProject {
  name: string;
  versions: CiVersion[];
}

/** Where the `.mailknight.yml` template is included from. */
export type TemplateSource =
  | { kind: "local"; file: string }
  /** Another repository: `include: project/file/ref`, so many workspaces share one template. */
  | { kind: "project"; project: string; file: string; ref: string };

export interface CiInput {
  /** Stages `mailknight stage` runs, in order (STAGE_ORDER when generating). */
  stages: readonly string[];
  /**
   * Stages the sign job runs with `mailknight stage` (sign, attest) when mailknight.yaml configures
   * `signing:`; absent or empty, the job runs the `sign`/`attest` commands instead.
   */
  releaseStages?: readonly string[];
  /** Top-level CLI commands that exist (e.g. `publish`, `gate`, `sync`); jobs need them. */
  commands: readonly string[];
  projects: CiProject[];
  /** Workspace-relative OCI layout the package stage writes into. */
  layout: string;
  /** `host[/namespace]` from mailknight.yaml `registry`, when releases can be published. */
  registry?: string;
  template: TemplateSource;
  /** Branch that feature-branch pipelines compare their changes against. */
  defaultBranch: string;
}

/** A GitLab CI document as plain data: insertion order is output order. */
export type CiDocument = Record<string, unknown>;

/** The files `mailknight ci generate` owns, workspace-relative. */
export const ROOT_FILE = ".gitlab-ci.yml";
export const TEMPLATE_FILE = ".mailknight.yml";
/** Where the generator job writes child pipelines (an artifact, never committed). */
export const CHILD_DIR = ".mailknight/ci";

export function has(input: Pick<CiInput, "commands">, command: string): boolean {
  return input.commands.includes(command);
}
