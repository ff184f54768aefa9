/**
 * Reading untrusted JSON (OSV records, SBOMs, scanner reports): size caps before parsing, syntax
 * errors with line:column, and a problem collector so shape validation reports every problem with
 * its file and JSON path at once instead of stopping at the first.
 */
import { open } from "node:fs/promises";
import { MkError, type Problem } from "../errors.js";

import { formatPath, type PathSegment } from "../util/json-path.js";

export { formatPath, type PathSegment };

/** A value rendered short enough for an error line; never the whole of a large input. */
export function shortValue(value: unknown): string {
  if (value === undefined) return "nothing";
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text === undefined) return typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Collects problems for one file. `limit` bounds memory on hostile input (a million bad entries
 * would otherwise become a million Problem objects); `dropped` says how many were left out.
 */
export class Problems {
  readonly list: Problem[] = [];
  dropped = 0;

  constructor(
    readonly file: string,
    private readonly limit = 200,
  ) {}

  /** `found`, when given, is the offending value (rendered short); omit it when nothing is there. */
  add(path: readonly PathSegment[], message: string, ...found: [] | [unknown]): void {
    if (this.list.length >= this.limit) {
      this.dropped++;
      return;
    }
    const p: Problem = { file: this.file, path: formatPath(path), message };
    if (found.length === 1) p.value = shortValue(found[0]);
    this.list.push(p);
  }

  get count(): number {
    return this.list.length + this.dropped;
  }
}

/** Throws E_CONFIG_INVALID listing every problem; a summary line stands in for dropped ones. */
export function throwProblems(what: string, problems: Problem[], dropped = 0, hint?: string): never {
  const list = [...problems];
  if (dropped > 0) list.push({ file: problems[0]?.file ?? "", path: "", message: `... and ${dropped} more problem(s) not shown` });
  const files = new Set(problems.map((p) => p.file)).size;
  throw new MkError("E_CONFIG_INVALID", `${what}: ${problems.length + dropped} problem(s) in ${files} file(s)`, {
    problems: list,
    hint,
  });
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: end - lineStart + 1 };
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERAL = /true|false|null/y;

/**
 * Offset of the first syntax error in `s` (-1 when there is none). Node 20's JSON.parse often
 * names no position ("Unexpected token ','"), so on failure the text is re-scanned here to point
 * the user at a line and column. Iterative, so nesting depth costs no stack.
 */
export function syntaxErrorOffset(s: string): number {
  let i = 0;
  const stack: number[] = []; // 91 '[' or 123 '{'
  type Expect = "value" | "valueOrEnd" | "key" | "keyOrEnd" | "after";
  let expect: Expect = "value";
  const ws = () => {
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      i++;
    }
  };
  const str = (): boolean => {
    i++;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 92) {
        const n = s[i + 1] ?? "";
        if (n === "u") {
          if (!/^[0-9a-fA-F]{4}$/.test(s.slice(i + 2, i + 6))) return false;
          i += 6;
        } else if (n !== "" && '"\\/bfnrt'.includes(n)) i += 2;
        else return false;
        continue;
      }
      i++;
    }
    return false;
  };
  for (;;) {
    ws();
    if (i >= s.length) return expect === "after" && stack.length === 0 ? -1 : i;
    const c = s.charCodeAt(i);
    if (expect === "after") {
      const top = stack[stack.length - 1];
      if (top === undefined) return i;
      if (c === 44) {
        i++;
        expect = top === 91 ? "value" : "key";
      } else if ((top === 91 && c === 93) || (top === 123 && c === 125)) {
        i++;
        stack.pop();
      } else return i;
    } else if (expect === "key" || expect === "keyOrEnd") {
      if (expect === "keyOrEnd" && c === 125) {
        i++;
        stack.pop();
        expect = "after";
      } else if (c === 34) {
        if (!str()) return i;
        ws();
        if (s.charCodeAt(i) !== 58) return i;
        i++;
        expect = "value";
      } else return i;
    } else if (expect === "valueOrEnd" && c === 93) {
      i++;
      stack.pop();
      expect = "after";
    } else if (c === 123 || c === 91) {
      stack.push(c);
      i++;
      expect = c === 123 ? "keyOrEnd" : "valueOrEnd";
    } else if (c === 34) {
      if (!str()) return i;
      expect = "after";
    } else {
      const re = c === 45 || (c >= 48 && c <= 57) ? NUMBER : LITERAL;
      re.lastIndex = i;
      if (!re.test(s)) return i;
      i = re.lastIndex;
      expect = "after";
    }
  }
}

/**
 * Parses JSON text or returns a Problem with line:column. V8's JSON.parse does not recurse on the
 * native stack, so deeply nested garbage cannot crash the process; validators that walk the result
 * must still bound their own recursion.
 */
export function parseJson(text: string, file: string): { value: unknown } | { problem: Problem } {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { value: JSON.parse(body) as unknown };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(message);
    const offset = m ? Number(m[1]) : syntaxErrorOffset(body);
    const where = offset >= 0 ? lineColumn(body, offset) : undefined;
    return {
      problem: { file, path: "", ...(where ? { line: where.line, column: where.column } : {}), message: `not valid JSON: ${message}` },
    };
  }
}

/** Reads a whole file with a size cap, so a huge or endless input (a FIFO, /dev/zero) fails fast. */
export async function readTextCapped(path: string, maxBytes: number, display = path): Promise<string> {
  let fh;
  try {
    fh = await open(path, "r");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new MkError("E_NOT_FOUND", `${display} does not exist`, { cause: e });
    throw new MkError("E_IO", `cannot open ${display}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new MkError("E_USAGE", `${display} is not a regular file`);
    if (st.size > maxBytes) {
      throw new MkError("E_CONFIG_INVALID", `${display} is ${st.size} bytes; the limit is ${maxBytes}`, {
        hint: "this is larger than any real input of this kind; check that it is the file you meant",
      });
    }
    // Read at most maxBytes + 1 so a file that grows while being read is still caught.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buf.length) break;
    }
    if (filled > maxBytes) throw new MkError("E_CONFIG_INVALID", `${display} grew beyond ${maxBytes} bytes while being read`);
    return buf.subarray(0, filled).toString("utf8");
  } finally {
    await fh.close();
  }
}

/** Reads and parses a JSON file; syntax errors become E_CONFIG_INVALID with line:column. */
export async function readJsonFile(path: string, maxBytes: number, display = path): Promise<unknown> {
  const text = await readTextCapped(path, maxBytes, display);
  const parsed = parseJson(text, display);
  if ("problem" in parsed) throwProblems(`${display} is not valid JSON`, [parsed.problem]);
  return parsed.value;
}
