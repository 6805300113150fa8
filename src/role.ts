import { Annotations, FeatureFlags, Stack, aws_iam as iam } from 'aws-cdk-lib';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { Construct, IConstruct } from 'constructs';
import { GitLabCiJobOptions } from './ci-job';
import { GitLabExplainOptions, GitLabTokenClaims, GitLabTrustExplanation } from './explain';
import { GitLabJobsPrincipal } from './principal';
import { fail, show, withPath } from './private/errors';
import { explainToken } from './private/explain/explain';
import { rolePolicy } from './private/explain/role-policy';
import { CiJobRole, renderCiJob } from './private/job/ci-job';
import { ManagedPolicyGrantee } from './private/managed-policy-grantee';
import { longestProviderArnLength, trustPolicySize, trustPolicySizeBound } from './private/policy-size';
import { DEFAULT_SESSION_SECONDS, validateAccount, validateRegion } from './private/rules/aws';
import { DEFAULT_TRUST_POLICY_LIMIT, MAX_TRUST_POLICY_LIMIT, validateTrustPolicySizeLimit } from './private/rules/iam-limits';
import { isListToken, isLiteral, isLiteralNumber } from './private/tokens';
import { trustWarnings } from './private/trust-warnings';
import { warn } from './private/warnings';
import { IGitLabOidcProvider } from './provider';
import { GitLabRunnerRoleProps } from './role-props';
import { GitLabSubject } from './subject';

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

  /**
   * Grant only the lookup role (context lookups at `cdk synth`), not the deploy and publishing roles: for the
   * role of a `GitLabCiPipeline`'s synth job, which every branch runs.
   *
   * @default false
   */
  readonly lookupOnly?: boolean;
}

/**
 * An IAM role that GitLab CI/CD jobs assume with their ID token (`sts:AssumeRoleWithWebIdentity`).
 *
 * The trust policy admits exactly the jobs the subjects describe (a `GitLabJobsPrincipal`: the
 * provider as federated principal, the audience under `StringEquals`, exact subjects on `sub` under
 * `StringEquals` and patterns under `StringLike`, each kind in a statement of its own). Its size is
 * checked against IAM's quota at synth time, and risky subjects are reported as warnings.
 *
 * Grant the role permissions as any other `iam.Role`.
 */
export class GitLabRunnerRole extends iam.Role {
  /**
   * The GitLab jobs the role trusts: its trust policy's principal.
   */
  public readonly jobsPrincipal: GitLabJobsPrincipal;

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

  /** Whether allowCdkDeployments() granted a bootstrap role that deploys or publishes (not only lookups). */
  private deploysWithCdk = false;

  /** The policy allowCdkDeployments() adds statements to, created on first use. */
  private cdkDeploymentPolicy?: iam.ManagedPolicy;

  /** The longest session the role allows, for the CI job's `--duration-seconds`. */
  private readonly maxSessionSeconds: number;

  /** The role's name and path as given, from which a pipeline file writes its ARN. */
  private readonly declaredName?: string;
  private readonly declaredPath?: string;

  /**
   * @param scope the construct scope
   * @param id the construct ID
   * @param props the provider and subjects to trust, and any `iam.RoleProps` field but `assumedBy`
   */
  constructor(scope: Construct, id: string, props: GitLabRunnerRoleProps) {
    const { provider, subjects, audience, claimConditions, trustPolicySizeLimit, ...roleProps } = props;
    refuseTrustFields(roleProps, scope);
    const limit = trustPolicySizeLimit ?? DEFAULT_TRUST_POLICY_LIMIT;
    validateTrustPolicySizeLimit(limit, scope);
    const principal = withPath(scope, () => new GitLabJobsPrincipal({ provider, subjects, audience, claimConditions }));
    validateProviderAccount(provider, scope);

    // iam.Role compares maxSessionDuration with its limits even when it is a deploy-time value (and then
    // rejects the number that encodes the token), so such a value goes to the resource directly.
    const sessionSeconds = roleProps.maxSessionDuration?.toSeconds();
    // Stryker disable next-line ConditionalExpression: a shortcut; an absent duration is no token either
    const deployTimeSession = sessionSeconds !== undefined && !isLiteralNumber(sessionSeconds);
    super(scope, id, {
      ...roleProps,
      maxSessionDuration: deployTimeSession ? undefined : roleProps.maxSessionDuration,
      assumedBy: principal,
    });
    // Stryker disable next-line ConditionalExpression: writing a literal (or no) duration again renders the same resource
    if (deployTimeSession) (this.node.defaultChild as iam.CfnRole).maxSessionDuration = sessionSeconds;

    this.jobsPrincipal = principal;
    this.provider = principal.provider;
    this.audience = principal.audience;
    this.subjects = principal.subjects;
    this.trustPolicySizeLimit = limit;
    this.maxSessionSeconds = sessionSeconds ?? DEFAULT_SESSION_SECONDS;
    this.declaredName = roleProps.roleName;
    this.declaredPath = roleProps.path;

    for (const { subject, by } of principal._plan.covered) {
      Annotations.of(this).addInfo(`subject ${show(subject.sub)} is left out: ${show(by.sub)} already admits every job it admits.`);
    }
    warn(this, trustWarnings(principal._plan));
    this.node.addValidation({ validate: () => this.validateTrustPolicySize() });
  }

