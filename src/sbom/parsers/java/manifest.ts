/**
 * META-INF/MANIFEST.MF main section: `Name: value` headers, a continuation line starts with
 * exactly one space that is dropped (values are wrapped at 72 bytes mid-word), the main section
 * ends at the first empty line.
 */
const MAX_HEADERS = 10_000;
const MAX_VALUE = 64 * 1024;

export function parseManifest(text: string): Map<string, string> {
  const out = new Map<string, string>();
  let key: string | undefined;
  let count = 0;
  for (const line of text.split(/\r\n|\n|\r/)) {
    if (line === "") break;
    if (line[0] === " ") {
      if (key !== undefined) {
        const v = out.get(key)!;
        if (v.length < MAX_VALUE) out.set(key, v + line.slice(1));
      }
      continue;
    }
    const colon = line.indexOf(": ");
    if (colon <= 0 || ++count > MAX_HEADERS) {
      key = undefined;
      continue;
    }
    key = line.slice(0, colon);
    // Lookups are by the canonical spelling; the first occurrence wins, as in java.util.jar.
    if (!out.has(key)) out.set(key, line.slice(colon + 2).slice(0, MAX_VALUE));
    else key = undefined;
  }
  return out;
}
