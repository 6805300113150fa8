// `explain` under hostile input (issue: a crash exited 1, which means "denied"; escape sequences reached the
// terminal; operators named like Object's members crashed or read ALLOWED; IAM policy variables and NotAction were
// judged wrongly). In process, through runExplain, the command's whole logic: every run ends 0, 1 or 2, with no
// stack trace and no raw control character; policy variables are UNDETERMINED or IAM's own verdict, never the other.
import { mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import * as fc from 'fast-check';
import { runExplain } from '../../src/cli/explain-command';
import { judge, loadTrustPolicy } from '../security/support/judge';
import { runCommand } from '../support/command-run';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const SUB = 'project_path:mygroup/myproject:ref_type:branch:ref:main';
const dir = mkdtempSync(join(tmpdir(), 'explain-hostile-'));
/** Raw terminal control characters: C0 but the line break, DEL, C1, line separators, bidirectional overrides. */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

let files = 0;
/** A file in the test's folder holding `content` (JSON unless it is a string). */
function file(content: unknown): string {
  const path = join(dir, `input-${files++}.json`);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

function run(args: string[]) {
  const started = Date.now();
  return { ...runCommand(runExplain, args, dir), ms: Date.now() - started };
}

/** A trust policy of one statement for gitlab.com with the given conditions (and other fields). */
function policy(statement: Record<string, unknown>) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', ...statement }],
  };
}

const claims = (extra: Record<string, unknown> = {}) => ({ iss: 'https://gitlab.com', aud: 'https://gitlab.com', sub: SUB, exp: 4_000_000_000, ...extra });

/** The run is well-behaved: a defined exit code, no stack trace, no raw control character, quick. */
function expectWellBehaved(result: ReturnType<typeof run>) {
  expect([0, 1, 2]).toContain(result.code);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toMatch(RAW_CONTROL);
  if (!result.stdout.startsWith('[')) expect(result.stdout).not.toMatch(RAW_CONTROL);
  expect(result.ms).toBeLessThan(5_000);
}

describe('crashes are bad input (exit 2, one line), never "denied" (exit 1)', () => {
  test.each<[string, string[]]>([
    ['a sub nested 100,000 lists deep', ['--claims', `{"iss":"https://gitlab.com","aud":"https://gitlab.com","sub":${'['.repeat(100_000)}${']'.repeat(100_000)}}`]],
    ['a CloudTrail file whose record is null', ['--cloudtrail-event', file({ Records: [null] })]],
    ['a CloudTrail record whose identity is a list', ['--cloudtrail-event', file({ eventName: 'AssumeRoleWithWebIdentity', userIdentity: [1], responseElements: 'x' })]],
    ['a policy nested 10,000 objects deep', ['--claims', JSON.stringify(claims()), '--policy-file', file('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000))]],
  ])('%s', (_title, args) => {
    const result = run(args.some((a) => a === '--policy-file') ? args : [...args, '--policy-file', file(policy({}))]);
    expectWellBehaved(result);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(2); // the message, and where to find the usage
  });
});

test('a token\'s claims and a CloudTrail message holding escape sequences are printed escaped in text, exactly in JSON', () => {
  const title = '\u001b]0;pwned\u0007\u001b[2J\u009b31m\u202e';
  const text = run(['--claims', JSON.stringify(claims({ sub: `${SUB}${title}`, project_path: title })), '--policy-file', file(policy({}))]);
  expectWellBehaved(text);
  expect(text.stdout).toContain('\\u001b]0;pwned\\u0007');
  const json = run(['--claims', JSON.stringify(claims({ project_path: title })), '--policy-file', file(policy({})), '--json']);
  expect(JSON.parse(json.stdout)[0].token.project_path).toBe(title);
  const event = file({
    eventName: 'AssumeRoleWithWebIdentity',
    errorCode: 'AccessDenied',
    errorMessage: `denied${title}\nforged: ALLOWED`,
    userIdentity: { type: 'WebIdentityUser', userName: SUB, identityProvider: PROVIDER },
  });
  const trail = run(['--cloudtrail-event', event, '--policy-file', file(policy({}))]);
  expectWellBehaved(trail);
  // The message's line break cannot forge a line of the report.
  expect(trail.stdout.split('\n').filter((line) => line.startsWith('forged'))).toEqual([]);
});

test.each(['__proto__', 'toString', 'constructor', 'hasOwnProperty', 'ForAnyValue:constructor'])(
  'an operator named %s is data: no crash, never ALLOWED', (operator) => {
    const result = run(['--claims', JSON.stringify(claims()), '--policy-file', file(policy({ Condition: { [operator]: { 'gitlab.com:sub': SUB } } }))]);
    expectWellBehaved(result);
    expect(result.code).toBe(1);
    expect(result.stdout).not.toMatch(/: ALLOWED/);
  });

describe('IAM policy variables and NotAction: IAM\'s verdict, or UNDETERMINED; never the other verdict', () => {
  const context = (sub: string, extra: Record<string, string> = {}) => ({ 'gitlab.com:sub': sub, 'gitlab.com:aud': 'https://gitlab.com', ...extra });
  test.each<[string, Record<string, unknown>, string]>([
    ['a variable for the user login', { Condition: { StringLike: { 'gitlab.com:sub': 'project_path:${gitlab.com:user_login}/*' } } }, 'project_path:alice/x:ref_type:branch:ref:main'],
    ['the sub as its own variable', { Condition: { StringEquals: { 'gitlab.com:sub': '${gitlab.com:sub}' } } }, SUB],
    ['the ${*} escape (a literal star)', { Condition: { StringLike: { 'gitlab.com:sub': 'project_path:mygroup/${*}' } } }, 'project_path:mygroup/evil:ref_type:branch:ref:main'],
    ['the ${*} escape, matched literally', { Condition: { StringLike: { 'gitlab.com:sub': 'project_path:mygroup/${*}' } } }, 'project_path:mygroup/*'],
    ['the ${?} and ${$} escapes', { Condition: { StringEquals: { 'gitlab.com:sub': 'a${?}b${$}' } } }, 'a?b$'],
  ])('%s', (_title, statement, sub) => {
    const document = policy(statement);
    const iam = judge(loadTrustPolicy(document), PROVIDER, ROLE, context(sub));
    const result = run(['--claims', JSON.stringify(claims({ sub })), '--policy-file', file(document), '--json']);
    expectWellBehaved(result);
    const verdict = JSON.parse(result.stdout)[0].verdict;
    expect(['undetermined', iam === 'allow' ? 'allowed' : 'denied']).toContain(verdict);
    expect(verdict).toBe('undetermined');
  });

  test.each<[string, unknown, 'allowed' | 'denied']>([
    ['NotAction that leaves the web-identity action in', ['sts:TagSession'], 'allowed'],
    ['NotAction that takes it out', ['sts:AssumeRoleWith*'], 'denied'],
  ])('%s: judged as IAM judges it', (_title, notAction, expected) => {
    const document = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, NotAction: notAction, Condition: { StringEquals: { 'gitlab.com:sub': SUB } } }] };
    const iam = judge(loadTrustPolicy(document), PROVIDER, ROLE, context(SUB));
    expect(iam === 'allow' ? 'allowed' : 'denied').toBe(expected);
    const result = run(['--claims', JSON.stringify(claims()), '--policy-file', file(document), '--json']);
    if (expected === 'denied') {
      // A policy whose only statement excludes the action trusts no web identity: bad input for explain.
      expect(result.code).toBe(2);
    } else {
      expect([result.code, JSON.parse(result.stdout)[0].verdict]).toEqual([0, expected]);
    }
  });
});

