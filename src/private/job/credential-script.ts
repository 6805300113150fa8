// The shell of the job that assumes a role: its before_script (the token exchange) and after_script (the
// cleanup). It reads every setting from the job's variables (JOB_VARIABLES), never from text written into
// it, so the job gitLabCiJob() writes and the CI/CD component are the same lines, and no value, literal or
// component input, can change a command.
import { SHOWN_CLAIMS } from '../explain/render';
import { shellQuote } from '../shell';
import { isLiteral } from '../tokens';

/** The job variables the script reads, besides the AWS clients' own (AWS_ROLE_ARN, AWS_ROLE_SESSION_NAME, AWS_REGION). */
export const JOB_VARIABLES = {
  /** How the token reaches AWS: one of CREDENTIALS_MODES. */
  credentials: 'GITLAB_OIDC_CREDENTIALS',
  /** How many times STS is asked, 1 to MAX_STS_ATTEMPTS. */
  stsAttempts: 'GITLAB_OIDC_STS_ATTEMPTS',
  /** The session length, in the assume-role-cli mode. */
  sessionSeconds: 'GITLAB_OIDC_SESSION_SECONDS',
  /** The account the credentials must belong to; empty or unset for any. */
  expectedAccount: 'GITLAB_OIDC_EXPECTED_ACCOUNT',
} as const;

const { credentials: MODE, stsAttempts: ATTEMPTS, sessionSeconds: SESSION, expectedAccount: ACCOUNT } = JOB_VARIABLES;

/** The values of GITLAB_OIDC_CREDENTIALS. */
export const CREDENTIALS_MODES = { tokenFile: 'token-file', assumeRoleCli: 'assume-role-cli' } as const;

/** The session name, unique to the job: CloudTrail shows which project's job made each call. */
const SESSION_NAME = 'gitlab-${CI_PROJECT_ID}-${CI_JOB_ID}';

/**
 * The job's settings, each as its variable's value: a literal (gitLabCiJob()) or a CI/CD component's input
 * interpolation. An absent one has no variable.
 */
export interface JobSettings {
  readonly roleArn: string;
  /** The AWS clients' region, with the STS endpoint setting ("regional" or "legacy") that goes with it. */
  readonly region?: { readonly name: string; readonly stsEndpoints: string };
  readonly credentials: string;
  readonly stsAttempts: string;
  readonly sessionSeconds?: string;
  readonly expectedAccount?: string;
}

/**
 * The job's variables: the AWS clients' own (role, session name, region and STS endpoints: AWS recommends the
 * regional endpoints, and only they serve partitions other than aws,
 * https://docs.aws.amazon.com/sdkref/latest/guide/feature-sts-regionalized-endpoints.html), then JOB_VARIABLES.
 */
export function jobVariables(settings: JobSettings): { [name: string]: string } {
  const optional = (name: string, value: string | undefined) => (value === undefined ? {} : { [name]: value });
  return {
    AWS_ROLE_ARN: settings.roleArn,
    AWS_ROLE_SESSION_NAME: SESSION_NAME,
    ...optional('AWS_REGION', settings.region?.name),
    ...optional('AWS_DEFAULT_REGION', settings.region?.name),
    ...optional('AWS_STS_REGIONAL_ENDPOINTS', settings.region?.stsEndpoints),
    [MODE]: settings.credentials,
    [ATTEMPTS]: settings.stsAttempts,
    ...optional(SESSION, settings.sessionSeconds),
    ...optional(ACCOUNT, settings.expectedAccount),
  };
}

/** STS's attempts by default, and at most. */
export const DEFAULT_STS_ATTEMPTS = 5;
export const MAX_STS_ATTEMPTS = 10;

/** What the role's trust policy expects, printed beside the token's claims when the exchange fails. */
export interface ExpectedClaims {
  readonly issuer: string;
  readonly audience: string;
  /** The subjects' sub values (patterns included); a deploy-time one is shown as such. */
  readonly subjects: readonly string[];
  /** The role's construct path, for the explain command. */
  readonly path: string;
}

// The shell variables expectations() sets for the failure hint: what the role expects, and its construct path. Shell
// variables, not CI/CD ones: GitLab would expand a `$` in a variable's value, and a pipeline's variables could override
// them. The hint quotes the path itself when it prints the command, so that even a value from elsewhere (a job that
// references the exchange without this line) prints as one shell word.
const EXPECTS = '_oidc_expects';
const ROLE_PATH = '_oidc_role_path';

/**
 * The line before beforeScript(): what the role's trust policy expects, for the hint a failed exchange prints. Empty
 * for a role known only by its ARN (the hint then tells how to fetch its policy), so that a variable of the runner's
 * environment with the same name never reaches the hint.
 */
