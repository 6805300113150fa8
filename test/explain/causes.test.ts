// One realistic token and policy per cause of a denial, through the public API (GitLabRunnerRole.explain)
// or, for hand-written policies, the policy reader the command uses. Every case is also judged by
// iam-simulate, so the verdict beside each cause is the independent judge's too.
import { App, Stack } from 'aws-cdk-lib';
import {
  GitLabOidcProvider, GitLabRunnerRole, GitLabSubClaimComponent, GitLabSubClaimLayout, GitLabSubject, GitLabTokenClaims, GitLabTrustVerdict,
} from '../../src';
import { cfnResolver } from '../../src/private/explain/cfn-values';
import { explainToken } from '../../src/private/explain/explain';
import { readTrustPolicy } from '../../src/private/explain/policy';
import { providersOf } from '../../src/private/explain/template-roles';
import { judge, loadTrustPolicy } from '../security/support/judge';
import { requestContext } from '../security/support/sts';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';

function role(subjects: GitLabSubject[], audiences?: string[]) {
  const stack = new Stack(new App(), 'Stack');
  return new GitLabRunnerRole(stack, 'Deploy', { provider: new GitLabOidcProvider(stack, 'GitLab', { audiences }), subjects });
}

const main = GitLabSubject.project('mygroup/myproject').branch('main');
const C = GitLabSubClaimComponent;
const PROTECTED_LAYOUT = GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED);

