import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { unescapableTokens } from './private/deploy-time';
import { yamlProblem, yamlString } from './private/yaml';
import { AWS_REGION, DEFAULT_SESSION_SECONDS, fail, isLiteral, isLiteralNumber, numberText, show } from './validation';

/**
 * How the generated GitLab job hands its ID token to AWS.
 */
export class GitLabCiCredentials {
  /**
   * Keep the token in a file only the job's user can read, removed when the job ends, and set
   * `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`: every AWS SDK and the AWS CLI then call
   * `AssumeRoleWithWebIdentity` themselves, and refresh as needed. The job checks the exchange once
   * with `aws sts get-caller-identity` before its script.
   */
  // Stryker disable next-line StringLiteral: only ASSUME_ROLE_CLI's mode is ever compared
  public static readonly WEB_IDENTITY_TOKEN_FILE = new GitLabCiCredentials('file');

  /**
   * Call `aws sts assume-role-with-web-identity` once, with the token read from a private file (never
   * from the command line), and export the temporary credentials (`AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), for tools that read only those. They are not
   * refreshed: they last `sessionDuration`.
   */
  public static readonly ASSUME_ROLE_CLI = new GitLabCiCredentials('cli');

  private constructor(
    /** @internal */
    public readonly _mode: string,
  ) {}
}

/**
 * Options for `GitLabRunnerRole.gitLabCiJob()`.
 */
export interface GitLabCiJobOptions {
  /**
   * The job's name. A name starting with `.` makes a hidden job that other jobs `extends`. A literal
   * of 1 to 255 characters that is not a `.gitlab-ci.yml` keyword.
   *
   * @default '.aws-oidc'
   */
  readonly jobName?: string;

  /**
   * The CI/CD variable that receives the ID token: a literal name that no variable of GitLab, the
   * runner, the shell or the AWS clients has (no `AWS_*`, `CI_*`, `PATH`, ...).
   *
   * @default 'GITLAB_OIDC_TOKEN'
   */
  readonly tokenVariable?: string;

  /**
   * How the token is handed to AWS.
   *
   * @default GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE
   */
  readonly credentials?: GitLabCiCredentials;

  /**
   * The AWS region for the CLI and SDKs (`AWS_REGION`, `AWS_DEFAULT_REGION`).
   *
   * @default - the role's stack region when it is known at synth time, else none
   */
  readonly region?: string;

  /**
   * How long the credentials last, for `ASSUME_ROLE_CLI` only (`--duration-seconds`): 15 minutes to
   * the role's maximum session duration. With the token file, each AWS client picks its own.
   *
   * @default Duration.hours(1)
   */
  readonly sessionDuration?: Duration;

  /**
   * The container image the job runs in. It needs a POSIX shell and the AWS CLI, which the job uses to
   * check (or make) the token exchange before its script.
   *
   * @default - the runner's default image
   */
  readonly image?: string;

  /**
   * The job's stage.
   *
   * @default - GitLab's default stage (`test`)
   */
  readonly stage?: string;

  /**
   * The job's commands, run with the role's credentials.
   *
   * @default ['aws sts get-caller-identity']
   */
  readonly script?: string[];
}

/** What the role contributes to its job. */
export interface CiJobRole {
  readonly roleArn: string;
  readonly audience: string;
  readonly region?: string;
  readonly maxSessionSeconds: number;
}

// Top-level keys of .gitlab-ci.yml that are not jobs: the properties of GitLab's CI schema other than
// `pages` (a job), and `types`, the keyword `stages` replaced, which GitLab still reserves.
const RESERVED_KEYS = ['$schema', 'spec', 'image', 'services', 'before_script', 'after_script', 'variables', 'cache',
  '!reference', 'default', 'stages', 'types', 'include', 'workflow'];
// GitLab refuses job names longer than this (Gitlab::Ci::Config::Entry::Job).
const MAX_JOB_NAME_LENGTH = 255;

// Names the token variable must not take: variables that GitLab sets or reads, that the runner, the
// shell or the AWS CLI and SDKs read, or that this job sets. Prefixes are matched case-insensitively.
const RESERVED_VARIABLE_PREFIXES = ['AWS_', 'CI_', 'FF_', 'GIT_', 'RUNNER_', 'DOCKER_', 'KUBERNETES_', 'LC_', 'LD_', 'BASH_'];
const RESERVED_VARIABLES = [
  // GitLab's predefined variables outside CI_*
  'GITLAB_CI', 'GITLAB_FEATURES', 'GITLAB_USER_EMAIL', 'GITLAB_USER_ID', 'GITLAB_USER_LOGIN', 'GITLAB_USER_NAME',
  'CHAT_CHANNEL', 'CHAT_INPUT', 'CHAT_USER_ID', 'TRIGGER_PAYLOAD',
  // read by the runner: artifacts, caches and retries
  'ARTIFACT_COMPRESSION_LEVEL', 'CACHE_COMPRESSION_LEVEL', 'CACHE_REQUEST_TIMEOUT', 'GET_SOURCES_ATTEMPTS',
  'ARTIFACT_DOWNLOAD_ATTEMPTS', 'RESTORE_CACHE_ATTEMPTS', 'EXECUTOR_JOB_SECTION_ATTEMPTS', 'TRANSFER_METER_FREQUENCY',
  // the shell and the operating system
  'PATH', 'HOME', 'SHELL', 'USER', 'LOGNAME', 'PWD', 'OLDPWD', 'IFS', 'ENV', 'CDPATH', 'PS1', 'PS2', 'PS4', 'SHLVL',
  'TMPDIR', 'TMP', 'TEMP', 'LANG', 'LANGUAGE', 'TERM', 'HOSTNAME', 'MAIL', 'TZ',
  // read by HTTP clients, the AWS CLI and SDKs among them
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE',
  'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'PYTHONPATH', 'PYTHONHOME',
];

