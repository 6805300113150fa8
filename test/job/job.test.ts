// The generated job, run for real: gitlab-ci-local's shell executor runs it as a GitLab runner would,
// the `aws` command is the AWS SDK for JavaScript v3 with its default credential chain, and STS is a
// loopback endpoint that verifies the ID token and judges the role's trust policy. The runner has AWS
// credentials of its own throughout (static keys and a container credentials endpoint), which no job
// may ever use.
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { parse } from 'yaml';
import { JobFixture, ROLE_ARN, ROLE_NAME } from './job-fixture';
import { LoopbackSts, RUNNER_ACCESS_KEY_ID, RUNNER_ROLE_ARN, RUNNER_SECRET_ACCESS_KEY, RUNNER_USER_ARN } from './loopback-sts';
import { runJob, SDK_AWS_CLI_DIR } from './run-job';
import { runTraced } from './traced-run';
import { GitLabCiCredentials, GitLabCiJobOptions, GitLabRunnerRole } from '../../src';
import { expectations } from '../../src/private/job/credential-script';
import { FixtureIssuer, gitLabClaims, JobSpec } from '../security/support/issuer';
import { ACCOUNT } from '../security/support/sts';
import { builtCommand } from '../support/built-command';
import { resolvedJob } from '../support/gitlab-ci';
import { EMULATOR_JOB_TEST_MS, PROCESS_MS } from '../support/timeouts';

// Each test runs a job in gitlab-ci-local.
jest.setTimeout(EMULATOR_JOB_TEST_MS);

const SCRIPT_MARKER = 'the job script ran';
const INTENDED: Omit<JobSpec, 'aud'> & { aud?: string } = { projectPath: 'mygroup/myproject', refType: 'branch', ref: 'main' };

let fixture: JobFixture;
let issuer: FixtureIssuer;
let sts: LoopbackSts;
let role: GitLabRunnerRole;
let stack: Stack;

beforeAll(async () => {
  fixture = await JobFixture.start();
  ({ issuer, sts, role, stack } = fixture);
});

afterAll(async () => fixture?.close());

/** The pipeline: the generated hidden job, and a job that extends it as users write it. */
function pipeline(credentials: GitLabCiCredentials, options: GitLabCiJobOptions = {}): string {
  const hidden = resolvedJob(stack, role.gitLabCiJob({ credentials, ...options }), ROLE_ARN);
  return `${hidden}\ndeploy:\n  extends: .aws-oidc\n  script:\n    - aws sts get-caller-identity\n    - echo "${SCRIPT_MARKER}"\n`;
}

const token = (job?: Partial<JobSpec>) => fixture.token(job);

/** Runs the deploy job with the runner's own credentials in its environment; returns the run and the STS calls it made. */
async function deploy(
  credentials: GitLabCiCredentials, idToken: string | undefined, env: Record<string, string> = {}, options: GitLabCiJobOptions = {},
  variables: Record<string, string> = {},
) {
  const before = sts.calls.length;
  const issued = sts.issuedSecrets.length;
  const run = await runJob(pipeline(credentials, options), {
    job: 'deploy',
    variables: { ...variables, ...(idToken === undefined ? {} : { GITLAB_OIDC_TOKEN: idToken }) },
    // The token, and every credential STS issued during the run.
    secrets: () => [...(idToken ? [idToken] : []), ...sts.issuedSecrets.slice(issued)],
    env: {
      AWS_ENDPOINT_URL_STS: sts.url,
      AWS_ACCESS_KEY_ID: RUNNER_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: RUNNER_SECRET_ACCESS_KEY,
      AWS_CONTAINER_CREDENTIALS_FULL_URI: sts.containerCredentialsUrl,
      ...env,
    },
  });
  return { run, calls: sts.calls.slice(before) };
}

