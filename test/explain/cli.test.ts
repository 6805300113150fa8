// The `cdk-gitlab-oidc explain` command, run as a user runs it: the compiled script package.json's "bin"
// names, in a folder holding a synthesized app, with its exit code, output and error output.
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../../src';
import { runExplain } from '../../src/cli/explain-command';
import { builtCommand } from '../support/built-command';
import { PROCESS_MS, PROCESS_TEST_MS } from '../support/timeouts';

// Each test runs the built command as a process beside the source.
jest.setTimeout(PROCESS_TEST_MS);

/** The package's version, which `--version` prints. */
const VERSION: string = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
const ALLOWED_SUB = 'project_path:mygroup/myproject:ref_type:branch:ref:main';
const SIGNATURE = 'c2lnbmF0dXJlLW5ldmVyLXByaW50ZWQ';
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (claims: Record<string, unknown>) => `${b64({ alg: 'RS256', kid: 'k' })}.${b64(claims)}.${SIGNATURE}`;
const claimsOf = (sub: string) => ({ iss: 'https://gitlab.com', aud: 'https://gitlab.com', sub, user_email: 'alice@example.com', exp: 4_000_000_000 });

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'explain-cli-'));
  const app = new App({ outdir: join(dir, 'cdk.out'), context: { 'aws:cdk:enable-path-metadata': true } });
  const stack = new Stack(app, 'Deploy');
  new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: [GitLabSubject.project('mygroup/myproject').branch('main')] });
  app.synth();
  writeFileSync(join(dir, 'allowed.jwt'), jwt(claimsOf(ALLOWED_SUB)));
  writeFileSync(join(dir, 'claims.json'), JSON.stringify(claimsOf('project_path:mygroup/myproject:ref_type:tag:ref:main')));
  mkdirSync(join(dir, 'empty.out'));
  writeFileSync(join(dir, 'empty.out', 'Other.template.json'), JSON.stringify({ Resources: { Bucket: { Type: 'AWS::S3::Bucket' } } }));
  writeFileSync(join(dir, 'role.json'), JSON.stringify({
    Role: {
      Arn: 'arn:aws:iam::111122223333:role/deploy',
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com' },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { 'gitlab.com:sub': ALLOWED_SUB, 'gitlab.com:aud': 'https://gitlab.com' } },
        }],
      },
    },
  }));
  // A CloudTrail record of a refused call (CloudTrail userIdentity reference, web identity federation).
  writeFileSync(join(dir, 'event.json'), JSON.stringify({
    eventName: 'AssumeRoleWithWebIdentity',
    errorCode: 'AccessDenied',
    errorMessage: 'Not authorized to perform sts:AssumeRoleWithWebIdentity',
    userIdentity: {
      type: 'WebIdentityUser',
      userName: 'project_path:mygroup/MyProject:ref_type:branch:ref:main',
      principalId: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com:https://gitlab.com:project_path:mygroup/MyProject:ref_type:branch:ref:main',
      identityProvider: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com',
    },
    requestParameters: { roleArn: 'arn:aws:iam::111122223333:role/deploy', roleSessionName: 'gitlab-1-2' },
  }));
});

/**
 * Runs the command twice: the built script as a user runs it, and the source in this process (so that
 * coverage and mutation testing see it). Both must answer alike. Mutation runs, which mutate the source but
 * not the build, set CLI_TESTS_SOURCE_ONLY and run the source alone.
 */
function explain(args: string[], env: Record<string, string> = {}) {
  const source = { status: 0, stdout: '', stderr: '' };
  source.status = runExplain(args, { stdout: (t) => source.stdout += t, stderr: (t) => source.stderr += t, env, cwd: dir });
  if (process.env.CLI_TESTS_SOURCE_ONLY) return source;
  const run = spawnSync(process.execPath, [builtCommand(), 'explain', ...args], {
    cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH!, ...env }, timeout: PROCESS_MS,
  });
  const built = { status: run.status, stdout: run.stdout, stderr: run.stderr };
  expect(source).toEqual(built);
  return built;
}

test('--help prints the usage with examples, and exits 0', () => {
  const run = explain(['--help']);
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('Usage: cdk-gitlab-oidc explain');
  expect(run.stdout).toContain('Examples:');
  expect(run.stdout).toContain('Exit codes: 0 allowed, 1 denied (or undecidable before deployment), 2 bad input.');
});

test('a token file the role admits: exit 0, the admitting subject, and neither the token nor anything personal printed', () => {
  const run = explain(['--token-file', 'allowed.jwt']);
  expect(run).toMatchObject({ status: 0, stderr: '' });
  expect(run.stdout).toMatch(/^Deploy\/Role: ALLOWED$/m);
  expect(run.stdout).toContain(`admitted by statement 0, subject "${ALLOWED_SUB}"`);
  expect(run.stdout).not.toContain(SIGNATURE);
  expect(run.stdout).not.toContain('alice@example.com');
});

test('the token from GITLAB_OIDC_TOKEN, refused: exit 1 and the cause', () => {
  const run = explain(['--role', 'Deploy/Role'], { GITLAB_OIDC_TOKEN: jwt(claimsOf('project_path:mygroup/myproject:ref_type:branch:ref:feature')) });
  expect(run.status).toBe(1);
  expect(run.stdout).toContain('Deploy/Role: DENIED');
  expect(run.stdout).toContain('the job ran for ref "feature", the policy admits ref "main"');
});

