// The causes of a failed condition, case by case: every branch of conditionCauses() with the exact words it gives,
// so that a cause that goes missing or a wrong one that appears is noticed (test/explain/causes.test.ts drives the
// same causes through whole roles and tokens).
import { claimOf, conditionCauses, subDistance, unevaluatedKeyCause } from '../../../src/private/explain/causes';
import { PolicyString, Unknown } from '../../../src/private/explain/policy';

const ISSUER = 'https://gitlab.com';
const sub = (ref: string, refType = 'branch', path = 'g/p') => `project_path:${path}:ref_type:${refType}:ref:${ref}`;
const causes = (operator: string, key: string, values: PolicyString[], actual: string[] | undefined) =>
  conditionCauses({ operator, key, values }, actual, ISSUER);

const LAYOUT_ADVICE = ': the project\'s sub layout (ci_id_token_sub_claim_components, set through the projects API) differs from the one the ' +
  'role was written for; declare the project\'s layout on its subject (subClaimLayout) or change the project back';
const UNPROTECTED = 'the job ran for an unprotected branch or tag: protect it (Settings > Repository > Protected branches or tags), ' +
  'or run the job from a protected one';
const OTHER_PROJECT = ': another project (a fork\'s merge request pipeline carries the fork\'s path), or a project that was moved or renamed';
const ref = (got: string, admitted: string) => `the job ran for ref "${got}", the policy admits ref "${admitted}"`;

describe('keys the token does not decide', () => {
  test.each([['aws:SourceIp'], ['sts:RoleSessionName'], ['AWS:PrincipalTag/x']])('%s is the request\'s, treated as absent', (key) => {
    expect(causes('StringEquals', key, ['x'], ['x'])).toEqual([`${key} is a key of the request, not of the token: this explanation does not know it and treats it as absent`]);
  });

  test('another issuer\'s key never sees a value', () => {
    expect(causes('StringEquals', 'gitlab.example.com:sub', ['a'], ['a'])).toEqual([
      'gitlab.example.com:sub is not a key of this issuer: STS names the keys of tokens from https://gitlab.com "gitlab.com:<claim>", so this ' +
      'condition never sees a value (a trailing slash, another host or a missing path in the key, or a condition meant for another provider)',
    ]);
  });

  test('a claim STS does not evaluate names the keys it does', () => {
    expect(causes('StringEquals', 'gitlab.com:pipeline_id', ['1'], ['1'])).toEqual([expect.stringMatching(
      /^STS never sets gitlab\.com:pipeline_id: for tokens from https:\/\/gitlab\.com it sets only gitlab\.com:sub, gitlab\.com:aud, .*gitlab\.com:user_login\. A positive condition on it can never pass, so this statement can never admit a job; check that claim through the sub claim instead$/)]);
  });

  test('keys are read without regard to case, as IAM reads them', () => {
    expect(unevaluatedKeyCause('GitLab.com:SUB', ISSUER)).toBeUndefined();
    expect(causes('StringEquals', 'GitLab.com:SUB', [sub('main')], [sub('dev')])).toEqual([ref('dev', 'main')]);
    expect([claimOf('GitLab.com:SUB'), claimOf('sub')]).toEqual(['sub', 'sub']);
  });
});

describe('the claim and the operator', () => {
  test.each<[string, string, PolicyString[], string[] | undefined, string[]]>([
    ['no such claim in the token', 'StringEquals', [sub('main')], undefined, ['the token has no sub claim, so STS sets no gitlab.com:sub and the condition fails']],
    ['Null', 'Null', ['true'], [sub('main')], ['Null requires gitlab.com:sub to be absent, and STS sets it from the token\'s sub claim']],
    ['a negated operator', 'StringNotEquals', [sub('main')], [sub('main')], ['StringNotEquals refuses these values and the token\'s sub is one of them']],
    ['a negated pattern operator', 'StringNotLike', [sub('m*')], [sub('main')], ['StringNotLike refuses these values and the token\'s sub is one of them']],
  ])('%s', (_name, operator, values, actual, expected) => {
    expect(causes(operator, 'gitlab.com:sub', values, actual)).toEqual(expected);
  });

  test('a wildcard under StringEquals that would match under StringLike', () => {
    expect(causes('StringEquals', 'gitlab.com:sub', ['project_path:g/*'], [sub('main')])).toEqual([
      '"project_path:g/*" holds a wildcard under StringEquals, which compares characters literally: it matches only a literal "*" or "?", ' +
      'which no GitLab claim contains; put wildcard values under StringLike',
    ]);
  });

  test('a wildcard under StringEquals that would not match either way is no wildcard cause: another group is', () => {
    expect(causes('StringEquals', 'gitlab.com:sub', ['project_path:h/*'], [sub('main')]))
      .toEqual([`the job's project is project_path:g/p, the policy admits project_path:h/*${OTHER_PROJECT}`]);
  });

  test('a wildcard under StringLike is not one', () => {
    expect(causes('StringLike', 'gitlab.com:sub', [sub('release/*')], [sub('main')]))
      .toEqual(['the job ran for ref "main", the policy admits only refs starting with "release/" (release/*)']);
  });
});

