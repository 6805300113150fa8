// Each GitLab and IAM fact the library encodes is stated once (src/private/rules/): the sub claim's codec and the
// way IAM reads a condition string. These tests pin the catalogs, and that the places that read them agree.
import { App, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubClaimComponent, GitLabSubClaimLayout, GitLabSubject, GitLabTokenClaims } from '../../../src';
import { hasPolicyVariable, hasWildcard, instanceOf, isAnyValue, isExactValue } from '../../../src/private/rules/iam-strings';
import { layoutOf, parseSub, renderSub, SUB_COMPONENTS, subComponent } from '../../../src/private/rules/sub-claim';

describe('the sub claim codec', () => {
  test('knows every component of the public enum, in its order', () => {
    expect(SUB_COMPONENTS).toEqual(['project_path', 'project_id', 'ref_type', 'ref', 'ref_protected', 'environment_protected', 'deployment_tier']);
    expect(SUB_COMPONENTS).toEqual(Object.values(GitLabSubClaimComponent));
  });

  test.each([
    ['project_path:g/p:ref_type:branch:ref:main'],
    ['project_id:42:ref_type:tag:ref:v1.0.0'],
    ['project_path:g/p:ref_type:branch:ref:main:ref_protected:true:environment_protected:true:deployment_tier:production'],
  ])('reads back what it renders: %s', (sub) => {
    const parts = parseSub(sub)!;
    expect(renderSub(parts)).toBe(sub);
    expect(parts.every((p) => SUB_COMPONENTS.includes(p.name))).toBe(true);
  });

  test.each<[string, Record<string, string> | undefined]>([
    ['project_path:g/p:*', { project_path: 'g/p:*' }],
    ['project_path:g/*', { project_path: 'g/*' }],
    ['project_path:g/p:*:ref:main', { project_path: 'g/p:*', ref: 'main' }],
    ['project_path:g/p:ref_type:branch:*', { project_path: 'g/p', ref_type: 'branch:*' }],
    ['project_path:g/p:ref', { project_path: 'g/p:ref' }],
    ['repo:g/p:ref:refs/heads/main', undefined],
    ['', undefined],
  ])('reads a pattern %j component by component, a wildcard\'s ":" staying with the component before it', (sub, expected) => {
    const parts = parseSub(sub);
    expect(parts && Object.fromEntries(parts.map((p) => [p.name, p.value]))).toEqual(expected);
  });

  test('finds a component\'s own value, and names a layout', () => {
    const parts = parseSub('project_path:g/p:ref_type:branch:ref:main');
    expect(subComponent(parts, 'ref')).toBe('main');
    // No value holds ":": in a pattern, what follows one stands for the components after it.
    expect(subComponent(parseSub('project_path:g/p:ref_type:branch:ref:main:*'), 'ref')).toBe('main');
    expect(subComponent(parseSub('project_path:g/p:*'), 'project_path')).toBe('g/p');
    expect(subComponent(parts, 'deployment_tier')).toBeUndefined();
    expect(subComponent(undefined, 'ref')).toBeUndefined();
    expect(layoutOf(parts!)).toBe('project_path, ref_type, ref');
  });

  test('subjects and explain\'s sample jobs render the same claim in every layout', () => {
    const C = GitLabSubClaimComponent;
    const layouts = [
      GitLabSubClaimLayout.DEFAULT,
      GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF, C.REF_TYPE),
      GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED),
    ];
    for (const layout of layouts) {
      const subClaimRefProtected = layout.includes(C.REF_PROTECTED) ? true : undefined;
      const subject = GitLabSubject.project('g/p', { subClaimLayout: layout, subClaimRefProtected }).branch('main');
      const claims = GitLabTokenClaims.forJob({ projectPath: 'g/p', branch: 'main', subClaimLayout: layout, refProtected: true });
      expect(claims.claims.sub).toBe(subject.sub);
    }
  });
});

describe('a raw subject\'s refs are read with the same codec', () => {
  // Before, raw subjects read `name:value` pairs two by two and took `project_path:g/p:*:ref:main` for any ref.
  test.each<[string, boolean]>([
    ['project_path:g/p:*:ref:main', false],
    ['project_path:g/p:ref_type:branch:*', true],
    ['project_path:g/p:ref_type:branch:ref:*', true],
    ['project_path:g/p:ref_type:branch:ref:main', false],
    ['project_path:g/p:ref_type:branch:ref:main:*', false],
  ])('%s warns anyRef: %s', (sub, warns) => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.fromSub(sub)] });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('anyRef'));
    expect(warnings.length > 0).toBe(warns);
  });
});

describe('how IAM reads a condition string', () => {
  test.each<[string, boolean, boolean, boolean, boolean]>([
    // value, wildcard, policy variable, exact, every value
    ['main', false, false, true, false],
    ['release/*', true, false, false, false],
    ['v?', true, false, false, false],
    ['*', true, false, false, true],
    ['**', true, false, false, true],
    ['${aws:username}', false, true, false, false],
    ['$main', false, false, true, false],
  ])('%j', (value, wildcard, variable, exact, any) => {
    expect([hasWildcard(value), hasPolicyVariable(value), isExactValue(value), isAnyValue(value)]).toEqual([wildcard, variable, exact, any]);
  });

  test('a pattern\'s instance replaces each wildcard with one character', () => {
    expect(instanceOf('release/*-v?')).toBe('release/x-vx');
  });
});
