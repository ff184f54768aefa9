/**
 * Toolchain profiles: the environment a build step sees. Hardening flags are injected here so
 * that upstream build systems that honour CFLAGS/LDFLAGS/GOFLAGS produce hardened binaries
 * without patching. Pure: the result depends only on the arguments and the CPU architecture,
 * so it can go into stage records and cache keys as it is.
 */

export type ToolchainId = "c" | "go" | "custom";

export interface ToolchainProfile {
  id: ToolchainId;
  fips: boolean;
  /** Environment (sorted keys), before the recipe's own env is merged over it. */
  env: Record<string, string>;
  description: string;
}

/** Where the sources and the install tree appear inside the sandbox. Fixed paths keep builds reproducible. */
export const SANDBOX_SRC = "/build/src";
export const SANDBOX_OUT = "/build/out";
export const SANDBOX_HOME = "/tmp/home";
export const SANDBOX_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/** Go is often installed outside the standard PATH (official tarball, Debian's golang-go). */
const GO_PATH_DIRS = "/usr/local/go/bin:/usr/lib/go/bin";

/**
 * Extra hardening the compiler only accepts on some architectures: -fcf-protection is x86-only
 * (CET), aarch64 has branch protection (BTI/PAC) instead. Chosen by architecture rather than by
 * probing the host compiler, so the profile stays a pure function (GCC >= 8 and Clang >= 11
 * accept these flags on the listed architectures).
 */
export function archHardeningFlags(arch: string = process.arch): string[] {
  switch (arch) {
    case "x64":
    case "ia32":
      return ["-fstack-clash-protection", "-fcf-protection"];
    case "arm64":
      return ["-fstack-clash-protection", "-mbranch-protection=standard"];
    case "s390x":
    case "ppc64":
      return ["-fstack-clash-protection"];
    default:
      return [];
  }
}

const FORTIFY = "-D_FORTIFY_SOURCE=2";

/** Environment common to every profile (paths are the in-sandbox ones). SOURCE_DATE_EPOCH is set when known. */
export function commonEnv(sourceDateEpoch?: number): Record<string, string> {
  return {
    ...(sourceDateEpoch !== undefined ? { SOURCE_DATE_EPOCH: String(sourceDateEpoch) } : {}),
    TZ: "UTC",
    LC_ALL: "C",
    LANG: "C",
    HOME: SANDBOX_HOME,
    TMPDIR: "/tmp",
    USER: "builder",
    LOGNAME: "builder",
    SHELL: "/bin/sh",
    PATH: SANDBOX_PATH,
    DESTDIR: SANDBOX_OUT,
    PREFIX: "/usr",
  };
}

export function toolchainProfile(
  id: ToolchainId,
  opts: { fips: boolean; sourceDateEpoch?: number; arch?: string },
): ToolchainProfile {
  const env = commonEnv(opts.sourceDateEpoch);
  const cflags = ["-O2", "-fstack-protector-strong", FORTIFY, ...archHardeningFlags(opts.arch)];
  const notes: string[] = [];
  switch (id) {
    case "c":
      env.CFLAGS = [...cflags, "-fPIE"].join(" ");
      env.CXXFLAGS = env.CFLAGS;
      env.CPPFLAGS = FORTIFY;
      env.LDFLAGS = "-pie -Wl,-z,relro,-z,now";
      notes.push("C/C++ with PIE, stack protector, FORTIFY_SOURCE=2, full RELRO and immediate binding");
      if (opts.fips) {
        // Only a marker for now: linking against the OpenSSL FIPS provider is a later stage's job;
        // recipes and scripts can already branch on it.
        env.MK_FIPS = "1";
        notes.push("MK_FIPS=1 marks a FIPS build (the OpenSSL FIPS provider is configured by a later stage)");
      }
      break;
    case "go":
      // No -mod=...: with a vendor/ directory Go picks -mod=vendor itself, without one it already
      // defaults to readonly; forcing -mod=readonly would ignore vendor/ and fail offline.
      env.GOFLAGS = "-trimpath -buildmode=pie";
      env.CGO_CFLAGS = cflags.join(" ");
      env.CGO_CPPFLAGS = FORTIFY;
      env.CGO_LDFLAGS = "-Wl,-z,relro,-z,now";
      // The sandbox has no network: fail fast instead of trying the module proxy or downloading a toolchain.
      env.GOPROXY = "off";
      env.GOTOOLCHAIN = "local";
      env.PATH = `${SANDBOX_PATH}:${GO_PATH_DIRS}`;
      notes.push("Go with -trimpath, PIE, hardened cgo flags, no module proxy");
      if (opts.fips) {
        // BoringCrypto needs cgo. (Go >= 1.24 also offers GOFIPS140; boringcrypto works on all current releases.)
        env.GOEXPERIMENT = "boringcrypto";
        env.CGO_ENABLED = "1";
        notes.push("FIPS via GOEXPERIMENT=boringcrypto (cgo enabled)");
      }
      break;
    case "custom":
      notes.push("custom toolchain: common environment only, no injected flags");
      if (opts.fips) {
        env.MK_FIPS = "1";
        notes.push("MK_FIPS=1 marks a FIPS build");
      }
      break;
  }
  return { id, fips: opts.fips, env: sortedRecord(env), description: notes.join("; ") };
}

export function sortedRecord(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