test.each<[string, GitLabSubject[], GitLabTokenClaims, RegExp]>([
  ['case mismatch in the path', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/MyProject' }),
    /^the values differ only in case: .*; IAM compares case-sensitively, and GitLab puts the project's path in its canonical case/],
  ['case mismatch in the ref', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', branch: 'Main' }),
    /^the values differ only in case: .*, and so does git: "Main" and "main" are different refs$/],
  ['a customised sub layout (components removed)', [main],
    GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', subClaimLayout: GitLabSubClaimLayout.of(GitLabSubClaimComponent.PROJECT_PATH, GitLabSubClaimComponent.REF) }),
    /components project_path, ref, but the policy expects project_path, ref_type, ref: .*ci_id_token_sub_claim_components/],
  ['a project_id-first sub', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', projectId: 42, subClaimLayout: GitLabSubClaimLayout.PROJECT_ID }),
    /components project_id, ref_type, ref, but the policy expects project_path, ref_type, ref/],
  ['components reordered', [main],
    GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', subClaimLayout: GitLabSubClaimLayout.of(GitLabSubClaimComponent.PROJECT_PATH, GitLabSubClaimComponent.REF, GitLabSubClaimComponent.REF_TYPE) }),
    /components project_path, ref, ref_type, but the policy expects project_path, ref_type, ref/],
  ['a tag where a branch is admitted', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', tag: 'main' }), /ran for a tag, the policy admits a branch/],
  ['a ref outside the admitted prefix', [GitLabSubject.project('mygroup/myproject').branch('release/*')],
    GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', branch: 'main' }), /only refs starting with "release\/"/],
  ['an unprotected ref where protected ones are admitted',
    [GitLabSubject.project('mygroup/myproject', {
      subClaimLayout: PROTECTED_LAYOUT,
      subClaimRefProtected: true,
    }).branch('main')],
    GitLabTokenClaims.forJob({
      projectPath: 'mygroup/myproject',
      refProtected: false,
      subClaimLayout: PROTECTED_LAYOUT,
    }), /unprotected ref, the policy admits protected refs only/],
  ['another project', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/other' }), /project is project_path:mygroup\/other, the policy admits project_path:mygroup\/myproject/],
  ['aud not among the provider\'s client IDs', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', audience: 'sts.amazonaws.com' }),
    /aud "sts.amazonaws.com" is not among the provider's client IDs "https:\/\/gitlab.com" \(InvalidIdentityToken: Incorrect token audience\)/],
  ['iss with a trailing slash', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', issuer: 'https://gitlab.com/', audience: 'https://gitlab.com' }),
    /No OpenIDConnect provider found .* a trailing slash matters/],
  ['iss of another host', [main], GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', issuer: 'https://gitlab.example.com', audience: 'https://gitlab.com' }),
    /another host/],
])('%s: denied, and the cause is named', (_cause, subjects, claims, cause) => {
  const explanation = role(subjects).explain(claims);
  expect(explanation.verdict).toBe(GitLabTrustVerdict.DENIED);
  expect(explanation.verdict).not.toBe(GitLabTrustVerdict.ALLOWED);
  expect(explanation.causes.join('\n')).toMatch(cause);
  expect(explanation.report).toContain('likely causes:');
});

test('the role\'s audience, where the provider lists several', () => {
  const explanation = role([main], ['https://gitlab.com', 'sts.amazonaws.com'])
    .explain(GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', audience: 'sts.amazonaws.com' }));
  expect(explanation.causes).toEqual([
    'the job requested the audience "sts.amazonaws.com" but the policy requires "https://gitlab.com": set the job\'s id_tokens entry to aud: https://gitlab.com',
  ]);
});

test('an expired token, and one not yet valid, at the time given', () => {
  const claims = GitLabTokenClaims.fromJson(JSON.stringify({ ...GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject' }).claims, exp: 1_800_000_000, nbf: 1_799_990_000 }));
  expect(role([main]).explain(claims, { at: new Date(1_800_000_600_000) }).causes)
    .toEqual([expect.stringMatching(/^the token expired at 2027-01-15T08:00:00Z \(10 min before 2027-01-15T08:10:00Z\)/)]);
  expect(role([main]).explain(claims, { at: new Date(1_799_980_000_000) }).causes)
    .toEqual([expect.stringMatching(/^the token is not valid before 2027-01-15T05:13:20Z/)]);
  expect(role([main]).explain(claims, { at: new Date(1_799_995_000_000) }).verdict).toBe(GitLabTrustVerdict.ALLOWED);
});

test('allowed: the statement and the subject that admitted the job', () => {
  const explanation = role([main, GitLabSubject.project('mygroup/myproject').tag('v*')])
    .explain(GitLabTokenClaims.forJob({ projectPath: 'mygroup/myproject', tag: 'v1.2.0' }));
  expect(explanation.verdict).toBe(GitLabTrustVerdict.ALLOWED);
  expect(explanation.causes).toEqual([]);
  expect(explanation.admittedBy).toBe('statement 1, subject "project_path:mygroup/myproject:ref_type:tag:ref:v*" (StringLike)');
});

// Hand-written policies, as users write them by hand or find them in older guides.
const handWritten = (conditions: Record<string, unknown>, effect = 'Allow') => ({
  Version: '2012-10-17',
  Statement: [{ Effect: effect, Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions }],
});
const JOB = { iss: 'https://gitlab.com', aud: 'https://gitlab.com', sub: 'project_path:mygroup/myproject:ref_type:branch:ref:main', project_path: 'mygroup/myproject', ref_protected: 'true' };

test.each<[string, Record<string, unknown>, Record<string, unknown>, RegExp]>([
  ['a wildcard under StringEquals', { StringEquals: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:*' } }, JOB,
    /holds a wildcard under StringEquals, which compares characters literally/],
  ['a condition on a claim STS never sets (gitlab.com:environment)', { StringEquals: { 'gitlab.com:sub': JOB.sub, 'gitlab.com:environment': 'production' } }, JOB,
    /STS never sets gitlab.com:environment: .*can never admit a job/],
  ['a gitlab.com key for a self-managed instance', { StringEquals: { 'gitlab.example.com:sub': 'project_path:g/p:ref_type:branch:ref:main', 'gitlab.example.com:project_id': '42' } },
    { iss: 'https://gitlab.example.com', aud: 'https://gitlab.example.com', sub: 'project_path:g/p:ref_type:branch:ref:main', project_id: '42' },
    /STS never sets gitlab.example.com:project_id: for tokens from https:\/\/gitlab.example.com it sets only gitlab.example.com:sub, gitlab.example.com:aud/],
  ['a key with a trailing slash in its prefix', { StringEquals: { 'gitlab.com/:sub': JOB.sub } }, JOB, /gitlab.com\/:sub is not a key of this issuer/],
  ['ref_type:mr, which GitLab never emits', { StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:mr:ref:*' } }, JOB,
    /can never match: GitLab's ref_type is only "branch" or "tag", got: mr/],
  ['a ref name git forbids', { StringEquals: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:release..1' } }, JOB,
    /can never match: GitLab refuses a branch or tag named "release..1": it must not contain ".."/],
  ['a negated condition the token matches', { StringNotEquals: { 'gitlab.com:ref_protected': 'false' } }, { ...JOB, ref_protected: 'false' },
    /^StringNotEquals refuses these values and the token's ref_protected is one of them$/],
  ['a Null condition that requires an absent key', { Null: { 'gitlab.com:user_login': 'true' } }, { ...JOB, user_login: 'alice' },
    /^Null requires gitlab.com:user_login to be absent, and STS sets it from the token's user_login claim$/],
  ['a claim the token lacks', { StringEquals: { 'gitlab.com:project_id': '42' } }, JOB,
    /^the token has no project_id claim, so STS sets no gitlab.com:project_id and the condition fails$/],
  ['an explicit Deny', { StringLike: { 'gitlab.com:sub': 'project_path:mygroup/*' } }, JOB, /denies this token explicitly/],
  ['an unprotected ref under a ref_protected condition', { StringEquals: { 'gitlab.com:sub': JOB.sub, 'gitlab.com:ref_protected': 'true' } },
    { ...JOB, ref_protected: 'false' }, /unprotected branch or tag: protect it/],
])('hand-written: %s is denied, as iam-simulate judges, and the cause is named', (cause, conditions, claims, expected) => {
  const document = cause === 'an explicit Deny'
    ? { Version: '2012-10-17', Statement: [...handWritten({ StringEquals: { 'gitlab.com:aud': 'https://gitlab.com' } }).Statement, ...handWritten(conditions, 'Deny').Statement] }
    : handWritten(conditions);
  const policy = readTrustPolicy(document);
  // The provider the token's issuer has in the account, and those the policy names.
  const explanation = explainToken({ policy, claims, providers: [{ url: String(claims.iss), arn: PROVIDER }, ...providersOf(policy)] });
  const provider = { arn: PROVIDER, url: String(claims.iss), clientIds: [String(claims.aud)] };
  expect(judge(loadTrustPolicy(document), PROVIDER, 'arn:aws:iam::111122223333:role/R', requestContext(provider, claims as any))).toBe('deny');
  expect(explanation.decision).toBe('denied');
  expect(explanation.causes.join('\n')).toMatch(expected);
});

test('a deploy-time value in the policy leaves the verdict undetermined, unless the literal values decide it', () => {
  const policy = readTrustPolicy({
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'gitlab.com:sub': [{ Ref: 'Sub' }] } } }],
  }, cfnResolver());
  const providers = [{ url: 'https://gitlab.com', arn: PROVIDER }];
  expect(explainToken({ policy, claims: JOB, providers }).decision).toBe('undetermined');
  expect(explainToken({ policy, claims: { ...JOB, sub: undefined }, providers }).decision).toBe('denied');
});

test('a wildcard under StringEquals is the one cause: no hint about the refs the pattern would admit under StringLike', () => {
  const policy = readTrustPolicy(handWritten({ StringEquals: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:release/*' } }));
  const claims = { ...JOB, sub: 'project_path:mygroup/myproject:ref_type:branch:ref:release/1.4' };
  expect(explainToken({ policy, claims, providers: [{ url: 'https://gitlab.com', arn: PROVIDER }] }).causes).toEqual([
    '"project_path:mygroup/myproject:ref_type:branch:ref:release/*" holds a wildcard under StringEquals, which compares characters literally: ' +
      'it matches only a literal "*" or "?", which no GitLab claim contains; put wildcard values under StringLike',
  ]);
});
