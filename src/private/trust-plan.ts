// The trust a GitLabJobsPrincipal plans: which statements it has, which subjects each admits, and
// which subjects are left out because another already admits every job they admit.
import { aws_iam as iam } from 'aws-cdk-lib';
import { GitLabClaimConditions } from '../claim-conditions';
import { GitLabSubject } from '../subject';
import { claimValues, ClaimValues, combineClaimValues, EVALUATED_CLAIMS } from './claim-values';
import { show } from './errors';
import { globCovers, innerLiteral, literalPrefix } from './glob-cover';
import { PrefixSubstringIndex } from './prefix-index';
import { isListToken } from './tokens';

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
  /** Whether any subject, covered ones included, needs a claim condition (the role's or its own). */
  readonly constrainsClaims: boolean;
}

/** Code-unit order, independent of the locale. */
function compare(a: string, b: string): number {
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
    let claims = roleClaims;
    if (subject.claimConditions) {
      const what = `subject ${show(subject.sub)}`;
      claims = combineClaimValues(roleClaims, claimValues(subject.claimConditions, what), what);
    }
    // Stryker disable next-line ConditionalExpression: a shortcut; claimsKey(roleClaims) is roleKey
    const key = claims === roleClaims ? roleKey : claimsKey(claims);
    entries.set(JSON.stringify([subject.sub, key]), { subject, claims, key });
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
  // Judged on the conditions themselves: an empty set ({}) holds no condition and is fine anywhere.
  return { statements, covered, constrainsClaims: [...entries.values()].some((e) => e.claims.size > 0) };
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
 * wildcard) starts another's, and whose literal text after it occurs in the other's, can cover it: past a
 * handful of subjects, the candidates come from an index on both, so neither many patterns under one group (`g/*:...:ref:r1/*`,
 * `g/*:...:ref:r2/*`, one prefix) nor many groups' tag patterns (`g1/*:...:ref:v*`, `g2/*:...:ref:v*`, one
 * inner text) are each compared with every other.
 */
function dropCovered(sorted: readonly Entry[]): { kept: Entry[]; covered: CoveredSubject[] } {
  const rank = new Map(sorted.map((entry, i) => [entry, i]));
  const candidatesFor = coverCandidates(sorted);
  const dropped = new Set<Entry>();
  const covered: CoveredSubject[] = [];
  for (const entry of [...sorted].sort((a, b) => b.subject.sub.length - a.subject.sub.length)) {
    let by: Entry | undefined;
    for (const other of candidatesFor(entry.subject.sub)) {
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

/** Roles with more subjects than this look their covering candidates up in an index; the others compare each pair. */
const PAIRWISE_SUBJECTS = 16;

/**
 * The entries that might cover a subject: every entry for a role's handful of subjects (comparing each pair takes
 * fewer steps than building the index), else those an index on literal prefix and inner text finds.
 */
function coverCandidates(sorted: readonly Entry[]): (sub: string) => Iterable<Entry> {
  // Stryker disable next-line ConditionalExpression,EqualityOperator: both ways find the same covers; the index only saves time
  if (sorted.length <= PAIRWISE_SUBJECTS) return () => sorted;
  const index = new PrefixSubstringIndex<Entry>();
  for (const entry of sorted) {
    const { sub, isPattern } = entry.subject;
    index.add(literalPrefix(sub), isPattern ? innerLiteral(sub) : '', entry);
  }
  return (sub) => index.candidatesFor(sub);
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
