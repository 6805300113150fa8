import { fail, show } from './private/errors';
import { Explanation } from './private/explain/explain';
import { renderJson, renderText } from './private/explain/render';
import { decodeJwtClaims, parseClaimsJson } from './private/explain/token-claims';
import { refNameProblem } from './private/rules/git-refs';
import { gitLabPathProblem } from './private/rules/gitlab-paths';
import { GITLAB_COM } from './private/rules/iam-limits';
import { renderSub } from './private/rules/sub-claim';
import { holdsNoToken } from './private/tokens';
import { GitLabDeploymentTier, GitLabSubClaimComponent, GitLabSubClaimLayout } from './sub-claim';

/**
 * The verdict of an explanation: what STS would answer the job.
 */
export enum GitLabTrustVerdict {
  /** STS would hand the job credentials. */
  ALLOWED = 'ALLOWED',
  /** STS would refuse the job (`Not authorized to perform sts:AssumeRoleWithWebIdentity`, or an invalid token). */
  DENIED = 'DENIED',
  /** The verdict depends on values the policy takes at deployment (parameters, imports). */
  UNDETERMINED = 'UNDETERMINED',
}

/**
 * A job as GitLab describes it in its ID token, for `GitLabTokenClaims.forJob()`.
 */
export interface GitLabJobTokenOptions {
  /** The project's full path, in its canonical case: `mygroup/myproject`. */
  readonly projectPath: string;

  /**
   * The project's numeric ID (the `project_id` claim).
   * @default - no project_id claim; required when the sub layout has project_id
   */
  readonly projectId?: number;

  /**
   * The branch the job runs for. Give `branch` or `tag`, not both.
   * @default - `main`, unless `tag` is given
   */
  readonly branch?: string;

  /**
   * The tag the job runs for. Give `branch` or `tag`, not both.
   * @default - the job runs for a branch
   */
  readonly tag?: string;

  /**
   * Whether the branch or tag is protected (the `ref_protected` claim).
   * @default false
   */
  readonly refProtected?: boolean;

  /**
   * The project's sub claim layout (`ci_id_token_sub_claim_components`).
   * @default GitLabSubClaimLayout.DEFAULT
   */
  readonly subClaimLayout?: GitLabSubClaimLayout;

  /**
   * Whether the job's environment is protected (the `environment_protected` claim).
   * @default - the job has no environment
   */
  readonly environmentProtected?: boolean;

  /**
   * The deployment tier of the job's environment (the `deployment_tier` claim).
   * @default - the job has no environment
   */
  readonly deploymentTier?: GitLabDeploymentTier;

  /**
   * The instance's issuer URL (the `iss` claim).
   * @default 'https://gitlab.com'
   */
  readonly issuer?: string;

  /**
   * The audience the job requests in its `id_tokens` entry (the `aud` claim).
   * @default - the issuer URL
   */
  readonly audience?: string;

  /**
   * More claims, by name: `pipeline_source`, `namespace_id`, `user_login`...
   * @default - none
   */
  readonly claims?: { [name: string]: string };
}

/**
 * The claims of a GitLab ID token: what STS reads from it when a job asks for credentials.
 *
 * Build them for a job you describe (`forJob`), or read them from a token (`fromJwt`) or from its
 * decoded claims (`fromJson`). Nothing is verified: the claims are what the job would present.
 */
export class GitLabTokenClaims {
  /**
   * The claims GitLab puts in the ID token of a job, with the `sub` claim in the project's layout.
   * @param options the project, ref and audience of the job
   */
  public static forJob(options: GitLabJobTokenOptions): GitLabTokenClaims {
    const values: [string, unknown][] = [
      ['projectPath', options.projectPath], ['projectId', options.projectId], ['branch', options.branch], ['tag', options.tag],
      ['deploymentTier', options.deploymentTier?.value], ['issuer', options.issuer], ['audience', options.audience], ['claims', options.claims],
    ];
    for (const [name, value] of values) requireLiteral(value, name);
    const pathProblem = gitLabPathProblem(options.projectPath, 'project');
    if (pathProblem) fail(`projectPath ${pathProblem}, got: ${show(options.projectPath)}`);
    if (options.branch !== undefined && options.tag !== undefined) {
      fail(`a job runs for a branch or a tag, not both, got: branch ${show(options.branch)} and tag ${show(options.tag)}`);
    }
    const refType = options.tag !== undefined ? 'tag' : 'branch';
    const ref = options.tag ?? options.branch ?? 'main';
    const refProblem = refNameProblem(ref);
    if (refProblem) fail(`${refType} name ${refProblem}, got: ${show(ref)}`);
    const layout = options.subClaimLayout ?? GitLabSubClaimLayout.DEFAULT;
    if (layout.includes(GitLabSubClaimComponent.PROJECT_ID) && options.projectId === undefined) {
      fail('projectId is needed: the sub claim layout starts with project_id, got: no projectId');
    }
    const issuer = options.issuer ?? GITLAB_COM;
    const claims: Record<string, string> = {
      ...options.claims,
      iss: issuer,
      aud: options.audience ?? issuer,
      project_path: options.projectPath,
      namespace_path: options.projectPath.slice(0, options.projectPath.lastIndexOf('/')),
      ref_type: refType,
      ref,
      ref_path: `refs/${refType === 'tag' ? 'tags' : 'heads'}/${ref}`,
      ref_protected: String(options.refProtected ?? false),
    };
    if (options.projectId !== undefined) claims.project_id = String(options.projectId);
    if (options.environmentProtected !== undefined) claims.environment_protected = String(options.environmentProtected);
    if (options.deploymentTier !== undefined) claims.deployment_tier = options.deploymentTier.value;
    // GitLab leaves out components without a value.
    claims.sub = renderSub(layout.components.filter((name) => claims[name] !== undefined).map((name) => ({ name, value: claims[name] })));
    return new GitLabTokenClaims(claims);
  }

