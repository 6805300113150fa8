import { GitLabDeploymentTier, GitLabSubClaimComponent as C, GitLabSubClaimLayout, GitLabSubject } from '../src';

const layout = (...components: C[]) => GitLabSubClaimLayout.of(...components);

describe('every sub layout GitLab can emit renders exactly', () => {
  test.each([
    ['default layout', () => GitLabSubject.project('g/p').branch('main'), 'project_path:g/p:ref_type:branch:ref:main'],
    ['explicit default layout', () => GitLabSubject.project('g/p', { subClaimLayout: GitLabSubClaimLayout.DEFAULT }).tag('v1'), 'project_path:g/p:ref_type:tag:ref:v1'],
    ['ref before ref_type', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF, C.REF_TYPE) }).branch('main'), 'project_path:g/p:ref:main:ref_type:branch'],
    ['ref before ref_type, any branch', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF, C.REF_TYPE) }).anyBranch(), 'project_path:g/p:ref:*:ref_type:branch'],
    ['ref only', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF) }).ref('main'), 'project_path:g/p:ref:main'],
    ['ref only, pattern', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF) }).ref('release/*'), 'project_path:g/p:ref:release/*'],
    ['ref_type only', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE) }).anyTag(), 'project_path:g/p:ref_type:tag'],
    ['project path only', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH) }).anyRef(), 'project_path:g/p'],
    ['group, project path only', () => GitLabSubject.group('g', { subClaimLayout: layout(C.PROJECT_PATH) }).anyRef(), 'project_path:g/*'],
    ['default layout, ref() of either type', () => GitLabSubject.project('g/p').ref('main'), 'project_path:g/p:ref_type:*:ref:main'],
    ['project ID first', () => GitLabSubject.projectId(4211006).branch('main'), 'project_id:4211006:ref_type:branch:ref:main'],
    ['project ID first, any ref', () => GitLabSubject.projectId(42).anyRef(), 'project_id:42:*'],
    ['project ID, ref only', () => GitLabSubject.projectId(42, { subClaimLayout: layout(C.PROJECT_ID, C.REF) }).ref('v*'), 'project_id:42:ref:v*'],
    ['ref_protected given', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED), subClaimRefProtected: true }).anyBranch(),
      'project_path:g/p:ref_type:branch:ref:*:ref_protected:true'],
    ['ref_protected open', () => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED) }).branch('main'),
      'project_path:g/p:ref_type:branch:ref:main:ref_protected:*'],
    ['environment components', () => GitLabSubject.project('g/p', {
      subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.ENVIRONMENT_PROTECTED, C.DEPLOYMENT_TIER),
      subClaimEnvironmentProtected: true,
      subClaimDeploymentTier: GitLabDeploymentTier.PRODUCTION,
    }).branch('main'), 'project_path:g/p:ref_type:branch:ref:main:environment_protected:true:deployment_tier:production'],
  ])('%s', (_name, subject, sub) => {
    expect(subject().sub).toBe(sub);
    expect(subject().isPattern).toBe(sub.includes('*'));
  });

  test('a layout reads back as GitLab lists it', () => {
    expect(layout(C.PROJECT_PATH, C.REF, C.REF_TYPE).toString()).toBe('project_path,ref,ref_type');
    expect(GitLabSubClaimLayout.PROJECT_ID.toString()).toBe('project_id,ref_type,ref');
  });
});

