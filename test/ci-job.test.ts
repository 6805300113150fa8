// The generated .gitlab-ci.yml jobs, checked against GitLab's own CI/CD JSON schema
// (../shared/gitlab-ci-schema/ci.json, copied from gitlab-org/gitlab).
import { existsSync, readFileSync } from 'fs';
import { join } from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { App, CfnOutput, CfnParameter, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { GitLabCiCredentials, GitLabCiJobOptions, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const SCHEMA_PATH = join(__dirname, '..', '..', 'shared', 'gitlab-ci-schema', 'ci.json');
const ROLE_ARN = 'arn:aws:iam::111122223333:role/deploy';

function validator() {
  if (!existsSync(SCHEMA_PATH)) throw new Error(`GitLab's CI schema is missing: expected ${SCHEMA_PATH}`);
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));
}
const validate = validator();

function newRole(props: { url?: string; audience?: string; maxSessionHours?: number } = {}) {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const provider = new GitLabOidcProvider(stack, 'GitLab', props.url ? { url: props.url, audiences: [props.url, 'sts.amazonaws.com'] } : {});
  const role = new GitLabRunnerRole(stack, 'Role', {
    provider,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
    audience: props.audience,
    maxSessionDuration: props.maxSessionHours ? Duration.hours(props.maxSessionHours) : undefined,
  });
  return { stack, role };
}

/** The job text with the role ARN token resolved to a literal, as a CfnOutput would show it after deploy. */
function jobYaml(stack: Stack, role: GitLabRunnerRole, options?: GitLabCiJobOptions): string {
  const resolved = stack.resolve(role.gitLabCiJob(options));
  if (typeof resolved === 'string') return resolved;
  const [separator, parts] = resolved['Fn::Join'];
  return parts.map((p: unknown) => (typeof p === 'string' ? p : ROLE_ARN)).join(separator);
}

describe('gitLabCiJob', () => {
  test.each<[string, GitLabCiJobOptions]>([
    ['defaults (hidden job, token file)', {}],
    ['a named job with image, stage and script', { jobName: 'deploy', image: 'public.ecr.aws/aws-cli/aws-cli:2', stage: 'deploy', script: ['aws s3 sync dist s3://bucket', 'echo "done: $CI_JOB_ID"'] }],
    ['the explicit assume-role-with-web-identity form', { jobName: 'deploy', credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.minutes(30) }],
    ['another token variable and region', { jobName: 'release', tokenVariable: 'AWS_ID_TOKEN', region: 'us-east-1' }],
    ['a job name YAML would misread', { jobName: 'deploy: "prod" # x' }],
  ])('%s: valid against GitLab\'s CI schema', (_name, options) => {
    const { stack, role } = newRole();
    const document = parse(jobYaml(stack, role, options));
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(Object.keys(document)).toEqual([options.jobName ?? '.aws-oidc']);
  });

  test('the job requests the role\'s audience and names the role', () => {
    const { stack, role } = newRole();
    const job = parse(jobYaml(stack, role))['.aws-oidc'];
    expect(job.id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: 'https://gitlab.com' } });
    expect(job.variables).toEqual({
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_ROLE_SESSION_NAME: 'gitlab-${CI_PROJECT_ID}-${CI_JOB_ID}',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
    });
    expect(job.before_script).toEqual([
      'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
      'printf \'%s\' "$GITLAB_OIDC_TOKEN" > "$AWS_WEB_IDENTITY_TOKEN_FILE"',
    ]);
    expect(job.script).toEqual(['aws sts get-caller-identity']);
  });

  test('a session duration held in a token is passed through, not checked', () => {
    const { stack, role } = newRole();
    const hours = new CfnParameter(stack, 'Hours', { type: 'Number' }).valueAsNumber;
    const resolved = stack.resolve(role.gitLabCiJob({ credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.seconds(hours) }));
    expect(JSON.stringify(resolved)).toContain('{"Ref":"Hours"}');
    expect(JSON.stringify(resolved)).not.toMatch(/e\+\d{3}/);
  });

  test('the CLI form exchanges the token with assume-role-with-web-identity', () => {
    const { stack, role } = newRole({ url: 'https://gitlab.example.com', audience: 'sts.amazonaws.com', maxSessionHours: 2 });
    const job = parse(jobYaml(stack, role, { credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, tokenVariable: 'ID_TOKEN', sessionDuration: Duration.hours(2) }))['.aws-oidc'];
    expect(job.id_tokens).toEqual({ ID_TOKEN: { aud: 'sts.amazonaws.com' } });
    expect(job.before_script).toHaveLength(1);
    expect(job.before_script[0]).toContain('aws sts assume-role-with-web-identity --role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" --web-identity-token "$ID_TOKEN" --duration-seconds 7200');
    expect(job.before_script[0]).toMatch(/^export \$\(printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s"/);
  });

  test('the role ARN resolves in a stack output', () => {
    const { stack, role } = newRole();
    new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy' }) });
    const output = Template.fromStack(stack).findOutputs('GitLabCiJob').GitLabCiJob.Value;
    expect(JSON.stringify(output)).toContain('"Fn::GetAtt":["Role1ABCC5F0","Arn"]');
  });

  test('an env-agnostic stack leaves the region to the runner', () => {
    const stack = new Stack(new App(), 'Stack');
    const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: [GitLabSubject.project('g/p').branch('main')] });
    expect(Object.keys(parse(jobYaml(stack, role))['.aws-oidc'].variables)).toEqual(['AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME']);
  });

  test('the schema check is not vacuous: GitLab\'s schema rejects a malformed job', () => {
    expect(validate(parse('deploy:\n  id_tokens: 5\n  script: "x"\n'))).toBe(false);
    expect(validate(parse('deploy:\n  id_tokens:\n    T:\n      aud: 5\n  script: "x"\n'))).toBe(false);
  });

  test.each<[GitLabCiJobOptions, string]>([
    [{ jobName: '' }, 'jobName must not be empty or a reserved .gitlab-ci.yml keyword'],
    [{ jobName: 'variables' }, 'got: "variables"'],
    [{ tokenVariable: '1TOKEN' }, 'tokenVariable must be a CI/CD variable name'],
    [{ tokenVariable: 'MY-TOKEN' }, 'got: "MY-TOKEN"'],
    [{ region: 'Europe' }, 'region must be an AWS region name, got: "Europe"'],
    [{ sessionDuration: Duration.minutes(10) }, 'sessionDuration must be between 900 seconds and the role\'s maximum session duration (3600 seconds), got: 600'],
    [{ sessionDuration: Duration.hours(2) }, 'got: 7200'],
    [{ script: [] }, 'script must have at least one command'],
  ])('bad options are refused: %#, %s', (options, message) => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob(options)).toThrow(message);
  });
});
