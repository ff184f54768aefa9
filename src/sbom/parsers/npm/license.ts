/**
 * The license of an npm package as package.json or a v3 lockfile states it: an SPDX expression
 * string (the documented form), or the deprecated `{ "type": "MIT", "url": ... }` object, or a
 * `licenses: [{ type }, ...]` array (which meant "any of these", so it becomes an OR).
 */
import { normaliseLicense, toSpdxExpression } from "../common/spdx.js";

const MAX_LICENSE_ENTRIES = 32;

function typeOf(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value !== null && typeof value === "object" && typeof (value as { type?: unknown }).type === "string") return (value as { type: string }).type;
  return undefined;
}

/** Licenses from a package.json-like object's `license` / `licenses` fields. */
export function npmLicenses(pkg: { license?: unknown; licenses?: unknown }): string[] | undefined {
  const single = typeOf(pkg.license);
  if (single !== undefined) {
    // "SEE LICENSE IN <file>" and "UNLICENSED" are npm's documented non-SPDX values; kept as written.
    const l = normaliseLicense(single);
    return l === undefined ? undefined : [l];
  }
  const list = Array.isArray(pkg.licenses) ? pkg.licenses : Array.isArray(pkg.license) ? pkg.license : undefined;
  if (!list) return undefined;
  const types = list.slice(0, MAX_LICENSE_ENTRIES).map(typeOf).filter((t): t is string => t !== undefined && t.trim() !== "");
  if (types.length === 0) return undefined;
  const ids = types.map((t) => toSpdxExpression(t));
  if (ids.every((id): id is string => id !== undefined)) {
    const unique = [...new Set(ids)];
    return [unique.length === 1 ? unique[0]! : unique.map((id) => (/\s/.test(id) ? `(${id})` : id)).join(" OR ")];
  }
  return [...new Set(types.map((t) => normaliseLicense(t)).filter((t): t is string => t !== undefined))];
}
