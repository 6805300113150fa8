import { aws_iam as iam } from 'aws-cdk-lib';
import { GitLabSubject } from './subject';

/**
 * A role's subjects without duplicates, in a stable order (plain code-unit order of `sub`, not the
 * locale's), so that reordering a role's subjects never changes its template.
 */
export function distinctSubjects(subjects: readonly GitLabSubject[]): GitLabSubject[] {
  const bySub = new Map(subjects.map((s) => [s.sub, s]));
  return [...bySub.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map((sub) => bySub.get(sub)!);
}

/**
 * The trust policy's conditions: the audience under `StringEquals`, and every subject under one
 * operator. Conditions in one statement are ANDed, so exact and pattern subjects are never split
 * between `StringEquals` and `StringLike`: with any pattern present, all go under `StringLike`
 * (where an exact value still matches only itself). Subjects are rendered in the order given:
 * pass them through `distinctSubjects` first.
 */
export function trustConditions(prefix: string, audience: string, subjects: readonly GitLabSubject[]): iam.Conditions {
  const subs = subjects.map((s) => s.sub);
  const sub = subs.length === 1 ? subs[0] : subs;
  const aud = { [`${prefix}:aud`]: audience };
  if (subjects.some((s) => s.isPattern)) {
    return { StringEquals: aud, StringLike: { [`${prefix}:sub`]: sub } };
  }
  return { StringEquals: { ...aud, [`${prefix}:sub`]: sub } };
}