describe('values GitLab never gives', () => {
  test.each<[string, string, string, string[], string[]]>([
    ['ref_protected other than true or false', 'StringEquals', 'yes', ['true'], ['"yes" can never match: GitLab\'s ref_protected claim is "true" or "false"']],
    ['the same, under StringLike without a wildcard', 'StringLike', 'yes', ['false'], ['"yes" can never match: GitLab\'s ref_protected claim is "true" or "false"', UNPROTECTED]],
    ['a ref_protected pattern', 'StringLike', 't*', ['false'], [UNPROTECTED]],
    ['"true" against an unprotected ref', 'StringEquals', 'true', ['false'], [UNPROTECTED]],
    ['"false" against a protected ref', 'StringEquals', 'false', ['true'], ['the token\'s ref_protected "true" is none of the values the policy admits']],
  ])('%s', (_name, operator, value, actual, expected) => {
    expect(causes(operator, 'gitlab.com:ref_protected', [value], actual)).toEqual(expected);
  });

  test.each<[string, string, string, string, string[]]>([
    ['a ref_type other than branch or tag', 'StringEquals', sub('main', 'mr'), sub('main'), [
      '"project_path:g/p:ref_type:mr:ref:main" can never match: GitLab\'s ref_type is only "branch" or "tag", got: mr (merge request pipelines carry the source branch: ref_type:branch)',
      'the job ran for a branch, the policy admits a mr (ref_type): a tag pipeline is not a branch pipeline',
    ]],
    ['a ref_type pattern', 'StringLike', sub('main', 'b*'), sub('main', 'tag'), ['the job ran for a tag, the policy admits a b* (ref_type): a tag pipeline is not a branch pipeline']],
    ['a ref git refuses', 'StringEquals', sub('a..b'), sub('main'), [
      '"project_path:g/p:ref_type:branch:ref:a..b" can never match: GitLab refuses a branch or tag named "a..b": it must not contain ".." (git-check-ref-format)',
      ref('main', 'a..b'),
    ]],
    ['a ref pattern every instance of which GitLab refuses', 'StringLike', sub('-x*'), sub('main'), [
      expect.stringMatching(/^"project_path:g\/p:ref_type:branch:ref:-x\*" can never match: GitLab refuses a branch or tag named "-x\*": it must not start with "-"/),
      'the job ran for ref "main", the policy admits only refs starting with "-x" (-x*)',
    ]],
    ['a ref pattern GitLab may give', 'StringLike', sub('a.*'), sub('main'), ['the job ran for ref "main", the policy admits only refs starting with "a." (a.*)']],
  ])('%s', (_name, operator, value, actual, expected) => {
    expect(causes(operator, 'gitlab.com:sub', [value], [actual])).toEqual(expected);
  });
});

describe('case', () => {
  test('a path that differs only in case', () => {
    expect(causes('StringEquals', 'gitlab.com:sub', [sub('main', 'branch', 'g/P')], [sub('main')])).toEqual([
      'the values differ only in case: the token has "project_path:g/p:ref_type:branch:ref:main", the policy "project_path:g/P:ref_type:branch:ref:main"; ' +
      'IAM compares case-sensitively, and GitLab puts the project\'s path in its canonical case (as in its URL): write the path exactly as GitLab shows it',
    ]);
  });

  test('a ref that differs only in case, under StringEquals and StringLike', () => {
    expect(causes('StringEquals', 'gitlab.com:sub', [sub('Main')], [sub('main')])).toEqual([
      'the values differ only in case: the token has "project_path:g/p:ref_type:branch:ref:main", the policy "project_path:g/p:ref_type:branch:ref:Main"; ' +
      'IAM compares case-sensitively, and so does git: "main" and "Main" are different refs',
    ]);
    expect(causes('StringLike', 'gitlab.com:sub', [sub('Ma*')], [sub('main')])).toEqual([
      expect.stringMatching(/^the values differ only in case: .*"main" and "Ma\*" are different refs$/),
      'the job ran for ref "main", the policy admits only refs starting with "Ma" (Ma*)',
    ]);
  });

  test('a value that differs in more than case is no case cause', () => {
    expect(causes('StringEquals', 'gitlab.com:sub', [sub('Mainx')], [sub('main')])).toEqual([ref('main', 'Mainx')]);
  });

  test('under an IgnoreCase operator, case is no cause', () => {
    expect(causes('StringEqualsIgnoreCase', 'gitlab.com:sub', [sub('other')], [sub('main')])).toEqual([ref('main', 'other')]);
  });

  test('case in another claim than sub', () => {
    expect(causes('StringEquals', 'gitlab.com:user_login', ['Alice'], ['alice'])).toEqual([
      'the values differ only in case: the token has "alice", the policy "Alice"; IAM compares case-sensitively: write the value exactly as the token carries it',
    ]);
  });
});

