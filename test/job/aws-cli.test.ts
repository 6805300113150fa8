// The generated job with Debian's AWS CLI (v2, Python), the client users run most: it caches the credentials it
// obtains with a web identity token in ~/.aws/cli/cache, which on a shell executor every later job can read. STS
// is the loopback endpoint at its public addresses, through a proxy (sts-proxy.ts), so the CLI runs unchanged
// and the test sees which endpoint it calls. scripts/install-test-tools.sh installs the package.
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LoopbackSts, RUNNER_ACCESS_KEY_ID, RUNNER_SECRET_ACCESS_KEY } from './loopback-sts';
import { runJob } from './run-job';
import { StsProxy } from './sts-proxy';
import { GitLabCiCredentials, GitLabCiJobOptions, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../../src';
import { FixtureIssuer, gitLabClaims, JobSpec } from '../security/support/issuer';
import { ACCOUNT, EmulatedAccount } from '../security/support/sts';
import { resolvedJob } from '../support/gitlab-ci';
import { EMULATOR_JOB_TEST_MS, PROCESS_MS } from '../support/timeouts';

// Each test runs one or two jobs in gitlab-ci-local; Python's start is slower than Node's.
jest.setTimeout(EMULATOR_JOB_TEST_MS);

const DEBIAN_AWS_CLI = '/usr/bin/aws';
const ROLE_NAME = 'gitlab-deploy';
const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;
const SCRIPT_MARKER = 'the job script ran';
const MODES: [string, GitLabCiCredentials][] = [
  ['token file', GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE],
  ['assume-role CLI', GitLabCiCredentials.ASSUME_ROLE_CLI],
];

let issuer: FixtureIssuer;
let sts: LoopbackSts;
let proxy: StsProxy;
let stack: Stack;
let role: GitLabRunnerRole;
let awsCliDir: string;

beforeAll(async () => {
  // The package, not whatever `aws` comes first on PATH (a pip install of v1 ignores none of this, but is not what runners use).
  if (!existsSync(DEBIAN_AWS_CLI)) throw new Error(`${DEBIAN_AWS_CLI} is missing: run scripts/install-test-tools.sh (Debian's awscli package)`);
  expect(execFileSync(DEBIAN_AWS_CLI, ['--version'], { encoding: 'utf8', timeout: PROCESS_MS })).toMatch(/^aws-cli\/2\./);
  awsCliDir = mkdtempSync(join(tmpdir(), 'debian-aws-cli-'));
  symlinkSync(DEBIAN_AWS_CLI, join(awsCliDir, 'aws'));

  issuer = await FixtureIssuer.start('https://gitlab.com');
  stack = new Stack(new App(), 'Stack', { env: { account: ACCOUNT, region: 'eu-west-1' } });
  role = new GitLabRunnerRole(stack, 'Role', {
    provider: new GitLabOidcProvider(stack, 'GitLab'),
    roleName: ROLE_NAME,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
  });
  sts = await LoopbackSts.start(EmulatedAccount.fromTemplate(Template.fromStack(stack).toJSON() as any, [], { 'https://gitlab.com': issuer.loopbackUrl }));
  proxy = await StsProxy.start(sts);
});

afterAll(async () => {
  await proxy?.close();
  await sts?.close();
  await issuer?.close();
});

async function token(job: Partial<JobSpec> = {}): Promise<string> {
  const spec = { projectPath: 'mygroup/myproject', refType: 'branch', ref: 'main', aud: 'https://gitlab.com', ...job } as JobSpec;
  return issuer.sign(gitLabClaims('https://gitlab.com', spec, Math.floor(Date.now() / 1000)));
}

/**
 * Runs `jobs` of `yaml` with Debian's AWS CLI, STS behind the proxy, and the runner's own keys in the environment when
 * `runnerKeys`; returns the run, the hosts the CLI connected to, and every file left holding the token or a credential.
 */
async function run(yaml: string, jobs: string[], idToken: string, runnerKeys = true) {
  const connects = proxy.connects.length;
  const issued = sts.issuedSecrets.length;
  const result = await runJob(yaml, {
    job: jobs,
    variables: { GITLAB_OIDC_TOKEN: idToken },
    awsCliDir,
    secrets: () => [idToken, ...sts.issuedSecrets.slice(issued)],
    env: {
      HTTPS_PROXY: proxy.url,
      AWS_CA_BUNDLE: proxy.caBundle,
      ...(runnerKeys ? { AWS_ACCESS_KEY_ID: RUNNER_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: RUNNER_SECRET_ACCESS_KEY } : {}),
    },
  });
  return { ...result, connects: proxy.connects.slice(connects), issued: sts.issuedSecrets.slice(issued) };
}

/** The generated hidden job and a job that extends it, with the script users write. */
function deployPipeline(options: GitLabCiJobOptions): string {
  return `${resolvedJob(stack, role.gitLabCiJob(options), ROLE_ARN)}\ndeploy:\n  extends: .aws-oidc\n  script:\n` +
    `    - aws sts get-caller-identity --query Arn --output text\n    - echo "${SCRIPT_MARKER}"\n`;
}

describe.each(MODES)('Debian\'s AWS CLI, %s', (_mode, credentials) => {
  test('the job runs as the role through the regional STS endpoint, and no file anywhere holds the token or a credential', async () => {
    const result = await run(deployPipeline({ credentials }), ['deploy'], await token());
    expect(result.output).toContain(SCRIPT_MARKER);
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(new RegExp(`cdk-gitlab-oidc: the job runs as arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-\\d+-\\d+`));
    expect(result.connects.length).toBeGreaterThan(0);
    expect(new Set(result.connects)).toEqual(new Set(['sts.eu-west-1.amazonaws.com:443']));
    expect(result.issued.length).toBeGreaterThan(0);
    expect(result.filesHoldingSecret).toEqual([]);
  });

  test('credentials of another account than the expected one stop the job before its script', async () => {
    const result = await run(deployPipeline({ credentials, expectedAccount: '999988887777' }), ['deploy'], await token());
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain(`cdk-gitlab-oidc: the credentials are arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/`);
    expect(result.output).toContain('not of the expected account 999988887777; the job stops before its script');
    expect(result.output).not.toContain(SCRIPT_MARKER);
    expect(result.filesHoldingSecret).toEqual([]);
  });

  test('the expected account lets the job through', async () => {
    const result = await run(deployPipeline({ credentials, expectedAccount: ACCOUNT }), ['deploy'], await token());
    expect(result.output).toContain(SCRIPT_MARKER);
    expect(result.exitCode).toBe(0);
  });
});

describe('a later job on the same shell runner (same user, HOME and TMPDIR) looks for what the job left', () => {
  // Prints every file the runner's user keeps in HOME and TMPDIR, as any job of any project on the runner could.
  const SNOOP = '\nsnoop:\n  stage: .post\n  script:\n    - find "$HOME" "${TMPDIR:-/tmp}" -type f -exec cat {} + 2>/dev/null || true\n';
  // The exchange as people write it by hand: the token file removed, the CLI's cache forgotten.
  const BY_HAND = 'deploy:\n  id_tokens:\n    GITLAB_OIDC_TOKEN:\n      aud: https://gitlab.com\n  variables:\n' +
    `    AWS_ROLE_ARN: ${ROLE_ARN}\n    AWS_ROLE_SESSION_NAME: gitlab-$CI_JOB_ID\n    AWS_REGION: eu-west-1\n  script:\n` +
    '    - export AWS_WEB_IDENTITY_TOKEN_FILE="${TMPDIR:-/tmp}/token-$CI_JOB_ID"\n' +
    '    - printf \'%s\' "$GITLAB_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"\n' +
    '    - aws sts get-caller-identity\n    - rm -f "$AWS_WEB_IDENTITY_TOKEN_FILE"\n';

  test.each(MODES)('%s: the generated job leaves it nothing', async (_mode, credentials) => {
    const result = await run(deployPipeline({ credentials }) + SNOOP, ['deploy', 'snoop'], await token(), false);
    expect(result.output).toContain(SCRIPT_MARKER);
    expect(result.exitCode).toBe(0);
    expect(result.issued.filter((secret) => result.output.includes(secret))).toEqual([]);
    expect(result.filesHoldingSecret).toEqual([]);
  });

  test('control: the same exchange by hand leaves the role\'s credentials in ~/.aws/cli/cache, and the later job reads them', async () => {
    const result = await run(BY_HAND + SNOOP, ['deploy', 'snoop'], await token(), false);
    expect(result.exitCode).toBe(0);
    expect(result.issued.some((secret) => result.output.includes(secret))).toBe(true);
    expect(result.filesHoldingSecret).toContainEqual(expect.stringMatching(/\/home\/\.aws\/cli\/cache\/[0-9a-f]{40}\.json$/));
  });
});
