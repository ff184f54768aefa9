/**
 * The module-info text the Go linker embeds (runtime/debug.BuildInfo.String() format):
 *
 *     path\texample.com/cmd/app
 *     mod\texample.com/app\t(devel)\t
 *     dep\tgolang.org/x/text\tv0.3.7\th1:...=
 *     =>\t../text\t(devel)\t            (replacement of the line above)
 *     build\t-trimpath=true
 *     build\t-ldflags="-s -w"
 *
 * Parsed like runtime/debug.ParseBuildInfo, except that a bad line is skipped with a warning
 * instead of discarding everything (Go's parser gives up on the first error).
 */
import { quotedPrefixLength, unquote } from "./quote.js";
import { show, type Warnings } from "../common/warnings.js";

export interface GoModule {
  path: string;
  version: string;
  sum: string;
  replace?: GoModule;
}

export interface ModInfo {
  /** The main package path (`path` line). */
  path?: string;
  /** A `go` line (written by BuildInfo.String(), not by the linker; accepted for completeness). */
  goVersion?: string;
  main?: GoModule;
  deps: GoModule[];
  /** Build settings in order; keys may repeat in hostile input (last one wins downstream). */
  settings: [string, string][];
}

/** More than any real binary (kubernetes has ~300 deps), low enough to bound the output. */
export const MAX_DEPS = 100_000;
const MAX_SETTINGS = 10_000;

function moduleLine(fields: string[]): GoModule | undefined {
  if (fields.length !== 2 && fields.length !== 3) return undefined;
  if (fields[0] === "") return undefined;
  return { path: fields[0]!, version: fields[1]!, sum: fields[2] ?? "" };
}

function buildSetting(kv: string): [string, string] | string {
  if (kv.length === 0) return "build line has no key=value";
  let key: string;
  let rawValue: string;
  if (kv[0] === "=") return "build line has an empty key";
  if (kv[0] === '"' || kv[0] === "`") {
    const n = quotedPrefixLength(kv);
    const k = n === undefined ? undefined : unquote(kv.slice(0, n));
    if (n === undefined || k === undefined) return `build line has a badly quoted key ${show(kv)}`;
    if (kv[n] !== "=") return `build line has no "=" after the quoted key ${show(kv)}`;
    key = k;
    rawValue = kv.slice(n + 1);
  } else {
    const eq = kv.indexOf("=");
    if (eq === -1) return `build line has no "=": ${show(kv)}`;
    key = kv.slice(0, eq);
    rawValue = kv.slice(eq + 1);
  }
  if (rawValue[0] === '"' || rawValue[0] === "`") {
    const v = unquote(rawValue);
    if (v === undefined) return `build setting ${show(key)} has a badly quoted value ${show(rawValue)}`;
    return [key, v];
  }
  return [key, rawValue];
}

export function parseModInfo(text: string, warnings: Warnings): ModInfo {
  const info: ModInfo = { deps: [], settings: [] };
  let last: GoModule | undefined;
  const lines = text.split("\n");
  // Like Go, a final line without a newline is not part of the info.
  lines.pop();
  lines.forEach((line, index) => {
    const where = `module info line ${index + 1}`;
    const tab = line.indexOf("\t");
    const kind = tab === -1 ? line : line.slice(0, tab);
    const rest = tab === -1 ? "" : line.slice(tab + 1);
    switch (kind) {
      case "path":
        if (tab === -1) break;
        info.path = rest;
        return;
      case "go":
        if (tab === -1) break;
        info.goVersion = rest;
        return;
      case "mod":
      case "dep": {
        if (tab === -1) break;
        const mod = moduleLine(rest.split("\t"));
        if (!mod) {
          warnings.add(`${where}: expected "${kind}<TAB>path<TAB>version[<TAB>sum]", found ${show(line)}`);
          last = undefined;
          return;
        }
        if (kind === "mod") info.main = mod;
        else if (info.deps.length >= MAX_DEPS) {
          if (info.deps.length === MAX_DEPS) warnings.add(`more than ${MAX_DEPS} dependencies; the rest are ignored`);
          last = undefined;
          return;
        } else info.deps.push(mod);
        last = mod;
        return;
      }
      case "=>": {
        if (tab === -1) break;
        const fields = rest.split("\t");
        if (fields.length !== 3 || fields[0] === "") warnings.add(`${where}: expected "=><TAB>path<TAB>version<TAB>sum", found ${show(line)}`);
        else if (!last) warnings.add(`${where}: replacement ${show(fields[0])} does not follow a module line`);
        else last.replace = { path: fields[0]!, version: fields[1]!, sum: fields[2]! };
        last = undefined;
        return;
      }
      case "build": {
        if (tab === -1) break;
        const setting = buildSetting(rest);
        if (typeof setting === "string") warnings.add(`${where}: ${setting}`);
        else if (info.settings.length < MAX_SETTINGS) info.settings.push(setting);
        return;
      }
      case "":
        return; // cmd/go writes an empty line after some replacements
    }
    // Go ignores lines it does not know (forward compatibility); so do we, but say so.
    warnings.add(`${where}: unknown line ${show(line)}`);
  });
  return info;
}
