// Past a handful of subjects, the covered-subject search finds its candidates through a prefix index and a substring
// index instead of comparing every pair. It must drop exactly the subjects the plain all-pairs search drops, naming the same coverer.
import { Token } from 'aws-cdk-lib';
import fc from 'fast-check';
import { GitLabAccessLevel, GitLabSubject } from '../../src';
import { globCovers, innerLiteral } from '../../src/private/glob-cover';
import { PrefixIndex, SubstringIndex } from '../../src/private/prefix-index';
import { planTrust } from '../../src/private/trust-plan';

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
  fc.constantFrom('project', 'group'), fc.array(name, { minLength: 1, maxLength: 3 }), fc.constantFrom('main', 'rel/*', 'v?', '*', 'any', 'r*/x', 'rel/*-a', 'a*', 'release/candidate-*-final', 'release/candidate-2-final'),
  fc.option(fc.subarray(['alice', 'bob'], { minLength: 1 }), { nil: undefined }),
).map(([scope, segments, ref, logins]) => {
  const builder = scope === 'project' && segments.length > 1 ? GitLabSubject.project(segments.join('/')) : GitLabSubject.group(segments.join('/'));
  const subject = ref === 'any' ? builder.anyRef() : ref === 'v?' ? GitLabSubject.fromSub(`project_path:${segments.join('/')}/x:ref_type:tag:ref:v?`) : builder.branch(ref);
  return logins ? subject.withClaimConditions({ userLogins: logins }) : subject;
});

// Up to 16 subjects the plan compares each pair itself; past that it asks the index.
test.each([[0, 16, 2000], [17, 40, 600]])('with %i to %i subjects (%i runs), the search drops exactly what the all-pairs search drops, by the same subject', (minLength, maxLength, numRuns) => {
  fc.assert(fc.property(fc.array(subjectArb, { minLength, maxLength }), (subjects) => {
    const { covered } = planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined);
    expect(covered.map((c) => [c.subject.sub, c.by.sub])).toEqual(allPairsCovered(subjects));
  }), { seed: 20261126, numRuns });
});

describe('pruning is sound: a subject is left out only when another admits every job it admits', () => {
  const ML = { userAccessLevels: [GitLabAccessLevel.MAINTAINER, GitLabAccessLevel.DEVELOPER] };
  const M = { userAccessLevels: [GitLabAccessLevel.MAINTAINER] };
  const kept = (subjects: GitLabSubject[]) => planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined)
    .statements.flatMap((s) => s.subjects.map((x) => x.sub)).sort();

  test.each<[string, () => GitLabSubject[], string[]]>([
    ['weaker conditions cover stronger ones', () => [GitLabSubject.group('g').anyRef().withClaimConditions(ML), GitLabSubject.project('g/p').branch('main').withClaimConditions(M)],
      ['project_path:g/*']],
    ['partly implied conditions do not cover', () => [GitLabSubject.group('g').anyRef().withClaimConditions(M), GitLabSubject.project('g/p').branch('main').withClaimConditions(ML)],
      ['project_path:g/*', 'project_path:g/p:ref_type:branch:ref:main']],
    ['a conditioned pattern does not cover a plain subject', () => [GitLabSubject.group('g').anyRef().withClaimConditions(ML), GitLabSubject.project('g/p').branch('main')],
      ['project_path:g/*', 'project_path:g/p:ref_type:branch:ref:main']],
    // Of "v*" and "v?", only "v*" covers the other: "v*" stays whichever is looked at first.
    ['"*" covers "?", and "?" does not cover "*"', () => [GitLabSubject.project('g/p').tag('v*'), GitLabSubject.fromSub('project_path:g/p:ref_type:tag:ref:v?')],
      ['project_path:g/p:ref_type:tag:ref:v*']],
    ['"?" covers one character', () => [GitLabSubject.fromSub('project_path:g/p:ref_type:tag:ref:v?'), GitLabSubject.project('g/p').tag('v1')], ['project_path:g/p:ref_type:tag:ref:v?']],
    ['"?" does not cover zero characters', () => [GitLabSubject.fromSub('project_path:g/p:ref_type:tag:ref:v?'), GitLabSubject.project('g/p').tag('v')],
      ['project_path:g/p:ref_type:tag:ref:v', 'project_path:g/p:ref_type:tag:ref:v?']],
    ['"?" does not cover two characters', () => [GitLabSubject.fromSub('project_path:g/p:ref_type:tag:ref:v?'), GitLabSubject.project('g/p').tag('v12')],
      ['project_path:g/p:ref_type:tag:ref:v12', 'project_path:g/p:ref_type:tag:ref:v?']],
  ])('%s', (_name, subjects, expected) => {
    expect(kept(subjects())).toEqual(expected);
    expect(kept(subjects().reverse())).toEqual(expected);
  });

  test('the order of subjects and of condition values never changes which statement a subject is in', () => {
    const logins = ['alice', 'bob', 'carol'];
    const subjectsArb = fc.shuffledSubarray([
      GitLabSubject.project('g/p').branch('main'),
      GitLabSubject.group('g').tag('v*'),
      GitLabSubject.project('g/q').anyBranch(),
      GitLabSubject.project('g/r').branch('main'),
    ], { minLength: 2 });
    // Each statement as its subjects and its conditions with every value list sorted.
    const sortedLists = (conditions: object) => JSON.parse(JSON.stringify(conditions), (_k, v) => (Array.isArray(v) ? [...v].sort() : v));
    const statements = (list: GitLabSubject[]) => planTrust('gitlab.com', 'https://gitlab.com', list, undefined).statements
      .map((s) => JSON.stringify([s.subjects.map((x) => x.sub).sort(), sortedLists(s.conditions)]))
      .sort();
    const ordersArb = fc.array(fc.shuffledSubarray(logins, { minLength: 3 }), { minLength: 4, maxLength: 4 });
    fc.assert(fc.property(subjectsArb, ordersArb, (subjects, orders) => {
      // The first two subjects carry the same logins, each listed in its own order: they share one statement.
      const conditioned = subjects.map((s, i) => (i < 2 ? s.withClaimConditions({ userLogins: orders[i] }) : s));
      const canonical = subjects.map((s, i) => (i < 2 ? s.withClaimConditions({ userLogins: logins }) : s));
      expect(statements(conditioned)).toEqual(statements([...canonical].reverse()));
    }), { seed: 20261126, numRuns: 300 });
  });
});

