/**
 * The header block of core metadata files (METADATA, PKG-INFO): RFC 822-style `Key: value`
 * lines, continuation lines starting with whitespace, ending at the first empty line (after which
 * Metadata 2.1+ puts the description). Keys are case-insensitive; many repeat (Classifier,
 * Requires-Dist), so every value is kept in order.
 */
import { show, type Warnings } from "../common/warnings.js";

/** Real files have a few hundred headers (classifier-heavy projects); more is hostile. */
const MAX_HEADERS = 10_000;
const MAX_VALUE_LENGTH = 256 * 1024;

export type Headers = Map<string, string[]>;

export function parseHeaders(text: string, warnings: Warnings): Headers {
  const headers: Headers = new Map();
  let count = 0;
  let current: { key: string; parts: string[]; length: number } | undefined;
  const flush = (): void => {
    if (!current) return;
    const value = current.parts.join("\n");
    const list = headers.get(current.key);
    if (list) list.push(value);
    else headers.set(current.key, [value]);
    current = undefined;
  };
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === "") break; // end of headers; the body is the description
    if (line[0] === " " || line[0] === "\t") {
      if (!current) {
        warnings.add(`line ${i + 1}: continuation line with no header before it`);
        continue;
      }
      // Continuations are folded with a newline, as the email module (importlib.metadata) keeps them.
      if (current.length + line.length <= MAX_VALUE_LENGTH) {
        current.parts.push(line);
        current.length += line.length;
      }
      continue;
    }
    flush();
    const colon = line.indexOf(":");
    if (colon <= 0 || /\s/.test(line.slice(0, colon))) {
      warnings.add(`line ${i + 1}: not a "Key: value" header: ${show(line)}`);
      continue;
    }
    if (++count > MAX_HEADERS) {
      warnings.add(`more than ${MAX_HEADERS} headers; the rest are ignored`);
      break;
    }
    const value = line.slice(colon + 1).replace(/^[ \t]+/, "");
    current = { key: line.slice(0, colon).toLowerCase(), parts: [value.slice(0, MAX_VALUE_LENGTH)], length: value.length };
  }
  flush();
  return headers;
}

export function first(headers: Headers, key: string): string | undefined {
  return headers.get(key.toLowerCase())?.[0];
}

export function all(headers: Headers, key: string): string[] {
  return headers.get(key.toLowerCase()) ?? [];
}
