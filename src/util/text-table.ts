/** Fixed-width text tables for terminals and CI logs (two spaces between columns, no trailing blanks). */
export function formatTable(headers: string[], rows: string[][], opts: { rule?: boolean } = {}): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
  const rule = opts.rule ? [line(widths.map((w) => "-".repeat(w)))] : [];
  return [line(headers), ...rule, ...rows.map(line)].join("\n");
}
