import { fail, gitLabIdProblem, isListToken, isLiteral, show } from './validation';

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

/** The claims STS sets as `gitlab.com:<claim>` condition keys, in a fixed rendering order. */
export const EVALUATED_CLAIMS = [
  'namespace_id', 'pipeline_source', 'project_id', 'ref_protected', 'runner_environment',
  'user_access_level', 'user_email', 'user_id', 'user_login',
] as const;

/** The claims no IAM condition key exists for, with what to use instead. */
const UNEVALUATED_CLAIMS: Record<string, string> = {
  project_path: 'the sub claim (GitLabSubject.project())',
  namespace_path: 'the sub claim (GitLabSubject.group()) or namespaceIds',
  ref: 'the sub claim (branch()/tag())',
  ref_type: 'the sub claim (branch()/tag())',
  ref_path: 'the sub claim (branch()/tag())',
  environment: 'a sub claim layout with environment_protected or deployment_tier',
  environment_protected: 'a sub claim layout with environment_protected',
  deployment_tier: 'a sub claim layout with deployment_tier',
};

/** Claim name to allowed values; an absent claim is unconstrained. */
export type ClaimValues = Map<string, string[]>;

/**
 * The conditions as claim name to allowed values, validated.
 * @param what where the conditions come from, for messages
 */
export function claimValues(conditions: GitLabClaimConditions, what: string): ClaimValues {
  const values: ClaimValues = new Map();
  const set = (claim: string, list: readonly (string | number | boolean)[] | undefined) => {
    if (list === undefined) return;
    if (list.length === 0) fail(`${what}: ${claim} must list at least one value (an empty list admits no job), got: []`);
    // String() keeps a number token resolvable (CDK resolves a stringified number token to its reference).
    const strings = [...new Set(list.map(String))];
    for (const value of strings) {
      // Deploy-time values and lists (a parameter, Fn.split) are judged by IAM alone; a list token is one
      // unresolved element, so it passes here unchanged and intersect() refuses to combine it.
      if (isLiteral(value) && (value.length === 0 || /[*?]|\$\{/.test(value))) {
        fail(`${what}: ${claim} values are compared with StringEquals and must not be empty or contain "*", "?" or "\${", got: ${show(value)}`);
      }
    }
    values.set(claim, previous(claim, strings));
  };
  const previous = (claim: string, list: string[]) => {
    const earlier = values.get(claim);
    return earlier ? intersect(earlier, list, claim, what) : list;
  };
  for (const id of [...conditions.projectIds ?? [], ...conditions.namespaceIds ?? [], ...conditions.userIds ?? []]) {
    const problem = gitLabIdProblem(id);
    if (problem) fail(`${what}: a GitLab ID ${problem}, got: ${show(id)}`);
  }
  set('project_id', conditions.projectIds);
  set('namespace_id', conditions.namespaceIds);
  set('ref_protected', conditions.refProtected === undefined ? undefined : [conditions.refProtected]);
  set('runner_environment', conditions.runnerEnvironment && [conditions.runnerEnvironment.value]);
  set('pipeline_source', conditions.pipelineSources?.map((s) => s.value));
  set('user_access_level', conditions.userAccessLevels?.map((l) => l.value));
  set('user_id', conditions.userIds);
  set('user_login', conditions.userLogins);
  set('user_email', conditions.userEmails);
  for (const [claim, list] of Object.entries(conditions.claims ?? {})) {
    if (!(EVALUATED_CLAIMS as readonly string[]).includes(claim)) {
      const instead = UNEVALUATED_CLAIMS[claim];
      fail(`${what}: IAM cannot evaluate a condition on the "${claim}" claim: STS sets no condition key for it, so the condition ` +
        `would never match and the role would be unusable${instead ? `; use ${instead} instead` : ''}. ` +
        `Claims IAM evaluates for gitlab.com: ${EVALUATED_CLAIMS.join(', ')}, got: ${show(claim)}`);
    }
    set(claim, list);
  }
  return values;
}

/** Both constraints on one claim at once: only values both allow. */
function intersect(a: readonly string[], b: readonly string[], claim: string, what: string): string[] {
  if (isListToken(a) || isListToken(b)) {
    // IAM ORs the values of one condition key, and a statement holds each key once: two lists on one claim
    // can only be ANDed by intersecting them, which needs both known at synth time.
    fail(`${what}: two conditions on ${claim} cannot be combined when one is a deploy-time list (its values are unknown until deploy); ` +
      `set ${claim} in one place, got: ${show(a)} and ${show(b)}`);
  }
  const both = a.filter((v) => b.includes(v));
  if (both.length === 0) {
    fail(`${what}: the role's and the subject's conditions on ${claim} have no value in common (${show(a)} and ${show(b)}), so no job could match`);
  }
  return both;
}

/** Two sets of claim constraints, ANDed. */
export function combineClaimValues(role: ClaimValues, subject: ClaimValues, what: string): ClaimValues {
  const combined: ClaimValues = new Map(role);
  for (const [claim, list] of subject) {
    const previous = combined.get(claim);
    combined.set(claim, previous ? intersect(previous, list, claim, what) : list);
  }
  return combined;
}
