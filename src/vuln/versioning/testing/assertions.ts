/** Assertions for the per-scheme example tests: orderings and equivalences taken from published sources. */
import assert from "node:assert/strict";
import { isMkError } from "../../../errors.js";
import type { VersionScheme } from "../scheme.js";

/** Every version sorts strictly below every later one, in both argument orders. */
export function assertAscending(scheme: VersionScheme, versions: readonly string[]): void {
  for (let i = 0; i < versions.length; i++) {
    assert.equal(scheme.compare(versions[i]!, versions[i]!), 0, `${versions[i]} = itself`);
    for (let j = i + 1; j < versions.length; j++) {
      assert.equal(scheme.compare(versions[i]!, versions[j]!), -1, `${versions[i]} < ${versions[j]}`);
      assert.equal(scheme.compare(versions[j]!, versions[i]!), 1, `${versions[j]} > ${versions[i]}`);
    }
  }
}

/** Each pair compares equal, both ways. */
export function assertEquivalent(scheme: VersionScheme, pairs: readonly (readonly [string, string])[]): void {
  for (const [a, b] of pairs) {
    assert.equal(scheme.compare(a, b), 0, `${a} = ${b}`);
    assert.equal(scheme.compare(b, a), 0, `${b} = ${a}`);
  }
}

/** Each line "a OP b" with OP one of < = >. */
export function assertRelations(scheme: VersionScheme, lines: readonly string[]): void {
  for (const line of lines) {
    const [a, op, b] = line.trim().split(/\s+/);
    const want = op === "<" ? -1 : op === ">" ? 1 : op === "=" ? 0 : undefined;
    assert.ok(a && b && want !== undefined, `malformed example ${JSON.stringify(line)}`);
    assert.equal(scheme.compare(a, b), want, line);
    assert.equal(scheme.compare(b, a), -want || 0, `reversed: ${line}`);
  }
}

/** Invalid versions are refused by isValid and make compare throw MkError E_USAGE. */
export function assertInvalid(scheme: VersionScheme, versions: readonly unknown[], valid: string): void {
  for (const v of versions) {
    assert.equal(scheme.isValid(v), false, `${JSON.stringify(v)} is invalid`);
    for (const args of [[v, valid], [valid, v]] as const) {
      assert.throws(
        () => scheme.compare(args[0] as string, args[1] as string),
        (e: unknown) => isMkError(e) && e.code === "E_USAGE",
        `compare(${JSON.stringify(args[0])}, ${JSON.stringify(args[1])}) throws E_USAGE`,
      );
    }
  }
}