/** Runs a printed `npx cdk-gitlab-oidc explain ...` line in a shell, with the built command, beside the synthesized app. */
function explainAsPrinted(command: string) {
  const app = mkdtempSync(join(tmpdir(), 'explain-app-'));
  mkdirSync(join(app, 'cdk.out'));
  const assembly = (stack.node.root as App).synth();
  writeFileSync(join(app, 'cdk.out', 'Stack.template.json'), JSON.stringify(assembly.getStackByName('Stack').template));
  const bin = mkdtempSync(join(tmpdir(), 'explain-bin-'));
  // `npx` stands for the installed package's command.
  writeFileSync(join(bin, 'npx'), `#!/bin/sh\nshift\nexec "${process.execPath}" "${builtCommand()}" "$@"\n`, { mode: 0o755 });
  return spawnSync('/bin/sh', ['-c', command], { cwd: app, encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` }, timeout: PROCESS_MS });
}

const MODES: [string, GitLabCiCredentials][] = [
  ['token file', GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE],
  ['assume-role CLI', GitLabCiCredentials.ASSUME_ROLE_CLI],
];

describe.each(MODES)('the generated job (%s) with real clients', (_mode, credentials) => {
  test('the intended job gets the role\'s credentials, and its script runs as the role', async () => {
    const idToken = await token();
    const { run, calls } = await deploy(credentials, idToken);
    expect(run.output).toContain(SCRIPT_MARKER);
    expect(run.exitCode).toBe(0);
    expect(run.output).toMatch(new RegExp(`"Arn": "arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-\\d+-\\d+"`));
    expect(calls.filter((c) => c.action === 'GetCallerIdentity').map((c) => c.identity))
      .toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`assumed-role/${ROLE_NAME}/gitlab-\\d+-\\d+$`))]));
    expect(calls.some((c) => [RUNNER_USER_ARN, RUNNER_ROLE_ARN].includes(c.identity!) || c.identity?.includes('gitlab-runner-instance-role'))).toBe(false);
    expect(run.filesHoldingSecret).toEqual([]);
    expect(run.output).not.toContain(idToken);
  });

  test.each<[string, Partial<JobSpec>, string]>([
    ['another branch', { ref: 'feature' }, 'An error occurred (AccessDenied) when calling'],
    ['another project', { projectPath: 'mygroup/other' }, 'Not authorized to perform sts:AssumeRoleWithWebIdentity'],
    ['a wrong audience', { aud: 'sts.amazonaws.com' }, 'An error occurred (InvalidIdentityToken) when calling'],
  ])('%s is refused: the job stops before its script with STS\'s message, and never uses the runner\'s credentials', async (_case, job, message) => {
    const idToken = await token(job);
    const { run, calls } = await deploy(credentials, idToken);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain(message);
    expect(run.output).toContain('the job stops before its script');
    expect(run.output).not.toContain(SCRIPT_MARKER);
    expect(calls.filter((c) => c.status === 200)).toEqual([]);
    expect(calls.map((c) => c.action)).toContain('AssumeRoleWithWebIdentity');
    expect(run.filesHoldingSecret).toEqual([]);
  });

  test('a refused job prints the token\'s non-secret claims, what the role expects, and a command that explains the refusal', async () => {
    const idToken = await token({ projectPath: 'mygroup/MyProject' });
    const { run } = await deploy(credentials, idToken);
    expect(run.exitCode).not.toBe(0);
    // The lines the job printed (gitlab-ci-local also echoes each command, with its text unexpanded).
    const claims = /> cdk-gitlab-oidc: the token's claims: (\{"iss".*\})$/m.exec(run.output)?.[1];
    expect(JSON.parse(claims!)).toEqual({
      iss: 'https://gitlab.com',
      aud: 'https://gitlab.com',
      sub: 'project_path:mygroup/MyProject:ref_type:branch:ref:main',
      ref_type: 'branch',
      ref: 'main',
      ref_protected: 'true',
      project_path: 'mygroup/MyProject',
    });
    expect(run.output).toContain('cdk-gitlab-oidc: the role expects iss https://gitlab.com, aud https://gitlab.com, ' +
      'sub project_path:mygroup/myproject:ref_type:branch:ref:main');
    // Nothing personal, never the token.
    expect(run.output).not.toMatch(/user_(email|login|id)|alice@example/);
    expect(run.output).not.toContain(idToken.split('.')[2]);
    // The printed command, run as printed where the app is synthesized, names the cause.
    const command = /> cdk-gitlab-oidc: to see why, run where the app is synthesized: (npx cdk-gitlab-oidc explain .* --claims '\{"iss".*)$/m
      .exec(run.output)?.[1];
    expect(command).toBe(`npx cdk-gitlab-oidc explain --role 'Stack/Role' --claims '${claims}'`);
    const explained = explainAsPrinted(command!);
    expect(explained.stderr).toBe('');
    expect(explained.status).toBe(1);
    expect(explained.stdout).toContain('Stack/Role: DENIED');
    expect(explained.stdout).toContain('the values differ only in case');
  });

  test('a missing token stops the job and names the variable and the id_tokens entry it needs', async () => {
    const { run, calls } = await deploy(credentials, undefined);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain('GITLAB_OIDC_TOKEN is empty: this job needs an id_tokens entry named GITLAB_OIDC_TOKEN');
    expect(run.output).not.toContain('Invalid length for parameter WebIdentityToken');
    expect(run.output).not.toContain(SCRIPT_MARKER);
    expect(calls).toEqual([]);
  });

  // A pipeline's variables (a manual run's, a schedule's, a trigger's) override the job's: each setting is checked first.
  test.each<[string, Record<string, string>, string]>([
    ['a mode with a typo', { GITLAB_OIDC_CREDENTIALS: 'token_file' }, 'GITLAB_OIDC_CREDENTIALS must be token-file or assume-role-cli, got: token_file'],
    ['attempts out of range', { GITLAB_OIDC_STS_ATTEMPTS: '11' }, 'GITLAB_OIDC_STS_ATTEMPTS must be a whole number from 1 to 10, got: 11'],
    ['a session length with a unit', { GITLAB_OIDC_CREDENTIALS: 'assume-role-cli', GITLAB_OIDC_SESSION_SECONDS: '1h' },
      'GITLAB_OIDC_SESSION_SECONDS must be a whole number of seconds, got: 1h'],
  ])('%s, set by a pipeline variable, stops the job before any AWS call', async (_case, variables, message) => {
    const { run, calls } = await deploy(credentials, await token(), {}, {}, variables);
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toContain(`cdk-gitlab-oidc: ${message}; the job stops before its script`);
    expect(run.output).not.toContain(SCRIPT_MARKER);
    expect(calls).toEqual([]);
  });

  test('an unreachable STS stops the job before its script, and the runner\'s credentials stay unused', async () => {
    const idToken = await token();
    const { run, calls } = await deploy(credentials, idToken, { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9' });
    expect(run.exitCode).not.toBe(0);
    expect(run.output).toMatch(/ECONNREFUSED/);
    expect(run.output).toContain('the job stops before its script');
    expect(run.output).not.toContain(SCRIPT_MARKER);
    expect(calls).toEqual([]);
    expect(run.filesHoldingSecret).toEqual([]);
  });
});

describe('retries: a transient STS error is asked again, a refusal is not', () => {
  // The SDK's own retries are off (AWS_MAX_ATTEMPTS=1), so each STS call is one attempt of the job's.
  const IDP = { status: 400, code: 'IDPCommunicationError', message: 'The identity provider could not be reached' };
  const KEYS = { status: 400, code: 'InvalidIdentityToken', message: 'Couldn\'t retrieve verification key from your identity provider' };

  test.each(MODES)('%s: two transient errors, then credentials: the script runs as the role', async (_mode, credentials) => {
    sts.failNext.push(IDP, KEYS);
    const { run, calls } = await deploy(credentials, await token(), { AWS_MAX_ATTEMPTS: '1' });
    expect(run.output).toContain(SCRIPT_MARKER);
    expect(run.exitCode).toBe(0);
    expect(run.output).toMatch(/cdk-gitlab-oidc: STS answered with a transient error; attempt 2 of 5 in [12] seconds/);
    expect(run.output).toMatch(/cdk-gitlab-oidc: STS answered with a transient error; attempt 3 of 5 in [234] seconds/);
    expect(calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').map((c) => c.status).slice(0, 3)).toEqual([400, 400, 200]);
  });

  test.each(MODES)('%s: a refusal stops the job at the first attempt', async (_mode, credentials) => {
    const { run, calls } = await deploy(credentials, await token({ ref: 'feature' }), { AWS_MAX_ATTEMPTS: '1' });
    expect(run.exitCode).not.toBe(0);
    // (The emulator echoes the function's own text, "attempt $((...": no attempt is numbered.)
    expect(run.output).not.toMatch(/transient error; attempt \d/);
    expect(calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity')).toEqual([expect.objectContaining({ status: 403 })]);
  });

  test('transient errors past the last attempt stop the job with STS\'s message', async () => {
    sts.failNext.push(IDP, IDP);
    const { run, calls } = await deploy(GitLabCiCredentials.ASSUME_ROLE_CLI, await token(), { AWS_MAX_ATTEMPTS: '1' }, { stsAttempts: 2 });
    expect(run.exitCode).not.toBe(0);
    expect(run.output).not.toContain(SCRIPT_MARKER);
    expect(run.output).toContain('An error occurred (IDPCommunicationError) when calling the AssumeRoleWithWebIdentity operation');
    expect(run.output).toContain('was not exchanged for credentials of role');
    expect(calls.filter((c) => c.action === 'AssumeRoleWithWebIdentity').map((c) => c.status)).toEqual([400, 400]);
  });
});

describe('under GitLab\'s debug trace (CI_DEBUG_TRACE), which runs the job\'s shell with xtrace', () => {
  // GitLab's runner writes the job as one bash script under `set -eo pipefail`, with `set -o xtrace` when debug
  // tracing is on: the hidden job's before_script and the job's script run here the same way, with the job's
  // variables, against the loopback STS (asynchronously: the STS answers from this process).
  function traced(credentials: GitLabCiCredentials, idToken: string, keep?: (line: string) => boolean) {
    const doc = parse(pipeline(credentials));
    return runTraced({
      hidden: doc['.aws-oidc'],
      script: doc.deploy.script,
      idToken,
      keep,
      awsCliDir: SDK_AWS_CLI_DIR,
      env: { AWS_ENDPOINT_URL_STS: sts.url, NODE_NO_WARNINGS: '1' },
    });
  }

  test.each(MODES)('%s: no credential in the trace, and the job\'s own script is traced again', async (_mode, credentials) => {
    const idToken = await token();
    const issuedBefore = sts.issuedSecrets.length;
    const run = await traced(credentials, idToken);
    expect(run.stdout).toContain(SCRIPT_MARKER);
    expect(run.status).toBe(0);
    const issued = sts.issuedSecrets.slice(issuedBefore);
    expect(issued.length).toBeGreaterThan(0);
    const log = run.stdout + run.stderr;
    for (const secret of issued) expect(log).not.toContain(secret);
    expect(log).not.toContain(idToken.split('.')[2]);
    // The trace resumes for the job's own commands.
    expect(run.stderr).toContain(`+ echo '${SCRIPT_MARKER}'`);
  });

  test('control: the same lines without the pause print the credentials (assume-role CLI)', async () => {
    const issuedBefore = sts.issuedSecrets.length;
    const run = await traced(GitLabCiCredentials.ASSUME_ROLE_CLI, await token(), (line) => !line.startsWith('case $- in') && !line.endsWith('|| set -x'));
    expect(run.status).toBe(0);
    expect(sts.issuedSecrets.slice(issuedBefore).some((secret) => run.stderr.includes(secret))).toBe(true);
  });
});

describe('the claims printer, in the shells jobs run in', () => {
  // The function line of the generated before_script, after the line of the role's expectations it reads, run on their
  // own: dash is Debian's POSIX /bin/sh (no bash features), bash runs it under GitLab's `set -eo pipefail`.
  const SHELLS: [string, string[]][] = [['dash', ['/bin/dash', '-e', '-c']], ['bash -eo pipefail', ['/bin/bash', '-eo', 'pipefail', '-c']]];
  const printer = () => {
    const lines: string[] = parse(resolvedJob(stack, role.gitLabCiJob(), ROLE_ARN))['.aws-oidc'].before_script;
    expect(lines[0]).toMatch(/^_oidc_expects=/);
    return `${lines[0]}\n${lines.find((line) => line.startsWith('cdk_gitlab_oidc_explain()'))}`;
  };

  function runPrinter(shell: string[], idToken: string, lines = printer(), env: Record<string, string> = {}) {
    const tmp = mkdtempSync(join(tmpdir(), 'printer-'));
    mkdirSync(join(tmp, 'gitlab-oidc-7'));
    writeFileSync(join(tmp, 'gitlab-oidc-7', 'token'), idToken);
    const script = `${lines}\ncdk_gitlab_oidc_explain\necho "the job's own message"`;
    return spawnSync(shell[0], [...shell.slice(1), script], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', TMPDIR: tmp, CI_JOB_ID: '7', ...env }, timeout: 10_000 });
  }

  test.each(SHELLS)('%s: the claims as JSON, escapes kept, list audiences, nothing personal', async (_shell, shell) => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { ...gitLabClaims('https://gitlab.com', { ...INTENDED, aud: 'https://gitlab.com', ref: 'it\'s"x' } as JobSpec, now), aud: ['a', 'b'] };
    const run = runPrinter(shell, await issuer.sign(claims));
    expect(run.status).toBe(0);
    const printed = /^cdk-gitlab-oidc: the token's claims: (.*)$/m.exec(run.stderr)![1];
    expect(JSON.parse(printed)).toEqual({
      iss: 'https://gitlab.com',
      aud: ['a', 'b'],
      sub: 'project_path:mygroup/myproject:ref_type:branch:ref:it\'s"x',
      ref_type: 'branch',
      ref: 'it\'s"x',
      ref_protected: 'true',
      project_path: 'mygroup/myproject',
    });
    expect(run.stderr).not.toMatch(/alice|user_/);
    // The printed command is one shell word per argument: run through a shell, --claims is the JSON itself.
    const command = /^cdk-gitlab-oidc: to see why, run where the app is synthesized: npx cdk-gitlab-oidc explain (.*)$/m.exec(run.stderr)![1];
    const args = spawnSync('/bin/sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8' }).stdout.split('\n');
    expect(args.slice(0, 4)).toEqual(['--role', 'Stack/Role', '--claims', printed]);
    expect(run.stdout).toBe('the job\'s own message\n');
  });

  test.each(SHELLS)('%s: a role known only by its ARN prints how to fetch its policy; the runner\'s variables of the same names never reach the hint', async (_shell, shell) => {
    // The line the CI/CD component and a pipeline's role known by its ARN write (test/pipeline and test/job/component check they do).
    const script = printer().replace(/^_oidc_expects=.*\n/, `${expectations()}\n`);
    expect(script.split('\n')[0]).toBe("_oidc_expects=''; _oidc_role_path=''");
    const now = Math.floor(Date.now() / 1000);
    const run = runPrinter(shell, await issuer.sign(gitLabClaims('https://gitlab.com', { ...INTENDED, aud: 'https://gitlab.com' } as JobSpec, now)), script,
      { AWS_ROLE_ARN: ROLE_ARN, _oidc_expects: 'forged', _oidc_role_path: 'forged; rm -rf ~' });
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^cdk-gitlab-oidc: to see why, run: aws iam get-role --role-name [\w+=,.@-]+ > role\.json && npx cdk-gitlab-oidc explain --policy-file role\.json --claims '\{"iss"/m);
    expect(run.stderr).not.toMatch(/forged|the role expects/);
    expect(run.stdout).toBe('the job\'s own message\n');
  });

  test.each(SHELLS)('%s: a construct path with quotes and shell syntax prints as one word of the command, and runs nothing', async (_shell, shell) => {
    const path = 'Stack/It\'s "a" $(touch pwned); `id` \\ role';
    const script = printer().replace(/^_oidc_expects=.*\n/, `${expectations({ issuer: 'https://gitlab.com', audience: 'a', subjects: ['s'], path })}\n`);
    const now = Math.floor(Date.now() / 1000);
    const run = runPrinter(shell, await issuer.sign(gitLabClaims('https://gitlab.com', { ...INTENDED, aud: 'https://gitlab.com' } as JobSpec, now)), script);
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('cdk-gitlab-oidc: the role expects iss https://gitlab.com, aud a, sub s\n');
    const command = /^cdk-gitlab-oidc: to see why, run where the app is synthesized: npx cdk-gitlab-oidc explain (.*)$/m.exec(run.stderr)![1];
    const args = spawnSync('/bin/sh', ['-c', `printf '%s\\n' ${command}`], { encoding: 'utf8', cwd: tmpdir() }).stdout.split('\n');
    expect(args.slice(0, 3)).toEqual(['--role', path, '--claims']);
    expect(existsSync(join(tmpdir(), 'pwned'))).toBe(false);
  });

  test.each(SHELLS)('%s: a token that does not decode prints no claims, and the job still reaches its own message', (_shell, shell) => {
    const run = runPrinter(shell, 'not.a!valid@token.x');
    expect(run.status).toBe(0);
    expect(run.stderr).toContain('cdk-gitlab-oidc: the token\'s claims: {}');
    expect(run.stdout).toBe('the job\'s own message\n');
  });
});
