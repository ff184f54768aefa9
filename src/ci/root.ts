/**
 * The root `.gitlab-ci.yml`: a generator job that writes one child pipeline per project (as an
 * artifact), one trigger job per project whose `rules:changes` select it only when that project's
 * files change, the scheduled `sync`, and releases on tags.
 */
import { CHILD_DIR, TEMPLATE_FILE, has, type CiDocument, type CiInput } from "./model.js";
import { includeOf } from "./child.js";
import { childFile, GENERATE_JOB, SYNC_JOB, triggerJob } from "./names.js";

const IS_SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"';
/** Tags our own releases create (`<p>-<v>-lts.<YYYYMMDD>`) must not start another release. */
const RELEASE_TAG = "$CI_COMMIT_TAG =~ /-lts\\.[0-9]{8}$/";

/** The paths whose change rebuilds a project: its own files plus what every project shares. */
export function changePaths(project: string): string[] {
  return [`projects/${project}/**/*`, `patches/${project}/**/*`, `vex/${project}/**/*`, "mailknight.yaml", ".mailknight.yml"];
}

export function projectRules(input: CiInput, project: string): CiDocument[] {
  const paths = changePaths(project);
  return [
    { if: IS_SCHEDULE, when: "never" },
    { if: "$CI_COMMIT_TAG" },
    // Merge requests compare with their target branch by themselves.
    { if: '$CI_PIPELINE_SOURCE == "merge_request_event"', changes: paths },
    // The default branch: what this push changed.
    { if: "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH", changes: paths },
    // Other branches: everything the branch changed since it left the default branch, so a
    // second push to a branch still builds what its first push changed.
    { if: "$CI_COMMIT_BRANCH", changes: { paths, compare_to: `refs/heads/${input.defaultBranch}` } },
  ];
}

/** The flags this file was generated with, so the generator job checks and regenerates alike. */
export function generateFlags(input: CiInput): string {
  const flags: string[] = [];
  const t = input.template;
  if (t.kind === "project") flags.push(`--template-project ${t.project}`, `--template-ref ${t.ref}`, `--template-file ${t.file}`);
  else if (t.file !== TEMPLATE_FILE) flags.push(`--template-file ${t.file}`);
  if (input.defaultBranch !== "main") flags.push(`--default-branch ${input.defaultBranch}`);
  return flags.map((f) => ` ${f}`).join("");
}

export function rootDocument(input: CiInput): CiDocument {
  const doc: CiDocument = {
    include: includeOf(input.template),
    workflow: {
      rules: [
        { if: RELEASE_TAG, when: "never" },
        { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
        // A branch with an open merge request runs as the merge request pipeline, not twice.
        { if: "$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS", when: "never" },
        { if: "$CI_COMMIT_BRANCH" },
        { if: "$CI_COMMIT_TAG" },
      ],
    },
  };
  if (has(input, "sync")) {
    doc[SYNC_JOB] = {
      extends: ".mk-job",
      interruptible: false,
      // sync pushes branches and opens merge requests (GITLAB_TOKEN, see `mailknight sync --help`).
      rules: [{ if: IS_SCHEDULE }],
      script: ["$MK_CLI sync"],
    };
  }
  doc[GENERATE_JOB] = {
    extends: ".mk-job",
    rules: [{ if: IS_SCHEDULE, when: "never" }, { when: "on_success" }],
    script: [
      // A stale committed pipeline fails here, before anything runs from it.
      `$MK_CLI ci check${generateFlags(input)}`,
      ...input.projects.map((p) => `$MK_CLI ci generate${generateFlags(input)} --child ${p.name}`),
    ],
    artifacts: { paths: [`${CHILD_DIR}/`], expire_in: "1 week" },
  };
  for (const p of input.projects) {
    doc[triggerJob(p.name)] = {
      needs: [{ job: GENERATE_JOB, artifacts: true }],
      rules: projectRules(input, p.name),
      trigger: { include: [{ artifact: childFile(CHILD_DIR, p.name), job: GENERATE_JOB }], strategy: "depend" },
    };
  }
  return doc;
}
