// The generated .gitlab-ci.yml jobs: valid against GitLab's own CI/CD JSON schema (a fixture in
// test/fixtures), read back verbatim by YAML 1.1 parsers (Ruby's Psych, which GitLab uses, and the yaml
// package), and closed to deploy-time values that could change their structure. The real-client runs
// are in test/job.
import { App, Aws, CfnOutput, CfnParameter, Duration, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { parse } from 'yaml';
import { GitLabCiCredentials, GitLabCiJobOptions, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';
import { GITLAB_CI_SCHEMA, gitLabCiValidator, psych, resolvedJob } from './support/gitlab-ci';
import { PROCESS_TEST_MS } from './support/timeouts';

// Tests read the jobs back with Ruby's Psych, a process each.
jest.setTimeout(PROCESS_TEST_MS);

const ROLE_ARN = 'arn:aws:iam::111122223333:role/deploy';
const validate = gitLabCiValidator();

function newRole(props: { url?: string; audience?: string; maxSessionHours?: number; stack?: Stack } = {}) {
  const stack = props.stack ?? new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
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
  return resolvedJob(stack, role.gitLabCiJob(options), ROLE_ARN, { 'AWS::Region': 'eu-central-1' });
}

describe('gitLabCiJob', () => {
  test.each<[string, GitLabCiJobOptions]>([
    ['defaults (hidden job, token file)', {}],
    ['a named job with image, stage and script', { jobName: 'deploy', image: 'public.ecr.aws/aws-cli/aws-cli:2', stage: 'deploy', script: ['aws s3 sync dist s3://bucket', 'echo "done: $CI_JOB_ID"'] }],
    ['the explicit assume-role-with-web-identity form', { jobName: 'deploy', credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.minutes(30) }],
    ['another token variable and region', { jobName: 'release', tokenVariable: 'ID_TOKEN', region: 'us-east-1' }],
    ['a job name YAML would misread', { jobName: 'deploy: "prod" # x' }],
    ['the region of the stack it is deployed to', { jobName: 'deploy', region: Aws.REGION }],
  ])('%s: valid against GitLab\'s CI schema', (_name, options) => {
    const { stack, role } = newRole();
    const document = parse(jobYaml(stack, role, options));
    const valid = validate(document);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    expect(Object.keys(document)).toEqual([options.jobName ?? '.aws-oidc']);
  });

  test('the job requests the role\'s audience, names the role, and cleans up after itself', () => {
    const { stack, role } = newRole();
    const job = parse(jobYaml(stack, role))['.aws-oidc'];
    expect(job.id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: 'https://gitlab.com' } });
    expect(job.variables).toEqual({
      AWS_ROLE_ARN: ROLE_ARN,
      AWS_ROLE_SESSION_NAME: 'gitlab-${CI_PROJECT_ID}-${CI_JOB_ID}',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_STS_REGIONAL_ENDPOINTS: 'regional',
      GITLAB_OIDC_CREDENTIALS: 'token-file',
      GITLAB_OIDC_STS_ATTEMPTS: '5',
    });
    const clean = 'cdk_gitlab_oidc_clean() { (set +f; rm -rf -- "${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}"; for _oidc_f in "$HOME"/.aws/cli/cache/*.json; do ' +
      'if grep -qsF -- "/$AWS_ROLE_SESSION_NAME\\"" "$_oidc_f"; then rm -f -- "$_oidc_f"; fi; done) 2>/dev/null || :; }';
    expect(job.before_script).toEqual([
      expect.stringMatching(/^_oidc_expects='iss https:\/\/gitlab.com, aud https:\/\/gitlab.com, sub project_path:mygroup\/myproject:ref_type:branch:ref:main'; _oidc_role_path=/),
      'case $- in *x*) _oidc_trace=x; set +x;; *) _oidc_trace=;; esac',
      expect.stringMatching(/^unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN .*AWS_CONTAINER_CREDENTIALS_FULL_URI .*; export AWS_CONFIG_FILE=\/dev\/null AWS_SHARED_CREDENTIALS_FILE=\/dev\/null AWS_EC2_METADATA_DISABLED=true$/),
      expect.stringMatching(/^\[ -n "\$\{GITLAB_OIDC_TOKEN:-\}" \] \|\| \{ printf '%s\\n' "cdk-gitlab-oidc: GITLAB_OIDC_TOKEN is empty: this job needs an id_tokens entry named GITLAB_OIDC_TOKEN/),
      expect.stringMatching(/^case "\$\{GITLAB_OIDC_CREDENTIALS:-\}" in token-file\|assume-role-cli\) ;; \*\) \{ printf .*exit 1; \};; esac$/),
      expect.stringMatching(/^case "\$\{GITLAB_OIDC_STS_ATTEMPTS:-\}" in \[1-9\]\|10\) ;; \*\) \{ printf .*exit 1; \};; esac$/),
      expect.stringMatching(/^\[ "\$GITLAB_OIDC_CREDENTIALS" != assume-role-cli \] \|\| case "\$\{GITLAB_OIDC_SESSION_SECONDS:-\}" in ''\|\*\[!0-9\]\*\) /),
      expect.stringMatching(/^\(umask 077 && mkdir -- "\$\{TMPDIR:-\/tmp\}\/gitlab-oidc-\$\{CI_JOB_ID\}" && printf '%s' "\$GITLAB_OIDC_TOKEN" > /),
      `${clean}; trap cdk_gitlab_oidc_clean EXIT`,
      expect.stringMatching(/^cdk_gitlab_oidc_explain\(\) \{ .* \}$/),
      expect.stringMatching(/^cdk_gitlab_oidc_sts\(\) \{ .* \[ "\$_oidc_n" -lt "\$GITLAB_OIDC_STS_ATTEMPTS" \] .* \}$/),
      expect.stringMatching(/^if \[ "\$GITLAB_OIDC_CREDENTIALS" = token-file \]; then export AWS_WEB_IDENTITY_TOKEN_FILE="\$\{TMPDIR:-\/tmp\}\/gitlab-oidc-\$\{CI_JOB_ID\}\/token"; _oidc_arn="\$\(cdk_gitlab_oidc_sts aws sts get-caller-identity --query Arn --output text\)" \|\| \{ cdk_gitlab_oidc_explain; printf '%s\\n' "cdk-gitlab-oidc: the ID token in GITLAB_OIDC_TOKEN was not exchanged for credentials of role \$AWS_ROLE_ARN/),
      expect.stringMatching(/^if \[ "\$GITLAB_OIDC_CREDENTIALS" = assume-role-cli \]; then _oidc_creds="\$\(cdk_gitlab_oidc_sts aws sts assume-role-with-web-identity /),
      expect.stringMatching(/^_oidc_r=\$\{AWS_ROLE_ARN#arn:\}; .* \[ "\$_oidc_arn" = "\$_oidc_session" \] \|\| /),
      expect.stringMatching(/^\[ -z "\$\{GITLAB_OIDC_EXPECTED_ACCOUNT:-\}" \] \|\| case "\$_oidc_arn" in "arn:\$\{_oidc_r%%:\*\}:sts::\$GITLAB_OIDC_EXPECTED_ACCOUNT:assumed-role\/"\*\) ;; /),
      'printf \'%s\\n\' "cdk-gitlab-oidc: the job runs as $_oidc_arn" >&2',
      '[ -z "$_oidc_trace" ] || set -x',
    ]);
    expect(job.script).toEqual(['aws sts get-caller-identity']);
    expect(job.after_script).toEqual([`${clean}; cdk_gitlab_oidc_clean`]);
  });

  test('the CLI form reads the token from the private file, removes it after the exchange, and stops when the exchange fails', () => {
    const { stack, role } = newRole({ url: 'https://gitlab.example.com', audience: 'sts.amazonaws.com', maxSessionHours: 2 });
    const job = parse(jobYaml(stack, role, { credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, tokenVariable: 'ID_TOKEN', sessionDuration: Duration.hours(2) }))['.aws-oidc'];
    expect(job.id_tokens).toEqual({ ID_TOKEN: { aud: 'sts.amazonaws.com' } });
    expect(job.variables).toMatchObject({ GITLAB_OIDC_CREDENTIALS: 'assume-role-cli', GITLAB_OIDC_SESSION_SECONDS: '7200' });
    const exchange: string = job.before_script.find((line: string) => line.includes('assume-role-with-web-identity'));
    expect(exchange).toContain('aws sts assume-role-with-web-identity --role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" ' +
      '--web-identity-token "file://${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}/token" --duration-seconds "$GITLAB_OIDC_SESSION_SECONDS" ');
    expect(exchange).toMatch(/\)" \|\| \{ cdk_gitlab_oidc_explain; printf '%s\\n' "cdk-gitlab-oidc: the ID token in ID_TOKEN was not exchanged .*; exit 1; \}; rm -rf -- "\$\{TMPDIR:-\/tmp\}\/gitlab-oidc-\$\{CI_JOB_ID\}"; export /);
    // The token never reaches a command line (other users can read those).
    expect(job.before_script.join('\n')).not.toContain('--web-identity-token "$ID_TOKEN"');
  });

  test('expectedAccount, regionalSts and jobTimeout are written as the job\'s variables and timeout', () => {
    const { stack, role } = newRole();
    const job = parse(jobYaml(stack, role, { expectedAccount: '111122223333', regionalSts: false, jobTimeout: Duration.minutes(90) }))['.aws-oidc'];
    expect(job.variables).toMatchObject({ GITLAB_OIDC_EXPECTED_ACCOUNT: '111122223333', AWS_STS_REGIONAL_ENDPOINTS: 'legacy' });
    expect(job.timeout).toBe('90 minutes');
  });

  test.each<[string, GitLabCiJobOptions, number, string | undefined]>([
    ['the CLI\'s hour, a 90-minute job', { credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, jobTimeout: Duration.minutes(90) }, 1,
      'the job may run 90 minutes but its credentials (ASSUME_ROLE_CLI) last 3600 seconds and the role\'s maxSessionDuration (3600 seconds) allows no longer: raise it'],
    ['a role that allows longer', { credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, jobTimeout: Duration.hours(3) }, 4,
      'the job may run 180 minutes but its credentials (ASSUME_ROLE_CLI) last 3600 seconds; set sessionDuration'],
    ['a session as long as the job', { credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.hours(3), jobTimeout: Duration.hours(3) }, 4, undefined],
    ['the token file, which the clients renew', { jobTimeout: Duration.hours(3) }, 1, undefined],
  ])('%s: a warning when the credentials end before the job may', (_name, options, maxSessionHours, warning) => {
    const { stack, role } = newRole({ maxSessionHours });
    role.gitLabCiJob(options);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('sessionShorterThanJob'));
    if (warning === undefined) expect(warnings).toEqual([]);
    else expect(warnings.map((w) => w.entry.data)).toEqual([expect.stringContaining(warning)]);
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
    expect(Object.keys(parse(jobYaml(stack, role))['.aws-oidc'].variables)).toEqual(['AWS_ROLE_ARN', 'AWS_ROLE_SESSION_NAME', 'GITLAB_OIDC_CREDENTIALS', 'GITLAB_OIDC_STS_ATTEMPTS']);
    expect(() => role.gitLabCiJob({ regionalSts: true })).toThrow('regionalSts needs a region: give the job a region, or its role a stack with a literal region, got: no region');
  });

  test('the schema check is not vacuous: GitLab\'s schema rejects a malformed job', () => {
    expect(validate(parse('deploy:\n  id_tokens: 5\n  script: "x"\n'))).toBe(false);
    expect(validate(parse('deploy:\n  id_tokens:\n    T:\n      aud: 5\n  script: "x"\n'))).toBe(false);
  });

  test('the reserved job names are exactly the schema\'s non-job keys, and GitLab\'s old "types"', () => {
    const { role } = newRole();
    const nonJobs = Object.keys(GITLAB_CI_SCHEMA.properties).filter((key) => key !== 'pages');
    for (const name of [...nonJobs, 'types']) expect(() => role.gitLabCiJob({ jobName: name })).toThrow(`got: ${JSON.stringify(name)}`);
    expect(() => role.gitLabCiJob({ jobName: 'pages' })).not.toThrow();
  });

  describe('every string reads back verbatim under YAML 1.1', () => {
    const nasty = [
      'a "quoted" \\ back\\slash', 'line\nbreak\r\nand\ttab', 'key: value # comment', '- item', '{ flow: [map] }', '&anchor *alias !tag |block >fold',
      '%directive @at `tick`', '---', '...', ' leading and trailing ', '\u0000nul \u0007bell \u001b[31m escape \u007f del',
      'next\u0085line', 'line\u2028separator', 'paragraph\u2029separator', '\ufeffbom', 'non\ufffechar', 'c1 \u0080 \u009f range', 'emoji 🚀 ünïcødé',
      '<<: merge', 'yes', 'on', '~', '0x1F', '1e3', '${CI_JOB_ID} $HOME', '\'single\'',
    ];
    const options = (value: string): GitLabCiJobOptions => ({ jobName: `job ${value}`, image: value, stage: value, script: [value, `echo ${value}`] });

    test.each(nasty.map((v) => [JSON.stringify(v), v]))('%s, under Ruby\'s Psych (GitLab\'s parser) and the yaml package', (_name, value) => {
      const { stack, role } = newRole();
      const text = jobYaml(stack, role, options(value));
      for (const document of [psych(text), parse(text, { version: '1.1' }), parse(text)] as any[]) {
        const job = document[`job ${value}`];
        expect(job).toBeDefined();
        expect(Object.keys(document)).toHaveLength(1);
        expect([job.image, job.stage, ...job.script]).toEqual([value, value, value, `echo ${value}`]);
      }
    });

    test('the YAML 1.1 line breaks are escaped, not written raw', () => {
      const { stack, role } = newRole();
      const text = jobYaml(stack, role, options('a\u0085b\u2028c\u2029d'));
      expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
      expect(text).toContain('"a\\x85b\\u2028c\\u2029d"');
    });

    // Each edge of the printable ranges, on both sides: what stays as it is and the exact escape of the rest.
    test.each(([
      [0x0a, '\\x0A'], [0x1f, '\\x1F'], [0x20, ' '], [0x7e, '~'], [0x7f, '\\x7F'], [0x9f, '\\x9F'], [0xa0, '\u00a0'],
      [0x2027, '\u2027'], [0x2028, '\\u2028'], [0x2029, '\\u2029'], [0x202a, '\u202a'], [0xd7ff, '\ud7ff'], [0xe000, '\ue000'],
      [0xfefe, '\ufefe'], [0xfeff, '\\uFEFF'], [0xff00, '\uff00'], [0xfffd, '\ufffd'], [0xfffe, '\\uFFFE'], [0xffff, '\\uFFFF'],
      [0x10000, '\u{10000}'],
    ] as Array<[number, string]>).map(([code, written]) => [code.toString(16).toUpperCase().padStart(4, '0'), written, code]))('U+%s is written as %j', (_name, written, code) => {
      const { stack, role } = newRole();
      const text = jobYaml(stack, role, { jobName: 'job', script: [`a${String.fromCodePoint(code)}b`] });
      expect(text).toContain(`- "a${written}b"`);
    });

    test('a lone surrogate, which has no UTF-8 form, is refused', () => {
      const { role } = newRole();
      expect(() => role.gitLabCiJob({ script: ['echo \ud800'] })).toThrow('script[0] must not contain a lone UTF-16 surrogate (it has no UTF-8 form), got: "echo \\ud800"');
    });
  });

  describe('deploy-time values', () => {
    function tokens(stack: Stack) {
      return {
        parameter: new CfnParameter(stack, 'Text').valueAsString,
        import: Fn.importValue('shared-value'),
        numberParameter: new CfnParameter(stack, 'Seconds', { type: 'Number' }).valueAsNumber,
        importedNumber: Token.asNumber(Fn.importValue('shared-seconds')),
      };
    }

    test.each<[string, (t: ReturnType<typeof tokens>) => GitLabCiJobOptions]>([
      ['image from a parameter', (t) => ({ image: t.parameter })],
      ['image from an import', (t) => ({ image: `${t.import}:latest` })],
      ['stage from a parameter', (t) => ({ stage: t.parameter })],
      ['a script line from an import', (t) => ({ script: ['aws s3 ls', `echo ${t.import}`] })],
      ['region from a parameter', (t) => ({ region: t.parameter })],
      ['sessionDuration from an imported number', (t) => ({ credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.seconds(t.importedNumber) })],
      ['stsAttempts from an imported number', (t) => ({ stsAttempts: t.importedNumber })],
      ['expectedAccount from a parameter', (t) => ({ expectedAccount: t.parameter })],
      ['jobTimeout from a Number parameter', (t) => ({ jobTimeout: Duration.hours(t.numberParameter) })],
      ['expectedAccount from a list token\'s element', (t) => ({ expectedAccount: Fn.select(0, Fn.split(',', t.import)) })],
    ])('%s is refused: its deploy-time value could rewrite the job', (_name, options) => {
      const { stack, role } = newRole();
      expect(() => role.gitLabCiJob(options(tokens(stack)))).toThrow(/holds a deploy-time value that could contain quotes or line breaks .*got: \{"(Ref|Fn::ImportValue|Fn::Select)"|jobTimeout must be a literal duration: GitLab reads it from the file/);
    });

    test.each<[string, (t: ReturnType<typeof tokens>) => GitLabCiJobOptions]>([
      ['jobName', (t) => ({ jobName: t.parameter })],
      ['tokenVariable', (t) => ({ tokenVariable: t.import })],
    ])('%s must be a literal', (name, options) => {
      const { stack, role } = newRole();
      expect(() => role.gitLabCiJob(options(tokens(stack)))).toThrow(new RegExp(`${name} must be`));
    });

    test('stsAttempts from a Number parameter is written as the parameter\'s value, a number that cannot rewrite the job', () => {
      const { stack, role } = newRole();
      const job = stack.resolve(role.gitLabCiJob({ stsAttempts: tokens(stack).numberParameter }));
      expect(JSON.stringify(job)).toContain('{\"Ref\":\"Seconds\"}');
    });

    test('a parameter holding a quote and a line break could have added an after_script key: it is refused', () => {
      const { stack, role } = newRole();
      const image = new CfnParameter(stack, 'Image', { default: 'alpine"\n  after_script: ["curl evil"]\n  x: "' }).valueAsString;
      expect(() => role.gitLabCiJob({ image })).toThrow('image holds a deploy-time value');
    });

    test('a value that resolves to nothing is refused too', () => {
      const { role } = newRole();
      expect(() => role.gitLabCiJob({ script: [`echo ${Lazy.string({ produce: () => undefined })}`] })).toThrow('script[0] holds a deploy-time value');
    });

    test('inert deploy-time values pass through: the pseudo parameters, a Number parameter, the role ARN', () => {
      const { stack, role } = newRole();
      const seconds = tokens(stack).numberParameter;
      const job = stack.resolve(role.gitLabCiJob({
        region: Aws.REGION,
        credentials: GitLabCiCredentials.ASSUME_ROLE_CLI,
        sessionDuration: Duration.seconds(seconds),
        expectedAccount: Aws.ACCOUNT_ID,
        script: [`aws s3 ls s3://cdk-${Aws.ACCOUNT_ID}-${Aws.REGION} --endpoint-url https://s3.${Aws.URL_SUFFIX} # ${Aws.PARTITION}`],
      }));
      const parts = JSON.stringify(job);
      for (const pseudo of ['AccountId', 'Partition', 'URLSuffix']) expect(parts).toContain(`{"Ref":"AWS::${pseudo}"}`);
      expect(parts).toContain('{"Ref":"AWS::Region"}');
      expect(parts).toContain('{"Ref":"Seconds"}');
      expect(parts).toContain('{"Fn::GetAtt":["Role1ABCC5F0","Arn"]}');
      expect(parts).not.toMatch(/e\+\d{3}/);
    });
  });

  test.each<[GitLabCiJobOptions, string]>([
    [{ jobName: '' }, 'jobName must be 1 to 255 characters (GitLab\'s limit), got: "" (0 characters)'],
    [{ jobName: 'j'.repeat(256) }, '(256 characters)'],
    [{ jobName: 'variables' }, 'jobName must not be a .gitlab-ci.yml keyword'],
    [{ jobName: '$schema' }, 'got: "$schema"'],
    [{ tokenVariable: '1TOKEN' }, 'tokenVariable must be a CI/CD variable name'],
    [{ tokenVariable: 'MY-TOKEN' }, 'got: "MY-TOKEN"'],
    [{ tokenVariable: 'AWS_WEB_IDENTITY_TOKEN_FILE' }, 'tokenVariable must not be a variable that GitLab, the runner, the shell or the AWS clients use (the AWS_* names), got: "AWS_WEB_IDENTITY_TOKEN_FILE"'],
    [{ tokenVariable: 'aws_role_arn' }, '(the AWS_* names)'],
    [{ tokenVariable: 'CI_JOB_JWT' }, '(the CI_* names)'],
    [{ tokenVariable: 'GITLAB_USER_LOGIN' }, '(GITLAB_USER_LOGIN)'],
    [{ tokenVariable: 'PATH' }, '(PATH)'],
    [{ tokenVariable: 'HOME' }, '(HOME)'],
    [{ tokenVariable: 'TMPDIR' }, '(TMPDIR)'],
    [{ tokenVariable: 'https_proxy' }, '(https_proxy)'],
    [{ region: 'Europe' }, 'region must be an AWS region name such as "eu-west-1", got: "Europe"'],
    [{ region: 'Eu-west-1' }, 'got: "Eu-west-1"'],
    [{ region: 'Xeu-west-1' }, 'got: "Xeu-west-1"'],
    [{ region: 'eu-west-1x' }, 'got: "eu-west-1x"'],
    [{ region: 'eu-west-123' }, 'got: "eu-west-123"'],
    [{ credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.minutes(10) }, 'sessionDuration must be from 900 seconds to the role\'s maximum session duration (3600 seconds), got: 600'],
    [{ credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.hours(2) }, 'got: 7200'],
    [{ sessionDuration: Duration.minutes(30) }, 'sessionDuration applies to GitLabCiCredentials.ASSUME_ROLE_CLI only'],
    [{ script: [] }, 'script must have at least one command'],
    [{ stsAttempts: 0 }, 'stsAttempts must be a whole number from 1 to 10, got: 0'],
    [{ stsAttempts: 11 }, 'stsAttempts must be a whole number from 1 to 10, got: 11'],
    [{ stsAttempts: 2.5 }, 'stsAttempts must be a whole number from 1 to 10, got: 2.5'],
    [{ tokenVariable: 'GITLAB_OIDC_CREDENTIALS' }, 'tokenVariable must not be one of the job\'s settings (GITLAB_OIDC_CREDENTIALS, GITLAB_OIDC_STS_ATTEMPTS, ' +
      'GITLAB_OIDC_SESSION_SECONDS, GITLAB_OIDC_EXPECTED_ACCOUNT), got: "GITLAB_OIDC_CREDENTIALS"'],
    [{ expectedAccount: '1111-2222-3333' }, 'expectedAccount must be a 12-digit AWS account ID, got: "1111-2222-3333"'],
    [{ expectedAccount: '11112222333' }, 'got: "11112222333"'],
    [{ jobTimeout: Duration.minutes(5) }, 'jobTimeout must be whole minutes from 10 minutes to 30 days (GitLab\'s limits), got: Duration.minutes(5)'],
    [{ jobTimeout: Duration.days(31) }, 'got: Duration.days(31)'],
    [{ jobTimeout: Duration.seconds(630) }, 'got: Duration.seconds(630)'],
  ])('bad options are refused: %#, %s', (options, message) => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob(options)).toThrow(message);
  });

  // Each name the token variable must not take, by who uses it (GitLab's predefined variables, the runner's
  // settings, POSIX shells, HTTP clients and the AWS CLI and SDKs), in either case.
  describe('the token variable never takes a name something else uses', () => {
    const prefixes = ['AWS_', 'CI_', 'FF_', 'GIT_', 'RUNNER_', 'DOCKER_', 'KUBERNETES_', 'LC_', 'LD_', 'BASH_'];
    const names = [
      'GITLAB_CI', 'GITLAB_FEATURES', 'GITLAB_USER_EMAIL', 'GITLAB_USER_ID', 'GITLAB_USER_LOGIN', 'GITLAB_USER_NAME',
      'CHAT_CHANNEL', 'CHAT_INPUT', 'CHAT_USER_ID', 'TRIGGER_PAYLOAD',
      'ARTIFACT_COMPRESSION_LEVEL', 'CACHE_COMPRESSION_LEVEL', 'CACHE_REQUEST_TIMEOUT', 'GET_SOURCES_ATTEMPTS',
      'ARTIFACT_DOWNLOAD_ATTEMPTS', 'RESTORE_CACHE_ATTEMPTS', 'EXECUTOR_JOB_SECTION_ATTEMPTS', 'TRANSFER_METER_FREQUENCY',
      'PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'PWD', 'OLDPWD', 'IFS', 'ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'SHLVL',
      'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LANGUAGE', 'TERM', 'HOSTNAME', 'MAIL', 'TZ',
      'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE',
      'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'PYTHONPATH', 'PYTHONHOME',
    ];

    test.each(prefixes)('any %s* name', (prefix) => {
      const { role } = newRole();
      for (const name of [`${prefix}X`, `${prefix.toLowerCase()}x`]) {
        expect(() => role.gitLabCiJob({ tokenVariable: name })).toThrow(`(the ${prefix}* names), got: ${JSON.stringify(name)}`);
      }
      // The prefix is matched at the start only.
      expect(() => role.gitLabCiJob({ tokenVariable: `MY_${prefix}X` })).not.toThrow();
    });

    test.each(names)('%s', (name) => {
      const { role } = newRole();
      for (const variant of [name, name.toLowerCase()]) {
        expect(() => role.gitLabCiJob({ tokenVariable: variant })).toThrow(`(${variant}), got: ${JSON.stringify(variant)}`);
      }
      expect(() => role.gitLabCiJob({ tokenVariable: `${name}_X` })).not.toThrow();
    });
  });

  test('the job unsets every credential the runner may hold of its own before any AWS client runs', () => {
    const { stack, role } = newRole();
    const [, , first] = parse(jobYaml(stack, role))['.aws-oidc'].before_script;
    const unset = /^unset ([A-Z_ ]+);/.exec(first)![1].split(' ');
    expect(unset.sort()).toEqual([
      // keys and sessions read from the environment
      'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_CREDENTIAL_EXPIRATION',
      // profiles
      'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
      // container credentials (ECS, EKS Pod Identity)
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE',
      // another web identity
      'AWS_WEB_IDENTITY_TOKEN_FILE',
    ].sort());
  });

  test('the default token variable, from GitLab\'s own AWS guide, and plain names are accepted', () => {
    const { role } = newRole();
    for (const tokenVariable of ['GITLAB_OIDC_TOKEN', 'ID_TOKEN', 'AWS_TOKEN_X'.slice(4), 'MY_AWS_TOKEN']) {
      expect(() => role.gitLabCiJob({ tokenVariable })).not.toThrow();
    }
  });
});

