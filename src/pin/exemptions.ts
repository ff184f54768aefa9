/**
 * The exemptions file: references allowed to stay unpinned, each with a reason. YAML:
 *   exemptions:
 *     - ref: "registry.example.com/dev/*"   # `*` matches any run of characters
 *       file: "deploy/dev/**"               # optional; glob on the scanned path
 *       reason: "dev images move daily; pinned in the release overlay"
 */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { MkError, type Problem } from "../errors.js";
import type { FoundRef } from "./model.js";

const exemptionSchema = z.strictObject({
  ref: z.string().min(1, "must name a reference or pattern"),
  file: z.string().min(1).optional(),
  reason: z.string().trim().min(3, "every exemption needs a reason"),
});
const fileSchema = z.strictObject({ exemptions: z.array(exemptionSchema) });
export type Exemption = z.infer<typeof exemptionSchema>;

function globToRe(glob: string): RegExp {
  // `**` spans directories, `*` stays inside one path component.
  const re = glob
    .split("**")
    .map((part) => part.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, "[^/]*").replace(/\?/g, "."))
    .join(".*");
  return new RegExp(`^${re}$`);
}

function patternToRe(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\?]/g, "\\$&").replace(/\*/g, ".*")}$`);
}

export async function loadExemptions(path: string): Promise<Exemption[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    throw new MkError("E_NOT_FOUND", `exemptions file ${path} cannot be read`, { cause: e, hint: "check the --exemptions path" });
  }
  const parsed = fileSchema.safeParse(parse(text));
  if (!parsed.success) {
    const problems: Problem[] = parsed.error.issues.map((i) => ({ file: path, path: i.path.map(String).join("."), message: i.message }));
    throw new MkError("E_CONFIG_INVALID", `${path} is not a valid exemptions file (${problems.length} problem(s))`, {
      problems,
      hint: "each entry needs `ref` and `reason` (and optionally `file`)",
    });
  }
  return parsed.data.exemptions;
}

/** The exemption that covers a reference, if any. */
export function exemptionFor(ref: FoundRef, exemptions: Exemption[]): Exemption | undefined {
  return exemptions.find((e) => patternToRe(e.ref).test(ref.ref) && (e.file === undefined || globToRe(e.file).test(ref.file)));
}
