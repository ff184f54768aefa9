/**
 * package-lock.json / npm-shrinkwrap.json in all three versions, normalised to one shape: the
 * install tree keyed by path (`node_modules/a/node_modules/b`), as npm's own `packages` section
 * (v2, v3) states it and as v1's nested `dependencies` implies it.
 */
import { nameFromPath, isPackageName } from "./names.js";
import { show, type Warnings } from "../common/warnings.js";

export type DepKind = "prod" | "dev" | "optional" | "peer" | "peerOptional";

export interface LockEntry {
  /** Install path relative to the lockfile's directory; "" is the root project. */
  path: string;
  /** The real package name (an alias installs `lodash` at `node_modules/my-lodash`). */
  name?: string;
  version: string;
  /** For `link: true` entries: the path of the linked folder (a workspace, a `file:` dependency). */
  link?: string;
  flags: Partial<Record<"dev" | "optional" | "devOptional" | "peer" | "inBundle" | "extraneous", true>>;
  resolved?: string;
  integrity?: string;
  license?: unknown;
  licenses?: unknown;
  /** Declared dependencies by name; resolution to paths happens later (resolve.ts). */
  deps: Map<string, DepKind>;
}

export interface LockTree {
  lockfileVersion: number;
  entries: Map<string, LockEntry>;
}

/** Far above real lockfiles (a large monorepo has 10–30k entries), low enough to bound memory and time. */
export const MAX_ENTRIES = 100_000;
const MAX_DEPS_PER_ENTRY = 10_000;
/** v1 nesting; npm ≥ 3 trees are a few levels deep. */
const MAX_V1_DEPTH = 128;
/** Path segments of one install path; resolution walks them, so they bound its cost. */
const MAX_PATH_SEGMENTS = 2 * MAX_V1_DEPTH + 2;

