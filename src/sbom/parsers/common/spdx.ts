/**
 * License strings → SPDX expressions. Ecosystems write licenses as SPDX expressions, as SPDX ids
 * in the wrong case, as common names ("Apache 2.0") or as free text. We return a valid SPDX
 * expression only when the text unambiguously is one; anything else is kept as written, since
 * a wrong SPDX id in an SBOM is worse than an honest free-text name.
 *
 * The list of known ids (licenses and exceptions) comes from the SPDX schema bundled with
 * @cyclonedx/cyclonedx-library, the same list our CycloneDX writer validates against.
 */
import { fixupSpdxId } from "@cyclonedx/cyclonedx-library/SPDX";

const MAX_TOKENS = 256;
const MAX_DEPTH = 32;
const MAX_INPUT = 4096;

// Names seen in real metadata that map to exactly one SPDX id. Ambiguous names ("BSD", "GPL",
// "Apache") are deliberately absent.
const ALIASES: Record<string, string> = {
  "apache 2": "Apache-2.0",
  "apache 2.0": "Apache-2.0",
  "apache-2": "Apache-2.0",
  "apache2": "Apache-2.0",
  "apache license 2.0": "Apache-2.0",
  "apache license, version 2.0": "Apache-2.0",
  "apache license version 2.0": "Apache-2.0",
  "apache software license 2.0": "Apache-2.0",
  "the apache software license, version 2.0": "Apache-2.0",
  "the apache license, version 2.0": "Apache-2.0",
  "asl 2.0": "Apache-2.0",
  "mit license": "MIT",
  "the mit license": "MIT",
  "mit/x11": "MIT",
  "expat": "MIT",
  "isc license": "ISC",
  "new bsd license": "BSD-3-Clause",
  "modified bsd license": "BSD-3-Clause",
  "bsd 3-clause": "BSD-3-Clause",
  "bsd-3": "BSD-3-Clause",
  "3-clause bsd": "BSD-3-Clause",
  "simplified bsd license": "BSD-2-Clause",
  "bsd 2-clause": "BSD-2-Clause",
  "bsd-2": "BSD-2-Clause",
  "2-clause bsd": "BSD-2-Clause",
  "mpl 2.0": "MPL-2.0",
  "mozilla public license 2.0": "MPL-2.0",
  "mozilla public license 2.0 (mpl 2.0)": "MPL-2.0",
  "psf": "PSF-2.0",
  "psfl": "PSF-2.0",
  "python software foundation license": "PSF-2.0",
  "gplv2": "GPL-2.0-only",
  "gplv2+": "GPL-2.0-or-later",
  "gplv3": "GPL-3.0-only",
  "gplv3+": "GPL-3.0-or-later",
  "lgplv2.1": "LGPL-2.1-only",
  "lgplv2+": "LGPL-2.0-or-later",
  "lgplv3": "LGPL-3.0-only",
  "lgplv3+": "LGPL-3.0-or-later",
  "eclipse public license 2.0": "EPL-2.0",
  "eclipse public license - v 2.0": "EPL-2.0",
  "eclipse public license - v 1.0": "EPL-1.0",
  "cc0": "CC0-1.0",
  "unlicense": "Unlicense",
  "the unlicense": "Unlicense",
  "zlib/libpng": "Zlib",
  "0bsd": "0BSD",
};

type Token = { kind: "open" | "close" | "and" | "or" | "with" } | { kind: "id"; text: string };

function tokenize(text: string): Token[] | undefined {
  const out: Token[] = [];
  const re = /\s*(\(|\)|[^\s()]+)/y;
  let m: RegExpExecArray | null;
  let pos = 0;
  re.lastIndex = 0;
  while (pos < text.length && (m = re.exec(text)) !== null) {
    pos = re.lastIndex;
    const t = m[1]!;
    if (t === "(") out.push({ kind: "open" });
    else if (t === ")") out.push({ kind: "close" });
    // SPDX accepts operators in all upper or all lower case, nothing else.
    else if (t === "AND" || t === "and") out.push({ kind: "and" });
    else if (t === "OR" || t === "or") out.push({ kind: "or" });
    else if (t === "WITH" || t === "with") out.push({ kind: "with" });
    else out.push({ kind: "id", text: t });
    if (out.length > MAX_TOKENS) return undefined;
  }
  if (text.slice(pos).trim() !== "") return undefined;
  return out;
}

/** A license id in canonical case (`mit` → `MIT`, `GPL-2.0+` kept), a LicenseRef, or undefined. */
function canonicalId(text: string): string | undefined {
  if (/^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(text)) return text;
  const plus = text.endsWith("+") && text.length > 1;
  const base = plus ? text.slice(0, -1) : text;
  const id = fixupSpdxId(base);
  if (id === undefined) return undefined;
  return plus ? `${id}+` : id;
}

/** Recursive-descent check that rebuilds the expression in canonical form. */
function parseExpression(tokens: Token[]): string | undefined {
  let i = 0;
  const expr = (depth: number): string | undefined => {
    if (depth > MAX_DEPTH) return undefined;
    let left = term(depth);
    if (left === undefined) return undefined;
    while (i < tokens.length && (tokens[i]!.kind === "and" || tokens[i]!.kind === "or")) {
      const op = tokens[i++]!.kind === "and" ? "AND" : "OR";
      const right = term(depth);
      if (right === undefined) return undefined;
      left = `${left} ${op} ${right}`;
    }
    return left;
  };
  const term = (depth: number): string | undefined => {
    const t = tokens[i];
    if (!t) return undefined;
    let atom: string | undefined;
    if (t.kind === "open") {
      i++;
      const inner = expr(depth + 1);
      if (inner === undefined || tokens[i]?.kind !== "close") return undefined;
      i++;
      atom = `(${inner})`;
    } else if (t.kind === "id") {
      i++;
      atom = canonicalId(t.text);
      if (atom === undefined) return undefined;
    } else return undefined;
    if (tokens[i]?.kind === "with") {
      i++;
      const ex = tokens[i];
      if (ex?.kind !== "id") return undefined;
      i++;
      const exception = fixupSpdxId(ex.text);
      if (exception === undefined) return undefined;
      atom = `${atom} WITH ${exception}`;
    }
    return atom;
  };
  const result = expr(0);
  return result !== undefined && i === tokens.length ? result : undefined;
}

/** The SPDX expression `text` denotes, or undefined when it is not (unambiguously) one. */
export function toSpdxExpression(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.length > MAX_INPUT) return undefined;
  const alias = ALIASES[trimmed.toLowerCase().replace(/\s+/g, " ")];
  if (alias !== undefined) return alias;
  const tokens = tokenize(trimmed);
  if (!tokens || tokens.length === 0) return undefined;
  return parseExpression(tokens);
}

/**
 * What to record for a license as written: its SPDX expression when it is one, else the text
 * itself (trimmed, capped). Undefined for empty text and the placeholders tools write when a
 * project declared nothing.
 */
export function normaliseLicense(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || /^(unknown|none|n\/a)$/i.test(trimmed)) return undefined;
  return toSpdxExpression(trimmed) ?? (trimmed.length > 512 ? `${trimmed.slice(0, 512)}…` : trimmed);
}
