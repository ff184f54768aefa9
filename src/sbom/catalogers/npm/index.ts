/**
 * npm: installed packages (`node_modules/<name>/package.json`, `node_modules/@scope/<name>/…`)
 * and lockfiles (`package-lock.json`, `npm-shrinkwrap.json`, v1–v3) through parsers/npm.ts.
 * Installed packages are what an image runs; their dependency edges are resolved the way Node
 * does (nearest `node_modules`, walking up). A lockfile only speaks for what is installed next
 * to it: its entries whose install folder holds a package.json in the tree are listed (and merge
 * with the installed package by PURL, adding integrity hashes and edges); entries that are not
 * installed (dev dependencies, a bundled UI's build inputs, a source checkout) are not in the
 * image, and trivy and syft leave them out of image scans too. The root project and its
 * workspace folders are listed when the lockfile's tree is installed.
 */
import { posix } from "node:path";
import { compareStrings, sortUnique, type CatalogResult, type SbomComponent } from "../../model.js";
import { parseInstalledPackageJson, parsePackageLock } from "../../parsers/npm.js";
import type { Cataloger, CatalogInput } from "../types.js";
import { asParseResult, componentsOf } from "../language.js";

export const id = "npm";

const INSTALLED = /\/node_modules\/(?:@[^/]+\/)?[^/]+\/package\.json$/;
const LOCKFILE = /\/(package-lock|npm-shrinkwrap)\.json$/;

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("utf8");
}

export const cataloger: Cataloger = {
  id,
  version: "1",
  description: "npm packages installed under node_modules, and package-lock.json / npm-shrinkwrap.json",
  wants: [
    { glob: "/**/node_modules/*/package.json", maxBytes: 4 << 20, extract: (b, p) => parseInstalledPackageJson(text(b), p) },
    { glob: "/**/node_modules/@*/*/package.json", maxBytes: 4 << 20, extract: (b, p) => parseInstalledPackageJson(text(b), p) },
    { glob: "/**/{package-lock,npm-shrinkwrap}.json", maxBytes: 64 << 20, extract: (b, p) => parsePackageLock(text(b), p) },
  ],
  dropWhenOwnedByOs: true,
  catalog({ files }: CatalogInput): CatalogResult {
    const components: SbomComponent[] = [];
    const warnings: string[] = [];
    /** Package directory (`/app/node_modules/a`) → ref and declared dependency names. */
    const installed = new Map<string, { c: SbomComponent; deps: string[] }>();
    for (const file of files.list()) {
      const result = asParseResult(file.extracted.get(id));
      if (!result) continue;
      warnings.push(...result.warnings);
      if (INSTALLED.test(file.path)) {
        const { components: found } = componentsOf(result, { cataloger: id, location: file.path });
        const c = found[0];
        if (!c) continue;
        const deps = (c.properties["mailknight:npm:dependencies"] ?? "").split(",").filter(Boolean);
        delete c.properties["mailknight:npm:dependencies"];
        installed.set(posix.dirname(file.path), { c, deps });
        components.push(c);
      } else if (LOCKFILE.test(file.path) && !file.path.includes("/node_modules/")) {
        const dir = posix.dirname(file.path);
        const isInstalled = (key: string): boolean => files.get(posix.join(dir, key, "package.json")) !== undefined;
        const anyInstalled = result.packages.some((p) => !p.isRoot && isInstalled(p.key));
        const { components: found } = componentsOf(result, {
          cataloger: id,
          location: file.path,
          // Workspace folders (`packages/app`) are the project's own packages, shipped with it like
          // the root; everything under node_modules counts only when it is there.
          skip: (p) => (p.isRoot ? !anyInstalled || p.version === "" : p.key.includes("node_modules/") ? !isInstalled(p.key) : !anyInstalled),
        });
        components.push(...found);
      }
    }
    // Node's resolution: from a package directory, `<dir>/node_modules/<dep>`, then each parent's.
    for (const [dir, { c, deps }] of installed) {
      const refs: string[] = [];
      for (const dep of deps) {
        for (let d = dir; ; d = posix.dirname(d)) {
          const hit = installed.get(posix.join(d, "node_modules", dep));
          if (hit) {
            refs.push(hit.c.ref);
            break;
          }
          if (d === "/") break;
        }
      }
      c.dependsOn = sortUnique(refs.filter((r) => r !== c.ref));
    }
    return { components: components.sort((a, b) => compareStrings(a.ref, b.ref)), warnings };
  },
};
