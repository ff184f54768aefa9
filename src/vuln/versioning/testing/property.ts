/**
 * The property test shared by the default suite (oracle.test.ts, small counts) and the full run
 * (scripts/version-oracles.ts, ≥ 10,000 pairs): generate pairs, order them with our scheme and
 * with a real oracle, and report every disagreement. Also checks, on the invalid strings the
 * generator produced along the way, that our `compare` fails with the documented MkError and never
 * with anything else, and, where the oracle has its own notion of validity, that we agree with it.
 */
import { isMkError } from "../../../errors.js";
import { schemes, type SchemeId } from "../index.js";
import { generators, pair } from "./generators.js";
import type { Answer, Oracle } from "./oracles.js";
import { Rng } from "./random.js";

export interface Disagreement {
  input: string[];
  ours: string;
  oracle: string;
}

export interface PropertyReport {
  scheme: SchemeId;
  oracle: string;
  seed: number;
  /** Pairs both we and the oracle ordered. */
  pairs: number;
  /** Pairs the oracle was not asked about, with the documented reason, by reason. */
  skipped: Record<string, number>;
  disagreements: Disagreement[];
  /** Versions whose validity was compared with the oracle's (when it has a notion of validity). */
  validityChecked: number;
  validityDisagreements: Disagreement[];
  /** Validity differences that are documented choices, by reason. */
  validityDocumented: Record<string, number>;
  /** Invalid versions fed to `compare`, all of which must have thrown MkError E_USAGE. */
  invalidInputs: number;
  invalidInputFailures: Disagreement[];
  ms: number;
}

export interface PropertyOptions {
  count: number;
  seed: number;
  /** How many versions to check for validity agreement (half valid, half invalid when possible). */
  validityCount?: number;
}

const show = (a: Answer | boolean | string) => (typeof a === "object" ? `error: ${a.error}` : String(a));

export async function runProperty(schemeId: SchemeId, oracle: Oracle, opts: PropertyOptions): Promise<PropertyReport> {
  const started = performance.now();
  const scheme = schemes[schemeId];
  const gen = generators[schemeId];
  const r = new Rng(opts.seed);
  const pairs: [string, string][] = [];
  const skipped: Record<string, number> = {};
  const valid = new Set<string>();
  const invalid = new Set<string>();
  const invalidInputFailures: Disagreement[] = [];

  const maxAttempts = opts.count * 50;
  for (let attempts = 0; pairs.length < opts.count; attempts++) {
    if (attempts > maxAttempts) throw new Error(`${schemeId}: generator produced too few valid pairs (${pairs.length} of ${opts.count})`);
    const [a, b] = pair(r, gen);
    let ok = true;
    for (const v of [a, b]) {
      if (scheme.isValid(v)) {
        valid.add(v);
        continue;
      }
      ok = false;
      if (invalid.has(v)) continue;
      invalid.add(v);
      // Garbage must fail with our typed error, never with something from deep inside.
      try {
        scheme.compare(v, v);
        invalidInputFailures.push({ input: [v], ours: "compare returned a result", oracle: "-" });
      } catch (e) {
        if (!isMkError(e) || e.code !== "E_USAGE") invalidInputFailures.push({ input: [v], ours: `threw ${e instanceof Error ? e.name + ": " + e.message : String(e)}`, oracle: "-" });
      }
    }
    if (!ok) continue;
    const why = oracle.skip?.(a, b);
    if (why) {
      skipped[why] = (skipped[why] ?? 0) + 1;
      continue;
    }
    pairs.push([a, b]);
  }

  const answers = await oracle.compare(pairs);
  const disagreements: Disagreement[] = [];
  pairs.forEach(([a, b], i) => {
    const ours = scheme.compare(a, b);
    const theirs = answers[i]!;
    if (typeof theirs === "object" || theirs !== ours) disagreements.push({ input: [a, b], ours: String(ours), oracle: show(theirs) });
  });

  const validityDisagreements: Disagreement[] = [];
  const validityDocumented: Record<string, number> = {};
  let validityChecked = 0;
  if (oracle.valid) {
    const n = opts.validityCount ?? Math.ceil(opts.count / 5);
    const sample = [...[...invalid].slice(0, Math.ceil(n / 2)), ...[...valid].slice(0, n)].slice(0, n);
    const verdicts = await oracle.valid(sample);
    validityChecked = sample.length;
    sample.forEach((v, i) => {
      const ours = scheme.isValid(v);
      const theirs = verdicts[i]!;
      if (theirs === ours) return;
      const documented = oracle.validityException?.(v);
      if (documented && typeof theirs === "boolean") validityDocumented[documented] = (validityDocumented[documented] ?? 0) + 1;
      else validityDisagreements.push({ input: [v], ours: `valid=${ours}`, oracle: typeof theirs === "boolean" ? `valid=${theirs}` : theirs });
    });
  }

  return {
    scheme: schemeId,
    oracle: oracle.name,
    seed: opts.seed,
    pairs: pairs.length,
    skipped,
    disagreements,
    validityChecked,
    validityDisagreements,
    validityDocumented,
    invalidInputs: invalid.size,
    invalidInputFailures,
    ms: Math.round(performance.now() - started),
  };
}

/** Human-readable lines for the first few problems of a report. */
export function describeProblems(rep: PropertyReport, limit = 10): string[] {
  const out: string[] = [];
  for (const d of rep.disagreements.slice(0, limit)) out.push(`order ${JSON.stringify(d.input)}: ours ${d.ours}, ${rep.oracle} ${d.oracle}`);
  for (const d of rep.validityDisagreements.slice(0, limit)) out.push(`validity ${JSON.stringify(d.input[0])}: ours ${d.ours}, ${rep.oracle} ${d.oracle}`);
  for (const d of rep.invalidInputFailures.slice(0, limit)) out.push(`invalid input ${JSON.stringify(d.input[0])}: ${d.ours}`);
  return out;
}
