import { Annotations, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { distinctSubjects, trustConditions } from './conditions';
import { IGitLabOidcProvider } from './provider';
import { GitLabRunnerRoleProps } from './role-props';
import { GitLabSubject } from './subject';
import { fail, isLiteral, show, validateAudience } from './validation';

/**
 * An IAM role that GitLab CI/CD jobs assume with their ID token (`sts:AssumeRoleWithWebIdentity`).
 *
 * The trust policy admits exactly the jobs the subjects describe, through one statement:
 * the provider as federated principal, the audience under `StringEquals` and the subjects on
 * `sub` under one operator (`StringEquals`, or `StringLike` when any subject is a pattern).
 *
 * Grant the role permissions as any other `iam.Role`.
 */
export class GitLabRunnerRole extends iam.Role {
  /**
   * The provider the role trusts.
   */
  public readonly provider: IGitLabOidcProvider;

  /**
   * The audience (`aud`) jobs must request in their `id_tokens` entry.
   */
  public readonly audience: string;

  /**
   * The subjects the trust policy admits, without duplicates, in the order they are rendered.
   */
  public readonly subjects: GitLabSubject[];

  /**
   * @param scope the construct scope
   * @param id the construct ID
   * @param props the provider and subjects to trust, and any `iam.RoleProps` field but `assumedBy`
   */
  constructor(scope: Construct, id: string, props: GitLabRunnerRoleProps) {
    const { provider, subjects, audience: requestedAudience, ...roleProps } = props;
    const audience = requestedAudience ?? provider.audiences[0];
    validateTrust(scope, provider, audience, subjects);
    const distinct = distinctSubjects(subjects);
    const trust = trustConditions(provider.conditionKeyPrefix, audience, distinct);

    super(scope, id, { ...roleProps, assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, trust) });

    this.provider = provider;
    this.audience = audience;
    this.subjects = distinct;
    for (const subject of this.subjects) warnIfAnyRef(this, subject);
  }
}

/** Checks the trust settings before the role exists, so no broken trust policy is ever rendered. */
function validateTrust(scope: Construct, provider: IGitLabOidcProvider, audience: string, subjects: readonly GitLabSubject[]): void {
  if (!isLiteral(provider.conditionKeyPrefix)) {
    fail('GitLabRunnerRole needs a provider with a literal issuer URL: IAM condition keys ("gitlab.com:sub") cannot hold CloudFormation references', scope);
  }
  if (subjects.length === 0) {
    fail('GitLabRunnerRole needs at least one subject: with none, no job could assume it, got: []', scope);
  }
  validateAudience(audience, scope);
  if (isLiteral(audience) && provider.audiences.every(isLiteral) && !provider.audiences.includes(audience)) {
    fail(`GitLabRunnerRole audience must be one of the provider's client IDs ${show(provider.audiences)}, ` +
        `or STS rejects every token with "Incorrect token audience", got: ${show(audience)}`, scope);
  }
}

/**
 * A subject whose ref part is a bare `*` (any branch, any tag, any ref) lets anyone who can push a
 * branch or tag to the project assume the role: legal, but worth a conscious decision.
 */
function warnIfAnyRef(role: GitLabRunnerRole, subject: GitLabSubject): void {
  if (isLiteral(subject.sub) && /(?:^project_path:[^:]*\*|:\*)$/.test(subject.sub)) {
    Annotations.of(role).addWarningV2('cdk-gitlab-oidc:anyRef',
      `subject ${show(subject.sub)} admits jobs of any branch or tag: anyone who can push one to the project can assume this role. ` +
      'Prefer named branches or tags, or acknowledge this warning.');
  }
}