test('one subject with two sets of conditions plans the same statements, in the same order, whatever the input order', () => {
  const main = GitLabSubject.project('g/p').branch('main');
  const tags = GitLabSubject.group('g').tag('v*');
  const subjects = [
    main.withClaimConditions({ userLogins: ['bob'] }), main.withClaimConditions({ userLogins: ['alice'] }), main, tags,
    tags.withClaimConditions({ userLogins: ['bob'] }), tags.withClaimConditions({ userLogins: ['alice'] }),
  ];
  const plan = (list: GitLabSubject[]) => JSON.stringify(planTrust('gitlab.com', 'https://gitlab.com', list, undefined).statements
    .map((s) => [s.subjects.map((x) => x.sub), s.conditions]));
  const expected = plan(subjects);
  for (let shift = 1; shift < subjects.length; shift++) {
    const rotated = [...subjects.slice(shift), ...subjects.slice(0, shift)];
    expect(plan(rotated)).toBe(expected);
    expect(plan([...rotated].reverse())).toBe(expected);
  }
});

describe('raw subjects are anchored at both ends', () => {
  test.each([
    ['project_id:*1:ref_type:branch:ref:main', 'must name one project ID'],
    ['project_id:1*:ref_type:branch:ref:main', 'must name one project ID'],
    ['project_id:x12:ref_type:branch:ref:main', 'must name one project ID'],
    ['project_id:12x:ref_type:branch:ref:main', 'must name one project ID'],
    ['project_id:012:ref_type:branch:ref:main', 'must name one project ID'],
    ['xproject_path:g/p:ref_type:branch:ref:main', 'must start with "project_path:" or "project_id:"'],
    [' project_path:g/p', 'must not contain white space'],
    ['project_pathx:g/p', 'must start with "project_path:" or "project_id:"'],
  ])('%j is refused', (sub, message) => {
    expect(() => GitLabSubject.fromSub(sub)).toThrow(message);
  });

  test.each(['project_id:7', 'project_id:12', 'project_id:123456:ref_type:branch:ref:main', 'project_path:g/p'])('%j is accepted', (sub) => {
    expect(GitLabSubject.fromSub(sub).sub).toBe(sub);
  });
});

