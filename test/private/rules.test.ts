// Rules that follow GitLab's own validators and how STS finds providers, each pinned from both sides:
// GitLab's path and ref rules (lib/gitlab/path_regex.rb, lib/gitlab/git_ref_validator.rb), safe IDs,
// the provider's account, raw subjects that would admit projects they do not name, and the anyRef
// warning for every way a subject can admit any branch or tag.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import {
  GitLabOidcProvider, GitLabRunnerRole, GitLabSubClaimComponent as C, GitLabSubClaimLayout, GitLabSubject, IGitLabOidcProvider,
} from '../../src';

const ACCOUNT = '111122223333';

function stack(account: string | undefined = ACCOUNT) {
  return new Stack(new App(), 'Stack', account ? { env: { account, region: 'eu-west-1' } } : {});
}

describe('GitLab paths: a group segment may not end in "." (namespace rule); a project\'s may', () => {
  test.each<[string, () => unknown, string]>([
    ['project in a group ending in "."', () => GitLabSubject.project('mygroup./app'), 'group segment "mygroup." must not end in "."'],
    ['project in a subgroup ending in "."', () => GitLabSubject.project('g/sub./app'), 'group segment "sub." must not end in "."'],
    ['group ending in "."', () => GitLabSubject.group('g.'), 'GitLab group path group segment "g." must not end in "."'],
    ['single "." group', () => GitLabSubject.group('g/.'), 'group segment "." must not end in "."'],
    ['raw group form', () => GitLabSubject.fromSub('project_path:g./*'), 'group path group segment "g." must not end in "."'],
  ])('%s is refused', (_name, build, message) => {
    expect(build).toThrow(message);
  });

  test.each(['g/app.', 'g/.', 'g_/a-/p', 'a/b-/c'])('project path %j is accepted', (path) => {
    expect(GitLabSubject.project(path).branch('main').sub).toBe(`project_path:${path}:ref_type:branch:ref:main`);
  });
});