// The whole before_script, line by line, for both ways of handing the token over: every message a failing
// job prints is part of the contract (users search for it), and a changed word must be a decision.
describe('the before_script, exactly', () => {
  // Pauses GitLab's debug trace (xtrace) over the exchange; the last line resumes it (test/job proves both).
  const PAUSE_TRACE = 'case $- in *x*) _oidc_trace=x; set +x;; *) _oidc_trace=;; esac';
  const RESUME_TRACE = '[ -z "$_oidc_trace" ] || set -x';
  // Removes the token's folder and this job's entries in the AWS CLI's credential cache (test/job proves it with the real CLI).
  const CLEAN = 'cdk_gitlab_oidc_clean() { (set +f; rm -rf -- "${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}"; for _oidc_f in "$HOME"/.aws/cli/cache/*.json; do ' +
    'if grep -qsF -- "/$AWS_ROLE_SESSION_NAME\\"" "$_oidc_f"; then rm -f -- "$_oidc_f"; fi; done) 2>/dev/null || :; }';
  // What the role's trust policy expects and its construct path (a shell word), for the hint a refused exchange prints.
  const EXPECTATIONS = "_oidc_expects='iss https://gitlab.com, aud https://gitlab.com, sub project_path:mygroup/myproject:ref_type:branch:ref:main'; " +
    "_oidc_role_path='Stack/Role'";
  const COMMON = [
    EXPECTATIONS,
    PAUSE_TRACE,
    'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE ' +
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI AWS_CONTAINER_CREDENTIALS_FULL_URI AWS_CONTAINER_AUTHORIZATION_TOKEN ' +
      'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE AWS_WEB_IDENTITY_TOKEN_FILE AWS_CREDENTIAL_EXPIRATION; ' +
      'export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true',
    '[ -n "${GITLAB_OIDC_TOKEN:-}" ] || { printf \'%s\\n\' "cdk-gitlab-oidc: GITLAB_OIDC_TOKEN is empty: this job needs an id_tokens entry ' +
      'named GITLAB_OIDC_TOKEN with the role\'s audience as aud (a job that sets its own id_tokens must keep it); the job stops ' +
      'before its script" >&2; exit 1; }',
    // The settings, from variables a pipeline's variables can override, checked before use.
    'case "${GITLAB_OIDC_CREDENTIALS:-}" in token-file|assume-role-cli) ;; *) { printf \'%s\\n\' "cdk-gitlab-oidc: GITLAB_OIDC_CREDENTIALS must be ' +
      'token-file or assume-role-cli, got: $GITLAB_OIDC_CREDENTIALS; the job stops before its script" >&2; exit 1; };; esac',
    'case "${GITLAB_OIDC_STS_ATTEMPTS:-}" in [1-9]|10) ;; *) { printf \'%s\\n\' "cdk-gitlab-oidc: GITLAB_OIDC_STS_ATTEMPTS must be a whole number ' +
      'from 1 to 10, got: $GITLAB_OIDC_STS_ATTEMPTS; the job stops before its script" >&2; exit 1; };; esac',
    '[ "$GITLAB_OIDC_CREDENTIALS" != assume-role-cli ] || case "${GITLAB_OIDC_SESSION_SECONDS:-}" in \'\'|*[!0-9]*) { printf \'%s\\n\' ' +
      '"cdk-gitlab-oidc: GITLAB_OIDC_SESSION_SECONDS must be a whole number of seconds, got: $GITLAB_OIDC_SESSION_SECONDS; the job stops before ' +
      'its script" >&2; exit 1; };; esac',
    '(umask 077 && mkdir -- "${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}" && printf \'%s\' "$GITLAB_OIDC_TOKEN" > ' +
      '"${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}/token") || { printf \'%s\\n\' "cdk-gitlab-oidc: cannot write the ID token to a private file; ' +
      'the job stops before its script" >&2; exit 1; }',
    `${CLEAN}; trap cdk_gitlab_oidc_clean EXIT`,
    // Prints the token's non-secret claims, what the role expects, and the explain command (test/job proves it runs).
    `cdk_gitlab_oidc_explain() { (set +e; ${[
      "_oidc_p=$(cut -d. -f2 < \"${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}/token\" | tr '_-' '/+')",
      'case $((${#_oidc_p} % 4)) in 2) _oidc_p="$_oidc_p==";; 3) _oidc_p="$_oidc_p=";; esac',
      "_oidc_c=$(printf '%s' \"$_oidc_p\" | base64 -d 2>/dev/null | tr -d '\\n\\r'); _oidc_j=''",
      "for _oidc_k in iss aud sub ref_type ref ref_protected project_path; do _oidc_v=$(printf '%s' \"$_oidc_c\" | sed -n -E \"s/.*\\\"$_oidc_k\\\": *(\\\"([^\\\"\\\\\\\\]|\\\\\\\\.)*\\\"|\\\\[[^]]*]|[^,}]*).*/\\\\1/p\"); [ -z \"$_oidc_v\" ] || _oidc_j=\"$_oidc_j${_oidc_j:+,}\\\"$_oidc_k\\\":$_oidc_v\"; done",
      "printf '%s\\n' \"cdk-gitlab-oidc: the token's claims: {$_oidc_j}\" >&2",
      // What the role expects and its path, from the job's first line; a role known only by its ARN gets the way to fetch its policy.
      'if [ -n "${_oidc_role_path:-}" ]; then printf \'%s\\n\' "cdk-gitlab-oidc: the role expects $_oidc_expects" >&2; ' +
        '_oidc_rp=$(printf \'%s\' "$_oidc_role_path" | sed "s/\'/\'\\\\\\\\\'\'/g"); ' +
        '_oidc_h="cdk-gitlab-oidc: to see why, run where the app is synthesized: npx cdk-gitlab-oidc explain --role \'$_oidc_rp\' --claims \'{"; ' +
        'else _oidc_h="cdk-gitlab-oidc: to see why, run: aws iam get-role --role-name ${AWS_ROLE_ARN##*/} > role.json && ' +
        'npx cdk-gitlab-oidc explain --policy-file role.json --claims \'{"; fi',
      "_oidc_q=$(printf '%s' \"$_oidc_j\" | sed \"s/'/'\\\\\\\\''/g\")",
      "printf '%s%s%s\\n' \"$_oidc_h\" \"$_oidc_q\" \"}'\" >&2",
    ].join('; ')}) || :; }`,
    // Runs an STS command again after a transient error (test/job proves the retries and the refusal's single attempt).
    'cdk_gitlab_oidc_sts() { _oidc_n=1; while :; do if "$@" 2>"${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}"/sts-error; then ' +
      'cat "${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}"/sts-error >&2; return 0; fi; cat "${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}"/sts-error >&2; ' +
      '{ [ "$_oidc_n" -lt "$GITLAB_OIDC_STS_ATTEMPTS" ] && grep -qE \'\\((IDPCommunicationError|Throttling|ThrottlingException|RequestLimitExceeded|InternalFailure|ServiceUnavailable)\\)|' +
      '\\(InvalidIdentityToken\\).*[Cc]ouldn.t retrieve verification key\' "${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}"/sts-error; } || return 1; ' +
      '_oidc_w=$(awk -v n="$_oidc_n" -v s="${CI_JOB_ID:-$$}" \'BEGIN { srand(s + n); b = 2 ^ (n - 1); printf "%d", b + rand() * b }\'); ' +
      'echo "cdk-gitlab-oidc: STS answered with a transient error; attempt $((_oidc_n + 1)) of $GITLAB_OIDC_STS_ATTEMPTS in $_oidc_w seconds" >&2; ' +
      'sleep "$_oidc_w"; _oidc_n=$((_oidc_n + 1)); done; }',
  ];
  const NOT_EXCHANGED = '{ cdk_gitlab_oidc_explain; printf \'%s\\n\' "cdk-gitlab-oidc: the ID token in GITLAB_OIDC_TOKEN was not exchanged for credentials of role ' +
    '$AWS_ROLE_ARN (the AWS error is above); the job stops before its script" >&2; exit 1; }';
  const EXCHANGE = [
    'if [ "$GITLAB_OIDC_CREDENTIALS" = token-file ]; then export AWS_WEB_IDENTITY_TOKEN_FILE="${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}/token"; ' +
      `_oidc_arn="$(cdk_gitlab_oidc_sts aws sts get-caller-identity --query Arn --output text)" || ${NOT_EXCHANGED}; fi`,
    'if [ "$GITLAB_OIDC_CREDENTIALS" = assume-role-cli ]; then _oidc_creds="$(cdk_gitlab_oidc_sts aws sts assume-role-with-web-identity ' +
      '--role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" --web-identity-token "file://${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}/token" ' +
      '--duration-seconds "$GITLAB_OIDC_SESSION_SECONDS" ' +
      '--query "[Credentials.AccessKeyId,Credentials.SecretAccessKey,Credentials.SessionToken,AssumedRoleUser.Arn]" --output text)" || ' +
      `${NOT_EXCHANGED}; rm -rf -- "\${TMPDIR:-/tmp}/gitlab-oidc-\${CI_JOB_ID}"; ` +
      'export AWS_ACCESS_KEY_ID="$(printf \'%s\' "$_oidc_creds" | cut -f1)" AWS_SECRET_ACCESS_KEY="$(printf \'%s\' "$_oidc_creds" | cut -f2)" ' +
      'AWS_SESSION_TOKEN="$(printf \'%s\' "$_oidc_creds" | cut -f3)"; _oidc_arn="$(printf \'%s\' "$_oidc_creds" | cut -f4)"; unset _oidc_creds; ' +
      '[ -n "$AWS_SESSION_TOKEN" ] || { printf \'%s\\n\' "cdk-gitlab-oidc: AWS STS returned no credentials; the job stops before its script" >&2; exit 1; }; fi',
    '_oidc_r=${AWS_ROLE_ARN#arn:}; _oidc_a=${_oidc_r#*:iam::}; ' +
      '_oidc_session="arn:${_oidc_r%%:*}:sts::${_oidc_a%%:*}:assumed-role/${AWS_ROLE_ARN##*/}/$AWS_ROLE_SESSION_NAME"; ' +
      '[ "$_oidc_arn" = "$_oidc_session" ] || { printf \'%s\\n\' "cdk-gitlab-oidc: the credentials are $_oidc_arn, not the session $_oidc_session ' +
      'of role $AWS_ROLE_ARN; the job stops before its script" >&2; exit 1; }',
    '[ -z "${GITLAB_OIDC_EXPECTED_ACCOUNT:-}" ] || case "$_oidc_arn" in "arn:${_oidc_r%%:*}:sts::$GITLAB_OIDC_EXPECTED_ACCOUNT:assumed-role/"*) ;; ' +
      '*) { printf \'%s\\n\' "cdk-gitlab-oidc: the credentials are $_oidc_arn, not of the expected account $GITLAB_OIDC_EXPECTED_ACCOUNT; ' +
      'the job stops before its script" >&2; exit 1; };; esac',
    'printf \'%s\\n\' "cdk-gitlab-oidc: the job runs as $_oidc_arn" >&2',
  ];

  test.each(['token file', 'CLI exchange'])('with the %s: one script for both modes, which a variable selects', (mode) => {
    const { stack, role } = newRole();
    const options = mode === 'token file' ? {} : { credentials: GitLabCiCredentials.ASSUME_ROLE_CLI, sessionDuration: Duration.seconds(900) };
    expect(parse(jobYaml(stack, role, options))['.aws-oidc'].before_script).toEqual([...COMMON, ...EXCHANGE, RESUME_TRACE]);
  });
});

