/**
 * RECORD files of installed wheels (`*.dist-info/RECORD`): CSV rows `path,hash,size`, with the
 * hash as `sha256=<urlsafe base64, no padding>` (PEP 376 / 627). Rows for RECORD itself and
 * for .pyc files have no hash.
 */
import { show, type Warnings } from "../common/warnings.js";

export interface RecordEntry {
  /** As written: relative to the site-packages directory, may contain `../` for scripts. */
  path: string;
  /** Hex, whatever encoding the file used. */
  hash?: { alg: "SHA-256" | "SHA-384" | "SHA-512"; content: string };
  size?: number;
}

const ALGORITHMS: Record<string, ["SHA-256" | "SHA-384" | "SHA-512", number]> = {
  sha256: ["SHA-256", 32],
  sha384: ["SHA-384", 48],
  sha512: ["SHA-512", 64],
};

const MAX_ROWS = 500_000;

/** Splits one CSV row the way Python's csv module writes it (quotes around fields with commas or quotes). */
function csvFields(line: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = "";
      i++;
      for (;;) {
        if (i >= line.length) return undefined; // unterminated quote
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            value += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += line[i++];
      }
      out.push(value);
      if (i < line.length && line[i] !== ",") return undefined;
      i++;
    } else {
      const comma = line.indexOf(",", i);
      const end = comma === -1 ? line.length : comma;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

export function parseRecordRows(text: string, warnings: Warnings): RecordEntry[] {
  const entries: RecordEntry[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === "") continue;
    if (entries.length >= MAX_ROWS) {
      warnings.add(`more than ${MAX_ROWS} rows; the rest are ignored`);
      break;
    }
    const fields = csvFields(line);
    if (!fields || fields.length !== 3 || fields[0] === "") {
      warnings.add(`line ${n + 1}: expected "path,hash,size", found ${show(line)}`);
      continue;
    }
    const [path, hash, size] = fields as [string, string, string];
    const entry: RecordEntry = { path };
    if (hash !== "") {
      const eq = hash.indexOf("=");
      const alg = ALGORITHMS[hash.slice(0, eq)];
      const value = hash.slice(eq + 1);
      // The spec says urlsafe base64, but some installers (Debian's dh-python among them) write hex.
      // The lengths differ (64 hex vs 43 base64 characters for sha256), so the two cannot be confused.
      const digest =
        eq <= 0 || !alg
          ? undefined
          : value.length === alg[1] * 2 && /^[0-9a-f]+$/i.test(value)
            ? Buffer.from(value, "hex")
            : /^[A-Za-z0-9_-]+={0,2}$/.test(value)
              ? Buffer.from(value, "base64url")
              : undefined;
      if (alg && digest && digest.length === alg[1]) entry.hash = { alg: alg[0], content: digest.toString("hex") };
      else warnings.add(`line ${n + 1}: unusable hash ${show(hash)}`);
    }
    if (size !== "") {
      if (/^\d{1,15}$/.test(size)) entry.size = Number(size);
      else warnings.add(`line ${n + 1}: size ${show(size)} is not a number`);
    }
    entries.push(entry);
  }
  return entries;
}
