/**
 * The workspace's own VEX decisions: `vex/<project>/<id>.json`, one OpenVEX 0.2.0 document per
 * decision, with author, justification and a re-review date. Files are never rewritten: a new
 * decision is a new file, and the latest statement wins when they are read (see match.ts), so
 * the Git history of `vex/` is the audit trail.
 */
import { join } from "node:path";
import { MkError } from "../errors.js";
import { isDirectory, pathExists, writeFileAtomic } from "../util/fs.js";
import { projectSchema } from "../workspace/schema.js";
import { paths } from "../workspace/workspace.js";
import { format as openvex } from "./formats/openvex/index.js";
import { isExpired } from "./match.js";
import { JUSTIFICATIONS, VEX_STATUSES, type Justification, type VexComponent, type VexStatement, type VexStatus } from "./model.js";
import { normalizePurl } from "./purl.js";
import { loadVex } from "./read.js";

export interface NewDecision {
  project: string;
  vulnerability: string;
  aliases?: string[];
  status: string;
  justification?: string;
  /** Free text: impact statement (not_affected), action statement (affected), status notes (others). */
  note?: string;
  /** Re-review date, `YYYY-MM-DD` (UTC); the decision stops counting at 00:00 UTC that day. */
  expires: string;
  /** Product PURLs; default `pkg:oci/<project>`: every image of the project. */
  products?: string[];
  /** Package PURLs inside the product(s) the decision is about; none = the whole product. */
  subcomponents?: string[];
  author: string;
  now: Date;
  toolVersion: string;
}

export interface StoredDecision {
  /** Workspace-relative path of the file. */
  file: string;
  document: Record<string, unknown>;
  statement: VexStatement;
}

const VULN_ID = /^[A-Za-z][A-Za-z0-9]*(?:[-_.:][A-Za-z0-9]+)+$/;

function usage(message: string, hint?: string): MkError {
  return new MkError("E_USAGE", message, hint ? { hint } : {});
}

function checkPurls(list: readonly string[], what: string): string[] {
  return list.map((p) => {
    const n = normalizePurl(p);
    if (!n) throw usage(`${what} "${p}" is not a valid package URL`, "write it as pkg:<type>/<namespace>/<name>@<version>, e.g. pkg:oci/argocd or pkg:deb/debian/openssl@3.0.11-1");
    return n;
  });
}

/** Validates a decision and builds its statement; every rule here is one the gate relies on. */
export function decisionStatement(d: NewDecision, file: string, documentId: string): VexStatement {
  if (!projectSchema.shape.name.safeParse(d.project).success) throw usage(`"${d.project}" is not a valid project name`, "lowercase letters, digits and . _ - (the name under projects/)");
  if (!VULN_ID.test(d.vulnerability)) throw usage(`"${d.vulnerability}" does not look like a vulnerability id`, "e.g. CVE-2024-1234, GHSA-xxxx-xxxx-xxxx, GO-2024-0001");
  if (!(VEX_STATUSES as readonly string[]).includes(d.status)) throw usage(`--status ${d.status} is not a VEX status`, `one of ${VEX_STATUSES.join(", ")}`);
  const status = d.status as VexStatus;
  if (d.justification !== undefined && !(JUSTIFICATIONS as readonly string[]).includes(d.justification)) {
    throw usage(`--justification ${d.justification} is not an OpenVEX justification`, `one of ${JUSTIFICATIONS.join(", ")}`);
  }
  if (status === "not_affected" && !d.justification) throw usage("a not_affected decision needs --justification", `one of ${JUSTIFICATIONS.join(", ")}`);
  if (status !== "not_affected" && d.justification) throw usage(`--justification only goes with --status not_affected (this is ${status})`);
  const note = d.note?.trim() || undefined;
  if (status === "affected" && !note) throw usage("an affected decision needs --note saying what to do about it (OpenVEX action_statement)");
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(d.expires);
  const expiresAt = m ? new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))) : undefined;
  if (!expiresAt || expiresAt.toISOString().slice(0, 10) !== d.expires) throw usage(`--expires ${d.expires} is not a date`, "write it as YYYY-MM-DD, e.g. 2027-01-01");
  if (expiresAt.getTime() <= d.now.getTime()) throw usage(`--expires ${d.expires} is not in the future`, "a decision needs a re-review date ahead of today");
  if (!d.author.trim()) throw usage("the decision needs an author", "pass --author \"Name <email>\" or set git config user.name/user.email");

  const products = checkPurls(d.products?.length ? d.products : [`pkg:oci/${d.project}`], "--product");
  const subs: VexComponent[] = checkPurls(d.subcomponents ?? [], "--subcomponent").map((purl) => ({ id: purl, purl }));
  const aliases = [...new Set((d.aliases ?? []).map((a) => a.trim()).filter((a) => a && a.toUpperCase() !== d.vulnerability.toUpperCase()))].sort();
  return {
    vulnerability: d.vulnerability,
    aliases,
    products: products.map((purl) => ({ id: purl, purl, subcomponents: subs })),
    status,
    ...(d.justification ? { justification: d.justification as Justification } : {}),
    ...(note && status === "not_affected" ? { impactStatement: note } : {}),
    ...(note && status === "affected" ? { actionStatement: note } : {}),
    ...(note && (status === "fixed" || status === "under_investigation") ? { statusNotes: note } : {}),
    timestamp: d.now.toISOString(),
    author: d.author.trim(),
    expires: expiresAt.toISOString().replace(".000Z", "Z"),
    source: { format: "openvex", file, documentId, path: "statements[0]" },
  };
}

