// Each version scheme against the real program it imitates, on 1,000 generated pairs (the full
// run, ≥ 10,000 pairs, is `npm run test:versions-full`). A missing oracle skips its test with
// the reason; it never passes silently. Reproduce a failure with MK_VERSION_SEED=<seed>.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isPseudoVersion, schemes, type SchemeId } from "./index.js";
import { generators } from "./testing/generators.js";
import { goOracle, oracles } from "./testing/oracles.js";
import { describeProblems, runProperty } from "./testing/property.js";
import { Rng } from "./testing/random.js";

const SEED = Number(process.env.MK_VERSION_SEED ?? 20240601);
const COUNT = 1000;

for (const id of Object.keys(schemes) as SchemeId[]) {
  for (const oracle of oracles[id]) {
    test(`${id} agrees with ${oracle.name} on ${COUNT} generated pairs (seed ${SEED})`, async (t) => {
      const missing = await oracle.unavailable();
      if (missing) {
        t.skip(missing);
        return;
      }
      const rep = await runProperty(id, oracle, { count: COUNT, seed: SEED, validityCount: 200 });
      assert.equal(rep.pairs, COUNT);
      assert.deepEqual(describeProblems(rep, 20), [], `${id} vs ${oracle.name}, seed ${SEED}`);
    });
  }
}

test(`go: isPseudoVersion agrees with x/mod/module.IsPseudoVersion (seed ${SEED})`, async (t) => {
  const missing = await goOracle.unavailable();
  if (missing) {
    t.skip(missing);
    return;
  }
  const r = new Rng(SEED);
  const versions = Array.from({ length: COUNT }, () => generators.go.version(r));
  const theirs = await goOracle.isPseudo(versions);
  const wrong = versions.filter((v, i) => isPseudoVersion(v) !== theirs[i]);
  assert.deepEqual(wrong, []);
  assert.ok(theirs.filter(Boolean).length > COUNT / 10, "the sample holds pseudo-versions");
});