  /**
   * The trust policy's length as IAM counts it (no white space), with every token at the longest
   * value it could take (the longest partition name, a 12-digit account). Compare it with
   * `trustPolicySizeLimit`; synth fails when it is over.
   *
   * Measured on the document as CloudFormation receives it: every statement, however it was added,
   * after any minimization the app's feature flags apply.
   */
  public trustPolicySize(): number {
    const policy = this.assumeRolePolicy!;
    // While the policy holds only the principal's statements, with literal conditions, aws-cdk-lib's own
    // rendering of it (toJSON) is the resolved document but for the provider's ARN, which is counted at its
    // longest either way: the resolve, 5 to 8% of synth time at 100 to 2,000 roles (BENCHMARKS.md), is skipped.
    // test/private/policy-size.test.ts proves both equal for every role prop, every API that adds
    // statements, and the minimizePolicies feature flag.
    const document = this.holdsOnlyPlannedStatements() ? policy.toJSON() : Stack.of(this).resolve(policy);
    return trustPolicySize(document, this.longestProviderArnLength());
  }

  /**
   * Whether the trust policy has as many statements as the principal planned, with literal conditions. Without
   * minimizePolicies it then holds those alone; with it, statements added later may have merged into them, which
   * `toJSON()` renders all the same but a bound from the plan does not see.
   */
  private holdsOnlyPlannedStatements(): boolean {
    return this.assumeRolePolicy!.statementCount === this.jobsPrincipal._plan.statements.length && this.jobsPrincipal._literalConditions;
  }

  /** At least the size `trustPolicySize()` gives while the policy holds only the planned statements. */
  private plannedTrustPolicySizeBound(): number {
    return trustPolicySizeBound(this.jobsPrincipal._statementConditions(), this.longestProviderArnLength());
  }

  private longestProviderArnLength(): number {
    return longestProviderArnLength(this.provider.oidcProviderArn, this.provider.conditionKeyPrefix);
  }

  /**
   * Whether STS would let a job with these token claims assume this role, and why not: each statement
   * of the trust policy (every statement, however it was added), each condition with the token's value
   * beside the policy's, and the likely causes of a refusal. For tests ("this job may deploy, that one
   * may not") and for finding out why a job is denied; `npx cdk-gitlab-oidc explain` does the same from
   * the command line.
   *
   * STS's checks of the token come first: its `iss` must be the provider's URL, its `aud` one of the
   * provider's client IDs (where they are literal) and, with `options.at`, its lifetime must cover that
   * time. The signature is not checked. Values the policy takes at deployment make the verdict
   * UNDETERMINED unless the literal ones decide it.
   * @param claims the job's token claims: `GitLabTokenClaims.forJob()`, `fromJwt()` or `fromJson()`
   * @param options when to judge the token's lifetime
   */
  public explain(claims: GitLabTokenClaims, options: GitLabExplainOptions = {}): GitLabTrustExplanation {
    const { policy, provider } = rolePolicy(Stack.of(this), this.assumeRolePolicy!, this.provider);
    const now = options.at === undefined ? undefined : Math.floor(options.at.getTime() / 1000);
    const explanation = explainToken({ policy, claims: claims.claims, providers: [provider], now });
    return GitLabTrustExplanation._create(this.node.path, explanation, claims);
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
    return renderCiJob(this.ciJobRole(this.roleArn), options, this);
  }

  /**
   * The role as a pipeline file written at synth holds it: with its ARN as a literal, which needs the
   * role's name, its account and its region (for the partition) to be literals.
   * @internal
   */
  public _literalCiJobRole(): CiJobRole {
    const stack = Stack.of(this);
    const partition = isLiteral(stack.region) ? RegionInfo.get(stack.region).partition : undefined;
    const name = this.declaredName;
    if (name === undefined || !isLiteral(name) || !isLiteral(stack.account) || partition === undefined) {
      fail('a pipeline file holds the role\'s ARN as a literal: give the role a literal roleName and its stack a literal account and region ' +
        `(or use GitLabPipelineRole.fromRoleArn()), got: roleName ${show(name ?? null)}, account ${show(stack.account)}, region ${show(stack.region)}`, this);
    }
    // IAM writes the path into the ARN between "role" and the name: "/" (the default) adds nothing.
    const path = this.declaredPath ?? '/';
    if (!isLiteral(path)) fail(`a pipeline file holds the role's ARN as a literal: the role's path must be a literal, got: ${show(path)}`, this);
    return this.ciJobRole(`arn:${partition}:iam::${stack.account}:role${path}${name}`);
  }

