// The explanation of one token against one role: STS's checks of the token, then every statement of the
// trust policy with each condition's verdict, the token's value beside the policy's, and the likely causes.
import { claimOf, conditionCauses, subDistance } from './causes';
import { evaluateCondition, isPatternOperator } from './conditions';
import { Decision, Evaluation, evaluateTrustPolicy, StatementOutcome, WEB_IDENTITY_ACTION } from './evaluate';
import { TrustPolicy, Unknown } from './policy';
import { audiences, Claims, conditionKeyPrefix, lifetimeProblem, webIdentityContext } from './sts-request';

/** An IAM OIDC provider of the role's account, as far as it is known. */
export interface KnownProvider {
  readonly url: string;
  readonly arn: string;
  /** Its client ID list; undefined when not known (a policy read without its provider). */
  readonly clientIds?: readonly string[];
}

export interface ExplainInput {
  readonly policy: TrustPolicy;
  readonly claims: Claims;
  /** The account's providers this explanation knows of. */
  readonly providers: readonly KnownProvider[];
  /** Seconds since the epoch, for the token's exp and nbf; undefined: lifetime not checked. */
  readonly now?: number;
}

/** What one statement decided for the token. */
export interface StatementReport {
  readonly index: number;
  readonly sid?: string;
  readonly effect: string;
  readonly applies: boolean | 'unknown';
  readonly notes: string[];
  readonly conditions: ConditionReport[];
}

export interface ConditionReport {
  readonly operator: string;
  readonly key: string;
  /** The policy's values: literal, or `{ deployTime: <the expression> }`. */
  readonly expected: (string | { readonly deployTime: string })[];
  /** The token's value(s) for the key; undefined when STS does not set it. */
  readonly actual?: readonly string[];
  readonly passes: boolean | 'unknown';
  readonly causes: string[];
}

export interface Explanation {
  readonly decision: Decision;
  /** STS's checks of the token before the policy: failures only (InvalidIdentityToken, ExpiredTokenException). */
  readonly tokenProblems: string[];
  /** The facts the explanation could not check, such as a provider's client IDs. */
  readonly notChecked: string[];
  readonly statements: StatementReport[];
  /** The likely causes of a denial, most specific first, without repeats. */
  readonly causes: string[];
  /** When allowed: the statement and the sub value that admitted the token. */
  readonly admittedBy?: string;
}

export function explainToken(input: ExplainInput): Explanation {
  const { claims, policy } = input;
  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  const { provider, problems: tokenProblems, notChecked } = stsTokenChecks(input, iss);

  // The policy is evaluated with the provider STS would pick; without one, with the issuer's own name.
  const issuer = provider?.url ?? iss ?? '';
  const providerArn = provider?.arn ?? `oidc-provider/${conditionKeyPrefix(issuer)}`;
  const evaluation = evaluateTrustPolicy(policy, { providerArn, context: webIdentityContext(issuer, claims) });
  const statements = evaluation.statements.map((s) => statementReport(s, issuer));
  const decision: Decision = tokenProblems.length > 0 ? 'denied' : evaluation.decision;

  // STS stops at the first problem with the token; the policy's causes follow only where a provider took it.
  const causes = [...tokenProblems];
  if (provider) causes.push(...policyCauses(evaluation, statements, claims));
  return {
    decision,
    tokenProblems,
    notChecked,
    statements,
    causes: [...new Set(causes)],
    admittedBy: decision === 'allowed' ? admittedBy(evaluation.statements) : undefined,
  };
}

/** STS's checks of the token before the policy: the provider for `iss`, `aud` among its client IDs, the lifetime. */
function stsTokenChecks(input: ExplainInput, iss: string | undefined): { provider?: KnownProvider; problems: string[]; notChecked: string[] } {
  const { claims } = input;
  const problems: string[] = [];
  const notChecked: string[] = [];
  const provider = input.providers.find((p) => p.url === iss);
  if (iss === undefined) problems.push('the token has no iss claim (InvalidIdentityToken)');
  else if (!provider) problems.push(issuerProblem(iss, input.providers));
  const tokenAudiences = audiences(claims);
  if (provider?.clientIds && !tokenAudiences.some((a) => provider.clientIds!.includes(a))) {
    problems.push(`the token's aud ${list(tokenAudiences)} is not among the provider's client IDs ${list(provider.clientIds)} ` +
      '(InvalidIdentityToken: Incorrect token audience): set the job\'s id_tokens aud to one of them, or add it to the provider\'s audiences' +
      (tokenAudiences.includes('sts.amazonaws.com') || provider.clientIds.includes('sts.amazonaws.com')
        ? '; "sts.amazonaws.com" and the instance URL are both common audiences, and the job and the provider must use the same one' : ''));
  } else if (provider && !provider.clientIds) {
    notChecked.push(`the provider's client ID list is not known here: STS also requires the token's aud ${list(tokenAudiences)} to be in it`);
  }
  const lifetime = input.now === undefined ? undefined : lifetimeProblem(claims, input.now);
  if (lifetime) problems.push(lifetime);
  return { provider, problems, notChecked };
}

