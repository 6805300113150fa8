// The covered-subject search finds its candidates through a prefix index instead of comparing every
// pair. It must drop exactly the subjects the plain all-pairs search drops, naming the same coverer.
import fc from 'fast-check';
import { GitLabSubject } from '../src';
import { globCovers, planTrust } from '../src/trust-policy';

/** The plain search: every kept subject against every other, the first coverer in sorted order. */
function allPairsCovered(subjects: GitLabSubject[]): [string, string][] {
  const distinct = [...new Map(subjects.map((s) => [JSON.stringify([s.sub, s.claimConditions ?? null]), s])).values()];
  const key = (s: GitLabSubject) => JSON.stringify(s.claimConditions?.userLogins ?? []);
  const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const sorted = [...distinct].sort((a, b) => order(a.sub, b.sub) || order(key(a), key(b)));
  // `a` admits every job `b` admits: no conditions of its own, or a superset of `b`'s logins.
  const weaker = (a: GitLabSubject, b: GitLabSubject) => !a.claimConditions ||
    (!!b.claimConditions && b.claimConditions.userLogins!.every((l) => a.claimConditions!.userLogins!.includes(l)));
  const dropped = new Set<GitLabSubject>();
  const covered: [string, string][] = [];
  for (const entry of [...sorted].sort((a, b) => b.sub.length - a.sub.length)) {
    const by = sorted.find((other) => other !== entry && !dropped.has(other) && weaker(other, entry) && globCovers(other.sub, entry.sub));
    if (by) {
      dropped.add(entry);
      covered.push([entry.sub, by.sub]);
    }
  }
  return covered;
}

const name = fc.constantFrom('a', 'b', 'ab', 'a-b');
const subjectArb: fc.Arbitrary<GitLabSubject> = fc.tuple(
  fc.constantFrom('project', 'group'), fc.array(name, { minLength: 1, maxLength: 3 }), fc.constantFrom('main', 'rel/*', 'v?', '*', 'any'),
  fc.option(fc.subarray(['alice', 'bob'], { minLength: 1 }), { nil: undefined }),
).map(([scope, segments, ref, logins]) => {
  const builder = scope === 'project' && segments.length > 1 ? GitLabSubject.project(segments.join('/')) : GitLabSubject.group(segments.join('/'));
  const subject = ref === 'any' ? builder.anyRef() : ref === 'v?' ? GitLabSubject.fromSub(`project_path:${segments.join('/')}/x:ref_type:tag:ref:v?`) : builder.branch(ref);
  return logins ? subject.withClaimConditions({ userLogins: logins }) : subject;
});

test('the indexed search drops exactly what the all-pairs search drops, by the same subject', () => {
  fc.assert(fc.property(fc.array(subjectArb, { maxLength: 30 }), (subjects) => {
    const { covered } = planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined);
    expect(covered.map((c) => [c.subject.sub, c.by.sub])).toEqual(allPairsCovered(subjects));
  }), { seed: 20261126, numRuns: 2000 });
});
