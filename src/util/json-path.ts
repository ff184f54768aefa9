/** JSON/YAML paths for error messages: `affected[0].package.name`, `x["a b"]`. */
export type PathSegment = string | number;

/** Keys that are not identifiers are quoted; the empty path is "(top level)". */
export function formatPath(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out || "(top level)";
}