export function expectations(expects?: ExpectedClaims): string {
  const subjects = expects?.subjects.map((sub) => isLiteral(sub) ? sub : '(a deploy-time value)').join(' or ');
  return `${EXPECTS}=${expects ? shellQuote(`iss ${expects.issuer}, aud ${expects.audience}, sub ${subjects}`) : "''"}; ` +
    `${ROLE_PATH}=${expects ? shellQuote(expects.path) : "''"}`;
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

const CLEAN_FUNCTION = 'cdk_gitlab_oidc_clean';
const EXPLAIN_FUNCTION = 'cdk_gitlab_oidc_explain';
const RETRY_FUNCTION = 'cdk_gitlab_oidc_sts';


/**
 * A command that prints why the job stops (after `first`, when given) and ends it before its script. printf, not
 * echo: dash's echo reads backslash escapes in the variables a message shows, which could forge log lines.
 */
function stop(what: string, first = ''): string {
  return `{ ${first}printf '%s\\n' "cdk-gitlab-oidc: ${what}; the job stops before its script" >&2; exit 1; }`;
}

/**
 * The before_script: refuses an empty token variable, keeps the token in a file only the job's user can
 * read, hides every credential the runner has of its own from the AWS clients, exchanges the token with
 * STS (again after a transient error), stops the job with STS's own message when the exchange fails or the
 * credentials belong to another account than the expected one, and removes the token and any credential
 * the AWS CLI cached when the shell exits.
 */
export function beforeScript(tokenVariable: string): string[] {
  const exchangeFailed = stop(`the ID token in ${tokenVariable} was not exchanged for credentials of role $AWS_ROLE_ARN (the AWS error is above)`,
    `${EXPLAIN_FUNCTION}; `);
  return [
    // GitLab's debug trace (CI_DEBUG_TRACE) runs the job's shell with xtrace, which prints every command and
    // assignment with its values: the credentials the exchange makes would be in the log. Tracing is paused for
    // these lines and resumed for the script. (GitLab's trace also prints every CI/CD variable, the ID token
    // among them: that is GitLab's own, and why its docs restrict debug logging:
    // https://docs.gitlab.com/ci/variables/#enable-debug-logging, gitlab-org/gitlab#213159)
    `case $- in *x*) ${TRACE_FLAG}=x; set +x;; *) ${TRACE_FLAG}=;; esac`,
    // The role's credentials and no others: AWS clients read environment keys, profiles and container
    // credentials before a web identity, and fall back to them (or to instance metadata) after one fails.
    `unset ${RUNNER_CREDENTIAL_VARIABLES.join(' ')}; export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true`,
    `[ -n "\${${tokenVariable}:-}" ] || ${stop(`${tokenVariable} is empty: this job needs an id_tokens entry named ${tokenVariable} ` +
      'with the role\'s audience as aud (a job that sets its own id_tokens must keep it)')}`,
    // Settings come from variables, which a pipeline's variables can override: each is checked before use.
    `case "\${${MODE}:-}" in ${CREDENTIALS_MODES.tokenFile}|${CREDENTIALS_MODES.assumeRoleCli}) ;; ` +
      `*) ${stop(`${MODE} must be ${CREDENTIALS_MODES.tokenFile} or ${CREDENTIALS_MODES.assumeRoleCli}, got: $${MODE}`)};; esac`,
    `case "\${${ATTEMPTS}:-}" in [1-9]|10) ;; *) ${stop(`${ATTEMPTS} must be a whole number from 1 to ${MAX_STS_ATTEMPTS}, got: $${ATTEMPTS}`)};; esac`,
    `[ "$${MODE}" != ${CREDENTIALS_MODES.assumeRoleCli} ] || case "\${${SESSION}:-}" in ''|*[!0-9]*) ` +
      `${stop(`${SESSION} must be a whole number of seconds, got: $${SESSION}`)};; esac`,
    `(umask 077 && mkdir -- ${TOKEN_DIR} && printf '%s' "$${tokenVariable}" > ${TOKEN_FILE}) || ${stop('cannot write the ID token to a private file')}`,
    `${cleanFunction()}; trap ${CLEAN_FUNCTION} EXIT`,
    // In a subshell without -e: a token that does not decode must not stop the job before its own message.
    `${EXPLAIN_FUNCTION}() { (set +e; ${diagnostics()}) || :; }`,
    retryFunction(),
    `if [ "$${MODE}" = ${CREDENTIALS_MODES.tokenFile} ]; then export AWS_WEB_IDENTITY_TOKEN_FILE=${TOKEN_FILE}; ` +
      `_oidc_arn="$(${RETRY_FUNCTION} aws sts get-caller-identity --query Arn --output text)" || ${exchangeFailed}; fi`,
    `if [ "$${MODE}" = ${CREDENTIALS_MODES.assumeRoleCli} ]; then ` +
      `_oidc_creds="$(${RETRY_FUNCTION} aws sts assume-role-with-web-identity --role-arn "$AWS_ROLE_ARN" --role-session-name "$AWS_ROLE_SESSION_NAME" ` +
      `--web-identity-token "file://${TOKEN_FILE_PATH}" --duration-seconds "$${SESSION}" ` +
      '--query "[Credentials.AccessKeyId,Credentials.SecretAccessKey,Credentials.SessionToken,AssumedRoleUser.Arn]" --output text)" || ' +
      `${exchangeFailed}; rm -rf -- ${TOKEN_DIR}; ` +
      'export AWS_ACCESS_KEY_ID="$(printf \'%s\' "$_oidc_creds" | cut -f1)" AWS_SECRET_ACCESS_KEY="$(printf \'%s\' "$_oidc_creds" | cut -f2)" ' +
      'AWS_SESSION_TOKEN="$(printf \'%s\' "$_oidc_creds" | cut -f3)"; _oidc_arn="$(printf \'%s\' "$_oidc_creds" | cut -f4)"; unset _oidc_creds; ' +
      `[ -n "$AWS_SESSION_TOKEN" ] || ${stop('AWS STS returned no credentials')}; fi`,
    // The credentials must be this role's session, whatever the client used: on a shell executor an earlier job can
    // plant an entry in the AWS CLI's cache (its file name is a hash of the role's ARN and the session name, both
    // guessable), which the CLI would use without calling STS. The session's ARN is
    // arn:<partition>:sts::<account>:assumed-role/<role name>/<session name>, the parts taken from AWS_ROLE_ARN.
    '_oidc_r=${AWS_ROLE_ARN#arn:}; _oidc_a=${_oidc_r#*:iam::}; _oidc_session="arn:${_oidc_r%%:*}:sts::${_oidc_a%%:*}:assumed-role/${AWS_ROLE_ARN##*/}/$AWS_ROLE_SESSION_NAME"; ' +
      `[ "$_oidc_arn" = "$_oidc_session" ] || ${stop('the credentials are $_oidc_arn, not the session $_oidc_session of role $AWS_ROLE_ARN')}`,
    `[ -z "\${${ACCOUNT}:-}" ] || case "$_oidc_arn" in "arn:\${_oidc_r%%:*}:sts::$${ACCOUNT}:assumed-role/"*) ;; ` +
      `*) ${stop(`the credentials are $_oidc_arn, not of the expected account $${ACCOUNT}`)};; esac`,
    'printf \'%s\\n\' "cdk-gitlab-oidc: the job runs as $_oidc_arn" >&2',
    `[ -z "$${TRACE_FLAG}" ] || set -x`,
  ];
}

/** The after_script, in a shell of its own: the same cleanup, for a job whose shell was killed. */
export function afterScript(): string[] {
  return [`${cleanFunction()}; ${CLEAN_FUNCTION}`];
}

// Removes the token's folder, and the role's credentials the AWS CLI caches in ~/.aws/cli/cache when it assumes a
// role with a web identity token (CACHE_DIR in aws-cli's awscli/customizations/assumerole.py; aws-cli#4365): on a
// shell executor, HOME outlives the job and every later job of the runner reads it. Only this job's entries go: the
// cache holds the STS response, whose AssumedRoleUser ARN ends in this job's session name and a quote. In a subshell
// with globbing on and its errors ignored: it runs as the EXIT trap of a shell under `set -e`, whose status is the
// job's, and after a script that may have run `set -f`.
function cleanFunction(): string {
  return `${CLEAN_FUNCTION}() { (set +f; rm -rf -- ${TOKEN_DIR}; for _oidc_f in "$HOME"/.aws/cli/cache/*.json; do ` +
    'if grep -qsF -- "/$AWS_ROLE_SESSION_NAME\\"" "$_oidc_f"; then rm -f -- "$_oidc_f"; fi; done) 2>/dev/null || :; }';
}

// Runs an AWS CLI command that asks STS for credentials, again after a transient STS error. The codes STS
// documents as transient or retryable (AssumeRoleWithWebIdentity's IDPCommunicationError: "Retry the request a
// limited number of times"; InvalidIdentityToken when STS "Couldn't retrieve verification key" from the issuer;
// throttling; 5xx; https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html#API_AssumeRoleWithWebIdentity_Errors
// and .../CommonErrors.html) as the CLI prints them: "An error occurred (Code) when calling the X operation: message".
// Anything else, a refusal included, returns at once. The command's stderr goes to the job log either way.
const RETRYABLE = '\\((IDPCommunicationError|Throttling|ThrottlingException|RequestLimitExceeded|InternalFailure|ServiceUnavailable)\\)|' +
  '\\(InvalidIdentityToken\\).*[Cc]ouldn.t retrieve verification key';

function retryFunction(): string {
  return `${RETRY_FUNCTION}() { _oidc_n=1; while :; do ` +
    `if "$@" 2>${TOKEN_DIR}/sts-error; then cat ${TOKEN_DIR}/sts-error >&2; return 0; fi; cat ${TOKEN_DIR}/sts-error >&2; ` +
    `{ [ "$_oidc_n" -lt "$${ATTEMPTS}" ] && grep -qE '${RETRYABLE}' ${TOKEN_DIR}/sts-error; } || return 1; ` +
    // Waits 2^(n-1) seconds plus up to as much again, so that jobs that failed together retry apart.
    // awk's srand() seeds from the clock's second, the same for jobs that failed together: the job's ID seeds it.
    '_oidc_w=$(awk -v n="$_oidc_n" -v s="${CI_JOB_ID:-$$}" \'BEGIN { srand(s + n); b = 2 ^ (n - 1); printf "%d", b + rand() * b }\'); ' +
    `echo "cdk-gitlab-oidc: STS answered with a transient error; attempt $((_oidc_n + 1)) of $${ATTEMPTS} in $_oidc_w seconds" >&2; ` +
    'sleep "$_oidc_w"; _oidc_n=$((_oidc_n + 1)); done; }';
}

// The token's non-secret claims, printed when the exchange fails, with tools every image has: a POSIX
// shell, cut, tr, sed and base64. The payload (base64url, unpadded) is decoded; each claim's JSON value is
// copied as it stands, so escapes stay escapes and the line is valid JSON. Never the token, never its
// signature, nothing personal (no user_* claims). A token that does not decode prints no claims.
// What the role expects and its construct path come from expectations(), so one script serves every role.
function diagnostics(): string {
  // A shell variable's value as one single-quoted word of a command the hint prints: each ' written as '\''.
  const shellWordOf = (variable: string) => `$(printf '%s' "$${variable}" | sed "s/'/'\\\\\\\\''/g")`;
  // A role known only by its ARN is judged from its policy as IAM returns it; the role's name is the ARN's last part.
  const hint = `if [ -n "\${${ROLE_PATH}:-}" ]; then printf '%s\\n' "cdk-gitlab-oidc: the role expects $${EXPECTS}" >&2; ` +
    `_oidc_rp=${shellWordOf(ROLE_PATH)}; ` +
    '_oidc_h="cdk-gitlab-oidc: to see why, run where the app is synthesized: npx cdk-gitlab-oidc explain --role \'$_oidc_rp\' --claims \'{"; ' +
    'else _oidc_h="cdk-gitlab-oidc: to see why, run: aws iam get-role --role-name ${AWS_ROLE_ARN##*/} > role.json && ' +
    "npx cdk-gitlab-oidc explain --policy-file role.json --claims '{\"; fi";
  return [
    // The payload, base64url to base64, padded.
    `_oidc_p=$(cut -d. -f2 < ${TOKEN_FILE} | tr '_-' '/+')`,
    'case $((${#_oidc_p} % 4)) in 2) _oidc_p="$_oidc_p==";; 3) _oidc_p="$_oidc_p=";; esac',
    "_oidc_c=$(printf '%s' \"$_oidc_p\" | base64 -d 2>/dev/null | tr -d '\\n\\r'); _oidc_j=''",
    // Each claim's JSON value: a string with its escapes, a list, or a bare number or boolean.
    'for _oidc_k in ' + SHOWN_CLAIMS.join(' ') + "; do _oidc_v=$(printf '%s' \"$_oidc_c\" | sed -n -E \"s/.*\\\"$_oidc_k\\\": *(\\\"([^\\\"\\\\\\\\]|\\\\\\\\.)*\\\"|\\\\[[^]]*]|[^,}]*).*/\\\\1/p\"); [ -z \"$_oidc_v\" ] || _oidc_j=\"$_oidc_j${_oidc_j:+,}\\\"$_oidc_k\\\":$_oidc_v\"; done",
    "printf '%s\\n' \"cdk-gitlab-oidc: the token's claims: {$_oidc_j}\" >&2",
    hint,
    // The claims as one shell word for the command.
    `_oidc_q=${shellWordOf('_oidc_j')}`,
    // The closing `}'` in double quotes: single-quoted, it would be `'}'\'''`, and a run of three quotes ends the
    // raw docstring jsii-pacmak writes the README into in Python.
    'printf \'%s%s%s\\n\' "$_oidc_h" "$_oidc_q" "}\'" >&2',
  ].join('; ');
}