describe('the audience and the fallback', () => {
  test('the audience the job asked for, and the one to ask for', () => {
    expect(causes('StringEquals', 'gitlab.com:aud', ['a', 'b'], ['c']))
      .toEqual(['the job requested the audience "c" but the policy requires "a" or "b": set the job\'s id_tokens entry to aud: a']);
  });

  test('an audience set at deployment is said to be one', () => {
    expect(causes('StringEquals', 'gitlab.com:aud', [new Unknown('{"Ref":"Audience"}')], ['c']))
      .toEqual(['the job requested the audience "c" but the policy requires an audience set at deployment: set the job\'s id_tokens entry to aud: <the role\'s audience>']);
  });

  test('a token with several audiences names each', () => {
    expect(causes('StringEquals', 'gitlab.com:aud', ['a'], ['c', 'd']))
      .toEqual(['the job requested the audience "c", "d" but the policy requires "a": set the job\'s id_tokens entry to aud: a']);
  });

  test('a value that is just not admitted', () => {
    expect(causes('StringEquals', 'gitlab.com:project_id', ['1', '2'], ['3'])).toEqual(['the token\'s project_id "3" is none of the values the policy admits']);
  });

  test('no literal value to compare with: no cause rather than a wrong one', () => {
    expect(causes('StringEquals', 'gitlab.com:project_id', [new Unknown('x')], ['3'])).toEqual([]);
  });
});

describe('the sub, component by component', () => {
  test.each<[string, string[], string, string[]]>([
    ['not in name:value form', [sub('main')], 'garbage', ['the token\'s sub "garbage" is not in GitLab\'s name:value form']],
    ['another layout, each expected layout named once', [sub('main'), sub('dev'), 'project_id:1:ref_type:branch:ref:main'], 'project_path:g/p:ref:main',
      [`the token's sub has the components project_path, ref, but the policy expects project_path, ref_type, ref or project_id, ref_type, ref${LAYOUT_ADVICE}`]],
    ['another project', [sub('main', 'branch', 'g/q')], sub('main'), [`the job's project is project_path:g/p, the policy admits project_path:g/q${OTHER_PROJECT}`]],
    ['another project ID', ['project_id:1:ref_type:branch:ref:main'], 'project_id:2:ref_type:branch:ref:main',
      [`the job's project is project_id:2, the policy admits project_id:1${OTHER_PROJECT}`]],
    ['a branch for a tag', [sub('main', 'tag')], sub('main'), ['the job ran for a branch, the policy admits a tag (ref_type): a tag pipeline is not a branch pipeline']],
    ['another ref', [sub('dev')], sub('main'), [ref('main', 'dev')]],
    ['an unprotected ref where protected ones are admitted', [`${sub('main')}:ref_protected:true`], `${sub('main')}:ref_protected:false`,
      ['the job ran for an unprotected ref, the policy admits protected refs only: protect the branch or tag, or run from a protected one']],
    ['a protected ref where unprotected ones are admitted', [`${sub('main')}:ref_protected:false`], `${sub('main')}:ref_protected:true`,
      ['the job\'s ref_protected is true, the policy admits false']],
    ['another tier', [`${sub('main')}:deployment_tier:production`], `${sub('main')}:deployment_tier:staging`,
      ['the job\'s deployment_tier is "staging", the policy admits "production"']],
    ['the closest admitted value only', [sub('a', 'tag', 'g/x'), sub('b'), sub('c', 'branch', 'g/y')], sub('main'), [ref('main', 'b')]],
    ['at most three equally close values', [sub('a'), sub('b'), sub('c'), sub('d')], sub('main'), [ref('main', 'a'), ref('main', 'b'), ref('main', 'c')]],
    ['each cause once', [sub('dev'), sub('dev')], sub('main'), [ref('main', 'dev')]],
  ])('%s', (_name, values, actual, expected) => {
    expect(causes('StringEquals', 'gitlab.com:sub', values, [actual])).toEqual(expected);
  });

  test.each<[string, string, string[]]>([
    ['a group\'s pattern, for a job of another group', 'project_path:h/*', [`the job's project is project_path:g/p, the policy admits project_path:h/*${OTHER_PROJECT}`]],
    ['a project\'s any-ref pattern, for a job of another project', 'project_path:g/q:*', [`the job's project is project_path:g/p, the policy admits project_path:g/q:*${OTHER_PROJECT}`]],
    ['a subgroup\'s pattern, for a job of its parent group', 'project_path:g/q/*', [`the job's project is project_path:g/p, the policy admits project_path:g/q/*${OTHER_PROJECT}`]],
  ])('%s: the * runs through the rest of the claim, so the layout is the token\'s', (_name, pattern, expected) => {
    expect(causes('StringLike', 'gitlab.com:sub', [pattern], [sub('main')])).toEqual(expected);
  });

  test('a shorter value without a trailing * is another layout', () => {
    expect(causes('StringLike', 'gitlab.com:sub', ['project_path:g/p'], [sub('main')]))
      .toEqual([`the token's sub has the components project_path, ref_type, ref, but the policy expects project_path${LAYOUT_ADVICE}`]);
  });

  test('two sub values in a token (a list claim) are compared as a whole', () => {
    expect(causes('StringEquals', 'gitlab.com:sub', [sub('main')], ['a', 'b'])).toEqual(['the token\'s sub "a", "b" is none of the values the policy admits']);
  });

  test('under StringLike, only the components the pattern does not match are causes', () => {
    expect(causes('StringLike', 'gitlab.com:sub', ['project_path:g/*:ref_type:tag:ref:v?'], [sub('main')])).toEqual([
      'the job ran for a branch, the policy admits a tag (ref_type): a tag pipeline is not a branch pipeline',
      ref('main', 'v?'),
    ]);
  });
});

