import { Annotations, Fn, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GitLabCiJobOptions, renderCiJob } from './ci-job';
import { IGitLabOidcProvider } from './provider';
import { GitLabRunnerRoleProps } from './role-props';
import { GitLabSubject } from './subject';
import { longestProviderArn, planTrust, plannedTrustPolicySize, TrustStatement, trustPolicySize } from './trust-policy';
import { AWS_ACCOUNT_ID, AWS_REGION, DEFAULT_SESSION_SECONDS, fail, isListToken, isLiteral, isLiteralNumber, show, validateAudience } from './validation';

/** IAM's default "Role trust policy length" quota, and the most it can be raised to. */
const DEFAULT_TRUST_POLICY_LIMIT = 2048;
const MAX_TRUST_POLICY_LIMIT = 8192;

/**
 * Options for `GitLabRunnerRole.allowCdkDeployments()`.
 */
export interface GitLabCdkDeploymentOptions {
  /**
   * The bootstrap qualifier of the target environments (`cdk bootstrap --qualifier`).
   *
   * @default 'hnb659fds' (the CDK default)
   */
  readonly qualifier?: string;

  /**
   * The accounts the pipeline deploys to.
   *
   * @default - the role's own account
   */
  readonly accounts?: string[];

  /**
   * The regions the pipeline deploys to.
   *
   * @default - the role's own region
   */
  readonly regions?: string[];
}

