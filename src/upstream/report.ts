/**
 * The sync / rebase report: JSON for tools (stable keys, sorted by the order patches apply) and
 * Markdown for the human reviewing the merge request. Pure functions of the rebase result.
 */
import type { ProjectRebase } from "../patches/rebase-project.js";
import type { PatchOutcome } from "../patches/rebase.js";

/** Overall verdict, also the merge-request label. */
export type SyncOutcome = "clean" | "needs-review" | "conflicts";

export interface SyncReport {
  schema: "mailknight.sync-report/v1";
  project: string;
  line?: string;
  url: string;
  from: ProjectRebase["from"];
  onto: ProjectRebase["onto"];
  outcome: SyncOutcome;
  counts: Record<PatchOutcome, number>;
  upstreamChanged: { count: number; touchedByPatches: string[] };
  patches: ProjectRebase["report"]["patches"];
  branch?: string;
}

const OUTCOMES: PatchOutcome[] = ["clean", "offset", "three-way", "already-upstream", "conflict"];

export function outcomeOf(patches: { outcome: PatchOutcome }[]): SyncOutcome {
  if (patches.some((p) => p.outcome === "conflict")) return "conflicts";
  if (patches.some((p) => p.outcome === "three-way" || p.outcome === "already-upstream")) return "needs-review";
  return "clean";
}

export function buildReport(r: ProjectRebase, extra: { line?: string; branch?: string } = {}): SyncReport {
  const counts = Object.fromEntries(OUTCOMES.map((o) => [o, r.report.patches.filter((p) => p.outcome === o).length])) as Record<PatchOutcome, number>;
  return {
    schema: "mailknight.sync-report/v1",
    project: r.project,
    ...(extra.line ? { line: extra.line } : {}),
    url: r.url,
    from: r.from,
    onto: r.onto,
    outcome: outcomeOf(r.report.patches),
    counts,
    upstreamChanged: { count: r.report.upstreamChanged.length, touchedByPatches: [...new Set(r.report.patches.flatMap((p) => p.touchedUpstream))].sort() },
    patches: r.report.patches,
    ...(extra.branch ? { branch: extra.branch } : {}),
  };
}

const ICON: Record<PatchOutcome, string> = { clean: "✅", offset: "✅", "three-way": "⚠️", "already-upstream": "➖", conflict: "❌" };

export function renderMarkdown(r: SyncReport): string {
  const out: string[] = [];
  out.push(`# ${r.project}: ${r.from.version} → ${r.onto.version}`, "");
  out.push(`Outcome: **${r.outcome}**${r.line ? ` (line ${r.line})` : ""}`, "");
  out.push(`- upstream: ${r.url}`, `- from: ${r.from.tag ?? r.from.version} (\`${r.from.commit}\`)`, `- onto: ${r.onto.tag} (\`${r.onto.commit}\`)`);
  out.push(`- upstream changed ${r.upstreamChanged.count} file(s)${r.upstreamChanged.touchedByPatches.length ? `; patched files among them: ${r.upstreamChanged.touchedByPatches.map((f) => `\`${f}\``).join(", ")}` : ""}`);
  if (r.branch) out.push(`- branch: \`${r.branch}\``);
  out.push("", `| | Patch | Outcome | Detail |`, `|---|---|---|---|`);
  for (const p of r.patches) out.push(`| ${ICON[p.outcome]} | ${cell(p.subject ?? p.name)} | ${p.outcome} | ${cell(p.detail)}${p.file ? ` → \`${p.file}\`` : ""} |`);
  if (r.patches.length === 0) out.push("| | (no patches carried) | | |");
  const conflicts = r.patches.filter((p) => p.conflict);
  if (conflicts.length) {
    out.push("", "## Conflicts (left out of the branch; rebase them by hand)", "");
    for (const p of conflicts) {
      out.push(`### ${p.name}`, "");
      for (const f of p.conflict!.files) {
        const hunks = f.hunks.map((h) => `#${h.index} \`${h.header.replace(/^(@@[^@]*@@).*$/, "$1")}\` (old lines ${h.oldStart}-${h.oldStart + Math.max(h.oldLines, 1) - 1})`).join(", ");
        out.push(`- \`${f.path}\`${f.reason ? `: ${f.reason}` : ""}${hunks ? `: ${hunks}` : ""}`);
      }
      if (p.conflict!.gitOutput.length) out.push("", "```", ...p.conflict!.gitOutput, "```");
      out.push("");
    }
    out.push(`Fix: \`git am -3\` the patch on ${r.onto.tag}, resolve, and add the result with \`mailknight patch new ${r.project} --from <file>\`.`);
  }
  const review = r.patches.filter((p) => p.outcome === "three-way");
  if (review.length) out.push("", `Review the three-way merges: ${review.map((p) => p.name).join(", ")}.`);
  return out.join("\n") + "\n";
}

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}
