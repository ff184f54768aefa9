/** `mailknight init`: scaffolds a workspace. Never overwrites an existing file. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { ensureDir, pathExists, writeFileAtomic } from "../util/fs.js";
import { run } from "../util/exec.js";
import { generateJsonSchemas, SCHEMA_FILES } from "./json-schema.js";
import { CONFIG_FILE } from "./workspace.js";

export interface InitResult {
  root: string;
  created: string[];
  gitInitialised: boolean;
}

const CONFIG_TEMPLATE = `# yaml-language-server: $schema=./schemas/${SCHEMA_FILES.workspace}
$schema: ./schemas/${SCHEMA_FILES.workspace}
# Where images are written: an OCI image layout on disk (workspace-relative).
output:
  layout: out/layout
# Air-gapped sites: point upstream URLs at local copies (longest prefix wins).
mirrors: {}
#  "https://github.com/": "file:///srv/mirrors/github/"
# Where \`mailknight publish\` (and \`run --publish\`) push released images.
# registry:
#   host: registry.example.com
#   namespace: team/images
# Sign and attest every release that passes its gate (keyless in GitLab CI, else this key:
# \`mailknight key generate --output-prefix keys/release\`; never commit the key's passphrase).
# signing:
#   key: keys/release.key
#   passwordFile: keys/release.password
`;

const GITIGNORE = `# Mailknight work directories and caches
.mailknight/
out/
`;

/** Writes the schemas into `<root>/schemas/`; returns the files whose content changed. */
export async function writeSchemas(root: string): Promise<string[]> {
  const written: string[] = [];
  for (const [name, text] of Object.entries(generateJsonSchemas())) {
    const path = join(root, "schemas", name);
    const old = await readFile(path, "utf8").catch(() => undefined);
    if (old !== text) {
      await writeFileAtomic(path, text);
      written.push(join("schemas", name));
    }
  }
  return written;
}

export async function initWorkspace(root: string): Promise<InitResult> {
  if (await pathExists(join(root, CONFIG_FILE))) {
    throw new MkError("E_USAGE", `${root} already has ${CONFIG_FILE}`, { hint: "use the existing workspace, or pick another directory" });
  }
  const created: string[] = [];
  for (const dir of ["projects", "patches", "vex"]) {
    await ensureDir(join(root, dir));
    const keep = join(root, dir, ".gitkeep");
    if (!(await pathExists(keep))) {
      await writeFileAtomic(keep, "");
      created.push(`${dir}/`);
    }
  }
  await writeFileAtomic(join(root, CONFIG_FILE), CONFIG_TEMPLATE);
  created.push(CONFIG_FILE);
  if (!(await pathExists(join(root, ".gitignore")))) {
    await writeFileAtomic(join(root, ".gitignore"), GITIGNORE);
    created.push(".gitignore");
  }
  created.push(...(await writeSchemas(root)));
  let gitInitialised = false;
  if (!(await pathExists(join(root, ".git")))) {
    const r = await run("git", ["init", "-q", "-b", "main", root]).catch(() => undefined);
    gitInitialised = r?.code === 0;
  }
  return { root, created, gitInitialised };
}
