/**
 * Licenses from `/usr/share/doc/<pkg>/copyright` when it is machine-readable (DEP-5,
 * https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/): the first line of every
 * `License:` field, converted to SPDX where every part is a known license. Free-form copyright
 * files are not guessed at: a wrong license is worse than none.
 */
import { normaliseLicense } from "../../licenses.js";
import { compareStrings } from "../../model.js";
import { field, parseDeb822 } from "./control.js";

export function isMachineReadable(text: string): boolean {
  const head = text.slice(0, 512);
  return /^format(-specification)?:\s*\S*(copyright-format|dep-?5)/im.test(head);
}

/** License expressions of a DEP-5 copyright file; [] when it is not machine-readable. */
export function dep5Licenses(text: string): string[] {
  if (!isMachineReadable(text)) return [];
  const { paragraphs } = parseDeb822(text);
  const found = new Set<string>();
  for (const p of paragraphs) {
    const value = field(p, "License");
    if (value === undefined) continue;
    const short = value.split("\n")[0]!.trim();
    // A stand-alone license paragraph (text only, no Files:) repeats a name used above.
    if (short === "") continue;
    const license = normaliseLicense(short);
    if (license) found.add(license);
  }
  return [...found].sort(compareStrings);
}
