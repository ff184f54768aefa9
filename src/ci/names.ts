/** Job names, shared by the template, the child pipelines and the tests. */

/** Hidden job of a stage in `.mailknight.yml`; two stages carry the longer names. */
export function hiddenJob(stage: string): string {
  if (stage === "fetch") return ".mk-fetch-source";
  if (stage === "patch") return ".mk-apply-patches";
  return `.mk-${stage}`;
}

/** `<project>@<version>:<stage>`: unique per pipeline, readable in GitLab's graph. */
export function stageJob(project: string, version: string, stage: string): string {
  return `${project}@${version}:${stage}`;
}

export function signJob(project: string, version: string): string {
  return `${project}@${version}:sign`;
}

export function releaseJob(project: string, version: string): string {
  return `${project}@${version}:release`;
}

/** Root pipeline jobs. */
export const GENERATE_JOB = "mk-generate";
export const CHECK_JOB = "mk-ci-check";
export const SYNC_JOB = "mk-sync";
export function triggerJob(project: string): string {
  return `mk-${project}`;
}
export function childFile(childDir: string, project: string): string {
  return `${childDir}/${project}.yml`;
}
