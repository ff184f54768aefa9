/**
 * What the sandbox contains, as a bubblewrap command line. The host is visible only through an
 * allowlist: /usr and the /bin,/lib* links or dirs read-only, and a few /etc entries a
 * toolchain needs. Everything else (/root, /home, /work, /var, /run, credentials in /etc such
 * as npmrc, pip.conf, gitconfig, docker/) is simply absent. Identity files (/etc/passwd,
 * group, hosts, hostname) are synthetic, so builds see the same ones on every machine.
 */
import { lstat, readdir, readlink } from "node:fs/promises";
import { join } from "node:path";
import { SANDBOX_HOME, SANDBOX_OUT, SANDBOX_SRC } from "./profile.js";

export const BUILD_UID = 1000;
export const BUILD_GID = 1000;
export const SANDBOX_HOSTNAME = "mailknight";

/** Top-level system paths: bound read-only if directories, recreated if they are symlinks (merged /usr). */
const SYSTEM_DIRS = ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

/** /etc entries a compiler or interpreter may need; everything else in the host's /etc stays hidden. */
const ETC_ALLOW: RegExp[] = [
  /^ld\.so\.(cache|conf|conf\.d)$/, // dynamic linker
  /^alternatives$/, // Debian: cc, c++, awk, ... resolve through /etc/alternatives
  /^(ssl|pki|ca-certificates|ca-certificates\.conf)$/, // certificate bundles (offline TLS tests)
  /^(os-release|debian_version|lsb-release|alpine-release|redhat-release|system-release)$/,
  /^(localtime|timezone)$/,
  /^(protocols|services|networks|mime\.types|magic|magic\.mime|shells)$/,
  /^(dpkg|perl|python3(\.\d+)?|xml|sgml|fonts|java-\d+-openjdk)$/, // runtime and doc-toolchain config
];

/** Files written per build (see `syntheticEtc`) and bound over /etc. */
export const SYNTHETIC_ETC = ["group", "hostname", "hosts", "nsswitch.conf", "passwd"] as const;

export function syntheticEtc(): Record<(typeof SYNTHETIC_ETC)[number], string> {
  return {
    passwd: `root:x:0:0:root:/root:/usr/sbin/nologin\nbuilder:x:${BUILD_UID}:${BUILD_GID}:Mailknight builder:${SANDBOX_HOME}:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n`,
    group: `root:x:0:\nbuilder:x:${BUILD_GID}:\nnogroup:x:65534:\n`,
    hosts: `127.0.0.1\tlocalhost\n::1\tlocalhost\n`,
    hostname: `${SANDBOX_HOSTNAME}\n`,
    // Files only: no NSS modules (systemd, ldap, sss) reaching for sockets that do not exist here.
    "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files\n",
  };
}

export type HostPath = { path: string; kind: "dir" | "file" } | { path: string; kind: "symlink"; target: string };

/** The host paths the sandbox mirrors, as they are on this machine. */
export async function hostLayout(): Promise<HostPath[]> {
  const out: HostPath[] = [];
  const add = async (path: string): Promise<void> => {
    try {
      const st = await lstat(path);
      if (st.isSymbolicLink()) out.push({ path, kind: "symlink", target: await readlink(path) });
      else if (st.isDirectory()) out.push({ path, kind: "dir" });
      else if (st.isFile()) out.push({ path, kind: "file" });
    } catch {
      // Absent on this host: nothing to mirror.
    }
  };
  for (const p of SYSTEM_DIRS) await add(p);
  let etc: string[] = [];
  try {
    etc = (await readdir("/etc")).sort();
  } catch {
    etc = [];
  }
  for (const name of etc) {
    if (ETC_ALLOW.some((re) => re.test(name)) && !(SYNTHETIC_ETC as readonly string[]).includes(name)) await add(join("/etc", name));
  }
  return out;
}

export interface SandboxMounts {
  srcDir: string;
  destDir: string;
  /** Host dir mounted as /tmp (per build, owned by the build user; HOME lives inside). */
  tmpDir: string;
  /** Host dir holding the SYNTHETIC_ETC files. */
  etcDir: string;
}

/** The bwrap arguments up to and including `--`; the command follows. */
export function bwrapArgs(host: HostPath[], mounts: SandboxMounts | undefined, env: Record<string, string>, chdir = SANDBOX_SRC): string[] {
  const a: string[] = [
    // Every namespace: no network (only a private loopback), no host IPC, own PIDs and hostname.
    "--unshare-all",
    "--unshare-user",
    "--disable-userns", // no nested user namespaces: less kernel attack surface
    "--uid", String(BUILD_UID),
    "--gid", String(BUILD_GID),
    "--hostname", SANDBOX_HOSTNAME,
    "--die-with-parent",
    "--new-session", // no TIOCSTI injection into the caller's terminal
    "--cap-drop", "ALL",
    "--ro-bind", "/usr", "/usr",
  ];
  for (const h of host) {
    if (h.kind === "symlink") a.push("--symlink", h.target, h.path);
    else a.push("--ro-bind", h.path, h.path);
  }
  a.push("--proc", "/proc", "--dev", "/dev");
  if (mounts) {
    for (const name of SYNTHETIC_ETC) a.push("--ro-bind", join(mounts.etcDir, name), `/etc/${name}`);
    a.push("--bind", mounts.tmpDir, "/tmp", "--symlink", "../tmp", "/var/tmp");
    a.push("--bind", mounts.srcDir, SANDBOX_SRC, "--bind", mounts.destDir, SANDBOX_OUT);
  } else {
    a.push("--tmpfs", "/tmp");
  }
  // The root itself (where /etc, /build, /var were created) becomes read-only last.
  a.push("--remount-ro", "/", "--chdir", mounts ? chdir : "/", "--clearenv");
  for (const [k, v] of Object.entries(env)) a.push("--setenv", k, v);
  a.push("--");
  return a;
}

export { SANDBOX_HOME, SANDBOX_OUT, SANDBOX_SRC };
