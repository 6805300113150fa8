// Reading trust policies: as IAM stores them, as templates hold them, and the errors for what is not one.
import { cfnResolver, providerArnFor } from '../../../src/private/explain/cfn-values';
import { literalValues, readTrustPolicy, Unknown } from '../../../src/private/explain/policy';
import { audiences, conditionKeyPrefix, lifetimeProblem, webIdentityContext } from '../../../src/private/explain/sts-request';
import { providersOf, webIdentityRoles } from '../../../src/private/explain/template-roles';
import { decodeJwtClaims, parseClaimsJson } from '../../../src/private/explain/token-claims';
import { parseSub } from '../../../src/private/rules/sub-claim';

const STATEMENT = { Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::1:oidc-provider/gitlab.com' }, Action: 'sts:AssumeRoleWithWebIdentity' };

test('a single statement object, a URL-encoded document, and conditions flattened by operator and key', () => {
  const document = { Version: '2012-10-17', Statement: { ...STATEMENT, Sid: 'Jobs', Condition: { StringEquals: { 'gitlab.com:aud': 'a', 'gitlab.com:sub': ['x', 'y'] } } } };
  const policy = readTrustPolicy(encodeURIComponent(JSON.stringify(document)));
  expect(policy.statements).toEqual([{
    index: 0,
    sid: 'Jobs',
    effect: 'Allow',
    principal: { Federated: ['arn:aws:iam::1:oidc-provider/gitlab.com'] },
    notPrincipal: undefined,
    action: ['sts:AssumeRoleWithWebIdentity'],
    notAction: undefined,
    conditions: [{ operator: 'StringEquals', key: 'gitlab.com:aud', values: ['a'] }, { operator: 'StringEquals', key: 'gitlab.com:sub', values: ['x', 'y'] }],
  }]);
});

test.each<[string, unknown, string]>([
  ['not JSON', '{', 'a trust policy must be JSON, got: '],
  ['not an object', '[1]', 'a trust policy must be a JSON object, got: [1]'],
  ['no Statement', { Version: '2012-10-17' }, 'a trust policy must have a Statement, got: no Statement'],
  ['a statement that is not an object', { Statement: ['x'] }, 'statement 0 must be an object, got: "x"'],
  ['a bad Effect', { Statement: [{ ...STATEMENT, Effect: 'allow' }] }, 'statement 0 must have Effect Allow or Deny, got: "allow"'],
  ['a Condition that is not an object', { Statement: [{ ...STATEMENT, Condition: [] }] }, 'statement 0 has a Condition that is not an object, got: []'],
  ['an operator without keys', { Statement: [{ ...STATEMENT, Condition: { StringEquals: 'x' } }] }, 'statement 0 condition StringEquals must map keys to values, got: "x"'],
])('%s is refused with a clear message', (_case, document, message) => {
  expect(() => readTrustPolicy(document)).toThrow(message);
});

test('template values: pseudo parameters as placeholders, known references, joins, and everything else unknown', () => {
  const resolve = cfnResolver(new Map([[JSON.stringify({ Ref: 'GitLab' }), 'arn:p']]));
  expect(resolve({ Ref: 'GitLab' })).toBe('arn:p');
  expect(resolve({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }]] })).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}');
  expect(resolve({ 'Fn::Join': ['', ['a', { Ref: 'Param' }]] })).toEqual(new Unknown('{"Fn::Join":["",["a",{"Ref":"Param"}]]}'));
  expect(resolve({ 'Fn::ImportValue': 'x' })).toBeInstanceOf(Unknown);
  expect(resolve(42)).toBe('42');
  expect(providerArnFor('https://example.com/gitlab')).toBe('arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/example.com/gitlab');
});

test('a template\'s web-identity roles: providers by Ref and GetAtt, the custom resource provider, path metadata, other roles left out', () => {
  const template = {
    Resources: {
      Native: { Type: 'AWS::IAM::OIDCProvider', Properties: { Url: 'https://gitlab.com', ClientIdList: ['https://gitlab.com'] } },
      Custom: { Type: 'Custom::AWSCDKOpenIdConnectProvider', Properties: { Url: 'https://gitlab.example.com', ClientIDList: ['ci'] } },
      ByRef: {
        Type: 'AWS::IAM::Role',
        Metadata: { 'aws:cdk:path': 'Stack/ByRef/Resource' },
        Properties: { AssumeRolePolicyDocument: { Statement: [{ ...STATEMENT, Principal: { Federated: { Ref: 'Native' } } }] } },
      },
      ByGetAtt: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ ...STATEMENT, Principal: { Federated: { 'Fn::GetAtt': ['Custom', 'Arn'] } } }] } } },
      Lambda: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] } } },
    },
  };
  const roles = webIdentityRoles(template, 'Stack.template.json');
  expect(roles.map((r) => [r.logicalId, r.path])).toEqual([['ByRef', 'Stack/ByRef'], ['ByGetAtt', undefined]]);
  expect(roles[0].policy.statements[0].principal).toEqual({ Federated: ['arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.com'] });
  expect(roles[1].providers).toContainEqual({ url: 'https://gitlab.example.com', arn: providerArnFor('https://gitlab.example.com'), clientIds: ['ci'] });
  expect(() => webIdentityRoles({ Parameters: {} }, 'x.json')).toThrow('x.json is not a CloudFormation template: it has no Resources');
});