/**
 * An IAM role that GitLab CI/CD jobs assume with their ID token (`sts:AssumeRoleWithWebIdentity`).
 *
 * The trust policy admits exactly the jobs the subjects describe: the provider as federated
 * principal, the audience under `StringEquals`, exact subjects on `sub` under `StringEquals` and
 * patterns under `StringLike`, each kind in a statement of its own. Subjects with claim conditions of
 * their own get statements of their own. Its size is checked against IAM's quota at synth time.
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
   * The subjects the trust policy admits, without duplicates and without subjects another subject
   * already covers, in the order they are rendered.
   */
  public readonly subjects: GitLabSubject[];

  /**
   * The account's trust policy length quota the role is checked against.
   */
  public readonly trustPolicySizeLimit: number;

  /** The planned trust statements, from which the policy's size follows while it holds only them. */
  private readonly trustStatements: readonly TrustStatement[];

  /** The policy allowCdkDeployments() adds statements to, created on first use. */
  private cdkDeploymentPolicy?: iam.ManagedPolicy;

  /** The longest session the role allows, for the CI job's `--duration-seconds`. */
  private readonly maxSessionSeconds: number;

  /**
   * @param scope the construct scope
   * @param id the construct ID
   * @param props the provider and subjects to trust, and any `iam.RoleProps` field but `assumedBy`
   */
  constructor(scope: Construct, id: string, props: GitLabRunnerRoleProps) {
    const { provider, subjects, audience: requestedAudience, claimConditions, trustPolicySizeLimit, ...roleProps } = props;
    // The props leave these out; JavaScript callers can still pass them, and iam.Role would apply them.
    for (const field of ['assumedBy', 'externalIds', 'externalId']) {
      if ((roleProps as Record<string, unknown>)[field] !== undefined) {
        fail(`GitLabRunnerRole does not take ${field}: ${field === 'assumedBy' ? 'the role builds its trust policy from the subjects'
          : 'AssumeRoleWithWebIdentity carries no external ID, so an sts:ExternalId condition would deny every job'}, got: ` +
          `${show((roleProps as Record<string, unknown>)[field])}`, scope);
      }
    }
    // A deploy-time list of audiences is read with Fn::Select: its encoded element is no string.
    const audience = requestedAudience ?? (isListToken(provider.audiences) ? Fn.select(0, provider.audiences) : provider.audiences[0]);
    validateTrust(scope, provider, audience, subjects);
    const limit = trustPolicySizeLimit ?? DEFAULT_TRUST_POLICY_LIMIT;
    if (isLiteralNumber(limit) && (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRUST_POLICY_LIMIT)) {
      fail(`trustPolicySizeLimit must be a whole number of characters up to IAM's maximum quota of ${MAX_TRUST_POLICY_LIMIT}, got: ${limit}`, scope);
    }
    const plan = planTrust(provider.conditionKeyPrefix, audience, subjects, claimConditions);
    const [first, ...others] = plan.statements;

    // iam.Role compares maxSessionDuration with its limits even when it is a deploy-time value (and then
    // rejects the number that encodes the token), so such a value goes to the resource directly.
    const sessionSeconds = roleProps.maxSessionDuration?.toSeconds();
    // Stryker disable next-line ConditionalExpression: a shortcut; an absent duration is no token either
    const deployTimeSession = sessionSeconds !== undefined && !isLiteralNumber(sessionSeconds);
    super(scope, id, {
      ...roleProps,
      maxSessionDuration: deployTimeSession ? undefined : roleProps.maxSessionDuration,
      assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, first.conditions),
    });
    // Stryker disable next-line ConditionalExpression: writing a literal (or no) duration again renders the same resource
    if (deployTimeSession) (this.node.defaultChild as iam.CfnRole).maxSessionDuration = sessionSeconds;

    for (const statement of others) {
      this.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
        principals: [new iam.WebIdentityPrincipal(provider.oidcProviderArn)],
        actions: ['sts:AssumeRoleWithWebIdentity'],
        conditions: statement.conditions,
      }));
    }
    this.provider = provider;
    this.audience = audience;
    this.subjects = plan.statements.flatMap((s) => s.subjects);
    this.trustPolicySizeLimit = limit;
    this.maxSessionSeconds = sessionSeconds ?? DEFAULT_SESSION_SECONDS;
    this.trustStatements = plan.statements;

    for (const { subject, by } of plan.covered) {
      Annotations.of(this).addInfo(`subject ${show(subject.sub)} is left out: ${show(by.sub)} already admits every job it admits.`);
    }
    for (const statement of plan.statements) {
      // A protected-ref condition keeps "any branch" to the branches maintainers control.
      const protectedRefs = statement.claims.get('ref_protected')?.join() === 'true';
      for (const subject of statement.subjects) {
        if (!protectedRefs) warnIfAnyRef(this, subject);
        warnIfDeployTimePattern(this, subject);
        warnIfProjectWildcard(this, subject);
      }
    }
    this.node.addValidation({ validate: () => this.validateTrustPolicySize() });
  }

  /**
   * The trust policy's length as IAM counts it (no white space), with every token at the longest
   * value it could take (the longest partition name, a 12-digit account). Compare it with
   * `trustPolicySizeLimit`; synth fails when it is over.
   */
  public trustPolicySize(): number {
    const federated = longestProviderArn(this.provider.oidcProviderArn, this.provider.conditionKeyPrefix);
    // While the policy holds just the planned statements (no role prop adds a condition to them: the
    // props leave externalIds out), its size follows from the plan, which saves a resolve per role
    // (about 10% of synth time at 400 roles). test/trust-policy-size.test.ts proves both ways equal to the
    // rendered policy, with every role prop and the minimizePolicies feature flag.
    // Stryker disable next-line ConditionalExpression,BlockStatement: the fast path and the resolved document give equal sizes (test/trust-policy-size)
    if (this.assumeRolePolicy!.statementCount === this.trustStatements.length) {
      const planned = plannedTrustPolicySize(this.trustStatements, federated);
      // Stryker disable next-line ConditionalExpression: likewise
      if (planned !== undefined) return planned;
    }
    // Otherwise the document as CloudFormation receives it: every statement, however it was added,
    // after any minimization the app's feature flags apply.
    const document = Stack.of(this).resolve(this.assumeRolePolicy);
    return trustPolicySize(document, federated.length);
  }

  /**
   * The `.gitlab-ci.yml` job that assumes this role: an `id_tokens` entry with the role's audience,
   * the role's ARN, and the token handed to the AWS CLI and SDKs. Print it, or emit it as a stack
   * output, where the role's ARN resolves.
   *
   * The job stops before its script when it gets no credentials, never uses the runner's own AWS
   * credentials, and leaves no copy of the token behind. Its options must be literals, or deploy-time
   * values that cannot change its YAML (pseudo parameters, Number parameters).
   * @param options the job's name, script and how it gets credentials
   */
  public gitLabCiJob(options: GitLabCiJobOptions = {}): string {
    const stack = Stack.of(this);
    return renderCiJob({
      roleArn: this.roleArn,
      audience: this.audience,
      region: isLiteral(stack.region) ? stack.region : undefined,
      maxSessionSeconds: this.maxSessionSeconds,
    }, options, this);
  }

  /**
   * Lets the role deploy CDK apps: assume the CDK bootstrap roles (deploy, file and image publishing,
   * lookup) of the given environments, which is what `cdk deploy` does. The bootstrap roles hold the
   * deployment permissions; this role only needs to assume them.
   * @param options the bootstrap qualifier, accounts and regions
   */
  public allowCdkDeployments(options: GitLabCdkDeploymentOptions = {}): void {
    const stack = Stack.of(this);
    const qualifier = options.qualifier ?? 'hnb659fds';
    const accounts = options.accounts ?? [stack.account];
    const regions = options.regions ?? [stack.region];
    if (isLiteral(qualifier) && !/^[A-Za-z0-9_-]{1,10}$/.test(qualifier)) {
      fail(`CDK bootstrap qualifier must be 1 to 10 letters, digits, "_" or "-" (cdk bootstrap --qualifier), got: ${show(qualifier)}`, this);
    }
    for (const [name, list] of [['accounts', accounts], ['regions', regions]] as const) {
      // Each bootstrap role ARN is written out at synth time, one per account and region, and CloudFormation
      // cannot build such ARNs from a list of unknown length (Fn::Join takes only a literal separator).
      if (isListToken(list)) {
        fail(`allowCdkDeployments needs ${name} as a list written in the app (each element may be a deploy-time value): ` +
          `a deploy-time list cannot be expanded into one bootstrap role ARN per account and region, got: ${show(list)}`, this);
      }
    }
    if (accounts.length === 0) fail('allowCdkDeployments needs at least one account, got: []', this);
    if (regions.length === 0) fail('allowCdkDeployments needs at least one region, got: []', this);
    for (const account of accounts) {
      if (isLiteral(account) && !AWS_ACCOUNT_ID.test(account)) fail(`an AWS account ID is 12 digits, got: ${show(account)}`, this);
    }
    for (const region of regions) {
      if (isLiteral(region) && !AWS_REGION.test(region)) fail(`not an AWS region name, got: ${show(region)}`, this);
    }
    const resources = accounts.flatMap((account) => regions.flatMap((region) =>
      ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((kind) =>
        `arn:${stack.partition}:iam::${account}:role/cdk-${qualifier}-${kind}-role-${account}-${region}`)));
    // A customer managed policy rather than the role's inline one: compliance packs flag inline policies.
    this.cdkDeploymentPolicy ??= new iam.ManagedPolicy(this, 'CdkDeployments', {
      description: 'Lets GitLab CI/CD jobs run cdk deploy: assume the CDK bootstrap roles',
      roles: [this],
    });
    this.cdkDeploymentPolicy.addStatements(new iam.PolicyStatement({
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resources,
    }));
  }

  private validateTrustPolicySize(): string[] {
    const size = this.trustPolicySize();
    if (!isLiteralNumber(this.trustPolicySizeLimit) || size <= this.trustPolicySizeLimit) return [];
    return [
      `trust policy is ${size} characters, over the limit of ${this.trustPolicySizeLimit} (${this.subjects.length} subjects); ` +
      'IAM would reject it at deploy with "Cannot exceed quota for ACLSizePerRole". Cover projects with a group subject ' +
      '(GitLabSubject.group()), split the subjects over several roles, or raise the account\'s "Role trust policy length" ' +
      `quota (up to ${MAX_TRUST_POLICY_LIMIT}) and set trustPolicySizeLimit.`,
    ];
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
  // STS finds the token's provider in the account of the role being assumed (the role's trust policy
  // names it, but is not where STS looks), so a provider of another account can never admit a job.
  const providerAccount = provider.env.account;
  const roleAccount = Stack.of(scope).account;
  if (providerAccount && isLiteral(providerAccount) && isLiteral(roleAccount) && providerAccount !== roleAccount) {
    fail(`GitLabRunnerRole must trust a provider in its own account ${roleAccount}: STS looks the provider up in the role's account, ` +
      `so no job could assume it, got: a provider in account ${providerAccount}`, scope);
  }
  validateAudience(audience, scope);
  if (isLiteral(audience) && !isListToken(provider.audiences) && provider.audiences.every(isLiteral) && !provider.audiences.includes(audience)) {
    fail(`GitLabRunnerRole audience must be one of the provider's client IDs ${show(provider.audiences)}, ` +
      `or STS rejects every token with "Incorrect token audience", got: ${show(audience)}`, scope);
  }
}

