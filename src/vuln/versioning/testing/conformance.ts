/**
 * The family's shared conformance checks, run for every registered scheme by versioning.test.ts:
 * comparison is a total preorder on valid versions (reflexive, antisymmetric, transitive), returns
 * only -1/0/1, and no input of any type makes a scheme throw anything but MkError E_USAGE.
 */
import assert from "node:assert/strict";
import { isMkError } from "../../../errors.js";
import type { VersionScheme } from "../scheme.js";
import { mutate, type VersionGenerator } from "./generators.js";
import { Rng } from "./random.js";

/** Values that are not versions in any scheme: wrong types, empty, huge, control and non-ASCII characters. */
export const GARBAGE: readonly unknown[] = [
  undefined,
  null,
  42,
  Number.NaN,
  true,
  {},
  [],
  ["1.0"],
  "",
  " ",
  "\u0000",
  "\n",
  "🙂",
  "1".repeat(100_000),
  "1.0.".repeat(10_000),
];

/** Distinct valid versions from the generator, `n` of them, deterministically from `seed`. */
export function sampleValid(scheme: VersionScheme, gen: VersionGenerator, n: number, seed: number): string[] {
  const r = new Rng(seed);
  const out = new Set<string>();
  for (let tries = 0; out.size < n && tries < n * 100; tries++) {
    // Half fresh, half edits of earlier samples, so many share prefixes.
    const prev = [...out];
    const v = prev.length > 0 && r.chance(0.5) ? mutate(r, gen, r.pick(prev)) : gen.version(r);
    if (scheme.isValid(v)) out.add(v);
  }
  assert.equal(out.size, n, `generator yields ${n} valid ${scheme.id} versions`);
  return [...out];
}

export function checkTotalPreorder(scheme: VersionScheme, versions: readonly string[]): void {
  const cmp = (a: string, b: string) => scheme.compare(a, b);
  for (const a of versions) {
    assert.equal(cmp(a, a), 0, `reflexive: ${a}`);
    for (const b of versions) {
      const ab = cmp(a, b);
      assert.ok(ab === -1 || ab === 0 || ab === 1, `compare(${a}, ${b}) = ${ab} is one of -1, 0, 1`);
      assert.equal(cmp(b, a), -ab || 0, `antisymmetric: ${a} vs ${b}`);
    }
  }
  // Transitivity on every triple of a small prefix...
  const small = versions.slice(0, 30);
  for (const a of small) {
    for (const b of small) {
      const ab = cmp(a, b);
      if (ab > 0) continue;
      for (const c of small) {
        const bc = cmp(b, c);
        if (bc > 0) continue;
        const ac = cmp(a, c);
        assert.ok(ac <= 0, `transitive: ${a} <= ${b} <= ${c} but ${a} > ${c}`);
        if (ab === 0 && bc === 0) assert.equal(ac, 0, `equality is transitive: ${a} = ${b} = ${c}`);
      }
    }
  }
  // ...and, on all of them, that sorting yields a sequence consistent pairwise (which fails
  // for any cycle the sort happens to straddle).
  const sorted = [...versions].sort(cmp);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i + 1; j < sorted.length; j++) assert.ok(cmp(sorted[i]!, sorted[j]!) <= 0, `sorted order: ${sorted[i]} before ${sorted[j]}`);
  }
}

/** isValid never throws and says false; compare and isPrerelease throw MkError E_USAGE, nothing else. */
export function checkRejectsGarbage(scheme: VersionScheme, garbage: readonly unknown[], valid: string): void {
  const typed = (e: unknown) => isMkError(e) && e.code === "E_USAGE";
  for (const g of garbage) {
    const label = typeof g === "string" && g.length > 40 ? `${g.slice(0, 40)}… (${g.length} chars)` : String(JSON.stringify(g));
    assert.equal(scheme.isValid(g), false, `isValid(${label})`);
    assert.throws(() => scheme.compare(g as string, valid), typed, `compare(${label}, valid)`);
    assert.throws(() => scheme.compare(valid, g as string), typed, `compare(valid, ${label})`);
    if (scheme.isPrerelease) assert.throws(() => scheme.isPrerelease!(g as string), typed, `isPrerelease(${label})`);
  }
}
