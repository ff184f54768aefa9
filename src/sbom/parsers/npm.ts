/**
 * npm: lockfiles (package-lock.json and npm-shrinkwrap.json, versions 1–3) and the package.json
 * of an installed package (`node_modules/**\/package.json`).
 *
 * Lockfile output: one package per installed folder, keyed by its install path
 * (`node_modules/@babel/core`, nested `node_modules/a/node_modules/b`, workspace folders such as
 * `packages/app`); the root project under key `.` (isRoot). Dependency edges are resolved the way
 * npm installs them (nearest `node_modules` walking up, links followed). Aliases keep the real
 * package name with the installed name as `npm:alias`; `dev`, `optional`, `devOptional`, `peer`,
 * `inBundle`, `extraneous` flags become `npm:<flag>=true`; `resolved` is `npm:resolved`; the SRI
 * `integrity` becomes hashes.
 */
import { readLockTree, type LockEntry } from "./npm/lock-entries.js";
import { npmLicenses } from "./npm/license.js";
import { isPackageName, splitNpmName } from "./npm/names.js";
import { followLink, resolveDependency } from "./npm/resolve.js";
import { sriToHashes } from "./npm/sri.js";
import { messageOf, show, Warnings } from "./common/warnings.js";
import type { ParsedPackage, ParseResult } from "./types.js";

/** The key of the root project in a lockfile result (npm itself keys it as the empty path). */
export const ROOT_KEY = ".";

/** Dependency edges resolved per lockfile; real ones have tens of thousands. */
const MAX_EDGES = 2_000_000;

function parseJson(text: string, warnings: Warnings): unknown {
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    warnings.add(`not valid JSON: ${messageOf(e)}`);
    return undefined;
  }
}

function baseProperties(e: { resolved?: string; flags?: LockEntry["flags"] }): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const [flag, on] of Object.entries(e.flags ?? {})) if (on) properties[`npm:${flag}`] = "true";
  if (e.resolved !== undefined) properties["npm:resolved"] = e.resolved;
  return properties;
}

function hashesOf(integrity: string | undefined, where: string, warnings: Warnings): ParsedPackage["hashes"] {
  if (integrity === undefined) return undefined;
  const { hashes, invalid } = sriToHashes(integrity);
  if (invalid > 0) warnings.add(`${where}: integrity ${show(integrity)} has ${invalid} unusable part(s)`);
  return hashes.length > 0 ? hashes : undefined;
}

/** The folder's last path segment, for a workspace whose entry names nothing. */
function folderName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1) || path;
}

