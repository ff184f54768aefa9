/**
 * JUnit XML (the Ant/Jenkins dialect GitLab and most CI read): one testcase per finding, a
 * `<failure>` for each blocking one, `<skipped>` for each VEX-suppressed one (so CI shows it as
 * deliberately not run rather than passed), plus one testcase per gate-level check (the binary
 * checks: one per blocking binary property).
 */
import type { GateDecision } from "../decide.js";
import { packageLabel, suppressionText } from "./common.js";
import type { ReportContext, Reporter } from "./types.js";

/** XML 1.0 cannot carry most control characters at all, even escaped; they are dropped. */
// eslint-disable-next-line no-control-regex
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

const attr = (name: string, value: string | number) => `${name}="${xmlEscape(String(value))}"`;

export function renderJunit(d: GateDecision, ctx: ReportContext): string {
  const cases: string[] = [];
  let failures = 0;
  let skipped = 0;
  for (const v of d.findings) {
    const f = v.finding;
    const head = `    <testcase ${attr("classname", packageLabel(f))} ${attr("name", `${f.id} (${f.severity})`)}`;
    if (v.blocking) {
      failures++;
      const detail = [v.reason, f.summary, f.fixedVersions.length ? `fixed in ${f.fixedVersions.join(", ")}` : "no fixed version known"].filter(Boolean).join("\n");
      cases.push(`${head}>\n      <failure ${attr("type", v.rule)} ${attr("message", v.reason)}>${xmlEscape(detail)}</failure>\n    </testcase>`);
    } else if (v.suppressed) {
      skipped++;
      cases.push(`${head}>\n      <skipped ${attr("message", suppressionText(v))}/>\n    </testcase>`);
    } else {
      cases.push(`${head}>\n      <system-out>${xmlEscape(v.reason)}</system-out>\n    </testcase>`);
    }
  }
  for (const c of d.checks) {
    const head = `    <testcase ${attr("classname", "mailknight.gate")} ${attr("name", c.target ? `${c.rule} ${c.target}` : c.rule)}`;
    if (!c.passed && c.action === "fail") {
      failures++;
      cases.push(`${head}>\n      <failure ${attr("type", c.rule)} ${attr("message", c.message)}/>\n    </testcase>`);
    } else cases.push(`${head}>\n      <system-out>${xmlEscape(c.message)}</system-out>\n    </testcase>`);
  }
  const tests = cases.length;
  const name = `mailknight gate${ctx.target ? ` ${ctx.target}` : ""}`;
  const counts = `${attr("tests", tests)} ${attr("failures", failures)} ${attr("errors", 0)} ${attr("skipped", skipped)}`;
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites ${attr("name", name)} ${counts}>`,
    `  <testsuite ${attr("name", name)} ${counts} ${attr("timestamp", d.decidedAt.replace(/\.\d+Z$/, "").replace(/Z$/, ""))}>`,
    `    <properties>`,
    `      <property ${attr("name", "gate.passed")} ${attr("value", String(d.passed))}/>`,
    ...d.subject.map((s) => `      <property ${attr("name", "gate.subject")} ${attr("value", s)}/>`),
    `    </properties>`,
    ...cases,
    `  </testsuite>`,
    `</testsuites>`,
    ``,
  ].join("\n");
}

export const junit: Reporter = { id: "junit", defaultFile: "gate-junit.xml", render: renderJunit };