function tooDeep(path: string): boolean {
  let n = 0;
  for (let i = path.indexOf("/"); i !== -1; i = path.indexOf("/", i + 1)) if (++n >= MAX_PATH_SEGMENTS) return true;
  return false;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function readFlags(raw: Record<string, unknown>): LockEntry["flags"] {
  const flags: LockEntry["flags"] = {};
  for (const f of ["dev", "optional", "devOptional", "peer", "inBundle", "extraneous"] as const) if (raw[f] === true) flags[f] = true;
  if (raw.bundled === true) flags.inBundle = true; // the v1 name
  return flags;
}

function addDeps(entry: LockEntry, value: unknown, kind: DepKind, where: () => string, warnings: Warnings): void {
  if (value === undefined) return;
  if (!isObject(value)) {
    warnings.add(`${where()}: expected an object of name → version range, found ${show(value)}`);
    return;
  }
  const into = entry.deps;
  let n = 0;
  for (const name of Object.keys(value)) {
    if (++n > MAX_DEPS_PER_ENTRY) {
      warnings.add(`${where()}: more than ${MAX_DEPS_PER_ENTRY} dependencies; the rest are ignored`);
      return;
    }
    if (!isPackageName(name)) warnings.add(`${where()}: ${show(name)} is not a package name`);
    else into.set(name, kind);
  }
}

/** Normalises a path from a lockfile: `/` separators, no `./`, no trailing slash. */
function normalisePath(p: string): string {
  if (!/\\|\/\/|(^|\/)\.(\/|$)|\/$/.test(p)) return p; // already normal: the common case, kept cheap
  return p
    .replace(/\\/g, "/")
    .split("/")
    .filter((s) => s !== "" && s !== ".")
    .join("/");
}

function fromPackages(packages: Record<string, unknown>, top: Record<string, unknown>, warnings: Warnings): Map<string, LockEntry> {
  const entries = new Map<string, LockEntry>();
  // Object.keys + lookup: cheaper than Object.entries on objects with 10^5 keys.
  for (const rawPath of Object.keys(packages)) {
    const raw = packages[rawPath];
    if (entries.size >= MAX_ENTRIES) {
      warnings.add(`more than ${MAX_ENTRIES} entries in "packages"; the rest are ignored`);
      break;
    }
    // Built only for a warning: formatting it for each of 100k healthy entries is measurable.
    const at = (): string => `packages[${show(rawPath)}]`;
    if (!isObject(raw)) {
      warnings.add(`${at()}: expected an object, found ${show(raw)}`);
      continue;
    }
    const path = normalisePath(rawPath);
    if (tooDeep(path)) {
      warnings.add(`${at()}: more than ${MAX_PATH_SEGMENTS} path segments; skipped`);
      continue;
    }
    const entry: LockEntry = { path, version: "", flags: readFlags(raw), deps: new Map() };
    const installedAs = nameFromPath(path);
    const name = str(raw.name) ?? installedAs ?? (path === "" ? str(top.name) : undefined);
    if (name !== undefined && isPackageName(name)) entry.name = name;
    else if (name !== undefined) warnings.add(`${at()}: ${show(name)} is not a package name`);
    if (raw.link === true) {
      const target = str(raw.resolved);
      if (target === undefined) warnings.add(`${at()}: a link without a "resolved" target`);
      else if (tooDeep(target)) warnings.add(`${at()}: link target has more than ${MAX_PATH_SEGMENTS} path segments; ignored`);
      else entry.link = normalisePath(target);
      entries.set(path, entry);
      continue;
    }
    const version = raw.version ?? (path === "" ? top.version : undefined);
    if (typeof version === "string") entry.version = version;
    else if (version !== undefined) warnings.add(`${at()}: "version" is ${show(version)}, not a string`);
    else if (path.includes("node_modules/")) warnings.add(`${at()}: no "version"`);
    const resolved = str(raw.resolved);
    if (resolved !== undefined) entry.resolved = resolved;
    const integrity = str(raw.integrity);
    if (integrity !== undefined) entry.integrity = integrity;
    if (raw.license !== undefined) entry.license = raw.license;
    if (raw.licenses !== undefined) entry.licenses = raw.licenses;
    addDeps(entry, raw.dependencies, "prod", () => `${at()}.dependencies`, warnings);
    addDeps(entry, raw.optionalDependencies, "optional", () => `${at()}.optionalDependencies`, warnings);
    addDeps(entry, raw.peerDependencies, "peer", () => `${at()}.peerDependencies`, warnings);
    if (isObject(raw.peerDependenciesMeta)) {
      for (const [n, meta] of Object.entries(raw.peerDependenciesMeta)) {
        if (entry.deps.get(n) === "peer" && isObject(meta) && meta.optional === true) entry.deps.set(n, "peerOptional");
      }
    }
    // npm installs devDependencies only for the root and workspaces, never for packages in node_modules.
    if (!path.split("/").includes("node_modules")) addDeps(entry, raw.devDependencies, "dev", () => `${at()}.devDependencies`, warnings);
    entries.set(path, entry);
  }
  if (!entries.has("")) {
    entries.set("", { path: "", ...(typeof top.name === "string" ? { name: top.name } : {}), version: str(top.version) ?? "", flags: {}, deps: new Map() });
  }
  return entries;
}

/** `npm:@scope/real@1.2.3` → [`@scope/real`, `1.2.3`]. */
function parseAliasSpec(spec: string): [string, string] | undefined {
  const rest = spec.slice("npm:".length);
  const at = rest.lastIndexOf("@");
  if (at <= 0) return undefined;
  return [rest.slice(0, at), rest.slice(at + 1)];
}

function fromV1(dependencies: Record<string, unknown>, top: Record<string, unknown>, warnings: Warnings): Map<string, LockEntry> {
  const entries = new Map<string, LockEntry>();
  entries.set("", { path: "", ...(typeof top.name === "string" ? { name: top.name } : {}), version: str(top.version) ?? "", flags: {}, deps: new Map() });
  // Iterative, depth-capped walk: nesting depth is attacker-controlled.
  const stack: { parent: string; deps: Record<string, unknown>; depth: number; where: string }[] = [{ parent: "", deps: dependencies, depth: 0, where: "dependencies" }];
  while (stack.length > 0) {
    const { parent, deps, depth, where: parentWhere } = stack.pop()!;
    for (const [installedAs, raw] of Object.entries(deps)) {
      const where = `${parentWhere}[${show(installedAs)}]`;
      if (entries.size >= MAX_ENTRIES) {
        warnings.add(`more than ${MAX_ENTRIES} entries in "dependencies"; the rest are ignored`);
        return entries;
      }
      if (!isPackageName(installedAs)) {
        warnings.add(`${where}: not a package name`);
        continue;
      }
      if (!isObject(raw)) {
        warnings.add(`${where}: expected an object, found ${show(raw)}`);
        continue;
      }
      const path = parent === "" ? `node_modules/${installedAs}` : `${parent}/node_modules/${installedAs}`;
      const entry: LockEntry = { path, name: installedAs, version: "", flags: readFlags(raw), deps: new Map() };
      const version = raw.version;
      if (typeof version !== "string") warnings.add(`${where}: "version" is ${show(version)}, not a string`);
      else if (version.startsWith("npm:")) {
        const alias = parseAliasSpec(version);
        if (alias && isPackageName(alias[0])) [entry.name, entry.version] = alias;
        else warnings.add(`${where}: unreadable alias ${show(version)}`);
      } else if (version.startsWith("file:")) {
        // A local folder (workspace or file: dependency): v1 records no version for it.
        entry.resolved = version;
      } else entry.version = version;
      const resolved = str(raw.resolved);
      if (resolved !== undefined) entry.resolved = resolved;
      const integrity = str(raw.integrity);
      if (integrity !== undefined) entry.integrity = integrity;
      addDeps(entry, raw.requires, "prod", () => `${where}.requires`, warnings);
      entries.set(path, entry);
      if (raw.dependencies !== undefined) {
        if (!isObject(raw.dependencies)) warnings.add(`${where}.dependencies: expected an object, found ${show(raw.dependencies)}`);
        else if (depth + 1 >= MAX_V1_DEPTH) warnings.add(`${where}: nested deeper than ${MAX_V1_DEPTH} levels; the rest is ignored`);
        else stack.push({ parent: path, deps: raw.dependencies, depth: depth + 1, where: `${where}.dependencies` });
      }
    }
  }
  return entries;
}

/** The install tree of a lockfile, or undefined (with a warning) when it is not one. */
export function readLockTree(doc: unknown, warnings: Warnings): LockTree | undefined {
  if (!isObject(doc)) {
    warnings.add(`not a package-lock.json: the top level is ${show(doc)}, not an object`);
    return undefined;
  }
  const v = doc.lockfileVersion;
  const lockfileVersion = typeof v === "number" && Number.isInteger(v) ? v : 1;
  if (v !== undefined && typeof v !== "number") warnings.add(`"lockfileVersion" is ${show(v)}, not a number`);
  if (lockfileVersion > 3) warnings.add(`lockfileVersion ${lockfileVersion} is newer than this reader knows (1–3); read as version 3`);
  // v2 carries both sections; "packages" is the authoritative one (v1 readers use "dependencies").
  if (lockfileVersion >= 2 || (doc.packages !== undefined && doc.dependencies === undefined)) {
    if (isObject(doc.packages)) return { lockfileVersion, entries: fromPackages(doc.packages, doc, warnings) };
    if (doc.packages !== undefined || lockfileVersion >= 2) warnings.add(`"packages" is ${show(doc.packages)}, not an object`);
  }
  if (isObject(doc.dependencies)) return { lockfileVersion: Math.min(lockfileVersion, 1), entries: fromV1(doc.dependencies, doc, warnings) };
  if (doc.dependencies !== undefined) warnings.add(`"dependencies" is ${show(doc.dependencies)}, not an object`);
  else if (doc.packages === undefined) warnings.add(`neither "packages" nor "dependencies": no packages to read`);
  return { lockfileVersion, entries: fromPackages({}, doc, warnings) };
}
