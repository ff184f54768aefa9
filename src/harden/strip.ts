/**
 * Strips every ELF object in a rootfs with `strip --strip-unneeded`. ELF is recognised by its
 * header, never by name; symlinks are never passed to strip (it would follow them); a file
 * with several hard links is stripped once (binutils rewrites it in place, keeping the links).
 */
import { MkError } from "../errors.js";
import { run } from "../util/exec.js";
import { classifyHeader, openNoFollow, readHead } from "./classify.js";
import type { TreeEntry } from "./walk.js";

/** Object types worth stripping: programs, shared libraries, relocatable objects (e.g. kernel modules). */
const STRIPPABLE = new Set(["EXEC", "DYN", "REL"]);
const CONCURRENCY = 4;

export async function stripElfFiles(entries: TreeEntry[], stripCmd = "strip"): Promise<string[]> {
  const seen = new Set<string>();
  const targets: TreeEntry[] = [];
  for (const e of entries) {
    if (e.kind !== "file") continue;
    const inode = `${e.dev}:${e.ino}`;
    if (seen.has(inode)) continue;
    const fh = await openNoFollow(e.abs);
    let head: Buffer;
    try {
      head = await readHead(fh);
    } finally {
      await fh.close();
    }
    const cls = classifyHeader(head);
    if (cls.kind === "elf" && STRIPPABLE.has(cls.elfType)) {
      seen.add(inode);
      targets.push(e);
    }
  }
  let next = 0;
  async function worker(): Promise<void> {
    while (next < targets.length) {
      const e = targets[next++]!;
      // Absolute path after `--`, so a file named `-rf` or `--help` is a file, not an option.
      // -D: deterministic archive members; -p: keep timestamps, the layer writer sets its own.
      const r = await run(stripCmd, ["--strip-unneeded", "-D", "-p", "--", e.abs]);
      if (r.code !== 0) {
        throw new MkError("E_PACKAGE", `strip failed on ${e.rel} (exit ${r.code}): ${(r.stderr || r.stdout).trim().split("\n").slice(-5).join("\n")}`, {
          hint: "a binary for another architecture needs binutils-multiarch (or the target's strip); otherwise set strip: false for this image",
          details: { file: e.rel, exitCode: r.code },
        });
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, targets.length) }, worker));
  return targets.map((e) => e.rel).sort();
}
