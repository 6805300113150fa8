// The .gitlab-ci.yml the library writes, as data, in the manner of cdk-pipelines-github's workflows-model.ts: every
// generated job (gitLabCiJob()'s job, the CI/CD component's, the hosted issuer's keys sync jobs and GitLabCiPipeline's
// jobs) is built as a CiJob and written by one emitter (yaml-file.ts). Keys are GitLab's own, in the order the
// emitter writes them; https://docs.gitlab.com/ci/yaml/ is the reference for each.

/**
 * GitLab's `!reference` tag: the value of another job's key, such as the hidden job's `before_script`, where a job
 * needs lines before it (https://docs.gitlab.com/ci/yaml/yaml_optimization/#reference-tags).
 */
export class YamlReference {
  constructor(public readonly path: readonly string[]) {}
}

/** A value the emitter takes: strings, numbers, booleans, null, references, and lists and maps of them. */
export type YamlValue = string | number | boolean | null | YamlReference | readonly YamlValue[] | { readonly [key: string]: YamlValue | undefined };

/** A map of YAML values, for keys whose shape GitLab defines widely (environment, artifacts). */
export interface YamlMap { readonly [key: string]: YamlValue | undefined }

/** One `needs:` entry. */
export interface CiNeed {
  readonly job: string;
  readonly artifacts?: boolean;
  readonly optional?: boolean;
}

/** One `rules:` entry. */
export interface CiRule {
  readonly if?: string;
  readonly when?: string;
}

/** One `id_tokens:` entry: the token's audience. */
export interface CiIdToken {
  readonly aud: string;
}

/** The `cache:` keyword. */
export interface CiCache {
  readonly key?: string;
  readonly paths?: readonly string[];
  readonly policy?: string;
}

/** A script: its lines, or `!reference` tags to another job's lines. */
export type CiScript = readonly (string | YamlReference)[];

/** One job. */
export interface CiJob {
  readonly stage?: string;
  readonly extends?: string;
  readonly image?: string;
  readonly tags?: readonly string[];
  readonly timeout?: string;
  readonly needs?: readonly CiNeed[];
  readonly rules?: readonly CiRule[];
  readonly allow_failure?: boolean;
  readonly environment?: YamlMap;
  readonly resource_group?: string;
  readonly id_tokens?: { readonly [variable: string]: CiIdToken };
  readonly variables?: { readonly [name: string]: string };
  readonly before_script?: CiScript;
  /** Required for a job that runs; a hidden job (a name starting with `.`) that only lends its scripts has none. */
  readonly script?: CiScript;
  readonly after_script?: CiScript;
  readonly artifacts?: YamlMap;
  readonly interruptible?: boolean;
  readonly cache?: CiCache;
  /** Keywords the user set through `jobSettings.rawKeys` (validate.ts allows a few, none of the keys above), written last. */
  readonly raw?: YamlMap;
}

/**
 * The keywords the library writes into a job, in the order the emitter writes them: a `Record` over the model's keys,
 * so the compiler fails when the model gains a key this list lacks. `rawKeys` may set none of them (validate.ts).
 */
const WRITTEN: Record<Exclude<keyof CiJob, 'raw'>, true> = {
  stage: true,
  extends: true,
  image: true,
  tags: true,
  timeout: true,
  needs: true,
  rules: true,
  allow_failure: true,
  environment: true,
  resource_group: true,
  id_tokens: true,
  variables: true,
  before_script: true,
  script: true,
  after_script: true,
  artifacts: true,
  interruptible: true,
  cache: true,
};
export const CI_JOB_KEYS = Object.keys(WRITTEN) as readonly (keyof typeof WRITTEN)[];

/** A whole file: header comments, the global keywords, then the jobs in order. */
export interface CiDocument {
  readonly comments?: readonly string[];
  readonly stages?: readonly string[];
  readonly workflow?: { readonly rules: readonly CiRule[] };
  readonly jobs: readonly CiNamedJob[];
}

/** A job under its name: the document keeps the order jobs are given in. */
export interface CiNamedJob {
  readonly name: string;
  readonly job: CiJob;
}
