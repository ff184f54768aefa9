/**
 * `WWW-Authenticate` challenges (RFC 7235) as registries send them:
 * `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"`.
 */
export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one or more challenges; parameter names are lower-cased, quoted values unescaped. */
export function parseChallenges(header: string): Challenge[] {
  const out: Challenge[] = [];
  const re = /\s*([A-Za-z][A-Za-z0-9_-]*)(?:\s+|$)|\s*([A-Za-z][A-Za-z0-9_-]*)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]*)\s*,?/y;
  let current: Challenge | undefined;
  let pos = 0;
  while (pos < header.length) {
    re.lastIndex = pos;
    const m = re.exec(header);
    if (!m || m[0] === "") break;
    pos = re.lastIndex;
    if (m[1] !== undefined && !/^\s*=/.test(header.slice(pos))) {
      current = { scheme: m[1].toLowerCase(), params: {} };
      out.push(current);
    } else if (m[2] !== undefined && current) {
      const raw = m[4] !== undefined ? m[4].replace(/\\(.)/g, "$1") : (m[3] ?? "");
      current.params[m[2].toLowerCase()] = raw;
    }
    while (header[pos] === "," || header[pos] === " ") pos++;
  }
  return out;
}
