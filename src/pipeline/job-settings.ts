import { GitLabPipelineRole } from './pipeline-role';
import { GitLabStageTrigger } from './stage-trigger';
import { GitLabDeploymentTier } from '../sub-claim';

/**
 * When a job may use its cache (`cache:policy`).
 */
export enum GitLabCachePolicy {
  /** Restore the cache before the job and save it after (GitLab's default). */
  PULL_PUSH = 'pull-push',
  /** Only restore the cache: for jobs that read what another job saved. */
  PULL = 'pull',
  /** Only save the cache. */
  PUSH = 'push',
}

/**
 * A job's `cache`.
 */
export interface GitLabJobCache {
  /**
   * The files and folders to cache, relative to the project folder.
   */
  readonly paths: string[];

  /**
   * The cache's key: jobs with the same key share it.
   *
   * @default - GitLab's default key (`default`)
   */
  readonly key?: string;

  /**
   * When the job restores and saves the cache.
   *
   * @default GitLabCachePolicy.PULL_PUSH
   */
  readonly policy?: GitLabCachePolicy;
}

/**
 * Settings of the jobs a `GitLabCiPipeline` writes: for every job, for the jobs of a stage, or for one
 * `GitLabShellStep`. The more specific settings win: a stage's `image` replaces the pipeline's, and
 * `variables` and `rawKeys` are merged key by key.
 */
export interface GitLabJobSettings {
  /**
   * The container image. Jobs that deploy or publish assets need Node.js (they run the CDK CLI and
   * `cdk-assets` with `npx`) and a POSIX shell; the AWS CLI is needed to check the token exchange.
   *
   * @default - the runner's default image
   */
  readonly image?: string;

  /**
   * Runner tags that choose the runners that may take the job.
   *
   * @default - any runner of the project
   */
  readonly tags?: string[];

  /**
   * Extra CI/CD variables of the job. Names are letters, digits and `_`; they must not be names the AWS
   * exchange sets (`AWS_*`) or GitLab's (`CI_*`, `GITLAB_*`).
   *
   * @default - none
   */
  readonly variables?: { [name: string]: string };

  /**
   * The job's cache. A stage's jobs use a cache of their environment's own (the key gets the environment's
   * name appended), so no stage's job can plant files that another stage's deployment restores.
   *
   * @default - no cache
   */
  readonly cache?: GitLabJobCache;

  /**
   * Job keywords the pipeline does not model, written as they are: `timeout`, `retry`, `interruptible`,
   * `services`, `hooks` and `coverage`, and no other (`secrets` is refused: it would send the job's ID token
   * to the secrets manager its variables name). Values are literals: strings, numbers,
   * booleans, lists and maps of them, with no `<<` key. Keys the pipeline writes itself (`script`,
   * `needs`, `rules`, `environment`, `id_tokens`, ...) are refused with the setting to use instead, and
   * keys that would switch a gate off or reorder jobs (`allow_failure`, `when`, `start_in`, `parallel`,
   * ...) with the reason: the check, the approvals and a failed deployment stay blocking.
   *
   * @default - none
   */
  readonly rawKeys?: { [key: string]: any };
}

/**
 * The GitLab environment a stage's jobs belong to.
 */
export interface GitLabEnvironment {
  /**
   * The environment's name: letters, digits, spaces and `-`, `_`, `/`, `.`, not starting or ending with `/`.
   *
   * @default - the stage's name
   */
  readonly name?: string;

  /**
   * The environment's URL, shown in GitLab's environments page.
   *
   * @default - none
   */
  readonly url?: string;

  /**
   * The environment's deployment tier: one of GitLab's five (`GitLabDeploymentTier.PRODUCTION`, ...). It is
   * also the `deployment_tier` claim of the jobs' ID tokens, which a role's subjects can require.
   *
   * @default - GitLab's guess from the name
   */
  readonly deploymentTier?: GitLabDeploymentTier;
}

/**
 * GitLab settings of one stage of a `GitLabCiPipeline`.
 */
export interface GitLabStageSettings {
  /**
   * The role the stage's jobs assume, instead of the pipeline's: for example a production role whose
   * trust policy admits only the protected default branch.
   *
   * @default - the pipeline's role
   */
  readonly role?: GitLabPipelineRole;

  /**
   * The GitLab environment of the stage's jobs.
   *
   * @default - an environment named after the stage
   */
  readonly environment?: GitLabEnvironment;

  /**
   * Settings of the stage's jobs, over the pipeline's.
   *
   * @default - the pipeline's
   */
  readonly jobSettings?: GitLabJobSettings;

  /**
   * The pipelines that deploy the stage, any of them: the deploy branch's, its schedules, its pipelines run by hand,
   * tags matching a pattern. The stage's jobs wait for the jobs before them where those run in the same pipeline
   * (`needs: optional`): a stage deployed from tags does not wait for a stage that only the deploy branch deploys.
   * Steps of a wave run where any of its stages does.
   *
   * @default [GitLabStageTrigger.DEPLOY_BRANCH]
   */
  readonly triggers?: GitLabStageTrigger[];
}
