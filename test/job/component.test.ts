// The GitLab CI/CD component (templates/aws-oidc.yml): generated from the source gitLabCiJob() renders with, so
// that, given the same settings, it is the same job (compared here after interpolating its inputs the way GitLab
// does); valid against GitLab's schema; and run under gitlab-ci-local, which includes it with inputs.
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { RE2JS } from 're2js';
import { parseAllDocuments } from 'yaml';
import { JobFixture, ROLE_ARN, ROLE_NAME } from './job-fixture';
import { runJob } from './run-job';
import { GitLabCiCredentials, GitLabCiJobOptions, GitLabPipelineRole } from '../../src';
import { renderCiJob } from '../../src/private/job/ci-job';
import { COMPONENT_INPUTS, COMPONENT_PATH, renderCiComponent } from '../../src/private/job/component';
import { JobSpec } from '../security/support/issuer';
import { ACCOUNT } from '../security/support/sts';
import { gitLabCiValidator, psych } from '../support/gitlab-ci';
import { EMULATOR_JOB_TEST_MS } from '../support/timeouts';

// The runs spawn gitlab-ci-local.
jest.setTimeout(EMULATOR_JOB_TEST_MS);

const COMMITTED = readFileSync(join(__dirname, '..', '..', COMPONENT_PATH), 'utf8');
type Inputs = Record<string, string | number>;

/** The component's two documents: its spec, and the job. */
function documents(text: string): [any, any] {
  const docs = parseAllDocuments(text).map((d) => d.toJS());
  expect(docs).toHaveLength(2);
  return docs as [any, any];
}

/**
 * The job GitLab makes of the component with `inputs`: each input checked against its spec (required, options, regex,
 * type), then each `$[[ inputs.x ]]` in a key or a value replaced; a value that is only an interpolation takes the
 * input's type (https://docs.gitlab.com/ci/inputs/).
 */
function interpolate(text: string, inputs: Inputs): any {
  const [header, body] = documents(text);
  const spec: Record<string, any> = header.spec.inputs;
  for (const name of Object.keys(inputs)) expect(Object.keys(spec)).toContain(name);
  const values: Inputs = {};
  for (const [name, input] of Object.entries(spec)) {
    const value = inputs[name] ?? input.default;
    if (value === undefined) throw new Error(`\`${name}\` input: required value has not been provided`);
    if (input.options && !input.options.includes(value)) throw new Error(`\`${name}\` input: \`${value}\` is not in the list of allowed options`);
    if (input.regex && !RE2JS.compile(input.regex).matcher(String(value)).find()) throw new Error(`\`${name}\` input: provided value does not match required RegEx`);
    if (typeof value !== (input.type ?? 'string')) throw new Error(`\`${name}\` input: provided value is not a ${input.type ?? 'string'}`);
    values[name] = value;
  }
  const replace = (s: string): string | number => {
    const whole = /^\$\[\[ inputs\.(\w+) \]\]$/.exec(s);
    if (whole) return values[whole[1]];
    return s.replace(/\$\[\[ inputs\.(\w+) \]\]/g, (_m, name) => String(values[name]));
  };
  const walk = (node: any): any => {
    if (typeof node === 'string') return replace(node);
    if (Array.isArray(node)) return node.map(walk);
    if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [String(replace(k)), walk(v)]));
    return node;
  };
  return walk(body);
}

/** The job gitLabCiJob() writes for a role known by its ARN, with the options that match `inputs`. */
function cdkJob(inputs: Inputs): any {
  const stack = new Stack(new App(), 'Stack');
  const role = GitLabPipelineRole.fromRoleArn(String(inputs.role_arn), { audience: String(inputs.audience), region: String(inputs.region) })
    ._jobRole(stack);
  const cli = inputs.credentials === 'assume-role-cli';
  const options: GitLabCiJobOptions = {
    jobName: String(inputs.job_name ?? '.aws-oidc'),
    credentials: cli ? GitLabCiCredentials.ASSUME_ROLE_CLI : GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE,
    regionalSts: inputs.sts_endpoints !== 'legacy',
    stsAttempts: inputs.sts_attempts as number | undefined,
    expectedAccount: inputs.expected_account === '' ? undefined : inputs.expected_account as string | undefined,
    sessionDuration: cli && inputs.session_duration !== undefined ? Duration.seconds(inputs.session_duration as number) : undefined,
  };
  return documents(`spec: {}\n---\n${renderCiJob(role, options, stack)}`)[1];
}

/**
 * The component's job as gitLabCiJob() would write it: variables as strings; the ones the CDK job leaves out when
 * they cannot apply (the session length with the token file; no expected account) are left out.
 */
function comparable(job: Record<string, any>, cli: boolean): any {
  const [name, body] = Object.entries(job)[0];
  const variables = Object.fromEntries(Object.entries<string | number>(body.variables)
    .filter(([key, value]) => !(key === 'GITLAB_OIDC_SESSION_SECONDS' && !cli) && !(key === 'GITLAB_OIDC_EXPECTED_ACCOUNT' && value === ''))
    .map(([key, value]) => [key, String(value)]));
  return { [name]: { ...body, variables } };
}

const REQUIRED: Inputs = { role_arn: ROLE_ARN, audience: 'https://gitlab.com', region: 'eu-west-1' };

