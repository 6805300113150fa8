// The .gitlab-ci.yml job that assumes a role: its YAML, and the shell of its before_script.
import { IConstruct } from 'constructs';
import { GitLabCiCredentials, GitLabCiJobOptions } from '../ci-job';
import { unescapableTokens } from './deploy-time';
import { fail, show } from './errors';
import { SHOWN_CLAIMS } from './explain/render';
import { DEFAULT_SESSION_SECONDS, validateRegion } from './rules/aws';
import { validateJobName, validateTokenVariable } from './rules/gitlab-ci';
import { shellQuote } from './shell';
import { isLiteral, isLiteralNumber, numberText } from './tokens';
import { yamlProblem, yamlString } from './yaml';

/** What the role contributes to its job. */
export interface CiJobRole {
  readonly roleArn: string;
  readonly audience: string;
  readonly region?: string;
  readonly maxSessionSeconds: number;
  /**
   * What the role's trust policy expects, printed beside the token's claims when the exchange fails; absent
   * for a role known only by its ARN, whose policy the job then tells how to fetch.
   */
  readonly expects?: {
    readonly issuer: string;
    /** The subjects' sub values (patterns included); a deploy-time one is shown as such. */
    readonly subjects: readonly string[];
    /** The role's construct path, for the explain command. */
    readonly path: string;
  };
}