/** Why the policy refuses the token: an applying Deny, or the failures of the Allow statements nearest to admitting it. */
function policyCauses(evaluation: Evaluation, statements: StatementReport[], claims: Claims): string[] {
  if (evaluation.explicitDeny) {
    return statements.filter((r) => r.effect === 'Deny' && r.applies === true)
      .map((s) => `statement ${statementName(s)} denies this token explicitly (an explicit Deny wins over every Allow)`);
  }
  if (evaluation.decision === 'undetermined') {
    return ['the verdict depends on values the policy takes at deployment (parameters, imports) or on operators this explanation does not evaluate'];
  }
  if (evaluation.decision !== 'denied') return [];
  const allows = statements.filter((s) => s.effect === 'Allow');
  if (allows.length === 0) return ['the policy has no Allow statement'];
  // The statements nearest to admitting the token: fewest failed conditions, then the nearest sub.
  const distance = (s: StatementReport) => {
    const failed = s.conditions.filter((c) => c.passes === false);
    const sub = failed.find((c) => claimOf(c.key) === 'sub');
    const literals = sub?.expected.filter((v): v is string => typeof v === 'string') ?? [];
    const subMiss = sub ? subDistance(literals, String(claims.sub ?? ''), isPatternOperator(sub.operator)) : 0;
    return (s.notes.length + failed.length) * 100 + subMiss;
  };
  const distances = allows.map(distance);
  const nearest = Math.min(...distances);
  return allows.filter((_, i) => distances[i] === nearest)
    .flatMap((s) => [...s.notes, ...s.conditions.filter((c) => c.passes === false).flatMap((c) => c.causes)]);
}

function statementReport(outcome: StatementOutcome, issuer: string): StatementReport {
  const notes: string[] = [];
  const label = statementName(outcome.statement);
  if (outcome.principal === false) {
    notes.push(`statement ${label} trusts another principal, not the OIDC provider of ${issuer || 'the token\'s issuer'}`);
  }
  if (outcome.action === false) notes.push(`statement ${label} does not cover ${WEB_IDENTITY_ACTION}`);
  return {
    index: outcome.statement.index,
    sid: outcome.statement.sid,
    effect: outcome.statement.effect,
    applies: outcome.applies,
    notes,
    conditions: outcome.conditions.map((c) => ({
      operator: c.condition.operator,
      key: c.condition.key,
      expected: c.condition.values.map((v) => v instanceof Unknown ? { deployTime: v.description } : v),
      actual: c.actual,
      passes: c.result,
      causes: c.result === false && outcome.statement.effect === 'Allow'
        ? conditionCauses(c.condition, c.actual, issuer)
        : c.unsupported ? [`${c.unsupported} is not evaluated by this explanation`] : [],
    })),
  };
}

/** Why no provider takes the token's issuer: STS's "No OpenIDConnect provider found in your account". */
function issuerProblem(iss: string, providers: readonly KnownProvider[]): string {
  const found = `no IAM OIDC provider for the token's iss "${iss}" (InvalidIdentityToken: No OpenIDConnect provider found in your account for ${iss})`;
  const hints = providers.map((p) => {
    if (p.url === iss.replace(/\/+$/, '') || iss === p.url.replace(/\/+$/, '')) {
      return `the provider's URL is "${p.url}": IAM compares it with iss character for character, so a trailing slash matters`;
    }
    const host = (url: string) => url.replace(/^https?:\/\//, '').split('/')[0].toLowerCase();
    if (host(p.url) === host(iss)) {
      return `the provider's URL is "${p.url}": same host, another path (an instance under a relative URL root issues "https://host/path")`;
    }
    return `the provider's URL is "${p.url}": another host (a self-managed instance, or a token meant for another account)`;
  });
  return [found, ...hints].join('; ');
}

/** The statement and sub value that admitted the token. */
function admittedBy(statements: readonly StatementOutcome[]): string | undefined {
  const admitting = statements.find((s) => s.statement.effect === 'Allow' && s.applies === true);
  if (!admitting) return undefined;
  const sub = admitting.conditions.find((c) => claimOf(c.condition.key) === 'sub' && c.result === true);
  const label = `statement ${statementName(admitting.statement)}`;
  if (!sub) return label;
  const value = sub.condition.values.find((v) => typeof v === 'string' && sub.actual?.some((a) => evaluateCondition({ ...sub.condition, values: [v] }, a).result === true));
  return value === undefined ? label : `${label}, subject "${value}" (${sub.condition.operator})`;
}

/** How the explanation names a statement: its Sid, else its position from 0. */
export function statementName(statement: { readonly sid?: string; readonly index: number }): string {
  return statement.sid ?? String(statement.index);
}

function list(values: readonly string[]): string {
  return values.length === 0 ? '(none)' : values.map((v) => `"${v}"`).join(', ');
}
