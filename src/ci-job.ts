import { Duration } from 'aws-cdk-lib';
import { fail, isLiteral, isLiteralNumber, numberText, show } from './validation';

/**
 * How the generated GitLab job hands its ID token to AWS.
 */
export class GitLabCiCredentials {
  /**
   * Write the token to a file and set `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`: every AWS
   * SDK and the AWS CLI then call `AssumeRoleWithWebIdentity` themselves, and refresh as needed.
   */
  public static readonly WEB_IDENTITY_TOKEN_FILE = new GitLabCiCredentials('file');

  /**
   * Call `aws sts assume-role-with-web-identity` once and export the temporary credentials
   * (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), for tools that read only those.
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
   * The job's name. A name starting with `.` makes a hidden job that other jobs `extends`.
   *
   * @default '.aws-oidc'
   */
  readonly jobName?: string;

  /**
   * The CI/CD variable that receives the ID token.
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
   * How long the credentials last, for `ASSUME_ROLE_CLI` (`--duration-seconds`): 15 minutes to the
   * role's maximum session duration.
   *
   * @default Duration.hours(1)
   */
  readonly sessionDuration?: Duration;

  /**
   * The container image the job runs in.
   *
   * @default - the runner's default image (it must have the AWS CLI for the default script)
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

// Top-level keys of .gitlab-ci.yml that are not jobs (GitLab CI/CD YAML reference).
const RESERVED_KEYS = ['image', 'services', 'stages', 'types', 'before_script', 'after_script', 'variables', 'cache', 'include', 'default', 'workflow', 'spec'];

/**
 * The YAML of one job. Every string is written as a JSON string, which YAML reads verbatim, so no
 * value can change the document's structure.
 */
export function renderCiJob(role: CiJobRole, options: GitLabCiJobOptions): string {
  const jobName = options.jobName ?? '.aws-oidc';
  const tokenVariable = options.tokenVariable ?? 'GITLAB_OIDC_TOKEN';
  const region = options.region ?? role.region;
  const credentials = options.credentials ?? GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE;
  const script = options.script ?? ['aws sts get-caller-identity'];
  const seconds = options.sessionDuration?.toSeconds() ?? Math.min(3600, role.maxSessionSeconds);

  if (jobName.length === 0 || RESERVED_KEYS.includes(jobName)) {
    fail(`jobName must not be empty or a reserved .gitlab-ci.yml keyword (${RESERVED_KEYS.join(', ')}), got: ${show(jobName)}`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(tokenVariable)) {
    fail(`tokenVariable must be a CI/CD variable name (letters, digits and "_", not starting with a digit), got: ${show(tokenVariable)}`);
  }
  if (region !== undefined && isLiteral(region) && !/^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/.test(region)) {
    fail(`region must be an AWS region name, got: ${show(region)}`);
  }
  if (isLiteralNumber(seconds) && (seconds < 900 || seconds > role.maxSessionSeconds)) {
    fail(`sessionDuration must be between 900 seconds and the role's maximum session duration (${role.maxSessionSeconds} seconds), got: ${seconds}`);
  }
  if (script.length === 0) fail('script must have at least one command, got: []');

  const q = (value: string) => JSON.stringify(value);
  const list = (indent: string, items: string[]) => items.map((item) => `${indent}- ${q(item)}`);
  const variables: [string, string][] = [
    ['AWS_ROLE_ARN', role.roleArn],
    ['AWS_ROLE_SESSION_NAME', 'gitlab-${CI_PROJECT_ID}-${CI_JOB_ID}'],
    ...(region ? [['AWS_REGION', region], ['AWS_DEFAULT_REGION', region]] as [string, string][] : []),
  ];
  const token = `$${tokenVariable}`;
  const setup = credentials._mode === 'file'
    ? [
      // A file only this job can read; every AWS SDK and the CLI read it through these variables.
      'export AWS_WEB_IDENTITY_TOKEN_FILE="$(mktemp)"',
      `printf '%s' "${token}" > "$AWS_WEB_IDENTITY_TOKEN_FILE"`,
    ]
    : [
      'export $(printf "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_SESSION_TOKEN=%s" ' +
      '$(aws sts assume-role-with-web-identity --role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" ' +
      `--web-identity-token "${token}" --duration-seconds ${numberText(seconds)} ` +
      '--query "Credentials.[AccessKeyId,SecretAccessKey,SessionToken]" --output text))',
    ];

  return [
    `${q(jobName)}:`,
    ...(options.image ? [`  image: ${q(options.image)}`] : []),
    ...(options.stage ? [`  stage: ${q(options.stage)}`] : []),
    '  id_tokens:',
    `    ${tokenVariable}:`,
    `      aud: ${q(role.audience)}`,
    '  variables:',
    ...variables.map(([name, value]) => `    ${name}: ${q(value)}`),
    '  before_script:',
    ...list('    ', setup),
    '  script:',
    ...list('    ', script),
    '',
  ].join('\n');
}