describe('subDistance: how many components the nearest admitted value differs in', () => {
  test.each<[string, string[], string, boolean, number]>([
    ['a token sub not in name:value form', [sub('main')], 'garbage', false, 0],
    ['another layout counts every component and one', ['project_id:1:ref_type:branch:ref:main'], sub('main'), false, 4],
    ['no admitted value at all, the same', [], sub('main'), false, 4],
    ['the nearest of several', [sub('dev'), sub('main', 'tag', 'g/q')], sub('main'), false, 1],
    ['a pattern under StringLike matches', [sub('m*')], sub('main'), true, 0],
    ['the same pattern under StringEquals does not', [sub('m*')], sub('main'), false, 1],
    ['an exact match', [sub('main')], sub('main'), false, 0],
    ['a group pattern that matches', ['project_path:g/*'], sub('main'), true, 0],
    ['a project\'s any-ref pattern that matches', ['project_path:g/p:*'], sub('main'), true, 0],
    ['another group\'s pattern: its one component differs', ['project_path:h/*'], sub('main'), true, 1],
    ['a shorter value without a *: another layout', ['project_path:g/p'], sub('main'), true, 4],
  ])('%s: %i', (_name, expected, actual, like, distance) => {
    expect(subDistance(expected, actual, like)).toBe(distance);
  });
});

describe('what the operator already allows for', () => {
  test('under an IgnoreCase operator a difference in case is no cause', () => {
    expect(causes('StringEqualsIgnoreCase', 'gitlab.com:project_id', ['A1'], ['a1'])).toEqual(['the token\'s project_id "a1" is none of the values the policy admits']);
  });

  test('under StringLike a wildcard is no cause', () => {
    expect(causes('StringLike', 'gitlab.com:sub', ['project_path:g/*'], [sub('main')])).not.toContainEqual(expect.stringContaining('holds a wildcard'));
  });

  test('a wildcard under StringEquals is named when it would match any of the token\'s values', () => {
    expect(causes('StringEquals', 'gitlab.com:project_id', ['4*'], ['9', '42'])).toContainEqual(expect.stringMatching(/^"4\*" holds a wildcard under StringEquals/));
  });

  test('a ref pattern with no literal prefix names the pattern, not an empty prefix', () => {
    expect(causes('StringLike', 'gitlab.com:sub', [sub('*-hotfix')], [sub('main')])).toEqual([ref('main', '*-hotfix')]);
  });
});
