import { Fn, aws_iam as iam } from 'aws-cdk-lib';
import { GitLabClaimConditions } from './claim-conditions';
import { EVALUATED_CLAIMS } from './private/claim-values';
import { fail, show } from './private/errors';
import { validateAudience } from './private/rules/iam-limits';
import { holdsNoToken, isListToken, isLiteral } from './private/tokens';
import { planTrust, TrustPlan } from './private/trust-plan';
import { IGitLabOidcProvider } from './provider';
import { GitLabSubject } from './subject';

/**
 * Which GitLab CI/CD jobs a `GitLabJobsPrincipal` admits.
 */
export interface GitLabJobsPrincipalProps {
  /**
   * The GitLab OIDC provider the role trusts.
   *
   * Create one with `new GitLabOidcProvider()` or import the account's existing one with `GitLabOidcProvider.fromAccount()`.
   */
  readonly provider: IGitLabOidcProvider;

  /**
   * The GitLab jobs that may assume the role, as `sub` claim subjects. At least one.
   *
   * Duplicates are dropped and the rest sorted, so the rendered policy does not depend on the order given.
   */
  readonly subjects: GitLabSubject[];

  /**
   * The `aud` the job requests in its `id_tokens` entry; must be one of the provider's client IDs (list it
   * in the provider's `audiences`, or `addAudience()` it first). Give each role an audience of its own, and
   * a job's token opens that role alone (`GitLabCiPipeline` requires it of the roles it uses).
   *
   * @default - the provider's first audience (`https://gitlab.com` for gitlab.com)
   */
  readonly audience?: string;

  /**
   * Conditions on the extra claims STS evaluates for gitlab.com tokens (project ID, protected ref,
   * runner, user...), for every subject.
   *
   * Refused for any provider but gitlab.com: STS sets these condition keys for gitlab.com alone.
   *
   * @default - none: the subjects alone decide
   */
  readonly claimConditions?: GitLabClaimConditions;
}

/**
 * GitLab CI/CD jobs as the principal of a role's trust policy: `sts:AssumeRoleWithWebIdentity` from
 * the provider, for the jobs the subjects describe.
 *
 * The audience goes under `StringEquals`, exact subjects on `sub` under `StringEquals` and patterns
 * under `StringLike`, each kind in a statement of its own; subjects with claim conditions of their own
 * get statements of their own. Subjects another subject already covers are left out.
 *
 * `GitLabRunnerRole` uses it and adds the checks a role can make (trust policy size, warnings). It
 * also works as the `assumedBy` of a plain `iam.Role`:
 *
 * ```ts
 * new iam.Role(this, 'Role', {
 *   assumedBy: new GitLabJobsPrincipal({
 *     provider,
 *     subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
 *   }),
 * });
 * ```
 *
 * It belongs in trust policies only: as a principal of any other policy it throws. `withConditions()` ANDs
 * conditions into every statement of its trust (it may not replace one of the trust's own), and
 * `withSessionTags()` allows `sts:TagSession` beside the web-identity action.
 */
export class GitLabJobsPrincipal extends iam.PrincipalBase implements iam.IAssumeRolePrincipal {
  /**
   * The action jobs call to assume the role.
   */
  public readonly assumeRoleAction = 'sts:AssumeRoleWithWebIdentity';

  /**
   * The provider the trust names.
   */
  public readonly provider: IGitLabOidcProvider;

  /**
   * The audience (`aud`) jobs must request in their `id_tokens` entry.
   */
  public readonly audience: string;

  /**
   * The subjects the trust admits, without duplicates and without subjects another subject already
   * covers, in the order they are rendered.
   */
  public readonly subjects: GitLabSubject[];

  /**
   * The planned statements, and the subjects left out as covered.
   * @internal
   */
  public readonly _plan: TrustPlan;

  /** Conditions `withConditions()` ANDed into every statement, by operator and key. */
  private extraConditions: ConditionsByOperator = {};

  /** Whether `withSessionTags()` allowed `sts:TagSession`. */
  private sessionTags = false;

  /**
   * @param props the provider, the subjects, and the audience and claim conditions
   */
  constructor(private readonly props: GitLabJobsPrincipalProps) {
    super();
    const { provider, subjects, claimConditions } = props;
    if (!isLiteral(provider.conditionKeyPrefix)) {
      fail('provider needs a literal issuer URL: IAM condition keys ("gitlab.com:sub") cannot hold CloudFormation references');
    }
    if (subjects.length === 0) fail('subjects must hold at least one subject: with none, no job could assume the role, got: []');
    // A deploy-time list of audiences is read with Fn::Select: its encoded element is no string.
    const audience = props.audience ?? (isListToken(provider.audiences) ? Fn.select(0, provider.audiences) : provider.audiences[0]);
    validateAudience(audience);
    if (isLiteral(audience) && !isListToken(provider.audiences) && provider.audiences.every(isLiteral) && !provider.audiences.includes(audience)) {
      fail(`audience must be one of the provider's client IDs ${show(provider.audiences)}, ` +
        `or STS rejects every token with "Incorrect token audience", got: ${show(audience)}`);
    }
    const prefix = provider.conditionKeyPrefix;
    const plan = planTrust(prefix, audience, subjects, claimConditions);
    if (prefix !== 'gitlab.com' && plan.constrainsClaims) {
      fail(`claim conditions work only with the gitlab.com provider: STS sets gitlab.com:${EVALUATED_CLAIMS[0]} and the other claim keys ` +
        `for gitlab.com tokens alone, so on any other instance they would never match and no job could assume the role, got: ${show(prefix)}`);
    }
    this.provider = provider;
    this.audience = audience;
    this._plan = plan;
    this.subjects = this._plan.statements.flatMap((s) => s.subjects);
  }

