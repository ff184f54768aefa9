/**
 * Helpers shared by the oci tests: temp dirs, running the real peer tools (tar, gzip, skopeo,
 * umoci) as oracles, and a fixture tree full of the awkward cases layers must get right.
 * Not exported from index.ts.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, linkSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";

export function tempDir(label: string): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), `mk-oci-${label}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Runs a tool and returns its stdout; throws with its stderr when it exits non-zero. */
export function tool(cmd: string, args: string[], opts: { input?: Buffer; env?: NodeJS.ProcessEnv } = {}): Buffer {
  try {
    return execFileSync(cmd, args, { input: opts.input, env: opts.env ?? process.env, maxBuffer: 1 << 30, stdio: ["pipe", "pipe", "pipe"] });
  } catch (e) {
    const err = e as { stderr?: Buffer; status?: number };
    throw new Error(`${cmd} ${args.join(" ")} exited with ${err.status}: ${err.stderr?.toString() ?? ""}`, { cause: e });
  }
}

/** `tar -tv` listing of a (decompressed) tar in UTC with numeric ids, one line per entry. */
export function tarList(tar: Buffer): string[] {
  return tool("tar", ["--numeric-owner", "--full-time", "-tvf", "-"], { input: tar, env: { ...process.env, TZ: "UTC" } })
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "");
}

export const LONG_DIR = "a-directory-name-that-is-quite-long-on-purpose/another-directory-that-makes-the-path-exceed-100-bytes";
export const LONG_FILE = `${LONG_DIR}/and-finally-a-file-whose-own-name-is-longer-than-one-hundred-bytes-to-need-a-pax-path-record-x.txt`;
export const LONG_LINK_TARGET = `../${"t".repeat(150)}/target`;
export const UNICODE_FILE = "données/naïve-文件-ünïcödé.txt";

/**
 * Writes a tree with: nested dirs, modes incl. setuid/setgid/sticky, an empty file, a file
 * spanning several gzip chunks, hard links, symlinks out of the tree (absolute and relative),
 * a long path, a long link target and non-ASCII names.
 */
export function writeFixtureTree(root: string, opts: { bigFileBytes?: number } = {}): void {
  const file = (rel: string, data: string | Buffer, mode = 0o644) => {
    const p = join(root, rel);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, data);
    chmodSync(p, mode);
  };
  mkdirSync(root, { recursive: true });
  file("bin/tool", "#!/bin/sh\necho tool\n", 0o755);
  file("bin/suid-tool", "suid", 0o4755);
  file("bin/sgid-tool", "sgid", 0o2711);
  file("etc/config.conf", "key=value\n", 0o640);
  file("empty", "");
  // Compressible text plus random bytes: exercises chunk boundaries and the dictionary.
  const big = opts.bigFileBytes ?? 3 * 1024 * 1024 + 12345;
  const text = Buffer.from("the quick brown fox jumps over the lazy dog\n".repeat(Math.ceil(big / 2 / 44)));
  file("data/big.bin", Buffer.concat([text, randomBytes(big)]).subarray(0, big));
  mkdirSync(join(root, "tmp"), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  mkdirSync(join(root, "emptydir"), { recursive: true });
  chmodSync(join(root, "emptydir"), 0o700);
  file("hard/original", "same inode\n");
  linkSync(join(root, "hard/original"), join(root, "hard/zz-link"));
  symlinkSync("/etc/shadow", join(root, "etc/shadow-link"));
  symlinkSync("../../outside", join(root, "etc/outside-link"));
  symlinkSync("tool", join(root, "bin/tool-alias"));
  symlinkSync(LONG_LINK_TARGET, join(root, "long-target-link"));
  file(LONG_FILE, "long name\n");
  file(UNICODE_FILE, "unicode\n");
}
