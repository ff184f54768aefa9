export * from "./schema.js";
export { findWorkspaceRoot, openWorkspace, listProjects, loadProject, checkRecipeSemantics, selectSource, upstreamGitUrl, parseProjectRef, paths, CONFIG_FILE, type Workspace } from "./workspace.js";
export { initWorkspace, writeSchemas } from "./init.js";
export { generateJsonSchemas, SCHEMA_FILES } from "./json-schema.js";
export { parseYamlWithSchema, loadYamlWithSchema } from "./load.js";
