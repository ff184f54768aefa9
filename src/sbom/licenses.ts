/**
 * License names → SPDX expressions. Packages name licenses every which way (DEP-5 short names
 * like `GPL-2+`, `Expat`, `BSD-3-clause`; rpm's `GPLv2+ and MIT`; npm's SPDX ids). Where every
 * part maps to a known SPDX id the result is a valid SPDX expression; otherwise the original
 * text is kept as a license *name*, which writers render as a named license (CycloneDX) or a
 * LicenseRef (SPDX) — never a made-up id. The id list is the SPDX list shipped with
 * @cyclonedx/cyclonedx-library, so it matches what the CycloneDX schema accepts.
 */
import { fixupSpdxId, isSupportedSpdxId } from "@cyclonedx/cyclonedx-library/SPDX";

/** Names that are not spelled like their SPDX id (keys lower case). */
const ALIASES: Record<string, string> = {
  expat: "MIT",
  "mit/x11": "MIT",
  x11: "X11",
  zlib: "Zlib",
  "bsd-2": "BSD-2-Clause",
  "bsd-3": "BSD-3-Clause",
  "bsd-4": "BSD-4-Clause",
  bsd: "BSD-3-Clause",
  "apache-2": "Apache-2.0",
  "apache 2.0": "Apache-2.0",
  asl: "Apache-2.0",
  "asl 2.0": "Apache-2.0",
  "mpl-2": "MPL-2.0",
  "cc0": "CC0-1.0",
  artistic: "Artistic-1.0",
  "artistic-2": "Artistic-2.0",
  psf: "PSF-2.0",
  python: "Python-2.0",
  isc: "ISC",
  openssl: "OpenSSL",
  unlicense: "Unlicense",
  wtfpl: "WTFPL",
};

/** GNU licenses: DEP-5 / rpm spell them `GPL-2`, `GPLv2+`, `LGPL-2.1+`; SPDX wants `-only` / `-or-later`. */
const GNU = /^(a?gpl|lgpl|gfdl)(?:v|-)?(\d(?:\.\d)?)(\+)?(?:-(only|or-later))?$/i;

function mapGnu(token: string): string | undefined {
  const m = GNU.exec(token);
  if (!m) return undefined;
  const family = m[1]!.toUpperCase();
  const version = m[2]!.includes(".") ? m[2]! : `${m[2]}.0`;
  const later = m[3] === "+" || m[4]?.toLowerCase() === "or-later";
  const id = `${family}-${version}-${later ? "or-later" : "only"}`;
  return isSupportedSpdxId(id) ? id : undefined;
}

/** One license name → an SPDX id, or undefined when it is not one we can name with confidence. */
export function spdxIdFor(token: string): string | undefined {
  const t = token.trim();
  if (t === "") return undefined;
  if (/^LicenseRef-[A-Za-z0-9.-]+$/.test(t)) return t;
  const gnu = mapGnu(t);
  if (gnu) return gnu;
  const alias = ALIASES[t.toLowerCase()];
  if (alias) return alias;
  const id = fixupSpdxId(t);
  // Deprecated bare GNU ids (`GPL-2.0`) are ambiguous about "or later"; mapGnu handled the clear cases.
  return id;
}

/** Exceptions after WITH: DEP-5 writes `with OpenSSL exception`. */
function exceptionIdFor(text: string): string | undefined {
  const t = text.trim().replace(/\s+exception$/i, "");
  for (const candidate of [t, `${t}-exception`, `${t.replace(/\s+/g, "-")}-exception`]) {
    const id = fixupSpdxId(candidate);
    if (id) return id;
  }
  return undefined;
}

/**
 * Converts a license text to an SPDX expression when every part is known: `GPL-2+ or
 * Artistic-1.0` → `GPL-2.0-or-later OR Artistic-1.0`. Returns undefined otherwise.
 */
export function toSpdxExpression(text: string): string | undefined {
  const cleaned = text.trim().replace(/\s+/g, " ");
  if (cleaned === "" || cleaned.length > 500) return undefined;
  // Already SPDX: only modernise deprecated GNU ids (`GPL-2.0+` → `GPL-2.0-or-later`).
  if (isSpdxExpression(cleaned)) return cleaned.replace(/[^\s()]+/g, (tok) => mapGnu(tok) ?? tok);
  // Split on the operators, keeping them; commas in DEP-5 lists read as the operator around them.
  const parts = cleaned.replace(/,/g, " ").split(/\s+(and|or|AND|OR|&|\|)\s+/);
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!.trim();
    if (i % 2 === 1) {
      out.push(/^(and|&)$/i.test(part) ? "AND" : "OR");
      continue;
    }
    const paren = /^\((.*)\)$/.exec(part);
    if (paren) {
      const inner = toSpdxExpression(paren[1]!);
      if (!inner) return undefined;
      out.push(`(${inner})`);
      continue;
    }
    const withMatch = /^(.+?)\s+with\s+(.+)$/i.exec(part);
    if (withMatch) {
      const id = spdxIdFor(withMatch[1]!);
      const exc = exceptionIdFor(withMatch[2]!);
      if (!id || !exc) return undefined;
      out.push(`${id} WITH ${exc}`);
      continue;
    }
    const id = spdxIdFor(part);
    if (!id) return undefined;
    out.push(id);
  }
  const expr = out.join(" ");
  return isSpdxExpression(expr) ? expr : undefined;
}

/** Validates an SPDX license expression (SPDX 2.3 annex D) against the known ids. */
export function isSpdxExpression(text: string): boolean {
  const tokens = text.match(/\(|\)|[^\s()]+/g);
  if (!tokens || tokens.length > 200) return false;
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const simple = (): boolean => {
    const tok = peek();
    if (tok === undefined) return false;
    const id = tok.endsWith("+") ? tok.slice(0, -1) : tok;
    if (!(isSupportedSpdxId(id) || /^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$/.test(id))) return false;
    pos++;
    if (peek() === "WITH") {
      pos++;
      const exc = peek();
      if (exc === undefined || !isSupportedSpdxId(exc)) return false;
      pos++;
    }
    return true;
  };
  const term = (): boolean => {
    if (peek() === "(") {
      pos++;
      if (!expr() || peek() !== ")") return false;
      pos++;
      return true;
    }
    return simple();
  };
  const expr = (): boolean => {
    if (!term()) return false;
    while (peek() === "AND" || peek() === "OR") {
      pos++;
      if (!term()) return false;
    }
    return true;
  };
  return expr() && pos === tokens.length;
}

/** True for a single SPDX license id (no operators), which formats render as an id, not an expression. */
export function isSingleSpdxId(text: string): boolean {
  return !/[\s()]/.test(text) && isSupportedSpdxId(text);
}

/** A license as a package states it → what to put in the SBOM: an SPDX expression, else the text. */
export function normaliseLicense(text: string): string | undefined {
  const t = text.trim().replace(/\s+/g, " ");
  if (t === "" || /^(unknown|none|noassertion|see license|see license file|custom)$/i.test(t)) return undefined;
  return toSpdxExpression(t) ?? t.slice(0, 200);
}
