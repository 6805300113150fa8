// The explanation's own texts, whole: STS's checks of the token, the notes of statements that cannot apply, and
// which statements' causes are reported (the nearest to admitting the token).
import { cfnResolver } from '../../../src/private/explain/cfn-values';
import { explainToken, KnownProvider } from '../../../src/private/explain/explain';
import { readTrustPolicy } from '../../../src/private/explain/policy';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const GITLAB: KnownProvider = { url: 'https://gitlab.com', arn: PROVIDER, clientIds: ['https://gitlab.com'] };
const SUB = 'project_path:g/p:ref_type:branch:ref:main';
const CLAIMS = { iss: 'https://gitlab.com', aud: 'https://gitlab.com', sub: SUB };
const allow = (condition: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  ({ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: condition, ...extra });
const explain = (statements: unknown[], claims: Record<string, unknown> = CLAIMS, providers: KnownProvider[] = [GITLAB]) =>
  explainToken({ policy: readTrustPolicy({ Statement: statements }, cfnResolver()), claims, providers });

test('an issuer no provider takes: each provider compared, and no policy causes after STS\'s refusal', () => {
  const providers: KnownProvider[] = [
    GITLAB, { url: 'https://gitlab.com/gitlab', arn: 'a' }, { url: 'https://gitlab.example.com', arn: 'b' },
  ];
  expect(explain([allow({ StringEquals: { 'gitlab.com:sub': 'x' } })], { ...CLAIMS, iss: 'https://gitlab.com/' }, providers).causes).toEqual([
    'no IAM OIDC provider for the token\'s iss "https://gitlab.com/" (InvalidIdentityToken: No OpenIDConnect provider found in your account for ' +
      'https://gitlab.com/); the provider\'s URL is "https://gitlab.com": IAM compares it with iss character for character, so a trailing slash matters; ' +
      'the provider\'s URL is "https://gitlab.com/gitlab": same host, another path (an instance under a relative URL root issues "https://host/path"); ' +
      'the provider\'s URL is "https://gitlab.example.com": another host (a self-managed instance, or a token meant for another account)',
  ]);
});

test('a token without iss, and a provider with no client IDs known', () => {
  const { iss: _, ...noIss } = CLAIMS;
  expect(explain([allow({})], noIss).causes).toEqual(['the token has no iss claim (InvalidIdentityToken)']);
  const unknownIds = explain([allow({})], CLAIMS, [{ url: 'https://gitlab.com', arn: PROVIDER }]);
  expect(unknownIds.decision).toBe('allowed');
  expect(unknownIds.notChecked).toEqual([
    'the provider\'s client ID list is not known here: STS also requires the token\'s aud "https://gitlab.com" to be in it',
  ]);
});

test('an audience not among the client IDs, without the sts.amazonaws.com hint when neither side uses it', () => {
  expect(explain([allow({})], { ...CLAIMS, aud: ['ci', 'cd'] }).tokenProblems).toEqual([
    'the token\'s aud "ci", "cd" is not among the provider\'s client IDs "https://gitlab.com" (InvalidIdentityToken: Incorrect token audience): ' +
      'set the job\'s id_tokens aud to one of them, or add it to the provider\'s audiences',
  ]);
  expect(explain([allow({})], { ...CLAIMS, aud: [] }).tokenProblems[0]).toMatch(/^the token's aud \(none\) is not among/);
});

test('statements that cannot apply say why; the causes come from the statements nearest to admitting the token', () => {
  const explanation = explain([
    allow({ StringEquals: { 'gitlab.com:sub': SUB } }, { Sid: 'Other', Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/other' } }),
    allow({ StringEquals: { 'gitlab.com:sub': SUB } }, { Action: 'sts:AssumeRole' }),
    allow({ StringEquals: { 'gitlab.com:sub': 'project_path:g/p:ref_type:branch:ref:dev', 'gitlab.com:aud': 'x' } }),
    allow({ StringLike: { 'gitlab.com:sub': 'project_path:g/p:ref_type:tag:ref:*' } }),
  ]);
  expect(explanation.decision).toBe('denied');
  expect(explanation.statements.map((s) => s.notes)).toEqual([
    ['statement Other trusts another principal, not the OIDC provider of https://gitlab.com'],
    ['statement 1 does not cover sts:AssumeRoleWithWebIdentity'],
    [], [],
  ]);
  // Statements 0 and 1 fail once each and their sub matches; 2 fails twice; 3 fails once and its sub is one component
  // away: only 0 and 1, the nearest, are reported.
  expect(explanation.causes).toEqual([
    'statement Other trusts another principal, not the OIDC provider of https://gitlab.com',
    'statement 1 does not cover sts:AssumeRoleWithWebIdentity',
  ]);
  // Without them, the sub one component away (3) is nearer than two failed conditions (2).
  const twoFailures = allow({ StringEquals: { 'gitlab.com:sub': 'project_path:g/p:ref_type:branch:ref:dev', 'gitlab.com:aud': 'x' } });
  const oneComponentAway = allow({ StringLike: { 'gitlab.com:sub': 'project_path:g/p:ref_type:tag:ref:*' } });
  expect(explain([twoFailures, oneComponentAway]).causes)
    .toEqual(['the job ran for a branch, the policy admits a tag (ref_type): a tag pipeline is not a branch pipeline']);
});

test('no Allow statement; an undetermined verdict; an operator the explanation does not evaluate', () => {
  expect(explain([{ ...allow({}), Effect: 'Deny', Condition: { StringEquals: { 'gitlab.com:sub': 'x' } } }]).causes)
    .toEqual(['the policy has no Allow statement']);
  const undetermined = explain([allow({ StringEquals: { 'gitlab.com:sub': [{ Ref: 'Sub' }] } })]);
  expect(undetermined.causes).toEqual([
    'the verdict depends on values the policy takes at deployment (parameters, imports) or on operators this explanation does not evaluate',
  ]);
  const numeric = explain([allow({ NumericLessThan: { 'gitlab.com:project_id': '5' } })]);
  expect(numeric.decision).toBe('undetermined');
  expect(numeric.statements[0].conditions[0].causes).toEqual(['NumericLessThan is not evaluated by this explanation']);
});

test('allowed by a statement without a sub condition: the statement alone is named', () => {
  expect(explain([allow({ StringEquals: { 'gitlab.com:aud': 'https://gitlab.com' } }, { Sid: 'Jobs' })]).admittedBy).toBe('statement Jobs');
  expect(explain([allow({ StringEquals: { 'gitlab.com:aud': 'x' } })]).admittedBy).toBeUndefined();
});

test('the sts.amazonaws.com hint, from either side', () => {
  const hint = '; "sts.amazonaws.com" and the instance URL are both common audiences, and the job and the provider must use the same one';
  expect(explain([allow({})], { ...CLAIMS, aud: 'sts.amazonaws.com' }).tokenProblems[0]).toMatch(new RegExp(`${hint.replace(/[.()]/g, '\\$&')}$`));
  const stsProvider: KnownProvider = { ...GITLAB, clientIds: ['sts.amazonaws.com'] };
  expect(explain([allow({})], CLAIMS, [stsProvider]).tokenProblems).toEqual([
    'the token\'s aud "https://gitlab.com" is not among the provider\'s client IDs "sts.amazonaws.com" (InvalidIdentityToken: Incorrect token audience): ' +
      `set the job's id_tokens aud to one of them, or add it to the provider's audiences${hint}`,
  ]);
});

test('a provider URL with the trailing slash the token lacks', () => {
  const slashed: KnownProvider = { ...GITLAB, url: 'https://gitlab.com/' };
  expect(explain([allow({})], CLAIMS, [slashed]).causes).toEqual([
    'no IAM OIDC provider for the token\'s iss "https://gitlab.com" (InvalidIdentityToken: No OpenIDConnect provider found in your account for ' +
      'https://gitlab.com); the provider\'s URL is "https://gitlab.com/": IAM compares it with iss character for character, so a trailing slash matters',
  ]);
});

test('hosts are compared without regard to case or scheme', () => {
  const upper: KnownProvider = { ...GITLAB, url: 'https://GitLab.com/sub' };
  expect(explain([allow({})], CLAIMS, [upper]).causes[0]).toMatch(/the provider's URL is "https:\/\/GitLab\.com\/sub": same host, another path/);
  const http: KnownProvider = { ...GITLAB, url: 'http://gitlab.com/sub' };
  expect(explain([allow({})], CLAIMS, [http]).causes[0]).toMatch(/the provider's URL is "http:\/\/gitlab\.com\/sub": same host, another path/);
});

test('an expired token is STS\'s refusal, named before the policy\'s causes (the provider took the token)', () => {
  const now = 2_000_000_000;
  const explanation = explainToken({
    policy: readTrustPolicy({ Statement: [allow({ StringEquals: { 'gitlab.com:sub': 'x' } })] }, cfnResolver()),
    claims: { ...CLAIMS, exp: now - 60, iat: now - 360 },
    providers: [GITLAB],
    now,
  });
  expect(explanation.decision).toBe('denied');
  expect(explanation.tokenProblems).toEqual([expect.stringMatching(/expired/i)]);
  expect(explanation.causes).toEqual([...explanation.tokenProblems, `the token's sub "${SUB}" is none of the values the policy admits`]);
});

test('an explicit Deny is the cause, named by its Sid, and a Deny\'s conditions get no causes of their own', () => {
  const deny = { ...allow({ StringEquals: { 'gitlab.com:sub': SUB } }), Effect: 'Deny', Sid: 'NoMain' };
  const denyOther = { ...allow({ StringEquals: { 'gitlab.com:sub': 'project_path:g/p:ref_type:branch:ref:dev' } }), Effect: 'Deny' };
  const explanation = explain([allow({ StringEquals: { 'gitlab.com:sub': SUB } }), deny, denyOther]);
  expect(explanation.decision).toBe('denied');
  expect(explanation.causes).toEqual(['statement NoMain denies this token explicitly (an explicit Deny wins over every Allow)']);
  expect(explanation.admittedBy).toBeUndefined();
  expect(explanation.statements[2].conditions[0]).toMatchObject({ passes: false, causes: [] });
});

test('the admitting subject is the value that matched, with its operator; a cause two statements share is given once', () => {
  const admitted = explain([allow({ StringLike: { 'gitlab.com:sub': ['project_path:other/*', 'project_path:g/*'] } }, { Sid: 'Group' })]);
  expect(admitted.admittedBy).toBe('statement Group, subject "project_path:g/*" (StringLike)');
  const twice = explain([
    allow({ StringEquals: { 'gitlab.com:aud': 'x' } }),
    allow({ StringEquals: { 'gitlab.com:aud': 'x' } }),
  ]);
  expect(twice.causes).toEqual([
    'the job requested the audience "https://gitlab.com" but the policy requires "x": set the job\'s id_tokens entry to aud: x',
  ]);
});

test('a statement for another principal when the token has no issuer: "the token\'s issuer"', () => {
  const { iss: _, ...noIss } = CLAIMS;
  expect(explain([allow({}, { Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/other' } })], noIss).statements[0].notes)
    .toEqual(['statement 0 trusts another principal, not the OIDC provider of the token\'s issuer']);
});
