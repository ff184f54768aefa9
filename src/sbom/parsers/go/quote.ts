/**
 * Go's string quoting, as cmd/go uses it for build settings whose key or value contains spaces,
 * quotes or control characters (`-ldflags="-X \"main.v=1\""`). Mirrors strconv.QuotedPrefix and
 * strconv.Unquote for double-quoted and back-quoted strings.
 */

const SIMPLE_ESCAPES: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92, "'": 39, '"': 34 };

/** Length of the quoted string at the start of `s`, or undefined when there is none. */
export function quotedPrefixLength(s: string): number | undefined {
  const q = s[0];
  if (q === "`") {
    const end = s.indexOf("`", 1);
    return end === -1 ? undefined : end + 1;
  }
  if (q !== '"') return undefined;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (c === "\\") i++;
    else if (c === '"') return i + 1;
    else if (c === "\n") return undefined;
  }
  return undefined;
}

/** The value of a complete Go quoted string, or undefined when `s` is not one. */
export function unquote(s: string): string | undefined {
  if (s.length < 2) return undefined;
  if (s[0] === "`") return s.endsWith("`") && s.indexOf("`", 1) === s.length - 1 ? s.slice(1, -1).replace(/\r/g, "") : undefined;
  if (s[0] !== '"' || s[s.length - 1] !== '"') return undefined;
  const body = s.slice(1, -1);
  // Go strings are byte sequences; \x and octal escapes produce bytes, \u and \U code points.
  const bytes: number[] = [];
  const pushCodePoint = (cp: number): void => {
    for (const b of Buffer.from(String.fromCodePoint(cp), "utf8")) bytes.push(b);
  };
  for (let i = 0; i < body.length; ) {
    const c = body[i]!;
    if (c === '"' || c === "\n") return undefined;
    if (c !== "\\") {
      const cp = body.codePointAt(i)!;
      pushCodePoint(cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    if (SIMPLE_ESCAPES[e] !== undefined) {
      bytes.push(SIMPLE_ESCAPES[e]!);
      i += 2;
    } else if (e === "x" || e === "u" || e === "U") {
      const n = e === "x" ? 2 : e === "u" ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (!new RegExp(`^[0-9a-fA-F]{${n}}$`).test(hex)) return undefined;
      const v = Number.parseInt(hex, 16);
      if (e === "x") bytes.push(v);
      else if (v > 0x10ffff || (v >= 0xd800 && v < 0xe000)) return undefined;
      else pushCodePoint(v);
      i += 2 + n;
    } else if (e >= "0" && e <= "7") {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct)) return undefined;
      const v = Number.parseInt(oct, 8);
      if (v > 255) return undefined;
      bytes.push(v);
      i += 4;
    } else return undefined;
  }
  return Buffer.from(bytes).toString("utf8");
}