/** Whether the job's shell traced its commands (CI_DEBUG_TRACE) before the exchange paused it. */
const TRACE_FLAG = '_oidc_trace';

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
  const cli = credentials === GitLabCiCredentials.ASSUME_ROLE_CLI;

  validateJobName(jobName, scope);
  validateTokenVariable(tokenVariable, scope);
  if (region !== undefined) validateRegion(region, 'region', scope);
  if (options.sessionDuration !== undefined && !cli) {
    fail('sessionDuration applies to GitLabCiCredentials.ASSUME_ROLE_CLI only: with a token file, each AWS client chooses its own ' +
      `session length, got: ${options.sessionDuration.toString()}`, scope);
  }
  const attempts = options.stsAttempts ?? DEFAULT_STS_ATTEMPTS;
  if (isLiteralNumber(attempts) && (!Number.isInteger(attempts) || attempts < 1 || attempts > MAX_STS_ATTEMPTS)) {
    fail(`stsAttempts must be a whole number from 1 to ${MAX_STS_ATTEMPTS}, got: ${attempts}`, scope);
  }
  const seconds = options.sessionDuration?.toSeconds() ?? DEFAULT_SESSION_SECONDS;
  if (isLiteralNumber(seconds) && (seconds < 900 || (isLiteralNumber(role.maxSessionSeconds) && seconds > role.maxSessionSeconds))) {
    fail(`sessionDuration must be from 900 seconds to the role's maximum session duration (${numberText(role.maxSessionSeconds)} seconds), got: ${seconds}`, scope);
  }
  if (script.length === 0) fail('script must have at least one command, got: []', scope);

  const deployTime: [string, string | number | undefined][] = [
    ['audience', role.audience], ['region', region], ['sessionDuration', cli ? seconds : undefined], ['stsAttempts', attempts],
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
  // `first` runs before the message: the claims printer, where the exchange failed.
  const stop = (what: string, first = '') => `{ ${first}echo "cdk-gitlab-oidc: ${what}; the job stops before its script" >&2; exit 1; }`;
  const exchangeFailed = stop(`the ID token in ${tokenVariable} was not exchanged for credentials of role $AWS_ROLE_ARN (the AWS error is above)`,
    `${EXPLAIN_FUNCTION}; `);
  const setup = [
    // GitLab's debug trace (CI_DEBUG_TRACE) runs the job's shell with xtrace, which prints every command and
    // assignment with its values: the credentials the exchange makes would be in the log. Tracing is paused for
    // these lines and resumed for the script. (GitLab's trace also prints every CI/CD variable, the ID token
    // among them: that is GitLab's own, and why its docs restrict debug logging.)
    `case $- in *x*) ${TRACE_FLAG}=x; set +x;; *) ${TRACE_FLAG}=;; esac`,
    // The role's credentials and no others: AWS clients read environment keys, profiles and container
    // credentials before a web identity, and fall back to them (or to instance metadata) after one fails.
    `unset ${RUNNER_CREDENTIAL_VARIABLES.join(' ')}; export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true`,
    `[ -n "\${${tokenVariable}:-}" ] || ${stop(`${tokenVariable} is empty: this job needs an id_tokens entry named ${tokenVariable} ` +
      'with the role\'s audience as aud (a job that sets its own id_tokens must keep it)')}`,
    `(umask 077 && mkdir -- ${TOKEN_DIR} && printf '%s' "${token}" > ${TOKEN_FILE}) || ${stop('cannot write the ID token to a private file')}`,
    `trap 'rm -rf -- ${TOKEN_DIR}' EXIT`,
    // In a subshell without -e: a token that does not decode must not stop the job before its own message.
    `${EXPLAIN_FUNCTION}() { (set +e; ${diagnostics(role)}) || :; }`,
    retryFunction(numberText(attempts)),
    ...(cli
      ? [
        `AWS_OIDC_CREDENTIALS="$(${RETRY_FUNCTION} aws sts assume-role-with-web-identity --role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" ` +
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
        `${RETRY_FUNCTION} aws sts get-caller-identity || ${exchangeFailed}`,
      ]),
    `[ -z "$${TRACE_FLAG}" ] || set -x`,
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

/** STS's attempts by default, and at most. */
const DEFAULT_STS_ATTEMPTS = 5;
const MAX_STS_ATTEMPTS = 10;

// Runs an AWS CLI command that asks STS for credentials, again after a transient STS error. The codes STS
// documents as transient or retryable (AssumeRoleWithWebIdentity's IDPCommunicationError: "Retry the request a
// limited number of times"; InvalidIdentityToken when STS "Couldn't retrieve verification key" from the issuer;
// throttling; 5xx) as the CLI prints them: "An error occurred (Code) when calling the X operation: message".
// Anything else, a refusal included, returns at once. The command's stderr goes to the job log either way.
const RETRY_FUNCTION = 'cdk_gitlab_oidc_sts';
const RETRYABLE = '\\((IDPCommunicationError|Throttling|ThrottlingException|RequestLimitExceeded|InternalFailure|ServiceUnavailable)\\)|' +
  '\\(InvalidIdentityToken\\).*[Cc]ouldn.t retrieve verification key';

function retryFunction(attempts: string): string {
  return `${RETRY_FUNCTION}() { _oidc_n=1; while :; do ` +
    `if "$@" 2>${TOKEN_DIR}/sts-error; then cat ${TOKEN_DIR}/sts-error >&2; return 0; fi; cat ${TOKEN_DIR}/sts-error >&2; ` +
    `{ [ "$_oidc_n" -lt ${attempts} ] && grep -qE '${RETRYABLE}' ${TOKEN_DIR}/sts-error; } || return 1; ` +
    // Waits 2^(n-1) seconds plus up to as much again, so that jobs that failed together retry apart.
    '_oidc_w=$(awk -v n="$_oidc_n" \'BEGIN { srand(); b = 2 ^ (n - 1); printf "%d", b + rand() * b }\'); ' +
    `echo "cdk-gitlab-oidc: STS answered with a transient error; attempt $((_oidc_n + 1)) of ${attempts} in $_oidc_w seconds" >&2; ` +
    'sleep "$_oidc_w"; _oidc_n=$((_oidc_n + 1)); done; }';
}

// The token's non-secret claims, printed when the exchange fails, with tools every image has: a POSIX
// shell, cut, tr, sed and base64. The payload (base64url, unpadded) is decoded; each claim's JSON value is
// copied as it stands, so escapes stay escapes and the line is valid JSON. Never the token, never its
// signature, nothing personal (no user_* claims). A token that does not decode prints no claims.
const EXPLAIN_FUNCTION = 'cdk_gitlab_oidc_explain';

function diagnostics(role: CiJobRole): string {
  const { expects } = role;
  const expected = expects
    ? `iss ${expects.issuer}, aud ${role.audience}, sub ${expects.subjects.map((sub) => isLiteral(sub) ? sub : '(a deploy-time value)').join(' or ')}`
    : `aud ${role.audience}`;
  // A role known only by its ARN is judged from its policy as IAM returns it.
  const command = expects
    ? `cdk-gitlab-oidc: to see why, run where the app is synthesized: npx cdk-gitlab-oidc explain --role ${shellQuote(expects.path)} --claims '{`
    : `cdk-gitlab-oidc: to see why, run: aws iam get-role --role-name ${shellQuote(role.roleArn.slice(role.roleArn.lastIndexOf('/') + 1))} > role.json && ` +
      "npx cdk-gitlab-oidc explain --policy-file role.json --claims '{";
  return [
    // The payload, base64url to base64, padded.
    `_oidc_p=$(cut -d. -f2 < ${TOKEN_FILE} | tr '_-' '/+')`,
    'case $((${#_oidc_p} % 4)) in 2) _oidc_p="$_oidc_p==";; 3) _oidc_p="$_oidc_p=";; esac',
    "_oidc_c=$(printf '%s' \"$_oidc_p\" | base64 -d 2>/dev/null | tr -d '\\n\\r'); _oidc_j=''",
    // Each claim's JSON value: a string with its escapes, a list, or a bare number or boolean.
    'for _oidc_k in ' + SHOWN_CLAIMS.join(' ') + "; do _oidc_v=$(printf '%s' \"$_oidc_c\" | sed -n -E \"s/.*\\\"$_oidc_k\\\": *(\\\"([^\\\"\\\\\\\\]|\\\\\\\\.)*\\\"|\\\\[[^]]*]|[^,}]*).*/\\\\1/p\"); [ -z \"$_oidc_v\" ] || _oidc_j=\"$_oidc_j${_oidc_j:+,}\\\"$_oidc_k\\\":$_oidc_v\"; done",
    "printf '%s\\n' \"cdk-gitlab-oidc: the token's claims: {$_oidc_j}\" >&2",
    `printf '%s\\n' ${shellQuote(`cdk-gitlab-oidc: the role expects ${expected}`)} >&2`,
    // The claims as one shell word for the command: each ' written as '\''.
    "_oidc_q=$(printf '%s' \"$_oidc_j\" | sed \"s/'/'\\\\\\\\''/g\")",
    `printf '%s%s%s\\n' ${shellQuote(command)} "$_oidc_q" ${shellQuote("}'")} >&2`,
  ].join('; ');
}