function compactTime(d: Date): string {
  return d.toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
}

/** Writes the decision as `vex/<project>/<VULN>-<YYYYMMDDTHHMMSSZ>.json`; never overwrites. */
export async function addDecision(root: string, d: NewDecision): Promise<StoredDecision> {
  const dir = paths.vexDir(root, d.project);
  const base = `${d.vulnerability}-${compactTime(d.now)}`;
  let id = base;
  for (let n = 2; await pathExists(join(dir, `${id}.json`)); n++) id = `${base}-${n}`;
  const file = join("vex", d.project, `${id}.json`);
  const documentId = `urn:mailknight:vex:${d.project}:${id}`;
  const statement = decisionStatement(d, file, documentId);
  const { document } = openvex.write([statement], { author: statement.author!, documentId, toolVersion: d.toolVersion, timestamp: statement.timestamp });
  const problems = openvex.validate(document, file);
  if (problems.length) throw new MkError("E_INTERNAL", `the OpenVEX document for ${file} fails the OpenVEX schema`, { problems });
  await writeFileAtomic(join(root, file), JSON.stringify(document, null, 2) + "\n");
  return { file, document, statement };
}

export interface DecisionEntry {
  project: string;
  statement: VexStatement;
  expired: boolean;
}

/** The statements under `vex/<project>/` (or every project's), with whether each has expired at `now`. */
export async function listDecisions(root: string, project: string | undefined, now: Date): Promise<{ entries: DecisionEntry[]; warnings: string[] }> {
  const vexRoot = join(root, "vex");
  const dirs = project ? [paths.vexDir(root, project)] : [vexRoot];
  if (project && !(await isDirectory(dirs[0]!))) return { entries: [], warnings: [] };
  if (!project && !(await isDirectory(vexRoot))) return { entries: [], warnings: [] };
  const load = await loadVex(dirs, root);
  const entries = load.statements.map((statement) => ({
    project: statement.source.file.split("/")[1] ?? "",
    statement,
    expired: isExpired(statement, now),
  }));
  return { entries, warnings: load.warnings };
}

/** Every statement a gate for `project` should consider: the files under `vex/<project>/`. */
export async function projectStatements(root: string, project: string): Promise<{ statements: VexStatement[]; warnings: string[] }> {
  const dir = paths.vexDir(root, project);
  if (!(await isDirectory(dir))) return { statements: [], warnings: [] };
  const load = await loadVex([dir], root);
  return { statements: load.statements, warnings: load.warnings };
}
