/**
 * GitLab's CI JSON schema, as embedded in gitlab-ci-local (pinned in devDependencies), for tests.
 * gitlab-ci-local bundles the schema as an object literal in dist/index.js; it is cut out by
 * bracket matching and evaluated in an empty VM context (a literal: no code runs). The schema is
 * the original one: gitlab-ci-local relaxes a few patterns only at runtime, after this literal.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import vm from "node:vm";
import { Ajv, type ErrorObject } from "ajv";
import addFormatsModule from "ajv-formats";

const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => void;

const MARKER = '{$schema:"http://json-schema.org/draft-07/schema#",$id:"https://gitlab.com/.gitlab-ci.yml"';

function bundlePath(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("gitlab-ci-local/package.json")), "dist/index.js");
}

/** The literal starting at `start`, up to its matching close brace (strings skipped). */
function literalAt(src: string, start: number): string {
  let depth = 0;
  let quote: string | undefined;
  for (let i = start; i < src.length; i++) {
    const c = src[i]!;
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'" || c === "`") quote = c;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return src.slice(start, i + 1);
  }
  throw new Error("unterminated schema literal in gitlab-ci-local's bundle");
}

export function loadGitlabCiSchema(): Record<string, unknown> {
  const src = readFileSync(bundlePath(), "utf8");
  const start = src.indexOf(MARKER);
  if (start < 0) throw new Error(`GitLab's CI schema not found in ${bundlePath()}: has gitlab-ci-local changed its bundle?`);
  return vm.runInNewContext(`(${literalAt(src, start)})`, Object.create(null) as object) as Record<string, unknown>;
}

export type CiValidator = (doc: unknown) => ErrorObject[];

export function gitlabCiValidator(): CiValidator {
  // strict: false because GitLab's schema uses non-standard keywords such as markdownDescription.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(loadGitlabCiSchema());
  return (doc) => (validate(doc) ? [] : [...(validate.errors ?? [])]);
}