describe('layouts and subjects that cannot work are refused', () => {
  test.each([
    [() => layout(), 'must start with project_path or project_id'],
    [() => layout(C.REF, C.PROJECT_PATH), 'must start with project_path or project_id'],
    [() => layout(C.PROJECT_PATH, C.PROJECT_ID), 'must name the project once, first'],
    [() => layout(C.PROJECT_PATH, C.REF, C.REF), 'must not repeat a component'],
    [() => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF) }).branch('main'), 'has no ref_type, so a branch cannot be told from a tag'],
    [() => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF) }).anyTag(), 'has no ref_type, so a tag cannot be told from a branch'],
    [() => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE) }).branch('main'), 'has no ref, so a ref name cannot be checked, got: "main"'],
    [() => GitLabSubject.project('g/p', { subClaimLayout: GitLabSubClaimLayout.PROJECT_ID }), 'GitLabSubject.project() needs a sub claim layout that starts with project_path'],
    [() => GitLabSubject.group('g', { subClaimLayout: GitLabSubClaimLayout.PROJECT_ID }), 'GitLabSubject.group() needs a sub claim layout that starts with project_path'],
    [() => GitLabSubject.projectId(42, { subClaimLayout: GitLabSubClaimLayout.DEFAULT }), 'GitLabSubject.projectId() needs a sub claim layout that starts with project_id'],
    [() => GitLabSubject.projectId(0), 'project ID must be a positive integer, got: 0'],
    [() => GitLabSubject.projectId(1.5), 'project ID must be a positive integer, got: 1.5'],
    [() => GitLabSubject.project('g/p', { subClaimRefProtected: true }), 'subClaimRefProtected needs a sub claim layout with ref_protected'],
    [() => GitLabSubject.project('g/p', { subClaimDeploymentTier: GitLabDeploymentTier.STAGING }), 'subClaimDeploymentTier needs a sub claim layout with deployment_tier'],
    [() => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.DEPLOYMENT_TIER) }), 'a sub claim layout with deployment_tier needs subClaimDeploymentTier: GitLab leaves deployment_tier out of jobs without an environment, so no single pattern can admit both, got: "project_path,ref_type,ref,deployment_tier"'],
    [() => GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.ENVIRONMENT_PROTECTED) }), 'a sub claim layout with environment_protected needs subClaimEnvironmentProtected'],
  ])('%#: %s', (build, message) => {
    expect(build).toThrow(message);
  });

  test('wildcard safety holds in every layout: names are validated the same way', () => {
    const refOnly = GitLabSubject.project('g/p', { subClaimLayout: layout(C.PROJECT_PATH, C.REF) });
    expect(() => refOnly.ref('a:b')).toThrow('ref name must not contain');
    expect(() => refOnly.ref('a?b')).toThrow('ref name must not contain');
    expect(() => GitLabSubject.group('g*', { subClaimLayout: layout(C.PROJECT_PATH) })).toThrow('must not contain "*" or "?"');
  });
});

// The names GitLab gives the sub claim's components and the deployment tiers it knows (environment.tier).
test.each<[string, string, string]>([
  ['GitLabSubClaimComponent.PROJECT_PATH', C.PROJECT_PATH, 'project_path'],
  ['GitLabSubClaimComponent.PROJECT_ID', C.PROJECT_ID, 'project_id'],
  ['GitLabSubClaimComponent.REF_TYPE', C.REF_TYPE, 'ref_type'],
  ['GitLabSubClaimComponent.REF', C.REF, 'ref'],
  ['GitLabSubClaimComponent.REF_PROTECTED', C.REF_PROTECTED, 'ref_protected'],
  ['GitLabSubClaimComponent.ENVIRONMENT_PROTECTED', C.ENVIRONMENT_PROTECTED, 'environment_protected'],
  ['GitLabSubClaimComponent.DEPLOYMENT_TIER', C.DEPLOYMENT_TIER, 'deployment_tier'],
  ['GitLabDeploymentTier.PRODUCTION', GitLabDeploymentTier.PRODUCTION.value, 'production'],
  ['GitLabDeploymentTier.STAGING', GitLabDeploymentTier.STAGING.value, 'staging'],
  ['GitLabDeploymentTier.TESTING', GitLabDeploymentTier.TESTING.value, 'testing'],
  ['GitLabDeploymentTier.DEVELOPMENT', GitLabDeploymentTier.DEVELOPMENT.value, 'development'],
  ['GitLabDeploymentTier.OTHER', GitLabDeploymentTier.OTHER.value, 'other'],
])('%s is %j', (_name, actual, expected) => {
  expect(actual).toBe(expected);
});

test('GitLabDeploymentTier.of() takes GitLab\'s five tiers and nothing else: subjects and environments agree (a sixth would match no job)', () => {
  const T = GitLabDeploymentTier;
  for (const tier of [T.PRODUCTION, T.STAGING, T.TESTING, T.DEVELOPMENT, T.OTHER]) {
    expect(GitLabDeploymentTier.of(tier.value).value).toBe(tier.value);
  }
  expect(GitLabSubject.project('g/p', {
    subClaimLayout: layout(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.DEPLOYMENT_TIER),
    subClaimDeploymentTier: GitLabDeploymentTier.of('staging'),
  }).branch('main').sub).toBe('project_path:g/p:ref_type:branch:ref:main:deployment_tier:staging');
  for (const value of ['', 'qa', 'canary', 'pre_production', 'Production', 'prod*', 'a:b']) {
    expect(() => GitLabDeploymentTier.of(value)).toThrow('a deployment tier must be one of GitLab\'s tiers (production, staging, testing, development, other), ' +
      `got: ${JSON.stringify(value)}`);
  }
});
