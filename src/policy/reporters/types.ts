/** A report renders a gate decision as text in one format; reporters never do I/O. */
import type { GateDecision } from "../decide.js";

export interface ReportContext {
  /** Mailknight's version, for tool fields. */
  toolVersion: string;
  /** What was gated, for titles (e.g. `argocd@v2.11.0`). */
  target?: string;
  /** Image reference for GitLab's `location.image` (defaults to the subject or the target). */
  image?: string;
}

export interface Reporter {
  id: string;
  /** Conventional file name when the report is written to a file. */
  defaultFile: string;
  render(decision: GateDecision, ctx: ReportContext): string;
}