describe('the component file', () => {
  test('is what the source writes today (run `npx projen component` after changing the job)', () => {
    expect(COMMITTED).toBe(renderCiComponent());
  });

  test('both documents are valid against GitLab\'s CI schema, and Psych (GitLab\'s parser) reads them', () => {
    const validate = gitLabCiValidator();
    for (const doc of documents(COMMITTED)) {
      expect(validate(doc)).toBe(true);
      expect(validate.errors ?? []).toEqual([]);
    }
    expect(psych(COMMITTED.split('\n---\n')[1])).toEqual(documents(COMMITTED)[1]);
  });

  test.each<[string, Inputs]>([
    ['defaults', REQUIRED],
    ['token file, everything set', {
      ...REQUIRED, job_name: '.aws-prod', sts_endpoints: 'legacy', sts_attempts: 3, expected_account: ACCOUNT, credentials: 'token-file',
    }],
    ['assume-role CLI, everything set', {
      ...REQUIRED, audience: 'sts.amazonaws.com', credentials: 'assume-role-cli', session_duration: 900, sts_attempts: 10, expected_account: ACCOUNT,
    }],
    ['assume-role CLI, defaults', { ...REQUIRED, credentials: 'assume-role-cli' }],
  ])('%s: with its inputs it is the job gitLabCiJob() writes with the same settings', (_name, inputs) => {
    const component = comparable(interpolate(COMMITTED, inputs), inputs.credentials === 'assume-role-cli');
    expect(component).toEqual(cdkJob(inputs));
  });

  test('every input the README documents, and nothing else', () => {
    const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
    for (const input of COMPONENT_INPUTS) expect(readme).toContain(`| \`${input.name}\` |`);
  });

  // Each regex, as GitLab checks it: RE2 (https://docs.gitlab.com/ci/inputs/#regex), here re2js, a port of RE2.
  test.each<[string, string, boolean]>([
    ['role_arn', ROLE_ARN, true],
    ['role_arn', 'arn:aws-us-gov:iam::111122223333:role/path/to/deploy', true],
    ['role_arn', `${ROLE_ARN}"; curl evil #`, false],
    ['role_arn', 'arn:aws:iam::111122223333:user/deploy', false],
    ['region', 'eu-west-1', true],
    ['region', 'eu-west-1; id', false],
    ['audience', 'https://gitlab.example.com', true],
    ['audience', 'two words', false],
    ['audience', 'aud-$CI_PROJECT_ID', false],
    ['audience', 'https://gitlab.*', false],
    ['expected_account', '', true],
    ['expected_account', ACCOUNT, true],
    ['expected_account', '$(id)', false],
    ['job_name', '.aws-oidc-prod', true],
    ['job_name', 'deploy', false],
  ])('%s %j: accepted %s', (name, value, accepted) => {
    const regex = COMPONENT_INPUTS.find((i) => i.name === name)!.regex!;
    expect(RE2JS.compile(regex).matcher(value).find()).toBe(accepted);
  });

  test.each<[string, Inputs, string]>([
    ['no role', { audience: 'x', region: 'eu-west-1' }, '`role_arn` input: required value has not been provided'],
    ['an unknown mode', { ...REQUIRED, credentials: 'static-keys' }, 'not in the list of allowed options'],
    ['attempts as text', { ...REQUIRED, sts_attempts: '5' }, 'provided value is not a number'],
  ])('%s is refused when the pipeline is created', (_name, inputs, message) => {
    expect(() => interpolate(COMMITTED, inputs)).toThrow(message);
  });
});

describe('included with inputs, under gitlab-ci-local', () => {
  let fixture: JobFixture;
  beforeAll(async () => {
    fixture = await JobFixture.start();
  });
  afterAll(async () => fixture?.close());

  /** A project that includes the committed component with `inputs` and a job that extends it; runs that job. */
  async function run(inputs: Inputs, job: Partial<JobSpec> = {}) {
    const idToken = await fixture.token(job);
    const issued = fixture.sts.issuedSecrets.length;
    const yaml = `include:\n  - local: ${COMPONENT_PATH}\n    inputs: ${JSON.stringify(inputs)}\n` +
      'deploy:\n  extends: .aws-oidc\n  script:\n    - aws sts get-caller-identity\n    - echo "the job script ran"\n';
    return runJob(yaml, {
      job: 'deploy',
      files: { [COMPONENT_PATH]: COMMITTED },
      variables: { GITLAB_OIDC_TOKEN: idToken },
      secrets: () => [idToken, ...fixture.sts.issuedSecrets.slice(issued)],
      env: { AWS_ENDPOINT_URL_STS: fixture.sts.url },
    });
  }

  test.each(['token-file', 'assume-role-cli'])('%s: the job runs as the role and leaves nothing behind', async (credentials) => {
    const result = await run({ ...REQUIRED, credentials, expected_account: ACCOUNT });
    expect(result.output).toContain('the job script ran');
    expect(result.exitCode).toBe(0);
    expect(result.output).toMatch(new RegExp(`cdk-gitlab-oidc: the job runs as arn:aws:sts::${ACCOUNT}:assumed-role/${ROLE_NAME}/gitlab-\\d+-\\d+`));
    expect(result.filesHoldingSecret).toEqual([]);
  });

  test('a refused job prints the token\'s claims and how to fetch the role\'s policy for the explain command', async () => {
    const result = await run(REQUIRED, { ref: 'feature' });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain('"ref":"feature"');
    expect(result.output).toContain(`cdk-gitlab-oidc: to see why, run: aws iam get-role --role-name ${ROLE_NAME} > role.json && ` +
      'npx cdk-gitlab-oidc explain --policy-file role.json --claims \'{"iss":"https://gitlab.com"');
  });

  // gitlab-ci-local does not check input regexes (GitLab does): the values still reach only variables, never a command.
  test('an input holding shell syntax stays a value: the job stops on it and runs nothing', async () => {
    const result = await run({ ...REQUIRED, expected_account: '$(echo pwned > "$CI_PROJECT_DIR/pwned")' });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toContain('not of the expected account');
    expect(result.output).not.toContain('the job script ran');
    expect(result.output).not.toMatch(/^pwned$/m);
  });
});
