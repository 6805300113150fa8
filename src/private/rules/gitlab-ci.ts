// GitLab's rules for the names a generated job writes: its job name (a top-level key of .gitlab-ci.yml)
// and the CI/CD variable that receives the ID token.
import { IConstruct } from 'constructs';
import { fail, show } from '../errors';
import { JOB_VARIABLES } from '../job/credential-script';
import { isLiteral } from '../tokens';
import { yamlProblem } from '../yaml';

// Top-level keys of .gitlab-ci.yml that are not jobs: the properties of GitLab's CI schema other than
// `pages` (a job), and `types`, the keyword `stages` replaced, which GitLab still reserves.
const RESERVED_KEYS = ['$schema', 'spec', 'image', 'services', 'before_script', 'after_script', 'variables', 'cache',
  '!reference', 'default', 'stages', 'types', 'include', 'workflow'];
/**
 * The hidden job that holds the token exchange once in a file of several roles' jobs (GitLabCiPipeline's): no other job
 * may take its name, or an `include` of both files would merge one into the other.
 */
export const EXCHANGE_JOB_NAME = '.aws-oidc-exchange';
// GitLab refuses job names longer than this (Gitlab::Ci::Config::Entry::Job).
const MAX_JOB_NAME_LENGTH = 255;

/**
 * GitLab's environment tiers (`environment:deployment_tier`, an enum in GitLab and its CI schema): the values the
 * `deployment_tier` claim can hold, and the only ones a pipeline's environment may name.
 */
export const DEPLOYMENT_TIERS = ['production', 'staging', 'testing', 'development', 'other'];

// Names a variable the package writes must not take: variables that GitLab sets or reads, that the runner,
// the shell, a language runtime or the AWS CLI and SDKs read (some of them run code: BASH_ENV, LD_PRELOAD,
// NODE_OPTIONS), or that the credential job sets. Prefixes are matched case-insensitively.
const RESERVED_VARIABLE_PREFIXES = ['AWS_', 'CI_', 'FF_', 'GIT_', 'RUNNER_', 'DOCKER_', 'KUBERNETES_', 'LC_', 'LD_', 'DYLD_', 'BASH_', 'NPM_CONFIG_'];
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
  // read by shells and language runtimes at start, some to run code
  'BASHOPTS', 'SHELLOPTS', 'PROMPT_COMMAND', 'NODE_PATH', 'PYTHONSTARTUP', 'PERL5OPT', 'PERL5LIB', 'RUBYOPT', 'RUBYLIB',
  'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JDK_JAVA_OPTIONS', 'GCONV_PATH', 'XDG_CONFIG_HOME', 'NODE_TLS_REJECT_UNAUTHORIZED', 'CURL_CA_BUNDLE',
  'PYTHONWARNINGS', 'PYTHONUSERBASE', 'PERL5DB', 'DOTNET_STARTUP_HOOKS',
];

/** A CI/CD variable's name as GitLab accepts it: letters, digits and "_", not starting with a digit. */
export const CI_VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A job name GitLab accepts as a job (not a global keyword), known at synth time. */
export function validateJobName(jobName: string, scope: IConstruct): void {
  if (!isLiteral(jobName)) fail(`jobName must be a literal: it is a key of the YAML document, got: ${show(jobName)}`, scope);
  if (jobName.length === 0 || jobName.length > MAX_JOB_NAME_LENGTH) {
    fail(`jobName must be 1 to ${MAX_JOB_NAME_LENGTH} characters (GitLab's limit), got: ${show(jobName)} (${jobName.length} characters)`, scope);
  }
  if (RESERVED_KEYS.includes(jobName)) {
    fail(`jobName must not be a .gitlab-ci.yml keyword (${RESERVED_KEYS.join(', ')}), got: ${show(jobName)}`, scope);
  }
  if (jobName === EXCHANGE_JOB_NAME) {
    fail(`jobName must not be ${EXCHANGE_JOB_NAME}, the hidden job that holds the token exchange in GitLabCiPipeline's files, got: ${show(jobName)}`, scope);
  }
  const problem = yamlProblem(jobName);
  if (problem) fail(`jobName ${problem}, got: ${show(jobName)}`, scope);
}

/**
 * Why a CI/CD variable name is taken, if it is: a name (or a prefix of names) that GitLab, the runner, the shell,
 * a language runtime or the AWS clients use, or one of the credential job's settings.
 */
export function reservedVariable(name: string): string | undefined {
  const upper = name.toUpperCase();
  const prefix = RESERVED_VARIABLE_PREFIXES.find((p) => upper.startsWith(p));
  if (prefix || RESERVED_VARIABLES.includes(upper)) {
    return `a variable that GitLab, the runner, the shell or the AWS clients use (${prefix ? `the ${prefix}* names` : name})`;
  }
  if ((Object.values(JOB_VARIABLES) as string[]).includes(name)) return `one of the job's settings (${Object.values(JOB_VARIABLES).join(', ')})`;
  return undefined;
}

/** A CI/CD variable name that nothing else in the job, GitLab, the runner or the AWS clients uses. */
export function validateTokenVariable(name: string, scope: IConstruct): void {
  if (!isLiteral(name) || !CI_VARIABLE_NAME.test(name)) {
    fail(`tokenVariable must be a CI/CD variable name (letters, digits and "_", not starting with a digit), got: ${show(name)}`, scope);
  }
  const reserved = reservedVariable(name);
  if (reserved) fail(`tokenVariable must not be ${reserved}, got: ${show(name)}`, scope);
}
