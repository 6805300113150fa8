/**
 * Where a job's runner runs: the `runner_environment` claim.
 */
export class GitLabRunnerEnvironment {
  /** A runner hosted by GitLab (gitlab.com SaaS runners). */
  public static readonly GITLAB_HOSTED = new GitLabRunnerEnvironment('gitlab-hosted');
  /** A runner registered and operated by the project, group or instance. */
  public static readonly SELF_HOSTED = new GitLabRunnerEnvironment('self-hosted');

  /**
   * A value not listed here.
   * @param value the claim value
   */
  public static of(value: string): GitLabRunnerEnvironment {
    return new GitLabRunnerEnvironment(value);
  }

  private constructor(
    /** The claim value. */
    public readonly value: string,
  ) {}
}

/**
 * What started a job's pipeline: the `pipeline_source` claim (`CI_PIPELINE_SOURCE`).
 */
export class GitLabPipelineSource {
  /** A `git push`. */
  public static readonly PUSH = new GitLabPipelineSource('push');
  /** The "Run pipeline" button or API call of a user in the UI. */
  public static readonly WEB = new GitLabPipelineSource('web');
  /** A pipeline schedule. */
  public static readonly SCHEDULE = new GitLabPipelineSource('schedule');
  /** The pipelines API. */
  public static readonly API = new GitLabPipelineSource('api');
  /** A pipeline trigger token. */
  public static readonly TRIGGER = new GitLabPipelineSource('trigger');
  /** A merge request pipeline. */
  public static readonly MERGE_REQUEST_EVENT = new GitLabPipelineSource('merge_request_event');
  /** A multi-project pipeline started by another project's pipeline. */
  public static readonly PIPELINE = new GitLabPipelineSource('pipeline');
  /** A child pipeline. */
  public static readonly PARENT_PIPELINE = new GitLabPipelineSource('parent_pipeline');
  /** An external CI service. */
  public static readonly EXTERNAL = new GitLabPipelineSource('external');
  /** A pull request of an external repository (GitHub). */
  public static readonly EXTERNAL_PULL_REQUEST_EVENT = new GitLabPipelineSource('external_pull_request_event');
  /** A ChatOps command. */
  public static readonly CHAT = new GitLabPipelineSource('chat');
  /** The Web IDE. */
  public static readonly WEBIDE = new GitLabPipelineSource('webide');

  /**
   * A value not listed here.
   * @param value the claim value
   */
  public static of(value: string): GitLabPipelineSource {
    return new GitLabPipelineSource(value);
  }

  private constructor(
    /** The claim value. */
    public readonly value: string,
  ) {}
}

/**
 * The role in the project of the user who ran the job: the `user_access_level` claim.
 */
export class GitLabAccessLevel {
  /** Guest. */
  public static readonly GUEST = new GitLabAccessLevel('guest');
  /** Planner. */
  public static readonly PLANNER = new GitLabAccessLevel('planner');
  /** Reporter. */
  public static readonly REPORTER = new GitLabAccessLevel('reporter');
  /** Developer. */
  public static readonly DEVELOPER = new GitLabAccessLevel('developer');
  /** Maintainer. */
  public static readonly MAINTAINER = new GitLabAccessLevel('maintainer');
  /** Owner. */
  public static readonly OWNER = new GitLabAccessLevel('owner');

  /**
   * A value not listed here.
   * @param value the claim value
   */
  public static of(value: string): GitLabAccessLevel {
    return new GitLabAccessLevel(value);
  }

  private constructor(
    /** The claim value. */
    public readonly value: string,
  ) {}
}

/**
 * Conditions on the extra claims that AWS STS evaluates for tokens from gitlab.com.
 *
 * For the `gitlab.com` provider STS copies nine claims into the request context
 * (`gitlab.com:project_id`, `gitlab.com:ref_protected`, ...; Service Authorization Reference for
 * `sts:AssumeRoleWithWebIdentity`). Self-managed and Dedicated instances get only `sub` and `aud`:
 * a condition on any other key would never match there, so these conditions are refused for any
 * provider but gitlab.com. Every field is ANDed with the subjects; values in one list are ORed.
 */
export interface GitLabClaimConditions {
  /**
   * Only jobs of these project IDs. IDs never change and are never reused: they survive a rename
   * and cannot be taken over by re-registering a deleted project's path.
   *
   * @default - any project the subjects admit
   */
  readonly projectIds?: number[];

  /**
   * Only jobs of projects whose direct namespace (group, subgroup or user) has one of these IDs.
   *
   * @default - any namespace
   */
  readonly namespaceIds?: number[];

  /**
   * `true`: only jobs for protected branches and tags; `false`: only for unprotected ones.
   *
   * @default - protected or not
   */
  readonly refProtected?: boolean;

  /**
   * Only jobs on runners of this kind.
   *
   * @default - any runner
   */
  readonly runnerEnvironment?: GitLabRunnerEnvironment;

  /**
   * Only jobs of pipelines started this way.
   *
   * @default - any pipeline source
   */
  readonly pipelineSources?: GitLabPipelineSource[];

  /**
   * Only jobs run by users with one of these roles in the project.
   *
   * @default - any role
   */
  readonly userAccessLevels?: GitLabAccessLevel[];

  /**
   * Only jobs run by these user IDs.
   *
   * @default - any user
   */
  readonly userIds?: number[];

  /**
   * Only jobs run by these usernames.
   *
   * @default - any user
   */
  readonly userLogins?: string[];

  /**
   * Only jobs run by users with these primary emails.
   *
   * @default - any user
   */
  readonly userEmails?: string[];

  /**
   * Conditions on claims by name, for values computed at run time. Only the nine claims STS evaluates
   * for gitlab.com are accepted; a claim IAM cannot evaluate (`environment`, `ref_path`, `project_path`,
   * ...) is refused, because a condition on it would never match.
   *
   * @default - none
   */
  readonly claims?: { [claim: string]: string[] };
}
