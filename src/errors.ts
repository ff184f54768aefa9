/**
 * Typed errors with a closed set of codes. User-facing errors carry everything needed to fix
 * the problem (file, location, value, what is allowed, what to do); tests assert on `code`.
 */

/** Exit codes documented in the README. */
export const ExitCode = {
  ok: 0,
  /** The work failed: a stage, a patch, a build, a verification. */
  failed: 1,
  /** The input is wrong: usage, recipe, configuration. */
  usage: 2,
  /** Integrity check failed: wrong hash, commit mismatch, tampered cache. */
  integrity: 3,
  /** The environment lacks something: a tool, permissions. */
  environment: 4,
  /** A bug in Mailknight. */
  internal: 70,
} as const;

export type ErrorCode =
  | "E_USAGE"
  | "E_CONFIG_INVALID"
  | "E_NOT_FOUND"
  | "E_PIN_MISSING"
  | "E_INTEGRITY"
  | "E_FETCH"
  | "E_PATCH_FAILED"
  | "E_GATE_FAILED"
  | "E_BUILD_FAILED"
  | "E_PACKAGE"
  | "E_OCI"
  | "E_TOOL_MISSING"
  | "E_IO"
  | "E_INTERNAL";

const exitCodeFor: Record<ErrorCode, number> = {
  E_USAGE: ExitCode.usage,
  E_CONFIG_INVALID: ExitCode.usage,
  E_NOT_FOUND: ExitCode.usage,
  E_PIN_MISSING: ExitCode.usage,
  E_INTEGRITY: ExitCode.integrity,
  E_FETCH: ExitCode.failed,
  E_PATCH_FAILED: ExitCode.failed,
  E_GATE_FAILED: ExitCode.failed,
  E_BUILD_FAILED: ExitCode.failed,
  E_PACKAGE: ExitCode.failed,
  E_OCI: ExitCode.failed,
  E_TOOL_MISSING: ExitCode.environment,
  E_IO: ExitCode.failed,
  E_INTERNAL: ExitCode.internal,
};

/** One problem found in an input file; validation collects all of them before failing. */
export interface Problem {
  /** File the problem is in (workspace-relative where possible). */
  file: string;
  /** Location inside the file: a JSON/YAML path like `build.steps[2]`, plus `line:col` when known. */
  path: string;
  line?: number;
  column?: number;
  /** The offending value, rendered short. */
  value?: string;
  /** What is wrong and what is allowed / what to do. */
  message: string;
}

export interface MkErrorOptions {
  cause?: unknown;
  /** What the user can do about it. */
  hint?: string;
  problems?: Problem[];
  /** Structured details for --json output. */
  details?: Record<string, unknown>;
}

export class MkError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;
  readonly problems: Problem[];
  readonly details?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: MkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "MkError";
    this.code = code;
    this.hint = options.hint;
    this.problems = options.problems ?? [];
    this.details = options.details;
  }

  get exitCode(): number {
    return exitCodeFor[this.code];
  }
}

export function isMkError(e: unknown): e is MkError {
  return e instanceof MkError;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file;
  const path = p.path ? ` at ${p.path}` : "";
  const value = p.value !== undefined ? ` (found ${p.value})` : "";
  return `${where}${path}: ${p.message}${value}`;
}

/** Renders an error for a human: message, problems, hint; stack only for internal errors. */
export function formatError(e: unknown): string {
  if (isMkError(e)) {
    const lines = [`error[${e.code}]: ${e.message}`];
    for (const p of e.problems) lines.push(`  - ${formatProblem(p)}`);
    if (e.hint) lines.push(`hint: ${e.hint}`);
    if (e.code === "E_INTERNAL" && e.stack) lines.push(e.stack);
    return lines.join("\n");
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return `internal error: ${err.message}\n${err.stack ?? ""}\nThis is a bug in Mailknight; please report it with the output above.`;
}