  private ciJobRole(roleArn: string): CiJobRole {
    const stack = Stack.of(this);
    return {
      roleArn,
      audience: this.audience,
      region: isLiteral(stack.region) ? stack.region : undefined,
      maxSessionSeconds: this.maxSessionSeconds,
      expects: { issuer: this.provider.issuerUrl, subjects: this.subjects.map((s) => s.sub), path: this.node.path },
    };
  }

  /**
   * Lets the role deploy CDK apps: assume the CDK bootstrap roles (deploy, file and image publishing,
   * lookup) of the given environments, which is what `cdk deploy` does; with `lookupOnly`, the lookup role
   * alone, which is what `cdk synth`'s context lookups need. The bootstrap roles hold the
   * deployment permissions; this role only needs to assume them.
   * @param options the bootstrap qualifier, accounts and regions
   * @returns the grant: its statement is in the role's customer managed policy `CdkDeployments`
   */
  public allowCdkDeployments(options: GitLabCdkDeploymentOptions = {}): iam.Grant {
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
    for (const account of accounts) validateAccount(account, 'allowCdkDeployments accounts', this);
    for (const region of regions) validateRegion(region, 'allowCdkDeployments regions', this);
    const resources = accounts.flatMap((account) => regions.flatMap((region) =>
      (options.lookupOnly ? ['lookup'] : ['deploy', 'file-publishing', 'image-publishing', 'lookup']).map((kind) =>
        `arn:${stack.partition}:iam::${account}:role/cdk-${qualifier}-${kind}-role-${account}-${region}`)));
    this.deploysWithCdk ||= !options.lookupOnly;
    // A customer managed policy rather than the role's inline one: compliance packs flag inline policies.
    this.cdkDeploymentPolicy ??= new iam.ManagedPolicy(this, 'CdkDeployments', {
      description: 'Lets GitLab CI/CD jobs run cdk deploy: assume the CDK bootstrap roles',
      roles: [this],
    });
    return iam.Grant.addToPrincipal({
      grantee: new ManagedPolicyGrantee(this, this.cdkDeploymentPolicy),
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      // No `scope`: it only places a warning for a grant that cannot be added, and the managed policy always takes it
      // (aws-cdk-lib deprecates the option and ignores it in later versions).
      resourceArns: resources,
    });
  }

  /**
   * Whether `allowCdkDeployments()` let the role deploy or publish (not only look up).
   * @internal
   */
  public get _deploysWithCdk(): boolean {
    return this.deploysWithCdk;
  }

  private validateTrustPolicySize(): string[] {
    const limit = this.trustPolicySizeLimit;
    if (!isLiteralNumber(limit)) return [];
    // Most roles are far under their limit, which a bound from the planned statements shows without rendering the
    // policy (most of the check's time). Not with minimizePolicies: it merges statements added later into the planned
    // ones when the app is prepared, so that the statement count no longer shows them.
    const merges = FeatureFlags.of(this).isEnabled(cxapi.IAM_MINIMIZE_POLICIES);
    if (!merges && this.holdsOnlyPlannedStatements() && this.plannedTrustPolicySizeBound() <= limit) return [];
    const size = this.trustPolicySize();
    if (size <= limit) return [];
    return [
      `trust policy is ${size} characters, over the limit of ${limit} (${this.subjects.length} subjects); ` +
      'IAM would reject it at deploy with "Cannot exceed quota for ACLSizePerRole". Cover projects with a group subject ' +
      '(GitLabSubject.group()), split the subjects over several roles, or raise the account\'s "Role trust policy length" ' +
      `quota (up to ${MAX_TRUST_POLICY_LIMIT}) and set trustPolicySizeLimit.`,
    ];
  }
}

/**
 * The trust fields `GitLabRunnerRoleProps` leaves out: JavaScript callers can still pass them, and
 * iam.Role would apply them.
 */
function refuseTrustFields(roleProps: object, scope: IConstruct): void {
  const noExternalId = 'AssumeRoleWithWebIdentity carries no external ID, so an sts:ExternalId condition would deny every job';
  const reasons: Record<string, string> = {
    assumedBy: 'the role builds its trust policy from the subjects',
    externalIds: noExternalId,
    // The singular field older aws-cdk-lib releases had.
    externalId: noExternalId,
  };
  for (const [field, reason] of Object.entries(reasons)) {
    const value = (roleProps as Record<string, unknown>)[field];
    if (value !== undefined) fail(`GitLabRunnerRole does not take ${field}: ${reason}, got: ${show(value)}`, scope);
  }
}

/**
 * STS finds the token's provider in the account of the role being assumed (the role's trust policy
 * names it, but is not where STS looks), so a provider of another account can never admit a job.
 */
function validateProviderAccount(provider: IGitLabOidcProvider, scope: IConstruct): void {
  const providerAccount = provider.env.account;
  const roleAccount = Stack.of(scope).account;
  if (providerAccount && isLiteral(providerAccount) && isLiteral(roleAccount) && providerAccount !== roleAccount) {
    fail(`GitLabRunnerRole must trust a provider in its own account ${roleAccount}: STS looks the provider up in the role's account, ` +
      `so no job could assume it, got: a provider in account ${providerAccount}`, scope);
  }
}
