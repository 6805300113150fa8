// GitLabRunnerRole.explain() and GitLabTokenClaims: the claims a job presents, the verdict with deploy-time
// values in the role (each kind of token), and the refusal of deploy-time values in the claims.
import { App, CfnParameter, Fn, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import {
  GitLabDeploymentTier, GitLabOidcProvider, GitLabRunnerRole, GitLabSubClaimComponent, GitLabSubClaimLayout, GitLabSubject,
  GitLabTokenClaims, GitLabTrustVerdict,
} from '../../src';

const C = GitLabSubClaimComponent;

test('forJob: the claims GitLab puts in a job\'s token, the sub in the project\'s layout', () => {
  expect(GitLabTokenClaims.forJob({ projectPath: 'mygroup/sub/myproject' }).claims).toEqual({
    iss: 'https://gitlab.com',
    aud: 'https://gitlab.com',
    project_path: 'mygroup/sub/myproject',
    namespace_path: 'mygroup/sub',
    ref_type: 'branch',
    ref: 'main',
    ref_path: 'refs/heads/main',
    ref_protected: 'false',
    sub: 'project_path:mygroup/sub/myproject:ref_type:branch:ref:main',
  });
  const tagged = GitLabTokenClaims.forJob({
    projectPath: 'g/p',
    projectId: 42,
    tag: 'v1',
    refProtected: true,
    environmentProtected: true,
    deploymentTier: GitLabDeploymentTier.PRODUCTION,
    subClaimLayout: GitLabSubClaimLayout.of(C.PROJECT_ID, C.REF, C.REF_PROTECTED, C.ENVIRONMENT_PROTECTED, C.DEPLOYMENT_TIER),
    issuer: 'https://gitlab.example.com',
    audience: 'sts.amazonaws.com',
    claims: { pipeline_source: 'push' },
  });
  expect(tagged.claims).toMatchObject({ iss: 'https://gitlab.example.com', aud: 'sts.amazonaws.com', ref_path: 'refs/tags/v1', project_id: '42', pipeline_source: 'push' });
  expect(tagged.sub).toBe('project_id:42:ref:v1:ref_protected:true:environment_protected:true:deployment_tier:production');
  // A component without a value is left out, as GitLab does.
  expect(GitLabTokenClaims.forJob({ projectPath: 'g/p', subClaimLayout: GitLabSubClaimLayout.of(C.PROJECT_PATH, C.DEPLOYMENT_TIER) }).sub).toBe('project_path:g/p');
});

test.each<[string, () => unknown, string]>([
  ['a path GitLab cannot have', () => GitLabTokenClaims.forJob({ projectPath: 'p' }), 'projectPath must have at least 2 segments ("group/project"), got: "p"'],
  ['a branch and a tag', () => GitLabTokenClaims.forJob({ projectPath: 'g/p', branch: 'main', tag: 'v1' }),
    'a job runs for a branch or a tag, not both, got: branch "main" and tag "v1"'],
  ['a ref git forbids', () => GitLabTokenClaims.forJob({ projectPath: 'g/p', tag: 'v..1' }), 'tag name must not contain ".." (git-check-ref-format), got: "v..1"'],
  ['a project_id layout without projectId', () => GitLabTokenClaims.forJob({ projectPath: 'g/p', subClaimLayout: GitLabSubClaimLayout.PROJECT_ID }),
    'projectId is needed: the sub claim layout starts with project_id, got: no projectId'],
  ['claims JSON that is not JSON', () => GitLabTokenClaims.fromJson('{'), 'GitLabTokenClaims.fromJson: the claims must be JSON, got: '],
  ['claims JSON that is a list', () => GitLabTokenClaims.fromJson('[]'), 'GitLabTokenClaims.fromJson: the claims must be a JSON object, got: a list'],
  ['a token that is not a JWT', () => GitLabTokenClaims.fromJwt('abc'), 'the token is not a JWT: a JWT has three parts separated by ".", this has 1'],
])('refused: %s', (_case, build, message) => {
  expect(build).toThrow(message);
});

describe('deploy-time values in the claims are refused', () => {
  const stack = new Stack();
  const kinds: [string, () => string][] = [
    ['a CfnParameter', () => new CfnParameter(stack, `P${Math.random()}`.replace('.', '')).valueAsString],
    ['Fn.importValue', () => Fn.importValue('Exported')],
  ];
  test.each(kinds)('%s as projectPath, branch, audience, issuer, a claim, the JSON or the JWT', (_kind, make) => {
    for (const build of [
      () => GitLabTokenClaims.forJob({ projectPath: make() }),
      () => GitLabTokenClaims.forJob({ projectPath: 'g/p', branch: make() }),
      () => GitLabTokenClaims.forJob({ projectPath: 'g/p', audience: make() }),
      () => GitLabTokenClaims.forJob({ projectPath: 'g/p', issuer: make() }),
      () => GitLabTokenClaims.forJob({ projectPath: 'g/p', claims: { pipeline_source: make() } }),
      () => GitLabTokenClaims.forJob({ projectPath: 'g/p', deploymentTier: GitLabDeploymentTier.of(make()) }),
      () => GitLabTokenClaims.fromJson(make()),
      () => GitLabTokenClaims.fromJwt(make()),
    ]) expect(build).toThrow(/^token claims hold one job's values: \w+ must be a literal, not a deploy-time value, got: /);
  });
  test('a number token as projectId', () => {
    expect(() => GitLabTokenClaims.forJob({ projectPath: 'g/p', projectId: new CfnParameter(stack, 'Id', { type: 'Number' }).valueAsNumber }))
      .toThrow(/^token claims hold one job's values: projectId must be a literal/);
  });
});

function newStack() {
  return new Stack(new App(), 'Stack');
}

test('deploy-time subjects: undetermined where they decide, decided where the literal values do', () => {
  const stack = newStack();
  const id = new CfnParameter(stack, 'ProjectId', { type: 'Number' }).valueAsNumber;
  const role = new GitLabRunnerRole(stack, 'Role', {
    provider: new GitLabOidcProvider(stack, 'GitLab'),
    subjects: [GitLabSubject.projectId(id).branch('main'), GitLabSubject.project('g/p').branch('main')],
  });
  expect(role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/p' })).verdict).toBe(GitLabTrustVerdict.ALLOWED);
  const other = role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/q', projectId: 7, subClaimLayout: GitLabSubClaimLayout.PROJECT_ID }));
  expect(other.verdict).toBe(GitLabTrustVerdict.UNDETERMINED);
  expect(other.report).toContain('policy: (deploy-time) {"Fn::Join":["",["project_id:",{"Ref":"ProjectId"},":ref_type:branch:ref:main"]]}, ' +
    '"project_path:g/p:ref_type:branch:ref:main"');
});

test.each<[string, (stack: Stack) => { audiences?: string[]; audience?: string }]>([
  ['a CfnParameter audience', (stack) => ({ audiences: ['https://gitlab.com'], audience: new CfnParameter(stack, 'Aud').valueAsString })],
  ['an imported audience', () => ({ audiences: ['https://gitlab.com'], audience: Fn.importValue('Aud') })],
  ['a list token of client IDs (Fn.split)', () => ({ audiences: Fn.split(',', Fn.importValue('Audiences')) })],
])('%s: the audience condition cannot be decided before deployment', (_case, props) => {
  const stack = newStack();
  const { audiences, audience } = props(stack);
  const role = new GitLabRunnerRole(stack, 'Role', {
    provider: new GitLabOidcProvider(stack, 'GitLab', { audiences }), audience, subjects: [GitLabSubject.project('g/p').branch('main')],
  });
  const explanation = role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/p' }));
  expect(explanation.verdict).toBe(GitLabTrustVerdict.UNDETERMINED);
  expect(Token.isUnresolved(explanation.report)).toBe(false);
  // The sub decides a refusal whatever the audience turns out to be.
  expect(role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/q' })).verdict).toBe(GitLabTrustVerdict.DENIED);
});

test('an imported provider (by ARN, in another partition) and statements added after the role was made', () => {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'cn-north-1' } });
  const provider = GitLabOidcProvider.fromProviderAttributes(stack, 'GitLab', {
    providerArn: 'arn:aws-cn:iam::111122223333:oidc-provider/gitlab.com', audiences: ['https://gitlab.com'],
  });
  const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')] });
  expect(role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/p' })).verdict).toBe(GitLabTrustVerdict.ALLOWED);
  role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
    effect: iam.Effect.DENY,
    actions: ['sts:AssumeRoleWithWebIdentity'],
    principals: [new iam.StarPrincipal()],
    conditions: { StringEquals: { 'gitlab.com:ref_protected': 'false' } },
  }));
  const denied = role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/p' }));
  expect(denied.verdict).toBe(GitLabTrustVerdict.DENIED);
  expect(denied.causes).toEqual(['statement 1 denies this token explicitly (an explicit Deny wins over every Allow)']);
  expect(role.explain(GitLabTokenClaims.forJob({ projectPath: 'g/p', refProtected: true })).verdict).toBe(GitLabTrustVerdict.ALLOWED);
});