  /**
   * The claims of an ID token, decoded without verifying its signature. The token is not kept.
   * @param token the JWT, as the job's `id_tokens` variable holds it
   */
  public static fromJwt(token: string): GitLabTokenClaims {
    requireLiteral(token, 'token');
    return new GitLabTokenClaims(decodeJwtClaims(token));
  }

  /**
   * Decoded claims, as a JSON object: `{"iss": "https://gitlab.com", "aud": "...", "sub": "..."}`.
   * @param json the claims as JSON text
   */
  public static fromJson(json: string): GitLabTokenClaims {
    requireLiteral(json, 'json');
    try {
      return new GitLabTokenClaims(parseClaimsJson(json));
    } catch (e) {
      return fail(`GitLabTokenClaims.fromJson: ${(e as Error).message}`);
    }
  }

  private constructor(
    /** The claims, by name. */
    public readonly claims: { [name: string]: any },
  ) {}

  /** The `sub` claim, if the token has one. */
  public get sub(): string | undefined {
    return typeof this.claims.sub === 'string' ? this.claims.sub : undefined;
  }
}

/** Claims are one job's concrete values: a deploy-time value would be compared as its token text. */
function requireLiteral(value: unknown, name: string): void {
  if (!holdsNoToken(value)) fail(`token claims hold one job's values: ${name} must be a literal, not a deploy-time value, got: ${show(value)}`);
}

/**
 * Why STS would admit or refuse a job: each statement of the role's trust policy, each condition with
 * the token's value beside the policy's, and the likely causes of a refusal in plain words.
 */
export class GitLabTrustExplanation {
  /** @internal */
  public static _create(role: string, explanation: Explanation, claims: GitLabTokenClaims): GitLabTrustExplanation {
    return new GitLabTrustExplanation(role, explanation, claims);
  }

  /** What STS would answer. */
  public readonly verdict: GitLabTrustVerdict;

  /** The likely causes of a refusal, most specific first; empty when allowed. */
  public readonly causes: string[];

  /**
   * The statement and subject that admitted the job.
   * @default - not allowed
   */
  public readonly admittedBy?: string;

  /** The explanation as text, as `npx cdk-gitlab-oidc explain` prints it. */
  public readonly report: string;

  private readonly json: string;

  private constructor(role: string, explanation: Explanation, claims: GitLabTokenClaims) {
    const verdicts = { allowed: GitLabTrustVerdict.ALLOWED, denied: GitLabTrustVerdict.DENIED, undetermined: GitLabTrustVerdict.UNDETERMINED };
    this.verdict = verdicts[explanation.decision];
    this.causes = this.verdict === GitLabTrustVerdict.ALLOWED ? [] : [...explanation.causes];
    this.admittedBy = explanation.admittedBy;
    this.report = renderText(role, explanation, claims.claims);
    this.json = JSON.stringify(renderJson(role, explanation, claims.claims), undefined, 2);
  }

  /** The explanation as JSON text, as `npx cdk-gitlab-oidc explain --json` prints it. */
  public toJsonString(): string {
    return this.json;
  }

  /** The report. */
  public toString(): string {
    return this.report;
  }
}

/**
 * Options of `GitLabRunnerRole.explain()`.
 */
export interface GitLabExplainOptions {
  /**
   * The time to judge the token's `exp` and `nbf` at.
   * @default - the token's lifetime is not checked
   */
  readonly at?: Date;
}
