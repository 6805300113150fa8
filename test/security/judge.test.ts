// Pins how the independent judge treats GitLab's condition keys, so that an upgrade of
// @cloud-copilot/iam-simulate cannot silently turn every verdict of the security suite into "denied"
// (or "allowed").
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { judge, loadTrustPolicy, webIdentitySimulation } from './support/judge';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const ROLE = 'arn:aws:iam::111122223333:role/Deploy';
const SUB = 'project_path:mygroup/myproject:ref_type:branch:ref:main';
const TRUST = {
  Version: '2012-10-17',
  Statement: [{
    Effect: 'Allow',
    Action: 'sts:AssumeRoleWithWebIdentity',
    Principal: { Federated: PROVIDER },
    Condition: { StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': SUB } },
  }],
};
const CONTEXT = { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': SUB };

test('the validating entry point drops the unknown gitlab.com keys and so denies the intended job', async () => {
  const result = await runSimulation(webIdentitySimulation(TRUST, PROVIDER, ROLE, CONTEXT), {});
  expect(result).toMatchObject({ overallResult: 'ImplicitlyDenied' });
});

test('the unsafe entry point evaluates the gitlab.com keys: the intended job is allowed', () => {
  expect(judge(loadTrustPolicy(TRUST), PROVIDER, ROLE, CONTEXT)).toBe('allow');
});

test.each([
  ['another sub', { ...CONTEXT, 'gitlab.com:sub': `${SUB}-evil` }],
  ['another audience', { ...CONTEXT, 'gitlab.com:aud': 'sts.amazonaws.com' }],
  ['no sub key at all', { 'gitlab.com:aud': 'https://gitlab.com' }],
  ['the sub under another provider prefix', { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.example.com:sub': SUB }],
])('the unsafe entry point denies %s', (_name, context) => {
  expect(judge(loadTrustPolicy(TRUST), PROVIDER, ROLE, context)).toBe('deny');
});

test('the judge denies a token from another provider, and another account\'s provider', () => {
  expect(judge(loadTrustPolicy(TRUST), 'arn:aws:iam::111122223333:oidc-provider/gitlab.example.com', ROLE, CONTEXT)).toBe('deny');
  expect(judge(loadTrustPolicy(TRUST), 'arn:aws:iam::444455556666:oidc-provider/gitlab.com', ROLE, CONTEXT)).toBe('deny');
});

test('StringLike: "*" crosses "/" and ":", "?" is one character, and matching is case-sensitive', () => {
  const like = (pattern: string) => loadTrustPolicy({
    ...TRUST,
    Statement: [{ ...TRUST.Statement[0], Condition: { StringLike: { 'gitlab.com:sub': pattern } } }],
  });
  const sub = (value: string) => ({ 'gitlab.com:sub': value });
  expect(judge(like('project_path:g/*'), PROVIDER, ROLE, sub('project_path:g/a/b:ref_type:tag:ref:v1'))).toBe('allow');
  expect(judge(like('project_path:g*'), PROVIDER, ROLE, sub('project_path:g-evil/p:ref_type:tag:ref:v1'))).toBe('allow');
  expect(judge(like('project_path:g/?'), PROVIDER, ROLE, sub('project_path:g/ab'))).toBe('deny');
  expect(judge(like('project_path:g/*'), PROVIDER, ROLE, sub('project_path:G/a'))).toBe('deny');
});

test('the evaluator\'s own validator rejects a malformed trust policy', () => {
  expect(() => loadTrustPolicy({ Version: '2012-10-17', Statement: [{ Effect: 'Maybe', Action: 'sts:AssumeRoleWithWebIdentity' }] }))
    .toThrow('iam-policy rejects the trust policy');
});
