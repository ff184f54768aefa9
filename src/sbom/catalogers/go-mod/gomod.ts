/**
 * go.mod (https://go.dev/ref/mod#go-mod-file): the module path and its `require` lines, with
 * `replace` directives applied and `exclude`d versions dropped. Since Go 1.17 a go.mod lists every
 * module the build uses (indirect ones marked `// indirect`). Pure; bad lines are warnings.
 */

export interface GoModRequire {
  path: string;
  version: string;
  indirect: boolean;
  /** `path@version` this replaced, when a replace directive applied. */
  replaces?: string;
}

export interface GoMod {
  module?: string;
  go?: string;
  requires: GoModRequire[];
  warnings: string[];
}

const MODULE_PATH = /^[A-Za-z0-9._~+\-/]+$/;
const VERSION = /^v\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]+)?$/;

function unquote(token: string): string {
  return token.startsWith('"') && token.endsWith('"') && token.length >= 2 ? token.slice(1, -1) : token.startsWith("`") && token.endsWith("`") ? token.slice(1, -1) : token;
}

export function parseGoMod(text: string, file: string): GoMod {
  const out: GoMod = { requires: [], warnings: [] };
  const replaces = new Map<string, { path: string; version?: string }>();
  const excludes = new Set<string>();
  let block: string | undefined;
  const lines = text.split("\n");
  const warn = (i: number, msg: string): void => {
    if (out.warnings.length < 20) out.warnings.push(`${file}: line ${i + 1}: ${msg}`);
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const indirect = /\/\/\s*indirect\b/.test(raw);
    const line = raw.replace(/\/\/.*$/, "").trim();
    if (line === "") continue;
    if (block && line === ")") {
      block = undefined;
      continue;
    }
    let verb: string;
    let rest: string[];
    if (block) {
      verb = block;
      rest = line.split(/\s+/);
    } else {
      const parts = line.split(/\s+/);
      verb = parts[0]!;
      rest = parts.slice(1);
      if (rest.length === 1 && rest[0] === "(") {
        block = verb;
        continue;
      }
    }
    rest = rest.map(unquote);
    switch (verb) {
      case "module":
        if (rest[0] && MODULE_PATH.test(rest[0])) out.module = rest[0];
        break;
      case "go":
        out.go = rest[0];
        break;
      case "require":
        if (rest.length >= 2 && MODULE_PATH.test(rest[0]!) && VERSION.test(rest[1]!)) out.requires.push({ path: rest[0]!, version: rest[1]!, indirect });
        else warn(i, `not a "path version" requirement (${JSON.stringify(line.slice(0, 80))}); ignored`);
        break;
      case "replace": {
        const arrow = rest.indexOf("=>");
        if (arrow < 1 || arrow + 1 >= rest.length) {
          warn(i, "replace without `=>`; ignored");
          break;
        }
        const from = rest.slice(0, arrow).join("@");
        const to = rest.slice(arrow + 1);
        replaces.set(from, to[1] ? { path: to[0]!, version: to[1] } : { path: to[0]! });
        break;
      }
      case "exclude":
        if (rest.length >= 2) excludes.add(`${rest[0]}@${rest[1]}`);
        break;
      case "retract":
      case "toolchain":
      case "godebug":
        break;
      default:
        warn(i, `unknown directive ${JSON.stringify(verb.slice(0, 40))}; ignored`);
    }
  }
  out.requires = out.requires
    .filter((r) => !excludes.has(`${r.path}@${r.version}`))
    .flatMap((r) => {
      const rep = replaces.get(`${r.path}@${r.version}`) ?? replaces.get(r.path);
      // A replacement by a local directory has no version: the module is the local code, not upstream.
      if (!rep) return [r];
      if (!rep.version) return [];
      return [{ path: rep.path, version: rep.version, indirect: r.indirect, replaces: `${r.path}@${r.version}` }];
    });
  return out;
}