test('--token and --json: the verdict, the token\'s shown claims and the statements, as JSON', () => {
  const run = explain(['--token', jwt(claimsOf(ALLOWED_SUB)), '--json']);
  expect(run.status).toBe(0);
  const [result] = JSON.parse(run.stdout);
  expect(result).toMatchObject({ role: 'Deploy/Role', verdict: 'allowed', token: { iss: 'https://gitlab.com', sub: ALLOWED_SUB }, causes: [] });
  expect(Object.keys(result.token)).toEqual(['iss', 'aud', 'sub']);
  expect(result.statements[0].conditions.map((c: { key: string; passes: boolean }) => [c.key, c.passes])).toEqual([['gitlab.com:aud', true], ['gitlab.com:sub', true]]);
});

test('--claims-file with a tag where a branch is admitted: exit 1', () => {
  const run = explain(['--claims-file', 'claims.json']);
  expect(run.status).toBe(1);
  expect(run.stdout).toContain('the job ran for a tag, the policy admits a branch');
});

test('--cloudtrail-event against a policy file from aws iam get-role: the case mismatch, and what the event cannot tell', () => {
  const run = explain(['--cloudtrail-event', 'event.json', '--policy-file', 'role.json']);
  expect(run.status).toBe(1);
  expect(run.stdout).toContain('arn:aws:iam::111122223333:role/deploy: DENIED');
  expect(run.stdout).toContain('the values differ only in case');
  expect(run.stdout).toContain('not checked: a CloudTrail event records only the provider, the audience and the sub');
  expect(run.stdout).toContain('CloudTrail recorded AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity');
});

test.each<[string, string[], RegExp]>([
  ['a malformed JWT', ['--token', 'not-a-jwt'], /^cdk-gitlab-oidc explain: --token: the token is not a JWT: a JWT has three parts separated by "\.", this has 1$/m],
  ['a JWT whose payload is not JSON', ['--token', `${b64({ alg: 'RS256' })}.bm90IGpzb24.${SIGNATURE}`], /--token: the token is not a JWT: its payload is not JSON$/m],
  // Root reads any file whatever its mode (CI runs as root): a folder is what no one can read as a file.
  ['an unreadable token file (a folder)', ['--token-file', 'empty.out'], /--token-file: cannot read empty.out: EISDIR$/m],
  ['a missing token file', ['--token-file', 'missing.jwt'], /--token-file: cannot read missing.jwt: ENOENT$/m],
  ['no token at all', [], /no token: give --token, --token-file, --claims, --claims-file or --cloudtrail-event, or set GITLAB_OIDC_TOKEN$/m],
  ['two token sources', ['--token', 'a.b.c', '--claims', '{}'], /give one of --token, --token-file, --claims, --claims-file, --cloudtrail-event, got: --token, --claims$/m],
  ['claims that are not JSON', ['--claims', '{iss'], /--claims: the claims must be JSON, got: /],
  ['claims that are a list', ['--claims', '[1]'], /--claims: the claims must be a JSON object, got: a list$/m],
  ['a template with no GitLab role', ['--claims', '{}', '--app', 'empty.out'], /--app: no role in empty.out trusts a web identity \(sts:AssumeRoleWithWebIdentity\): nothing to explain$/m],
  ['a role the app does not have', ['--claims', '{}', '--role', 'Deploy/Other'], /--role: no web-identity role Deploy\/Other in cdk.out; there are: Deploy\/Role$/m],
  ['an unknown option', ['--claims', '{}', '--tokn', 'x'], /Unknown option '--tokn'/],
  ['a time that is not a time', ['--claims', '{}', '--at', 'yesterday'], /--at must be an ISO 8601 time, got: yesterday$/m],
  ['a CloudTrail event of another call', ['--cloudtrail-event', 'claims.json'], /not an AssumeRoleWithWebIdentity event, got: null$/m],
])('bad input: %s exits 2 with a clear message and never echoes a token', (_case, args, message) => {
  const run = explain(args);
  expect(run.status).toBe(2);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain('Run \'cdk-gitlab-oidc explain --help\' for usage.');
  expect(run.stderr).not.toContain(SIGNATURE);
});

// The dispatch exists only as the built script.
(process.env.CLI_TESTS_SOURCE_ONLY ? test.skip : test).each<[string, string[], number, RegExp, RegExp]>([
  ['no command', [], 2, /^$/, /^Usage: cdk-gitlab-oidc <command>/],
  ['--help', ['--help'], 0, /^Usage: cdk-gitlab-oidc <command>\n\nCommands:\n {2}explain {3}why a GitLab job's ID token/, /^$/],
  ['an unknown command', ['explian'], 2, /^$/, /^cdk-gitlab-oidc: unknown command "explian"\nUsage:/],
  ['--version', ['--version'], 0, new RegExp(`^${VERSION.replace(/\./g, '\\.')}\n$`), /^$/],
])('the command itself: %s', (_case, args, status, stdout, stderr) => {
  const run = spawnSync(process.execPath, [builtCommand(), ...args], { cwd: dir, encoding: 'utf8', timeout: PROCESS_MS });
  expect(run.status).toBe(status);
  expect(run.stdout).toMatch(stdout);
  expect(run.stderr).toMatch(stderr);
});
