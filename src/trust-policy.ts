// The trust policy of a GitLabRunnerRole: which statements it has, which subjects each admits,
// and how long IAM will count it.
import { aws_iam as iam } from 'aws-cdk-lib';
import { claimValues, ClaimValues, combineClaimValues, EVALUATED_CLAIMS, GitLabClaimConditions } from './claim-conditions';
import { PrefixIndex } from './private/prefix-index';
import { GitLabSubject } from './subject';
import { fail, isListToken, isLiteral, show } from './validation';

/** One trust statement: subjects that share the same claim conditions. */
export interface TrustStatement {
  readonly subjects: GitLabSubject[];
  readonly claims: ClaimValues;
  readonly conditions: iam.Conditions;
}

/** A subject left out because another subject of the role already admits every job it admits. */
export interface CoveredSubject {
  readonly subject: GitLabSubject;
  readonly by: GitLabSubject;
}

/** The planned trust policy. */
export interface TrustPlan {
  readonly statements: TrustStatement[];
  readonly covered: CoveredSubject[];
}

/** Code-unit order, independent of the locale. */
function compare(a: string, b: string): number {
  // Stryker disable next-line EqualityOperator,ConditionalExpression: no observable order compares equal strings
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Plans the trust statements: subjects without conditions of their own share the first statement;
 * each distinct set of subject claim conditions gets a statement of its own, so no subject's
 * conditions narrow or widen another's (conditions in one statement are ANDed, statements ORed).
 * Duplicate subjects are dropped, and so are subjects another subject already covers.
 */
export function planTrust(
  prefix: string, audience: string, subjects: readonly GitLabSubject[], roleConditions: GitLabClaimConditions | undefined,
): TrustPlan {
  const roleClaims = claimValues(roleConditions ?? {}, 'claimConditions');

  // Each distinct subject with the claim conditions it needs (the role's and its own, ANDed),
  // in a stable order so that the input order never changes the result.
  const roleKey = claimsKey(roleClaims);
  const entries = new Map<string, Entry>();
  for (const subject of subjects) {
    const what = `subject ${show(subject.sub)}`;
    const claims = subject.claimConditions ? combineClaimValues(roleClaims, claimValues(subject.claimConditions, what), what) : roleClaims;
    // Stryker disable next-line ConditionalExpression: a shortcut; claimsKey(roleClaims) is roleKey
    const key = claims === roleClaims ? roleKey : claimsKey(claims);
    entries.set(JSON.stringify([subject.sub, key]), { subject, claims, key });
  }
  // Judged on the conditions themselves: an empty set ({}) holds no condition and is fine anywhere.
  if (prefix !== 'gitlab.com' && [...entries.values()].some((e) => e.claims.size > 0)) {
    fail(`claim conditions work only with the gitlab.com provider: STS sets gitlab.com:${EVALUATED_CLAIMS[0]} and the other claim keys ` +
      `for gitlab.com tokens alone, so on any other instance they would never match and no job could assume the role, got: ${show(prefix)}`);
  }
  const sorted = [...entries.values()].sort((a, b) => compare(a.subject.sub, b.subject.sub) || compare(a.key, b.key));

  const { kept, covered } = dropCovered(sorted);

  // One statement per set of conditions and per operator: exact subjects under StringEquals, patterns
  // under StringLike. Conditions in one statement are ANDed, so the two kinds never share one, and a
  // subject's operator never depends on the other subjects of the role.
  const groups = new Map<string, { claims: ClaimValues; key: string; isPattern: boolean; subjects: GitLabSubject[] }>();
  for (const { subject, claims, key } of kept) {
    const groupKey = JSON.stringify([key, subject.isPattern]);
    const group = groups.get(groupKey) ?? { claims, key, isPattern: subject.isPattern, subjects: [] };
    group.subjects.push(subject);
    groups.set(groupKey, group);
  }

  const statements = [...groups.values()]
    .sort((a, b) => statementOrder(a.key, b.key, roleKey) || Number(a.isPattern) - Number(b.isPattern))
    .map((g) => ({ subjects: g.subjects, claims: g.claims, conditions: renderConditions(prefix, audience, g.subjects, g.isPattern, g.claims) }));
  return { statements, covered };
}

/** One distinct subject with the claim conditions it needs, and their canonical key. */
interface Entry {
  readonly subject: GitLabSubject;
  readonly claims: ClaimValues;
  readonly key: string;
}

/**
 * Drops the subjects that another kept subject with the same or weaker conditions already covers,
 * naming the first such subject in `sorted` order. Of two that cover each other, the longer goes
 * first, so the simpler one stays. Only a subject whose literal prefix (its text before the first
 * wildcard) starts another's can cover it, so the candidates come from a prefix index: one walk along
 * each subject instead of a comparison with every other.
 */
function dropCovered(sorted: readonly Entry[]): { kept: Entry[]; covered: CoveredSubject[] } {
  const rank = new Map(sorted.map((entry, i) => [entry, i]));
  const index = new PrefixIndex<Entry>();
  for (const entry of sorted) index.add(literalPrefix(entry.subject.sub), entry);
  const dropped = new Set<Entry>();
  const covered: CoveredSubject[] = [];
  for (const entry of [...sorted].sort((a, b) => b.subject.sub.length - a.subject.sub.length)) {
    let by: Entry | undefined;
    for (const other of index.prefixesOf(entry.subject.sub)) {
      // Stryker disable next-line EqualityOperator: two distinct entries never share a rank
      if (other === entry || dropped.has(other) || (by && rank.get(other)! > rank.get(by)!)) continue;
      if (weakerOrEqual(other.claims, entry.claims) && globCovers(other.subject.sub, entry.subject.sub)) by = other;
    }
    if (by) {
      dropped.add(entry);
      covered.push({ subject: entry.subject, by: by.subject });
    }
  }
  return { kept: sorted.filter((entry) => !dropped.has(entry)), covered };
}

/** A subject's text before its first wildcard: all of it for an exact subject. */
function literalPrefix(sub: string): string {
  // Stryker disable next-line Regex: a shorter prefix only adds candidates that globCovers rejects (speed, not meaning)
  const wildcard = sub.search(/[*?]/);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: likewise; no subject starts with a wildcard
  return wildcard < 0 ? sub : sub.slice(0, wildcard);
}

/** The role's own conditions first, then the rest in key order. */
function statementOrder(a: string, b: string, roleKey: string): number {
  if (a === b) return 0;
  return a === roleKey ? -1 : b === roleKey ? 1 : compare(a, b);
}

/** A canonical key for a set of claim constraints. */
function claimsKey(claims: ClaimValues): string {
  return JSON.stringify([...claims.entries()].sort(([a], [b]) => compare(a, b)).map(([k, v]) => [k, [...v].sort(compare)]));
}

/** Whether constraints `a` admit every job that constraints `b` admit. */
function weakerOrEqual(a: ClaimValues, b: ClaimValues): boolean {
  return [...a.entries()].every(([claim, values]) => b.get(claim)?.every((v) => values.includes(v)) ?? false);
}

/**
 * The conditions of one statement: the audience and the claim conditions under `StringEquals`, and
 * the subjects on `sub` under `StringLike` if they are patterns, else under `StringEquals`.
 */
function renderConditions(
  prefix: string, audience: string, subjects: readonly GitLabSubject[], isPattern: boolean, claims: ClaimValues,
): iam.Conditions {
  // A deploy-time list stays a list: its one encoded element must never be read as a string.
  const one = (values: readonly string[]) => (values.length === 1 && !isListToken(values) ? values[0] : values);
  const equals: Record<string, unknown> = { [`${prefix}:aud`]: audience };
  for (const claim of EVALUATED_CLAIMS) {
    const values = claims.get(claim);
    if (values) equals[`${prefix}:${claim}`] = one(values);
  }
  const sub = one(subjects.map((s) => s.sub));
  if (isPattern) return { StringEquals: equals, StringLike: { [`${prefix}:sub`]: sub } };
  equals[`${prefix}:sub`] = sub;
  return { StringEquals: equals };
}

/**
 * Whether every value IAM's `StringLike` matches with pattern `b` is also matched by pattern `a`.
 * Sound but not complete: `b`'s wildcards are treated as symbols only `a`'s `*` (and, for `?`, `a`'s
 * `?`) can stand for, so a "true" is always right and a "false" only means "not proven".
 */
export function globCovers(a: string, b: string): boolean {
  if (a === b) return true;
  // Deploy-time values are unknown at synth: a subject holding one is never proven covered.
  if (!isLiteral(a) || !isLiteral(b)) return false;
  // Cheap rejections first: an exact `a` covers only itself, and `a`'s literal prefix must start `b`.
  const prefix = literalPrefix(a);
  // Stryker disable next-line ConditionalExpression,LogicalOperator: a fast rejection; the matching below reaches the same answer
  if (prefix === a || !b.startsWith(prefix)) return false;
  // next[j] / row[j]: a[i+1..] / a[i..] matches b[j..]; one row at a time, from the end of `a`.
  let next = new Uint8Array(b.length + 1);
  next[b.length] = 1;
  for (let i = a.length - 1; i >= 0; i--) {
    const row = new Uint8Array(b.length + 1);
    // Past the end of `b` only a `*` can match (it stands for nothing).
    row[b.length] = a[i] === '*' ? next[b.length] : 0;
    // Stryker disable next-line ArithmeticOperator: starting past the end rewrites row[b.length] with its own value; typed arrays drop other writes
    for (let j = b.length - 1; j >= 0; j--) {
      if (a[i] === '*') row[j] = next[j] || row[j + 1];
      else if (b[j] !== '*' && (a[i] === '?' || a[i] === b[j])) row[j] = next[j + 1];
    }
    next = row;
  }
  return next[0] === 1;
}

/**
 * The trust policy's length computed from the plan alone, without resolving the document: what
 * `trustPolicySize` returns for a policy that holds exactly the planned statements. Undefined when a
 * condition holds a token, whose rendering only resolution can tell.
 * @param federated the provider ARN, or a placeholder of its longest length
 */
// Stryker disable next-line BlockStatement: without it the size comes from resolving the document, which is equal (test/trust-policy-size)
export function plannedTrustPolicySize(statements: readonly TrustStatement[], federated: string): number | undefined {
  const document = {
    Statement: statements.map((s) => ({
      Action: 'sts:AssumeRoleWithWebIdentity', Condition: s.conditions, Effect: 'Allow', Principal: { Federated: federated },
    })),
    Version: '2012-10-17',
  };
  const json = JSON.stringify(document);
  return isLiteral(json) ? json.length : undefined;
}

// The longest values IAM could substitute for the tokens in a synthesized trust policy.
const LONGEST: Record<string, string> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'ap-southeast-7',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};