describe('GitLab IDs are safe integers, so they render as their digits', () => {
  test.each<[string, () => unknown]>([
    ['projectId(2^53)', () => GitLabSubject.projectId(2 ** 53)],
    ['projectId(1e21)', () => GitLabSubject.projectId(1e21)],
  ])('%s is refused', (_name, build) => {
    expect(build).toThrow(`GitLab project ID must be at most ${Number.MAX_SAFE_INTEGER}: larger numbers lose digits in JavaScript`);
  });

  test('the largest safe integer is accepted and renders as its digits', () => {
    expect(GitLabSubject.projectId(Number.MAX_SAFE_INTEGER).branch('main').sub).toBe('project_id:9007199254740991:ref_type:branch:ref:main');
  });

  test.each(['projectIds', 'namespaceIds', 'userIds'])('claimConditions.%s beyond the safe range is refused', (field) => {
    const s = stack();
    const provider = new GitLabOidcProvider(s, 'GitLab');
    expect(() => new GitLabRunnerRole(s, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')], claimConditions: { [field]: [1e21] } }))
      .toThrow('claimConditions: a GitLab ID must be at most 9007199254740991: larger numbers lose digits in JavaScript, got: 1e+21');
  });
});

describe('STS looks the provider up in the role\'s own account', () => {
  test('fromAccount refuses an account that is not 12 digits', () => {
    const s = stack();
    expect(() => GitLabOidcProvider.fromAccount(s, 'GitLab', { account: 'prod' })).toThrow('GitLabOidcProvider.fromAccount account must be a 12-digit AWS account ID, got: "prod"');
    expect(() => GitLabOidcProvider.fromAccount(s, 'GitLab2', { account: '12345678901' })).toThrow('got: "12345678901"');
  });

  test.each<[string, (s: Stack) => IGitLabOidcProvider]>([
    ['fromAccount with another account', (s) => GitLabOidcProvider.fromAccount(s, 'GitLab', { account: '444455556666' })],
    ['fromProviderAttributes with another account\'s ARN', (s) => GitLabOidcProvider.fromProviderAttributes(s, 'GitLab', { providerArn: 'arn:aws:iam::444455556666:oidc-provider/gitlab.com' })],
  ])('a role cannot trust a provider of another account: %s', (_name, provider) => {
    const s = stack();
    expect(() => new GitLabRunnerRole(s, 'Role', { provider: provider(s), subjects: [GitLabSubject.project('g/p').branch('main')] }))
      .toThrow('GitLabRunnerRole must trust a provider in its own account 111122223333: STS looks the provider up in the role\'s account, so no job could assume it, got: a provider in account 444455556666');
  });

  test.each<[string, string | undefined, (s: Stack) => IGitLabOidcProvider]>([
    ['fromAccount in the role\'s account', ACCOUNT, (s) => GitLabOidcProvider.fromAccount(s, 'GitLab', { account: ACCOUNT })],
    ['fromProviderAttributes in the role\'s account', ACCOUNT, (s) => GitLabOidcProvider.fromProviderAttributes(s, 'GitLab', { providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/gitlab.com` })],
    ['an env-agnostic stack (accounts known at deploy only)', undefined, (s) => GitLabOidcProvider.fromAccount(s, 'GitLab')],
    ['a provider created in the stack', ACCOUNT, (s) => new GitLabOidcProvider(s, 'GitLab')],
  ])('%s is accepted', (_name, account, provider) => {
    const s = stack(account);
    new GitLabRunnerRole(s, 'Role', { provider: provider(s), subjects: [GitLabSubject.project('g/p').branch('main')] });
    Template.fromStack(s).resourceCountIs('AWS::IAM::Role', 1);
  });
});

test('withClaimConditions({}) holds no condition, so a self-managed provider accepts it', () => {
  const s = stack();
  const provider = new GitLabOidcProvider(s, 'GitLab', { url: 'https://gitlab.example.com' });
  new GitLabRunnerRole(s, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main').withClaimConditions({})] });
  expect(() => new GitLabRunnerRole(s, 'Role2', { provider, subjects: [GitLabSubject.project('g/p').branch('main').withClaimConditions({ refProtected: true })] }))
    .toThrow('claim conditions work only with the gitlab.com provider');
});

describe('a raw subject names its projects, or widens only when it says so', () => {
  test.each([
    'project_path:g/api*:ref_type:branch:ref:main',
    'project_path:g/api?:ref_type:branch:ref:main',
    'project_path:g/*/api:ref_type:branch:ref:main',
    'project_path:g/sub*/app:*',
  ])('%j is refused without allowProjectWildcards', (sub) => {
    expect(() => GitLabSubject.fromSub(sub)).toThrow(`a wildcard inside a project path ("mygroup/api*") also admits other projects ("mygroup/api-evil"); pass allowProjectWildcards: true if that is intended, got: ${JSON.stringify(sub)}`);
  });

  test('with allowProjectWildcards it is accepted, and the role warns', () => {
    const s = stack();
    const provider = new GitLabOidcProvider(s, 'GitLab');
    new GitLabRunnerRole(s, 'Role', { provider, subjects: [GitLabSubject.fromSub('project_path:g/api*:ref_type:branch:ref:main', { allowProjectWildcards: true })] });
    const warnings = Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('cdk-gitlab-oidc:projectWildcard'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/subject "project_path:g\/api\*:ref_type:branch:ref:main" admits every project whose path matches its pattern/);
  });

  // The top-level group is what comes before the first "/", read even when no "/" follows or a group pattern comes later.
  test.each<[string, string]>([
    ['project_path:g*', 'must name a literal top-level group before any wildcard'],
    ['project_path:a*/b/*', 'must name a literal top-level group before any wildcard'],
    ['project_path:/a*', 'top-level group must not be empty'],
    ['project_path:a./b*', 'top-level group group segment "a." must not end in "."'],
  ])('%j with allowProjectWildcards is refused: %s', (sub, message) => {
    expect(() => GitLabSubject.fromSub(sub, { allowProjectWildcards: true })).toThrow(`GitLab sub ${message}`);
  });

  test.each(['project_path:*', 'project_path:g*/p:ref_type:branch:ref:main', 'project_path:*/p:*'])('%j is refused even with allowProjectWildcards: no literal top-level group', (sub) => {
    expect(() => GitLabSubject.fromSub(sub, { allowProjectWildcards: true })).toThrow('must name a literal top-level group before any wildcard');
  });

  test.each(['project_path:g/*:ref_type:branch:ref:main', 'project_path:g/sub/*', 'project_path:g/p:ref_type:branch:ref:main'])('%j (one project, or every project of a group) needs no opt-in and is not warned about', (sub) => {
    const s = stack();
    const provider = new GitLabOidcProvider(s, 'GitLab');
    new GitLabRunnerRole(s, 'Role', { provider, subjects: [GitLabSubject.fromSub(sub)] });
    expect(Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('projectWildcard'))).toEqual([]);
  });
});

describe('the anyRef warning follows what each subject admits, in every layout', () => {
  const layout = (...components: C[]) => ({ subClaimLayout: GitLabSubClaimLayout.of(...components) });
  const warned = (subject: GitLabSubject, claimConditions?: object) => {
    const s = stack();
    const provider = new GitLabOidcProvider(s, 'GitLab');
    new GitLabRunnerRole(s, 'Role', { provider, subjects: [subject], claimConditions });
    return Annotations.fromStack(s).findWarning('*', Match.stringLikeRegexp('cdk-gitlab-oidc:anyRef')).length > 0;
  };

  test.each<[string, () => GitLabSubject, boolean]>([
    ['anyBranch()', () => GitLabSubject.project('g/p').anyBranch(), true],
    ['anyTag()', () => GitLabSubject.project('g/p').anyTag(), true],
    ['group anyRef()', () => GitLabSubject.group('g').anyRef(), true],
    ['branch("**")', () => GitLabSubject.project('g/p').branch('**'), true],
    ['ref("*")', () => GitLabSubject.project('g/p').ref('*'), true],
    ['ref-first layout, anyBranch()', () => GitLabSubject.project('g/p', layout(C.PROJECT_PATH, C.REF, C.REF_TYPE)).anyBranch(), true],
    ['layout without ref, anyBranch()', () => GitLabSubject.project('g/p', layout(C.PROJECT_PATH, C.REF_TYPE)).anyBranch(), true],
    ['project-ID layout, anyTag()', () => GitLabSubject.projectId(42).anyTag(), true],
    ['subClaimRefProtected: false layout, anyBranch()', () => GitLabSubject.project('g/p', { ...layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED), subClaimRefProtected: false }).anyBranch(), true],
    ['subClaimRefProtected: true layout, anyBranch()', () => GitLabSubject.project('g/p', { ...layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED), subClaimRefProtected: true }).anyBranch(), false],
    ['raw, ref wildcard', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:*'), true],
    ['raw, no ref component', () => GitLabSubject.fromSub('project_path:g/p:ref_type:tag'), true],
    ['raw, trailing wildcard', () => GitLabSubject.fromSub('project_path:g/p:*'), true],
    ['raw, protected refs only', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:*:ref_protected:true'), false],
    ['a named branch', () => GitLabSubject.project('g/p').branch('main'), false],
    ['a branch pattern', () => GitLabSubject.project('g/p').branch('release/*'), false],
    ['raw, a named ref', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:main'), false],
  ])('%s: warned %s', (_name, subject, expected) => {
    expect(warned(subject())).toBe(expected);
  });

  test('a role condition requiring protected refs silences it', () => {
    expect(warned(GitLabSubject.project('g/p', layout(C.PROJECT_PATH, C.REF_TYPE)).anyBranch(), { refProtected: true })).toBe(false);
  });
});
