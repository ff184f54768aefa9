/**
 * Reads a patch file far enough to know what it is (a mail from `git format-patch`, or a plain
 * unified diff), which files it touches and the hunks per file. Applying is left to git; this is
 * for choosing how to apply it and for explaining failures hunk by hunk.
 */

export interface Hunk {
  /** 1-based position of the hunk within its file, as git counts it in "Rejected hunk #N". */
  index: number;
  /** The `@@ -a,b +c,d @@ context` line. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
}

export interface FilePatch {
  /** The path the patch produces (the old path for deletions), without the a/ b/ prefix. */
  path: string;
  oldPath?: string;
  newPath?: string;
  hunks: Hunk[];
  binary: boolean;
}

export interface ParsedPatch {
  format: "mail" | "diff";
  subject?: string;
  /** Mail patches only: whether a Date header is present (git am takes the author date from it). */
  hasDate: boolean;
  files: FilePatch[];
}

const HUNK_RE = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

export function parsePatch(text: string): ParsedPatch {
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  const headers = mailHeaders(lines);
  const files: FilePatch[] = [];
  let cur: (FilePatch & { sawPaths: boolean }) | undefined;
  const start = (gitPath?: string) => {
    cur = { path: gitPath ?? "", hunks: [], binary: false, sawPaths: false };
    files.push(cur);
    return cur;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line.startsWith("diff --git ")) {
      start(pathFromGitHeader(line.slice("diff --git ".length)));
      continue;
    }
    const next = lines[i + 1];
    if (line.startsWith("--- ") && next?.startsWith("+++ ")) {
      const file = cur && !cur.sawPaths && cur.hunks.length === 0 ? cur : start();
      file.oldPath = diffPath(line.slice(4));
      file.newPath = diffPath(next.slice(4));
      file.path = file.newPath ?? file.oldPath ?? file.path;
      file.sawPaths = true;
      i += 1;
      continue;
    }
    const m = HUNK_RE.exec(line);
    if (m && cur) {
      const hunk: Hunk = {
        index: cur.hunks.length + 1,
        header: line,
        oldStart: Number(m[1]),
        oldLines: m[2] === undefined ? 1 : Number(m[2]),
        newStart: Number(m[3]),
        newLines: m[4] === undefined ? 1 : Number(m[4]),
      };
      cur.hunks.push(hunk);
      // Skip the body by counting lines, so that a removed line starting with "-- " is never
      // taken for a new file header.
      let oldLeft = hunk.oldLines;
      let newLeft = hunk.newLines;
      while ((oldLeft > 0 || newLeft > 0) && i + 1 < lines.length) {
        const body = lines[i + 1] ?? "";
        const c = body[0];
        if (c === " " || body === "") {
          oldLeft--;
          newLeft--;
        } else if (c === "-") oldLeft--;
        else if (c === "+") newLeft--;
        else if (c !== "\\") break;
        i++;
      }
      continue;
    }
    if (!cur) continue;
    if (line.startsWith("Binary files ") || line === "GIT binary patch") cur.binary = true;
    else if (line.startsWith("rename from ") || line.startsWith("copy from ")) cur.oldPath = unquote(line.replace(/^(rename|copy) from /, ""));
    else if (line.startsWith("rename to ") || line.startsWith("copy to ")) {
      cur.newPath = unquote(line.replace(/^(rename|copy) to /, ""));
      cur.path = cur.newPath;
    }
  }

  const kept = files.filter((f) => f.path !== "").map(({ path, oldPath, newPath, hunks, binary }) => ({ path, oldPath, newPath, hunks, binary }));
  const subject = headers?.get("subject");
  return {
    format: headers ? "mail" : "diff",
    subject: subject === undefined ? undefined : cleanSubject(decodeEncodedWords(subject)),
    hasDate: headers?.has("date") ?? false,
    files: kept,
  };
}

/** The subject of a mail patch, without parsing its diff (for listings). */
export function patchSubject(text: string): string | undefined {
  const subject = mailHeaders(text.split("\n", 200).map((l) => l.replace(/\r$/, "")))?.get("subject");
  return subject === undefined ? undefined : cleanSubject(decodeEncodedWords(subject));
}

