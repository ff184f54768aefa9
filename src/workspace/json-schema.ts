/** JSON Schemas generated from the zod schemas, for editors and other tools (`$schema`). */
import { z } from "zod";
import { projectSchema, workspaceConfigSchema } from "./schema.js";

export const SCHEMA_FILES = {
  project: "project.schema.json",
  workspace: "mailknight.schema.json",
} as const;

function toSchema(schema: z.ZodType, title: string, description: string): string {
  // io: "input" so fields with defaults are optional, as users write them.
  const json = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return JSON.stringify({ ...json, title, description }, null, 2) + "\n";
}

/** File name → JSON text, deterministic. */
export function generateJsonSchemas(): Record<string, string> {
  return {
    [SCHEMA_FILES.project]: toSchema(projectSchema, "Mailknight project recipe", "projects/<name>/project.yaml: upstream, pinned sources, build and package settings"),
    [SCHEMA_FILES.workspace]: toSchema(workspaceConfigSchema, "Mailknight workspace configuration", "mailknight.yaml: output, mirrors and global policy"),
  };
}