test('a provider named by a literal ARN in the policy: its URL, and no known client IDs', () => {
  expect(providersOf(readTrustPolicy({ Statement: [{ ...STATEMENT, Principal: { Federated: 'arn:aws-cn:iam::111122223333:oidc-provider/example.com/gitlab' } }] })))
    .toEqual([{ url: 'https://example.com/gitlab', arn: 'arn:aws-cn:iam::111122223333:oidc-provider/example.com/gitlab' }]);
});

test('the request context: sub and aud for any issuer, the nine extra keys for gitlab.com alone', () => {
  const claims = { sub: 's', aud: 'a', project_id: '7', user_login: 'u', project_path: 'g/p', ref: 'main' };
  expect(webIdentityContext('https://gitlab.example.com', claims)).toEqual({ 'gitlab.example.com:sub': 's', 'gitlab.example.com:aud': 'a' });
  expect(webIdentityContext('https://gitlab.com', claims)).toEqual({ 'gitlab.com:sub': 's', 'gitlab.com:aud': 'a', 'gitlab.com:project_id': '7', 'gitlab.com:user_login': 'u' });
  expect(webIdentityContext('https://gitlab.com', { sub: 's', aud: ['a', 'b'] })).toEqual({ 'gitlab.com:sub': 's', 'gitlab.com:aud': ['a', 'b'] });
  expect(audiences({ aud: ['a', 'b'] })).toEqual(['a', 'b']);
  expect(audiences({})).toEqual([]);
});