  /**
   * Whether every condition is known at synth time, so that the statements' rendering holds no token but the
   * provider's ARN.
   * @internal
   */
  public get _literalConditions(): boolean {
    return holdsNoToken([this.extraConditions, ...this._plan.statements.map((s) => s.conditions)]);
  }

  /**
   * Refused: the trust is one statement per set of conditions, which no single principal of another
   * policy can carry, and a federated principal without its conditions would admit every job.
   */
  public get policyFragment(): iam.PrincipalPolicyFragment {
    return fail('GitLabJobsPrincipal can only be the assumedBy of a role: its trust needs conditions of its own per statement, ' +
      `got: a use as the principal of another policy (${this})`);
  }

  /**
   * Adds the planned statements to a role's trust policy.
   * @param document the role's trust policy
   */
  public addToAssumeRolePolicy(document: iam.PolicyDocument): void {
    for (const conditions of this._statementConditions()) {
      document.addStatements(new iam.PolicyStatement({
        principals: [new iam.WebIdentityPrincipal(this.provider.oidcProviderArn)],
        actions: this.sessionTags ? [this.assumeRoleAction, 'sts:TagSession'] : [this.assumeRoleAction],
        conditions,
      }));
    }
  }

  /**
   * Each statement's conditions as the trust holds them: the planned ones, with those `withConditions()` added.
   * @internal
   */
  public _statementConditions(): iam.Conditions[] {
    return this._plan.statements.map((statement) => withExtraConditions(statement.conditions, this.extraConditions));
  }

  /**
   * The same jobs, with these conditions ANDed into every statement of the trust: they can only narrow it. A
   * condition on an operator and key the trust already sets (its audience, its subjects, its claim conditions)
   * is refused rather than replaced.
   * @param conditions operator to condition key to value(s), as in `iam.PolicyStatement`'s `conditions`
   */
  public withConditions(conditions: Record<string, any>): iam.PrincipalBase {
    const extra: ConditionsByOperator = { ...this.extraConditions };
    const present = [this.extraConditions, ...this._plan.statements.map((s) => s.conditions as ConditionsByOperator)];
    for (const [operator, keys] of Object.entries(conditions)) {
      if (typeof keys !== 'object' || keys === null || Array.isArray(keys)) {
        fail(`withConditions needs each operator to map condition keys to values, got: ${show(operator)} -> ${show(keys)}`);
      }
      for (const key of Object.keys(keys)) {
        if (present.some((c) => c[operator]?.[key] !== undefined)) {
          fail(`withConditions must not replace a condition the trust already has (${operator} ${key}): the replacement ` +
            `could widen what the trust admits, got: ${show(keys[key])}`);
        }
      }
      extra[operator] = { ...extra[operator], ...keys };
    }
    return this.derive(extra, this.sessionTags);
  }

  /**
   * The same jobs, with `sts:TagSession` allowed beside `sts:AssumeRoleWithWebIdentity` in every statement, for
   * tokens that carry session tags. GitLab's ID tokens carry none.
   */
  public withSessionTags(): iam.PrincipalBase {
    return this.derive(this.extraConditions, true);
  }

  /**
   * The principal of its statements, for JSON renderings of the principal: the provider, federated.
   */
  public toJSON(): Record<string, string[]> {
    return { Federated: [this.provider.oidcProviderArn] };
  }

  /**
   * None: this principal never appears in a statement itself (it adds statements of web identity
   * principals), so there is nothing to deduplicate it against.
   */
  public dedupeString(): string | undefined {
    return undefined;
  }

  /** A copy with other extra conditions and session tags. */
  private derive(extraConditions: ConditionsByOperator, sessionTags: boolean): GitLabJobsPrincipal {
    const derived = new GitLabJobsPrincipal(this.props);
    derived.extraConditions = extraConditions;
    derived.sessionTags = sessionTags;
    return derived;
  }

  /**
   * The provider and the subjects, for messages.
   */
  public toString(): string {
    return `GitLabJobsPrincipal(${this.provider.issuerUrl}: ${this.subjects.map((s) => s.sub).join(', ')})`;
  }
}

/** Operator to condition key to value(s). */
type ConditionsByOperator = Record<string, Record<string, unknown> | undefined>;

/** A statement's conditions with the extra ones ANDed in (no key of the statement is replaced: withConditions() refuses that). */
function withExtraConditions(conditions: iam.Conditions, extra: ConditionsByOperator): iam.Conditions {
  const merged: ConditionsByOperator = { ...(conditions as ConditionsByOperator) };
  for (const [operator, keys] of Object.entries(extra)) merged[operator] = { ...merged[operator], ...keys };
  return merged;
}
