// The generated job with Debian's AWS CLI (v2, Python), the client users run most: it caches the credentials it
// obtains with a web identity token in ~/.aws/cli/cache, which on a shell executor every later job can read. STS
// is the loopback endpoint at its public addresses, through a proxy (sts-proxy.ts), so the CLI runs unchanged
// and the test sees which endpoint it calls. scripts/install-test-tools.sh installs the package.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { parse } from 'yaml';
import { JobFixture, ROLE_ARN, ROLE_NAME } from './job-fixture';
import { LoopbackSts, RUNNER_ACCESS_KEY_ID, RUNNER_SECRET_ACCESS_KEY, RUNNER_USER_ARN } from './loopback-sts';
import { runJob } from './run-job';
import { StsProxy } from './sts-proxy';
import { runTraced, TRACED_JOB } from './traced-run';
import { GitLabCiCredentials, GitLabCiJobOptions } from '../../src';
import { JobSpec } from '../security/support/issuer';
import { ACCOUNT } from '../security/support/sts';
import { resolvedJob } from '../support/gitlab-ci';
import { EMULATOR_JOB_TEST_MS, PROCESS_MS } from '../support/timeouts';

// Each test runs one or two jobs in gitlab-ci-local; Python's start is slower than Node's.
jest.setTimeout(EMULATOR_JOB_TEST_MS);

const DEBIAN_AWS_CLI = '/usr/bin/aws';
const SCRIPT_MARKER = 'the job script ran';
const MODES: [string, GitLabCiCredentials][] = [
  ['token file', GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE],
  ['assume-role CLI', GitLabCiCredentials.ASSUME_ROLE_CLI],
];

let fixture: JobFixture;
let sts: LoopbackSts;
let proxy: StsProxy;
let awsCliDir: string;

beforeAll(async () => {
  // The package, not whatever `aws` comes first on PATH (a pip install of v1, say, which is not what runners use).
  if (!existsSync(DEBIAN_AWS_CLI)) throw new Error(`${DEBIAN_AWS_CLI} is missing: run scripts/install-test-tools.sh (Debian's awscli package)`);
  expect(execFileSync(DEBIAN_AWS_CLI, ['--version'], { encoding: 'utf8', timeout: PROCESS_MS })).toMatch(/^aws-cli\/2\./);
  awsCliDir = mkdtempSync(join(tmpdir(), 'debian-aws-cli-'));
  symlinkSync(DEBIAN_AWS_CLI, join(awsCliDir, 'aws'));
  fixture = await JobFixture.start();
  sts = fixture.sts;
  proxy = await StsProxy.start(sts);
});

afterAll(async () => {
  await proxy?.close();
  await fixture?.close();
});

const token = (job?: Partial<JobSpec>) => fixture.token(job);

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
  return `${resolvedJob(fixture.stack, fixture.role.gitLabCiJob(options), ROLE_ARN)}\ndeploy:\n  extends: .aws-oidc\n  script:\n` +
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

describe('under GitLab\'s debug trace (CI_DEBUG_TRACE)', () => {
  test.each(MODES)('%s: no credential in the trace', async (_mode, credentials) => {
    const doc = parse(deployPipeline({ credentials }));
    const issued = sts.issuedSecrets.length;
    const idToken = await token();
    const result = await runTraced({
      hidden: doc['.aws-oidc'],
      script: doc.deploy.script,
      idToken,
      awsCliDir,
      env: { HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: proxy.caBundle },
    });
    expect(result.stdout).toContain(SCRIPT_MARKER);
    expect(result.status).toBe(0);
    const secrets = sts.issuedSecrets.slice(issued);
    expect(secrets.length).toBeGreaterThan(0);
    expect(secrets.filter((secret) => `${result.stdout}${result.stderr}`.includes(secret))).toEqual([]);
    expect(`${result.stdout}${result.stderr}`).not.toContain(idToken.split('.')[2]);
    expect(result.stderr).toContain(`+ echo '${SCRIPT_MARKER}'`);
  });
});

describe('an entry an earlier job planted in the AWS CLI\'s cache', () => {
  // The CLI names a web identity session's cache file by a hash of the role's ARN and the session name (aws-cli's
  // botocore, AssumeRoleWithWebIdentityCredentialFetcher._create_cache_key), both guessable; it then uses the entry
  // without calling STS. Here the entry holds the runner's own keys.
  function plant(home: string): void {
    const session = `gitlab-${TRACED_JOB.projectId}-${TRACED_JOB.jobId}`;
    const key = createHash('sha1').update(JSON.stringify({ RoleArn: ROLE_ARN, RoleSessionName: session }).replace(/","/g, '", "').replace(/":"/g, '": "')).digest('hex');
    mkdirSync(join(home, '.aws', 'cli', 'cache'), { recursive: true });
    writeFileSync(join(home, '.aws', 'cli', 'cache', `${key}.json`), JSON.stringify({
      Credentials: { AccessKeyId: RUNNER_ACCESS_KEY_ID, SecretAccessKey: RUNNER_SECRET_ACCESS_KEY, SessionToken: 'planted', Expiration: '2099-01-01T00:00:00Z' },
    }));
  }

  async function runPlanted(keep?: (line: string) => boolean) {
    const doc = parse(deployPipeline({}));
    return runTraced({
      hidden: doc['.aws-oidc'],
      script: doc.deploy.script,
      idToken: await token(),
      awsCliDir,
      keep,
      prepareHome: plant,
      env: { HTTPS_PROXY: proxy.url, AWS_CA_BUNDLE: proxy.caBundle },
    });
  }

  test('the job stops: the credentials are not the role\'s session', async () => {
    const result = await runPlanted();
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(`cdk-gitlab-oidc: the credentials are ${RUNNER_USER_ARN}, not the session ` +
      `arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-42-7 of role ${ROLE_ARN}; the job stops before its script`);
    expect(result.stdout).not.toContain(SCRIPT_MARKER);
  });

  test('control: without that check the script runs on the planted keys', async () => {
    const result = await runPlanted((line) => !line.startsWith('_oidc_r='));
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(SCRIPT_MARKER);
    expect(result.stdout).toContain(RUNNER_USER_ARN);
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