/**
 * The provider ARN if it is a literal, else a placeholder as long as it could get: the longest
 * partition and a 12-digit account.
 * @param arn the provider's ARN
 * @param conditionKeyPrefix the provider's condition-key prefix, which is the ARN's resource name
 */
export function longestProviderArn(arn: string, conditionKeyPrefix: string): string {
  if (isLiteral(arn)) return arn;
  return 'a'.repeat(`arn:${LONGEST['AWS::Partition']}:iam::${LONGEST['AWS::AccountId']}:oidc-provider/${conditionKeyPrefix}`.length);
}

/**
 * The length IAM counts for a trust policy (no white space), with every token replaced by the
 * longest value it could take: the provider's ARN in the longest partition with a 12-digit account.
 * Unknown references (parameters, imports) inside strings count as empty.
 * @param document the policy as `Stack.resolve()` renders it
 * @param providerArnLength the longest the provider's ARN can be
 */
export function trustPolicySize(document: any, providerArnLength: number): number {
  const longest = (value: any): any => {
    if (Array.isArray(value)) return value.map(longest);
    // Stryker disable next-line ConditionalExpression: a resolved policy holds no null
    if (value === null || typeof value !== 'object') return value;
    if ('Ref' in value) return LONGEST[value.Ref] ?? '';
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return (longest(parts) as unknown[]).map(String).join(separator);
    }
    // Stryker disable next-line MethodExpression: an intrinsic is an object with exactly one key
    if (Object.keys(value).some((k) => k.startsWith('Fn::'))) return '';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, longest(v)]));
  };
  // Stryker disable next-line ArrayDeclaration: a trust policy always has statements
  const statements = (document.Statement ?? []).map((statement: any) => {
    // Stryker disable next-line OptionalChaining: every trust statement has a principal
    const federated = statement.Principal?.Federated;
    if (federated === undefined || typeof federated === 'string') return statement;
    return { ...statement, Principal: { ...statement.Principal, Federated: 'a'.repeat(providerArnLength) } };
  });
  return JSON.stringify(longest({ ...document, Statement: statements })).length;
}