// The job's private folder for the ID token: known to after_script, which runs in a shell of its own,
// from the job's variables alone. `mkdir` refuses a folder that exists, so nobody can plant one.
const TOKEN_DIR_PATH = '${TMPDIR:-/tmp}/gitlab-oidc-${CI_JOB_ID}';
const TOKEN_FILE_PATH = `${TOKEN_DIR_PATH}/token`;
// The same paths as shell words: double-quoted, since TMPDIR may hold spaces.
const TOKEN_DIR = `"${TOKEN_DIR_PATH}"`;
const TOKEN_FILE = `"${TOKEN_FILE_PATH}"`;

// Credentials the runner may have of its own, which AWS clients would otherwise use before (or
// instead of) the role's: environment keys, profiles, container credentials. Instance metadata is
// switched off with AWS_EC2_METADATA_DISABLED.
const RUNNER_CREDENTIAL_VARIABLES = [
  'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN', 'AWS_PROFILE', 'AWS_DEFAULT_PROFILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN',
  'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CREDENTIAL_EXPIRATION',
];

/**
 * The YAML of one job. Every string is a YAML double-quoted scalar that any YAML 1.1 or 1.2 parser
 * reads back verbatim, and the only deploy-time values it may hold are inert ones (the role's ARN,
 * pseudo parameters, Number parameters), so no value can change the document's structure.
 *
 * The job fails safe: its `before_script` refuses an empty token variable, keeps the token in a file
 * only the job's user can read (removed on exit and again by `after_script`), hides every credential
 * the runner has of its own from the AWS clients, and exchanges the token with STS before the script
 * runs, stopping the job with STS's own message when the exchange fails.
 */
