/** GitLab CI generation: pure planners plus the file edge; the CLI lives in cli.ts. */
export type { CiInput, CiProject, CiVersion, TemplateSource } from "./model.js";
export { CHILD_DIR, ROOT_FILE, TEMPLATE_FILE } from "./model.js";
export { collectInput } from "./collect.js";
export { checkCiFiles, planChildPipeline, planCiFiles, writeCiFiles, type FileStatus } from "./generate.js";
export { registerCiCommands } from "./cli.js";