describe('ties and names in the plan', () => {
  const plan = (subjects: GitLabSubject[]) => planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined);
  const shape = (subjects: GitLabSubject[]) => JSON.stringify(plan(subjects).statements.map((s) => [s.subjects.map((x) => x.sub), s.conditions]));

  test('one subject under two condition sets: the plan does not depend on which comes first', () => {
    const a = GitLabSubject.project('g/p').branch('main').withClaimConditions({ userLogins: ['alice'] });
    const b = GitLabSubject.project('g/p').branch('main').withClaimConditions({ userLogins: ['bob'] });
    expect(shape([a, b])).toEqual(shape([b, a]));
    expect(plan([a, b]).statements.map((s) => s.claims.get('user_login'))).toEqual([['alice'], ['bob']]);
  });

  test('conditions by claim name in any key order share one statement', () => {
    const a = GitLabSubject.project('g/a').branch('main').withClaimConditions({ claims: { user_login: ['alice'], pipeline_source: ['push'] } });
    const b = GitLabSubject.project('g/b').branch('main').withClaimConditions({ claims: { pipeline_source: ['push'], user_login: ['alice'] } });
    expect(plan([a, b]).statements).toHaveLength(1);
  });

  test('of several subjects that cover one, the first in sorted order is named, not the first found', () => {
    // Both cover g/a1 on main; "g/a1:*" sorts before "g/a?:*" ("1" < "?"), although "g/a?" has the shorter literal prefix.
    const short = GitLabSubject.fromSub('project_path:g/a?:*', { allowProjectWildcards: true });
    const long = GitLabSubject.fromSub('project_path:g/a1:*');
    const { covered } = plan([GitLabSubject.project('g/a1').branch('main'), short, long]);
    expect(covered.map((c) => [c.subject.sub, c.by.sub])).toEqual([
      ['project_path:g/a1:ref_type:branch:ref:main', 'project_path:g/a1:*'],
      ['project_path:g/a1:*', 'project_path:g/a?:*'],
    ]);
  });

  test('conditions that cannot both hold name the subject', () => {
    expect(() => planTrust('gitlab.com', 'https://gitlab.com', [GitLabSubject.project('g/p').branch('main').withClaimConditions({ userLogins: ['bob'] })], { userLogins: ['alice'] }))
      .toThrow('subject "project_path:g/p:ref_type:branch:ref:main": the role\'s and the subject\'s conditions on user_login have no value in common');
  });
});

test('a subject holding a deploy-time value is never left out as covered: its value is unknown at synth', () => {
  const group = Token.asString({ Ref: 'Group' });
  const app = Token.asString({ Ref: 'App' });
  for (const subjects of [
    [GitLabSubject.group(group).anyRef(), GitLabSubject.project(`${group}/app`).branch('main')],
    [GitLabSubject.group('g').anyRef(), GitLabSubject.project(`g/${app}`).branch('main')],
    [GitLabSubject.group(group).anyRef(), GitLabSubject.fromSub(`project_path:${group}/app:ref_type:branch:ref:main`)],
  ]) {
    const { statements, covered } = planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined);
    expect(covered).toEqual([]);
    expect(statements.flatMap((s) => s.subjects)).toHaveLength(2);
  }
});

describe('the candidate indexes', () => {
  test.each<[string, string]>([
    ['project_path:g/*', ''],
    ['project_path:g/p:ref_type:branch:ref:*', ''],
    ['project_path:g/*:ref_type:branch:ref:r12/*', ':branch:ref:r12/'],
    ['project_path:g/p:ref_type:tag:ref:v?', ''],
    ['project_path:g/p:ref_type:branch:ref:a*b*cd', 'cd'],
    ['project_path:g/p:ref_type:branch:ref:a*bc*de', 'bc'],
  ])('innerLiteral(%j) is %j: the end of the longest literal run after the first wildcard, at most 16 characters', (pattern, expected) => {
    expect(innerLiteral(pattern)).toBe(expected);
  });

  test('a substring index finds each value whose key occurs in the text, once', () => {
    const index = new SubstringIndex<string>();
    index.add('ab', 'first');
    index.add('ab', 'second');
    index.add('xyz', 'third');
    index.add('abcdef', 'too long');
    expect([...index.within('zabxyzab')].sort()).toEqual(['first', 'second', 'third']);
    expect([...index.within('a')]).toEqual([]);
    // A key as long as the text.
    expect([...index.within('xyz')]).toEqual(['third']);
    // From a position on: "xyz" starts at 3, the second "ab" at 6.
    expect([...index.within('zabxyzab', 3)].sort()).toEqual(['first', 'second', 'third']);
    expect([...index.within('zabxyzab', 4)].sort()).toEqual(['first', 'second']);
    expect([...index.within('zabxyzab', 7)]).toEqual([]);
  });

  test('a prefix index finds each value whose key starts the text, shortest first', () => {
    const index = new PrefixIndex<string>();
    index.add('abc', 'long');
    index.add('a', 'short');
    index.add('b', 'other');
    expect([...index.prefixesOf('abcd')]).toEqual([[1, 'short'], [3, 'long']]);
  });

  test('among 2,000 patterns under one group (one shared prefix), the one pattern that covers another is found', () => {
    // Each is compared with its few candidates, not with the 2,000 others (how long it takes: BENCHMARKS.md, section 5).
    const subjects = Array.from({ length: 2000 }, (_, i) => GitLabSubject.group('g').branch(`r${i}/*`));
    const plan = planTrust('gitlab.com', 'https://gitlab.com', [...subjects, GitLabSubject.group('g').branch('r1/x')], undefined);
    expect(plan.covered.map((c) => [c.subject.sub, c.by.sub])).toEqual([['project_path:g/*:ref_type:branch:ref:r1/x', 'project_path:g/*:ref_type:branch:ref:r1/*']]);
  });
});