describe('fuzz: whatever the input, exit 0, 1 or 2, no stack trace, no raw control character, bounded time', () => {
  const sound = file(policy({ Condition: { StringEquals: { 'gitlab.com:sub': SUB, 'gitlab.com:aud': 'https://gitlab.com' } } }));
  const anyJson = fc.jsonValue({ maxDepth: 6 });
  const hostileString = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('\u001b[2J', '__proto__', '${*}', '{"a":'.repeat(200)));
  const options = { numRuns: 150, seed: 20261203 };

  test('claims', () => {
    fc.assert(fc.property(fc.oneof(anyJson, fc.dictionary(fc.constantFrom('iss', 'aud', 'sub', 'exp', 'nbf', 'ref_protected', '__proto__'), anyJson)),
      (value) => expectWellBehaved(run(['--claims', JSON.stringify(value), '--policy-file', sound]))), options);
  });

  test('tokens', () => {
    const jwt = fc.tuple(anyJson, anyJson, hostileString).map(([h, p, s]) =>
      `${Buffer.from(JSON.stringify(h)).toString('base64url')}.${Buffer.from(JSON.stringify(p)).toString('base64url')}.${s}`);
    fc.assert(fc.property(fc.oneof(hostileString, jwt), (token) => expectWellBehaved(run(['--token', token, '--policy-file', sound]))), options);
  });

  test('CloudTrail events', () => {
    const event = fc.record({
      eventName: fc.oneof(fc.constant('AssumeRoleWithWebIdentity'), anyJson),
      userIdentity: anyJson,
      responseElements: anyJson,
      errorCode: anyJson,
      errorMessage: fc.oneof(hostileString, anyJson),
    }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(event, event.map((e) => ({ Records: [e] })), anyJson),
      (value) => expectWellBehaved(run(['--cloudtrail-event', file(value), '--policy-file', sound]))), options);
  });

  test('policies', () => {
    const condition = fc.dictionary(fc.oneof(fc.constantFrom('StringEquals', 'StringLike', 'ForAnyValue:StringLike', 'Null', 'constructor'), fc.string()),
      fc.dictionary(fc.constantFrom('gitlab.com:sub', 'gitlab.com:aud', 'gitlab.com:ref_protected', '__proto__'), fc.oneof(hostileString, fc.array(hostileString), anyJson)));
    const statement = fc.record({
      Effect: fc.constantFrom('Allow', 'Deny', 'Maybe'),
      Principal: fc.oneof(fc.constant({ Federated: PROVIDER }), anyJson),
      Action: fc.oneof(fc.constant('sts:AssumeRoleWithWebIdentity'), anyJson),
      NotAction: anyJson,
      Condition: fc.oneof(condition, anyJson),
    }, { requiredKeys: ['Effect'] });
    fc.assert(fc.property(fc.oneof(fc.record({ Statement: fc.array(statement, { maxLength: 3 }) }), anyJson),
      (document) => expectWellBehaved(run(['--claims', JSON.stringify(claims()), '--policy-file', file(document)]))), options);
  });
});