export function renderCiJob(role: CiJobRole, options: GitLabCiJobOptions, scope: IConstruct): string {
  const jobName = options.jobName ?? '.aws-oidc';
  const tokenVariable = options.tokenVariable ?? 'GITLAB_OIDC_TOKEN';
  const region = options.region ?? role.region;
  const credentials = options.credentials ?? GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE;
  const script = options.script ?? ['aws sts get-caller-identity'];
  const cli = credentials._mode === 'cli';

  validateJobName(jobName, scope);
  validateTokenVariable(tokenVariable, scope);
  if (region !== undefined && isLiteral(region) && !AWS_REGION.test(region)) fail(`region must be an AWS region name, got: ${show(region)}`, scope);
  if (options.sessionDuration !== undefined && !cli) {
    fail('sessionDuration applies to GitLabCiCredentials.ASSUME_ROLE_CLI only: with a token file, each AWS client chooses its own ' +
      `session length, got: ${options.sessionDuration.toString()}`, scope);
  }
  const seconds = options.sessionDuration?.toSeconds() ?? DEFAULT_SESSION_SECONDS;
  if (isLiteralNumber(seconds) && (seconds < 900 || (isLiteralNumber(role.maxSessionSeconds) && seconds > role.maxSessionSeconds))) {
    fail(`sessionDuration must be from 900 seconds to the role's maximum session duration (${numberText(role.maxSessionSeconds)} seconds), got: ${seconds}`, scope);
  }
  if (script.length === 0) fail('script must have at least one command, got: []', scope);

  const deployTime: [string, string | number | undefined][] = [
    ['audience', role.audience], ['region', region], ['sessionDuration', cli ? seconds : undefined],
    ['image', options.image], ['stage', options.stage], ...script.map((line, i) => [`script[${i}]`, line] as [string, string]),
  ];
  for (const [option, value] of deployTime) {
    // Stryker disable next-line ConditionalExpression: a shortcut; an undefined value passes both checks below
    if (value === undefined) continue;
    const tokens = unescapableTokens(value, scope);
    if (tokens.length > 0) {
      fail(`${option} holds a deploy-time value that could contain quotes or line breaks and so change the job's YAML or its shell ` +
        'commands; pass a literal (only the role\'s ARN, pseudo parameters such as AWS::Region and Number parameters can be ' +
        `written into the job), got: ${tokens.join(', ')}`, scope);
    }
    // Stryker disable next-line ConditionalExpression: a shortcut; a number's digits hold no lone surrogate
    if (typeof value === 'string') {
      const problem = yamlProblem(value);
      if (problem) fail(`${option} ${problem}, got: ${show(value)}`, scope);
    }
  }

  const variables: [string, string][] = [
    ['AWS_ROLE_ARN', role.roleArn],
    ['AWS_ROLE_SESSION_NAME', 'gitlab-${CI_PROJECT_ID}-${CI_JOB_ID}'],
    ...(region ? [['AWS_REGION', region], ['AWS_DEFAULT_REGION', region]] as [string, string][] : []),
  ];
  const token = `$${tokenVariable}`;
  const stop = (what: string) => `{ echo "cdk-gitlab-oidc: ${what}; the job stops before its script" >&2; exit 1; }`;
  const exchangeFailed = stop(`the ID token in ${tokenVariable} was not exchanged for credentials of role $AWS_ROLE_ARN (the AWS error is above)`);
  const setup = [
    // The role's credentials and no others: AWS clients read environment keys, profiles and container
    // credentials before a web identity, and fall back to them (or to instance metadata) after one fails.
    `unset ${RUNNER_CREDENTIAL_VARIABLES.join(' ')}; export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true`,
    `[ -n "\${${tokenVariable}:-}" ] || ${stop(`${tokenVariable} is empty: this job needs an id_tokens entry named ${tokenVariable} ` +
      'with the role\'s audience as aud (a job that sets its own id_tokens must keep it)')}`,
    `(umask 077 && mkdir -- ${TOKEN_DIR} && printf '%s' "${token}" > ${TOKEN_FILE}) || ${stop('cannot write the ID token to a private file')}`,
    `trap 'rm -rf -- ${TOKEN_DIR}' EXIT`,
    ...(cli
      ? [
        'AWS_OIDC_CREDENTIALS="$(aws sts assume-role-with-web-identity --role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" ' +
        `--web-identity-token "file://${TOKEN_FILE_PATH}" --duration-seconds ${numberText(seconds)} ` +
        `--query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text)" || ${exchangeFailed}`,
        `rm -rf -- ${TOKEN_DIR}`,
        'export AWS_ACCESS_KEY_ID="$(printf \'%s\' "$AWS_OIDC_CREDENTIALS" | cut -f1)" ' +
        'AWS_SECRET_ACCESS_KEY="$(printf \'%s\' "$AWS_OIDC_CREDENTIALS" | cut -f2)" ' +
        'AWS_SESSION_TOKEN="$(printf \'%s\' "$AWS_OIDC_CREDENTIALS" | cut -f3)"; unset AWS_OIDC_CREDENTIALS',
        `[ -n "$AWS_SESSION_TOKEN" ] || ${stop('AWS STS returned no credentials')}`,
      ]
      : [
        `export AWS_WEB_IDENTITY_TOKEN_FILE=${TOKEN_FILE}`,
        `aws sts get-caller-identity || ${exchangeFailed}`,
      ]),
  ];

  const list = (items: readonly string[]) => items.map((item) => `    - ${yamlString(item)}`);
  return [
    `${yamlString(jobName)}:`,
    ...(options.image ? [`  image: ${yamlString(options.image)}`] : []),
    ...(options.stage ? [`  stage: ${yamlString(options.stage)}`] : []),
    '  id_tokens:',
    `    ${tokenVariable}:`,
    `      aud: ${yamlString(role.audience)}`,
    '  variables:',
    ...variables.map(([name, value]) => `    ${name}: ${yamlString(value)}`),
    '  before_script:',
    ...list(setup),
    '  script:',
    ...list(script),
    '  after_script:',
    ...list([`rm -rf -- ${TOKEN_DIR}`]),
    '',
  ].join('\n');
}

/** A job name GitLab accepts as a job (not a global keyword), known at synth time. */
function validateJobName(jobName: string, scope: IConstruct): void {
  if (!isLiteral(jobName)) fail(`jobName must be a literal: it is a key of the YAML document, got: ${show(jobName)}`, scope);
  if (jobName.length === 0 || jobName.length > MAX_JOB_NAME_LENGTH) {
    fail(`jobName must be 1 to ${MAX_JOB_NAME_LENGTH} characters (GitLab's limit), got: ${show(jobName)} (${jobName.length} characters)`, scope);
  }
  if (RESERVED_KEYS.includes(jobName)) {
    fail(`jobName must not be a .gitlab-ci.yml keyword (${RESERVED_KEYS.join(', ')}), got: ${show(jobName)}`, scope);
  }
  const problem = yamlProblem(jobName);
  if (problem) fail(`jobName ${problem}, got: ${show(jobName)}`, scope);
}

/** A CI/CD variable name that nothing else in the job, GitLab, the runner or the AWS clients uses. */
function validateTokenVariable(name: string, scope: IConstruct): void {
  if (!isLiteral(name) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
    fail(`tokenVariable must be a CI/CD variable name (letters, digits and "_", not starting with a digit), got: ${show(name)}`, scope);
  }
  const upper = name.toUpperCase();
  const prefix = RESERVED_VARIABLE_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix || RESERVED_VARIABLES.includes(upper)) {
    fail(`tokenVariable must not be a variable that GitLab, the runner, the shell or the AWS clients use (${prefix ? `the ${prefix}* names` : name}), ` +
      `got: ${show(name)}`, scope);
  }
}
