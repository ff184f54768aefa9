/** The hermetic build runner: toolchain profiles, the bubblewrap sandbox, and its probe. */
export { toolchainProfile, archHardeningFlags, SANDBOX_SRC, SANDBOX_OUT, SANDBOX_HOME, type ToolchainId, type ToolchainProfile } from "./profile.js";
export { runBuild, type SandboxSpec, type SandboxResult, type RunBuildDeps } from "./run.js";
export { probeSandbox, type SandboxProbe } from "./probe.js";
export { BUILD_UID, BUILD_GID } from "./layout.js";