test.each<[string, Record<string, unknown>, number, RegExp | undefined]>([
  ['valid', { exp: 200, nbf: 100 }, 150, undefined],
  ['expired at the second it ends', { exp: 200 }, 200, /^the token expired at 1970-01-01T00:03:20Z \(0 s before/],
  ['expired an hour ago', { exp: 0 }, 3600, /\(60 min before/],
  ['expired days ago', { exp: 0 }, 3 * 86400, /\(72 h before/],
  ['not yet valid', { nbf: 300 }, 200, /^the token is not valid before 1970-01-01T00:05:00Z \(100 s after/],
])('lifetime: %s', (_case, claims, now, problem) => {
  const found = lifetimeProblem(claims, now);
  if (problem) expect(found).toMatch(problem); else expect(found).toBeUndefined();
});

test.each<[string, string, string]>([
  ['two parts', 'a.b', 'the token is not a JWT: a JWT has three parts separated by ".", this has 2'],
  ['a JWE', 'a.b.c.d.e', 'the token is an encrypted JWT (JWE), not a GitLab ID token'],
  ['a header that is not base64url', 'a+b.c.d', 'the token is not a JWT: its header is not base64url'],
  ['a header without alg', `${Buffer.from('{}').toString('base64url')}.e30.s`, 'the token is not a JWT: its header has no "alg"'],
  ['a payload that is a list', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.s`,
    'the token is not a JWT: its payload is not a JSON object'],
])('decoding %s fails without repeating the token', (_case, token, message) => {
  expect(() => decodeJwtClaims(token)).toThrow(message);
});

test.each<[string, [string, string][] | undefined]>([
  ['project_path:g/p:ref_type:branch:ref:main', [['project_path', 'g/p'], ['ref_type', 'branch'], ['ref', 'main']]],
  ['project_path:g/*', [['project_path', 'g/*']]],
  ['project_path:g/p:ref_type:branch:ref:*:x', [['project_path', 'g/p'], ['ref_type', 'branch'], ['ref', '*:x']]],
  ['project_id:42:ref_protected:true', [['project_id', '42'], ['ref_protected', 'true']]],
  ['project_path:g/p:environment_protected:true:deployment_tier:production', [['project_path', 'g/p'], ['environment_protected', 'true'], ['deployment_tier', 'production']]],
  ['repo:org/repo:ref:refs/heads/main', undefined],
  ['project_path', undefined],
])('sub parts of %j', (sub, parts) => {
  expect(parseSub(sub)?.map((p) => [p.name, p.value])).toEqual(parts);
});

test.each<[string, string]>([
  ['{', 'the claims must be JSON, got: '],
  ['[]', 'the claims must be a JSON object, got: a list'],
  ['null', 'the claims must be a JSON object, got: null'],
  ['"sub"', 'the claims must be a JSON object, got: a string'],
])('decoded claims %j are refused: %s', (text, message) => {
  expect(() => parseClaimsJson(text)).toThrow(message);
});

test('reading details: no Action or NotAction, a Sid that is not a string, "*" principals, values of every JSON kind', () => {
  const [statement] = readTrustPolicy({ Statement: [{ Effect: 'Deny', Sid: 5, Principal: '*', NotPrincipal: { AWS: '*' } }] }).statements;
  expect(statement).toMatchObject({ sid: undefined, principal: '*', notPrincipal: { AWS: ['*'] }, action: undefined, notAction: undefined });
  expect(literalValues('x')).toBe('x');
  expect(literalValues(42)).toBe('42');
  expect(literalValues(true)).toBe('true');
  expect(literalValues({ Ref: 'P' })).toEqual(new Unknown('{"Ref":"P"}'));
});

test.each<[string, string]>([
  ['upper-case escapes', encodeURIComponent(JSON.stringify({ Statement: [STATEMENT] }))],
  ['lower-case escapes', encodeURIComponent(JSON.stringify({ Statement: [STATEMENT] })).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
  ['white space around', `\n  ${encodeURIComponent(JSON.stringify({ Statement: [STATEMENT] }))}  \n`],
])('a URL-encoded document (as `aws iam get-role` may print it), with %s', (_case, text) => {
  expect(readTrustPolicy(text).statements[0].action).toEqual(['sts:AssumeRoleWithWebIdentity']);
});

test.each<[string, unknown, string]>([
  ['a Principal that is an ARN string', { Statement: [{ ...STATEMENT, Principal: 'arn:aws:iam::1:root' }] },
    'statement 0 Principal must be "*" or a map of principal types, got: "arn:aws:iam::1:root"'],
  ['a NotPrincipal that is a list', { Statement: [{ ...STATEMENT, NotPrincipal: ['*'] }] }, 'statement 0 NotPrincipal must be "*" or a map of principal types, got: ["*"]'],
])('%s is refused', (_case, document, message) => {
  expect(() => readTrustPolicy(document)).toThrow(message);
});

test('the request context leaves out claims without a value, and the lifetime ignores times that are not numbers', () => {
  expect(webIdentityContext('https://gitlab.com', { sub: 's', aud: null, project_id: null })).toEqual({ 'gitlab.com:sub': 's' });
  expect(audiences({ aud: null })).toEqual([]);
  expect(lifetimeProblem({ exp: '100', nbf: '300' }, 200)).toBeUndefined();
});

test.each<[string, number, number, string | undefined]>([
  ['expired 119 s ago', 0, 119, 'the token expired at 1970-01-01T00:00:00Z (119 s before 1970-01-01T00:01:59Z): an ID token lives as long as its ' +
    'job\'s timeout; exchange it while the job runs (ExpiredTokenException)'],
  ['expired 120 s ago', 0, 120, 'the token expired at 1970-01-01T00:00:00Z (2 min before 1970-01-01T00:02:00Z): an ID token lives as long as its ' +
    'job\'s timeout; exchange it while the job runs (ExpiredTokenException)'],
  ['expired 7199 s ago', 0, 7199, 'the token expired at 1970-01-01T00:00:00Z (119 min before 1970-01-01T01:59:59Z): an ID token lives as long as its ' +
    'job\'s timeout; exchange it while the job runs (ExpiredTokenException)'],
  ['expired 7200 s ago', 0, 7200, 'the token expired at 1970-01-01T00:00:00Z (2 h before 1970-01-01T02:00:00Z): an ID token lives as long as its ' +
    'job\'s timeout; exchange it while the job runs (ExpiredTokenException)'],
])('lifetime boundaries: %s', (_case, exp, now, problem) => {
  expect(lifetimeProblem({ exp }, now)).toBe(problem);
});

test('not valid before: the message in full, and valid from the second nbf names', () => {
  expect(lifetimeProblem({ nbf: 300 }, 299)).toBe('the token is not valid before 1970-01-01T00:05:00Z (1 s after 1970-01-01T00:04:59Z): ' +
    'the clock of the machine that checks it is behind');
  expect(lifetimeProblem({ nbf: 300 }, 300)).toBeUndefined();
});

test('the condition-key prefix: the URL without https://', () => {
  expect(conditionKeyPrefix('https://example.com/gitlab')).toBe('example.com/gitlab');
  expect(conditionKeyPrefix('gitlab.com')).toBe('gitlab.com');
});

test('white space around a token (a token file\'s line break) is no part of it', () => {
  const token = `\n ${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('{"sub":"s"}').toString('base64url')}.sig \n`;
  expect(decodeJwtClaims(token)).toEqual({ sub: 's' });
});

test('a plain JSON document is not URL-decoded: a "%" in it stays', () => {
  expect(readTrustPolicy(JSON.stringify({ Statement: [{ ...STATEMENT, Sid: '100%25' }] })).statements[0].sid).toBe('100%25');
});
