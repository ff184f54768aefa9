/** License text → SPDX expression: what is accepted, what is canonicalised, what is refused. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { normaliseLicense, toSpdxExpression } from "./spdx.js";

describe("toSpdxExpression", () => {
  test("valid expressions come back in canonical case with upper-case operators", () => {
    const cases: [string, string][] = [
      ["MIT", "MIT"],
      ["mit", "MIT"],
      ["(mit or apache-2.0)", "(MIT OR Apache-2.0)"],
      ["MIT AND (BSD-2-Clause OR ISC)", "MIT AND (BSD-2-Clause OR ISC)"],
      ["GPL-2.0-or-later WITH Classpath-exception-2.0", "GPL-2.0-or-later WITH Classpath-exception-2.0"],
      ["LGPL-2.1+", "LGPL-2.1+"],
      ["LicenseRef-Proprietary", "LicenseRef-Proprietary"],
      ["DocumentRef-spdx-tool:LicenseRef-X", "DocumentRef-spdx-tool:LicenseRef-X"],
      ["  Apache 2.0 ", "Apache-2.0"],
      ["The MIT License", "MIT"],
    ];
    for (const [input, expected] of cases) assert.equal(toSpdxExpression(input), expected, input);
  });

  test("anything else is not an SPDX expression", () => {
    for (const input of ["", "BSD", "GPL", "Apache", "MIT OR", "(MIT", "MIT)", "MIT WITH MIT-0-nope", "MIT And ISC", "Custom license", "SEE LICENSE IN LICENSE", "MIT/GPL"]) {
      assert.equal(toSpdxExpression(input), undefined, input);
    }
  });

  test("hostile input: deep nesting, many tokens, huge strings stay cheap and are refused", () => {
    const t0 = performance.now();
    assert.equal(toSpdxExpression("(".repeat(10_000) + "MIT" + ")".repeat(10_000)), undefined);
    assert.equal(toSpdxExpression(Array.from({ length: 1000 }, () => "MIT").join(" OR ")), undefined);
    assert.equal(toSpdxExpression("x".repeat(1_000_000)), undefined);
    assert.equal(toSpdxExpression("(".repeat(20) + "MIT" + ")".repeat(20)), `${"(".repeat(20)}MIT${")".repeat(20)}`);
    assert.ok(performance.now() - t0 < 5000);
  });
});

describe("normaliseLicense", () => {
  test("SPDX when possible, text as written otherwise, nothing for placeholders", () => {
    assert.equal(normaliseLicense("apache-2.0"), "Apache-2.0");
    assert.equal(normaliseLicense(" BSD "), "BSD");
    assert.equal(normaliseLicense("UNKNOWN"), undefined);
    assert.equal(normaliseLicense("   "), undefined);
    assert.equal(normaliseLicense("y".repeat(2000))!.length, 513);
  });
});
