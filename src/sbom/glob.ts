/**
 * Path globs for what a cataloger wants to read, matched against in-image paths (`/etc/x`).
 * `**` spans any number of directories (including none), `*` and `?` stay inside one name,
 * `{a,b}` is alternation. Compiled once to a RegExp; no backtracking surprises from user input
 * because patterns come from catalogers, never from the scanned tree.
 */

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

function translate(glob: string): string {
  let out = "";
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      const slashAfter = glob[i + 2] === "/";
      // `/**/` matches `/` or `/any/dirs/`; a trailing `**` matches anything below.
      out += slashAfter ? "(?:[^/]*/)*" : ".*";
      i += slashAfter ? 3 : 2;
      continue;
    }
    if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else if (ch === "{") {
      braces++;
      out += "(?:";
    } else if (ch === "}" && braces > 0) {
      braces--;
      out += ")";
    } else if (ch === "," && braces > 0) out += "|";
    else out += escape(ch);
    i++;
  }
  if (braces !== 0) throw new Error(`internal: unbalanced braces in glob ${glob}`);
  return out;
}

export function compileGlob(glob: string): RegExp {
  if (!glob.startsWith("/")) throw new Error(`internal: glob ${glob} must be an absolute in-image path`);
  return new RegExp(`^${translate(glob)}$`);
}