describe('options at their limits, and every message whole', () => {
  test('a job name of exactly 255 characters is accepted; 256 is not', () => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob({ jobName: 'j'.repeat(255) })).not.toThrow();
    expect(() => role.gitLabCiJob({ jobName: 'j'.repeat(256) })).toThrow(`jobName must be 1 to 255 characters (GitLab's limit), got: "${'j'.repeat(256)}" (256 characters)`);
  });

  test('a reserved job name: the message lists every reserved key', () => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob({ jobName: 'workflow' })).toThrow('jobName must not be a .gitlab-ci.yml keyword ($schema, spec, image, services, ' +
      'before_script, after_script, variables, cache, !reference, default, stages, types, include, workflow), got: "workflow"');
  });

  test('the name of the pipeline files\' hidden exchange job is refused: an include of both files would merge the two', () => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob({ jobName: '.aws-oidc-exchange' })).toThrow('jobName must not be .aws-oidc-exchange, the hidden job that holds ' +
      'the token exchange in GitLabCiPipeline\'s files, got: ".aws-oidc-exchange"');
    expect(() => role.gitLabCiJob({ jobName: '.aws-oidc-exchange-2' })).not.toThrow();
  });

  test('a job name that cannot be written as YAML text', () => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob({ jobName: 'deploy\ud800' })).toThrow('jobName must not contain a lone UTF-16 surrogate (it has no UTF-8 form), got: "deploy\\ud800"');
  });

  test('sessionDuration with the token file: the whole message', () => {
    const { role } = newRole();
    expect(() => role.gitLabCiJob({ sessionDuration: Duration.minutes(30) })).toThrow('sessionDuration applies to GitLabCiCredentials.ASSUME_ROLE_CLI only: ' +
      'with a token file, each AWS client chooses its own session length, got: Duration.minutes(30)');
  });

  test.each<[string, (stack: Stack) => GitLabCiJobOptions, string]>([
    ['region', (stack) => ({ region: new CfnParameter(stack, 'Region').valueAsString }), '{"Ref":"Region"}'],
    ['script[1]', () => ({ script: ['echo ok', Fn.importValue('command')] }), '{"Fn::ImportValue":"command"}'],
    ['stage', (stack) => ({ stage: new CfnParameter(stack, 'Stage').valueAsString }), '{"Ref":"Stage"}'],
    ['image', (stack) => ({ image: `${Fn.importValue('registry')}/aws-cli:${new CfnParameter(stack, 'Tag').valueAsString}` }),
      '{"Fn::ImportValue":"registry"}, {"Ref":"Tag"}'],
    ['sessionDuration', () => ({
      credentials: GitLabCiCredentials.ASSUME_ROLE_CLI,
      sessionDuration: Duration.seconds(Token.asNumber(Fn.importValue('seconds'))),
    }), '{"Fn::ImportValue":"seconds"}'],
  ])('a deploy-time value in %s that could hold any text is refused, and the message names the option', (option, options, token) => {
    const { stack, role } = newRole();
    expect(() => role.gitLabCiJob(options(stack))).toThrow(`${option} holds a deploy-time value that could contain quotes or line breaks and so ` +
      'change the job\'s YAML or its shell commands; pass a literal (only the role\'s ARN, pseudo parameters such as AWS::Region and Number ' +
      `parameters can be written into the job), got: ${token}`);
  });

  test('a deploy-time audience that could hold any text is refused too', () => {
    const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
    const audience = new CfnParameter(stack, 'Audience').valueAsString;
    const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: [audience] });
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')] });
    expect(() => role.gitLabCiJob()).toThrow('audience holds a deploy-time value that could contain quotes or line breaks');
  });
});