/**
 * A subject that admits any branch or tag name (`anyBranch()`, `branch('**')`, a layout without `ref`,
 * a raw pattern whose ref is a wildcard) lets anyone who can push a
 * branch or tag to the project assume the role: legal, but worth a conscious decision.
 */
function warnIfAnyRef(role: GitLabRunnerRole, subject: GitLabSubject): void {
  if (subject._scope.anyRef && !subject._scope.protectedOnly) {
    Annotations.of(role).addWarningV2('cdk-gitlab-oidc:anyRef',
      `subject ${show(subject.sub)} admits jobs of any branch or tag: anyone who can push one to the project can assume this role. ` +
      'Prefer named branches or tags, require protected refs (claimConditions.refProtected), or acknowledge this warning.');
  }
}

/**
 * A pattern subject (matched with `StringLike`) that holds a deploy-time value: IAM would read a `*` or
 * `?` in that value as a wildcard, and no synth-time check can see it.
 */
function warnIfDeployTimePattern(role: GitLabRunnerRole, subject: GitLabSubject): void {
  if (subject.isPattern && !isLiteral(subject.sub)) {
    Annotations.of(role).addWarningV2('cdk-gitlab-oidc:deployTimeValueInPattern',
      `subject ${show(subject.sub)} is a pattern (StringLike) that holds a deploy-time value: a "*" or "?" in that value would ` +
      'widen it to other projects or refs. Make sure the parameter or import can only hold a GitLab path, ID or ref name ' +
      '(e.g. an allowedPattern on the parameter), or acknowledge this warning.');
  }
}

/** A raw subject that opted into a project pattern (`allowProjectWildcards`) admits projects it does not name. */
function warnIfProjectWildcard(role: GitLabRunnerRole, subject: GitLabSubject): void {
  if (subject._scope.projectWildcard) {
    Annotations.of(role).addWarningV2('cdk-gitlab-oidc:projectWildcard',
      `subject ${show(subject.sub)} admits every project whose path matches its pattern, including projects created later ` +
      'in the group by anyone allowed to. Prefer GitLabSubject.project() for each project, or acknowledge this warning.');
  }
}
