import { IConstruct } from 'constructs';
import { fail, show } from '../private/errors';
import { CiJobRole } from '../private/job/ci-job';
import { DEFAULT_SESSION_SECONDS, IAM_ROLE_ARN, validateRegion } from '../private/rules/aws';
import { GITLAB_COM } from '../private/rules/iam-limits';
import { isLiteral } from '../private/tokens';
import { GitLabRunnerRole } from '../role';

/**
 * Options for `GitLabPipelineRole.fromRole()`.
 */
export interface GitLabPipelineRoleOptions {
  /**
   * Lets the pipeline use a role whose trust admits jobs of unprotected branches. On gitlab.com the
   * pipeline refuses such a role by default: a Developer's push to any unprotected branch named like the
   * deploy branch, or a fork's merge request run in the project, could then obtain its credentials. Require
   * `claimConditions: { refProtected: true }` on the role instead; opt out only for a role that deploys
   * nothing of value (a sandbox account).
   *
   * @default false
   */
  readonly allowUnprotectedRefs?: boolean;
}

/**
 * Options for `GitLabPipelineRole.fromRoleArn()`.
 */
export interface GitLabPipelineRoleArnOptions {
  /**
   * The audience (`aud`) the role's trust policy expects, which the jobs request in `id_tokens`. Each role
   * a pipeline uses needs an audience of its own, so that one stage's token opens no other stage's role.
   *
   * @default 'https://gitlab.com'
   */
  readonly audience?: string;

  /**
   * The AWS region the jobs' AWS clients use for STS (`AWS_REGION`). The CDK CLI deploys each stack to
   * its own region whatever this is.
   *
   * @default - none: the AWS clients' default
   */
  readonly region?: string;
}

/**
 * The IAM role the jobs of a `GitLabCiPipeline` assume through the OIDC exchange: a `GitLabRunnerRole` of
 * the app, or any role by its ARN. The pipeline file holds the ARN as a literal.
 */
export class GitLabPipelineRole {
  /**
   * A role of this app. Its ARN is written into the pipeline file, so the role needs a literal `roleName`
   * and its stack a literal account and region. The job prints what the role's trust policy expects when
   * the exchange fails, and the explain command finds the role by its construct path.
   *
   * Deploy the role's stack before the pipeline's first run (it is how the pipeline gets in), and give it
   * `allowCdkDeployments()` for every account and region the pipeline deploys to.
   *
   * The pipeline judges the role's trust policy at synth with the package's evaluator: it must admit the
   * jobs the pipeline gives it (their branch, audience and environment tier) and, on gitlab.com, only from
   * protected branches (unless `allowUnprotectedRefs`).
   * @param role the role
   * @param options whether the role may admit unprotected branches
   */
  public static fromRole(role: GitLabRunnerRole, options: GitLabPipelineRoleOptions = {}): GitLabPipelineRole {
    return new GitLabPipelineRole(() => role._literalCiJobRole(), role, options.allowUnprotectedRefs ?? false);
  }

  /**
   * A role by its ARN: one made by another app or by hand. Its trust policy must admit the pipeline's jobs
   * (the `sub` of the deploy branch, for example), and it must be allowed to assume the CDK bootstrap roles
   * of the target environments.
   * @param roleArn the role's ARN, a literal
   * @param options the audience its trust policy expects, and the region for STS
   */
  public static fromRoleArn(roleArn: string, options: GitLabPipelineRoleArnOptions = {}): GitLabPipelineRole {
    const audience = options.audience ?? GITLAB_COM;
    return new GitLabPipelineRole((scope) => {
      if (!isLiteral(roleArn) || !IAM_ROLE_ARN.test(roleArn)) {
        fail(`GitLabPipelineRole.fromRoleArn needs the literal ARN of an IAM role (arn:<partition>:iam::<account>:role/<name>), got: ${show(roleArn)}`, scope);
      }
      if (!isLiteral(audience) || audience.length === 0) fail(`GitLabPipelineRole.fromRoleArn needs a literal, non-empty audience, got: ${show(audience)}`, scope);
      if (options.region !== undefined) {
        if (!isLiteral(options.region)) fail(`GitLabPipelineRole.fromRoleArn needs a literal region, got: ${show(options.region)}`, scope);
        validateRegion(options.region, 'region', scope);
      }
      return { roleArn, audience, region: options.region, maxSessionSeconds: DEFAULT_SESSION_SECONDS };
    });
  }

  /**
   * The app's role, whose trust the pipeline judges; undefined for a role known by ARN.
   * @internal
   */
  public readonly _runnerRole?: GitLabRunnerRole;

  /**
   * Whether the role may admit unprotected branches.
   * @internal
   */
  public readonly _allowUnprotectedRefs: boolean;

  private constructor(private readonly resolveRole: (scope: IConstruct) => CiJobRole, runnerRole?: GitLabRunnerRole, allowUnprotectedRefs = false) {
    this._runnerRole = runnerRole;
    this._allowUnprotectedRefs = allowUnprotectedRefs;
  }

  /**
   * The role as the pipeline's jobs use it, checked where the pipeline is built.
   * @internal
   */
  public _jobRole(scope: IConstruct): CiJobRole {
    return this.resolveRole(scope);
  }
}