export function parsePackageLock(text: string, location: string): ParseResult {
  const warnings = new Warnings(location);
  try {
    const tree = readLockTree(parseJson(text, warnings), warnings);
    if (!tree) return { packages: [], warnings: warnings.toArray() };
    const { entries } = tree;
    const keyOf = (path: string): string => (path === "" ? ROOT_KEY : path);

    // Links name their targets: `node_modules/app` → `packages/app` tells the workspace's name.
    const linkedFrom = new Map<string, string>();
    for (const e of entries.values()) if (e.link !== undefined && !linkedFrom.has(e.link)) linkedFrom.set(e.link, e.path);

    const requiredByOthers = new Set<string>();
    const packages: ParsedPackage[] = [];
    let edges = 0;
    for (const e of entries.values()) {
      if (e.link !== undefined) {
        if (!entries.has(e.link)) warnings.add(`${e.path} links to ${show(e.link)}, which has no entry in the lockfile`);
        continue;
      }
      const where = e.path === "" ? "root package" : e.path;
      const linkName = linkedFrom.has(e.path) ? entries.get(linkedFrom.get(e.path)!)?.name : undefined;
      const fullName = e.name ?? linkName ?? (e.path === "" ? undefined : folderName(e.path));
      if (fullName === undefined && e.path !== "") continue;
      const properties = baseProperties(e);
      const installedAs = e.path.includes("node_modules/") ? e.path.slice(e.path.lastIndexOf("node_modules/") + 13) : undefined;
      if (installedAs !== undefined && e.name !== undefined && installedAs !== e.name) properties["npm:alias"] = installedAs;
      if (linkedFrom.has(e.path)) properties["npm:link"] = linkedFrom.get(e.path)!;

      const dependsOn = new Set<string>();
      // A linked folder resolves its dependencies from where it really is (its own path).
      for (const [dep, kind] of e.deps) {
        if (++edges > MAX_EDGES) {
          if (edges === MAX_EDGES + 1) warnings.add(`more than ${MAX_EDGES} dependency edges; the rest are not resolved`);
          break;
        }
        const target = resolveDependency(entries, e.path, dep);
        if (target === undefined) {
          if (kind === "prod") warnings.add(`${where} requires ${dep}, which is not in the lockfile`);
          continue;
        }
        if (target === e.path) continue;
        requiredByOthers.add(target);
        dependsOn.add(keyOf(target));
      }
      const licenses = npmLicenses({ license: e.license, licenses: e.licenses });
      const hashes = hashesOf(e.integrity, where, warnings);
      packages.push({
        ecosystem: "npm",
        key: keyOf(e.path),
        ...splitNpmName(fullName ?? ""),
        version: e.version,
        ...(licenses ? { licenses } : {}),
        ...(hashes ? { hashes } : {}),
        ...(dependsOn.size > 0 ? { dependsOn: [...dependsOn] } : {}),
        ...(Object.keys(properties).length > 0 ? { properties } : {}),
        ...(e.path === "" ? { isRoot: true } : {}),
      });
    }

    const root = packages.find((p) => p.isRoot);
    if (root) {
      const rootDeps = new Set(root.dependsOn ?? []);
      // Workspaces are the root's children in npm's tree, though it declares them only by glob.
      for (const e of entries.values()) {
        if (e.link !== undefined && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(e.path) && !e.link.startsWith("..")) rootDeps.add(keyOf(followLink(entries, e.path)));
      }
      // v1 does not record what the root requires; a top-level package nothing else requires can
      // only be there for the root (npm prunes the rest), so those are the root's known edges.
      if (tree.lockfileVersion < 2) {
        for (const e of entries.values()) if (/^node_modules\/(@[^/]+\/)?[^/]+$/.test(e.path) && !requiredByOthers.has(e.path)) rootDeps.add(keyOf(e.path));
      }
      if (rootDeps.size > 0) root.dependsOn = [...rootDeps];
      // npm names an unnamed root project after its folder, as `npm ls` shows it.
      if (!root.name) {
        const slash = location.lastIndexOf("/");
        root.name = (slash > 0 ? folderName(location.slice(0, slash)) : "") || "root";
      }
    }
    return { packages, warnings: warnings.toArray(), metadata: { "npm:lockfileVersion": String(tree.lockfileVersion) } };
  } catch (e) {
    warnings.add(`internal error while reading the lockfile: ${messageOf(e)}`);
    return { packages: [], warnings: warnings.toArray() };
  }
}

/**
 * The package an installed `package.json` describes. Files without both a name and a version
 * are not packages (node_modules holds many `{"type": "module"}` stubs) and yield nothing.
 */
export function parseInstalledPackageJson(text: string, location: string): ParseResult {
  const warnings = new Warnings(location);
  try {
    const doc = parseJson(text, warnings);
    if (doc === undefined) return { packages: [], warnings: warnings.toArray() };
    if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
      warnings.add(`expected a JSON object, found ${show(doc)}`);
      return { packages: [], warnings: warnings.toArray() };
    }
    const pkg = doc as Record<string, unknown>;
    if (pkg.name === undefined || pkg.version === undefined) return { packages: [], warnings: warnings.toArray() };
    if (typeof pkg.name !== "string" || !isPackageName(pkg.name)) {
      warnings.add(`"name" is ${show(pkg.name)}, not a package name`);
      return { packages: [], warnings: warnings.toArray() };
    }
    if (typeof pkg.version !== "string") {
      warnings.add(`"version" is ${show(pkg.version)}, not a string`);
      return { packages: [], warnings: warnings.toArray() };
    }
    const properties: Record<string, string> = {};
    // npm < 7 wrote where it installed the package from into the installed package.json.
    if (typeof pkg._resolved === "string") properties["npm:resolved"] = pkg._resolved;
    if (pkg.private === true) properties["npm:private"] = "true";
    if (pkg.dependencies !== null && typeof pkg.dependencies === "object" && !Array.isArray(pkg.dependencies)) {
      // Names only: edges between installed packages need the tree, which the cataloger has.
      const names = Object.keys(pkg.dependencies).filter(isPackageName).slice(0, 10_000);
      if (names.length > 0) properties["npm:dependencies"] = names.join(",");
    }
    const licenses = npmLicenses(pkg);
    const hashes = typeof pkg._integrity === "string" ? hashesOf(pkg._integrity, "_integrity", warnings) : undefined;
    return {
      packages: [
        {
          ecosystem: "npm",
          key: pkg.name,
          ...splitNpmName(pkg.name),
          version: pkg.version,
          ...(licenses ? { licenses } : {}),
          ...(hashes ? { hashes } : {}),
          ...(Object.keys(properties).length > 0 ? { properties } : {}),
        },
      ],
      warnings: warnings.toArray(),
    };
  } catch (e) {
    warnings.add(`internal error while reading package.json: ${messageOf(e)}`);
    return { packages: [], warnings: warnings.toArray() };
  }
}
