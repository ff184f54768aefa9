/** Plan (pure: input → file texts), then apply (write) or check (compare) at the edge. */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { MkError } from "../errors.js";
import { writeFileAtomic } from "../util/fs.js";
import { childDocument } from "./child.js";
import { ROOT_FILE, type CiInput } from "./model.js";
import { renderYaml } from "./render.js";
import { rootDocument } from "./root.js";
import { templateDocument } from "./template.js";

/** Workspace-relative path → content, of the committed files `ci generate` owns. */
export function planCiFiles(input: CiInput): Record<string, string> {
  const files: Record<string, string> = { [ROOT_FILE]: renderYaml(rootDocument(input)) };
  // With the template included from another project, that project owns .mailknight.yml.
  if (input.template.kind === "local") files[input.template.file] = renderYaml(templateDocument(input));
  return files;
}

export function planChildPipeline(input: CiInput, project: string): string {
  const p = input.projects.find((x) => x.name === project);
  if (!p) {
    throw new MkError("E_NOT_FOUND", `no project "${project}" in this workspace`, { hint: `projects: ${input.projects.map((x) => x.name).join(", ") || "(none)"}` });
  }
  return renderYaml(childDocument(input, p));
}

export interface FileStatus {
  file: string;
  status: "unchanged" | "written" | "stale" | "missing";
}

async function readOrUndefined(path: string): Promise<string | undefined> {
  return await readFile(path, "utf8").catch(() => undefined);
}

/** Writes only the files whose content differs, so an unchanged workspace leaves mtimes alone. */
export async function writeCiFiles(root: string, files: Record<string, string>): Promise<FileStatus[]> {
  const out: FileStatus[] = [];
  for (const [file, text] of Object.entries(files)) {
    if ((await readOrUndefined(join(root, file))) === text) out.push({ file, status: "unchanged" });
    else {
      await writeFileAtomic(join(root, file), text);
      out.push({ file, status: "written" });
    }
  }
  return out;
}

export async function checkCiFiles(root: string, files: Record<string, string>): Promise<FileStatus[]> {
  const out: FileStatus[] = [];
  for (const [file, text] of Object.entries(files)) {
    const found = await readOrUndefined(join(root, file));
    out.push({ file, status: found === undefined ? "missing" : found === text ? "unchanged" : "stale" });
  }
  return out;
}
