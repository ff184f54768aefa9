/**
 * Debian control data (deb822): paragraphs of `Field: value` lines separated by blank lines,
 * continuation lines starting with a space or tab. Used for `/var/lib/dpkg/status`, distroless
 * `status.d/*` and DEP-5 copyright files. Garbage lines are reported, never thrown on.
 */

export interface Paragraph {
  /** Field names as written (case preserved); look up with `field()`. */
  fields: Map<string, string>;
  /** 1-based line of the paragraph's first field. */
  line: number;
}

export interface ParseProblem {
  line: number;
  message: string;
}

export function parseDeb822(text: string): { paragraphs: Paragraph[]; problems: ParseProblem[] } {
  const paragraphs: Paragraph[] = [];
  const problems: ParseProblem[] = [];
  let current: Paragraph | undefined;
  let last: string | undefined;
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, "");
    if (raw.trim() === "") {
      if (current) paragraphs.push(current);
      current = undefined;
      last = undefined;
      continue;
    }
    if (raw.startsWith("#") && !current) continue; // comments are allowed between paragraphs in copyright files
    if (raw[0] === " " || raw[0] === "\t") {
      if (!current || last === undefined) {
        problems.push({ line: i + 1, message: "continuation line without a field before it; ignored" });
        continue;
      }
      current.fields.set(last, `${current.fields.get(last)}\n${raw.slice(1)}`);
      continue;
    }
    const colon = raw.indexOf(":");
    if (colon <= 0 || /\s/.test(raw.slice(0, colon))) {
      problems.push({ line: i + 1, message: `not a "Field: value" line (${JSON.stringify(raw.slice(0, 60))}); ignored` });
      continue;
    }
    current ??= { fields: new Map(), line: i + 1 };
    last = raw.slice(0, colon);
    current.fields.set(last, raw.slice(colon + 1).trim());
  }
  if (current) paragraphs.push(current);
  return { paragraphs, problems };
}

/** Case-insensitive field lookup (deb822 field names are case-insensitive). */
export function field(p: Paragraph, name: string): string | undefined {
  const direct = p.fields.get(name);
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [k, v] of p.fields) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export interface Relation {
  name: string;
  /** `:any`, `:amd64` and the like, when written. */
  arch?: string;
}

/** `Depends:` → groups of alternatives: `a (>= 1) | b, c:any` → [[a, b], [c]]. */
export function parseRelations(value: string | undefined): Relation[][] {
  if (!value) return [];
  const groups: Relation[][] = [];
  for (const group of value.split(",")) {
    const alts: Relation[] = [];
    for (const alt of group.split("|")) {
      const m = /^\s*([a-z0-9][a-z0-9+.-]*)(?::([a-z0-9-]+))?/i.exec(alt);
      if (m) alts.push(m[2] ? { name: m[1]!.toLowerCase(), arch: m[2] } : { name: m[1]!.toLowerCase() });
    }
    if (alts.length) groups.push(alts);
  }
  return groups;
}