/**
 * The header block of a mail patch (lower-cased names, folded lines joined), or undefined when the
 * file does not start like a mail: an mbox `From <id> <date>` line or a `From:`/`Subject:`/`Date:` header.
 */
function mailHeaders(lines: string[]): Map<string, string> | undefined {
  let i = lines.findIndex((l) => l.trim() !== "");
  if (i < 0) return undefined;
  const first = lines[i] ?? "";
  const mbox = /^From \S+/.test(first);
  if (!mbox && !/^(From|Subject|Date):/i.test(first)) return undefined;
  if (mbox) i++;
  const headers = new Map<string, string>();
  let last: string | undefined;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? "";
    if (line === "") break;
    if (/^[ \t]/.test(line) && last) headers.set(last, `${headers.get(last) ?? ""} ${line.trim()}`);
    else {
      const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
      if (!m?.[1]) break;
      last = m[1].toLowerCase();
      headers.set(last, m[2] ?? "");
    }
  }
  return headers;
}

/** Drops the `[PATCH n/m]` and `Re:` prefixes, as `git am` does. */
function cleanSubject(s: string): string {
  let out = s.trim();
  for (;;) {
    const next = out.replace(/^\[[^\]]*\]\s*/, "").replace(/^re:\s*/i, "");
    if (next === out) return out;
    out = next;
  }
}

/** RFC 2047 encoded words (`=?UTF-8?q?...?=`), which format-patch uses for non-ASCII subjects. */
export function decodeEncodedWords(s: string): string {
  return s.replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, "$1").replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (whole, charset: string, enc: string, data: string) => {
    const bytes =
      enc.toUpperCase() === "B"
        ? Buffer.from(data, "base64")
        : Buffer.from(data.replace(/_/g, " ").replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), "latin1");
    try {
      return new TextDecoder(charset).decode(bytes);
    } catch {
      return whole;
    }
  });
}

/** `a/x b/x` → `x`. Ambiguous with spaces, so only used until ---/+++ or rename lines say better. */
function pathFromGitHeader(rest: string): string {
  if (rest.startsWith('"')) {
    const end = closingQuote(rest);
    return stripPrefix(unquote(rest.slice(0, end + 1)));
  }
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === " " && stripPrefix(rest.slice(0, half)) === stripPrefix(rest.slice(half + 1))) {
    return stripPrefix(rest.slice(0, half));
  }
  const b = rest.indexOf(" b/");
  return stripPrefix(b > 0 ? rest.slice(0, b) : rest);
}

function closingQuote(s: string): number {
  for (let i = 1; i < s.length; i++) {
    if (s[i] === "\\") i++;
    else if (s[i] === '"') return i;
  }
  return s.length - 1;
}

/** A path from a ---/+++ line; undefined for /dev/null. Timestamps after a tab are dropped. */
function diffPath(raw: string): string | undefined {
  const value = raw.startsWith('"') ? unquote(raw.slice(0, closingQuote(raw) + 1)) : raw.split("\t")[0]!.trimEnd();
  if (value === "/dev/null") return undefined;
  return stripPrefix(value);
}

/** git's default -p1: drop the first path component (a/, b/, or the tree name in `diff -u old/ new/`). */
function stripPrefix(p: string): string {
  const slash = p.indexOf("/");
  return slash >= 0 ? p.slice(slash + 1) : p;
}

/** C-style quoted path as git writes it (`"a/t\303\251st"`) → the path. */
export function unquote(s: string): string {
  if (!(s.startsWith('"') && s.endsWith('"') && s.length >= 2)) return s;
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const simple: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, "\\": 92, '"': 34 };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== "\\") {
      bytes.push(...Buffer.from(c, "utf8"));
      continue;
    }
    const next = body[i + 1] ?? "";
    const oct = /^[0-7]{3}/.exec(body.slice(i + 1, i + 4));
    if (oct) {
      bytes.push(parseInt(oct[0], 8));
      i += 3;
    } else {
      bytes.push(simple[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
