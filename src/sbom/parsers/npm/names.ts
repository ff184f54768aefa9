/** npm package names and the install paths that contain them. */

/** `@scope/name` → namespace `@scope` + name; `name` → name alone. */
export function splitNpmName(full: string): { namespace?: string; name: string } {
  if (full.startsWith("@")) {
    const slash = full.indexOf("/");
    if (slash > 1 && slash < full.length - 1) return { namespace: full.slice(0, slash), name: full.slice(slash + 1) };
  }
  return { name: full };
}

/** The package name an install path ends in: `node_modules/a/node_modules/@s/b` → `@s/b`. */
export function nameFromPath(path: string): string | undefined {
  const i = path.lastIndexOf("node_modules/");
  if (i === -1 || (i > 0 && path[i - 1] !== "/")) return undefined;
  const rest = path.slice(i + "node_modules/".length);
  const parts = rest.split("/");
  if (parts[0]?.startsWith("@")) return parts.length === 2 && parts[1] ? rest : undefined;
  return parts.length === 1 && parts[0] ? rest : undefined;
}

/**
 * A plausible npm package name (lower-case rules are not enforced: old packages have capitals).
 * Rejects names that could not appear in a node_modules path: empty, `.`/`..`, with slashes
 * outside a scope, with whitespace or control characters.
 */
export function isPackageName(name: string): boolean {
  if (name.length === 0 || name.length > 214) return false;
  const m = /^(?:@([^/\s]+)\/)?([^/\s]+)$/.exec(name);
  if (!m) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return false;
  return m[2] !== "." && m[2] !== ".." && m[1] !== "." && m[1] !== "..";
}
