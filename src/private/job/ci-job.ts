// The .gitlab-ci.yml job that assumes a role, from a role and gitLabCiJob()'s options: the options checked,
// then written into the job's YAML (its id_tokens entry and its variables), never into its shell.
import { Annotations, Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { afterScript, beforeScript, CREDENTIALS_MODES, DEFAULT_STS_ATTEMPTS, ExpectedClaims, expectations, jobVariables, MAX_STS_ATTEMPTS } from './credential-script';
import { GitLabCiCredentials, GitLabCiJobOptions } from '../../ci-job';
import { unescapableTokens } from '../deploy-time';
import { fail, show } from '../errors';
import { CiNamedJob, YamlReference } from '../gitlab-ci/model';
import { jobYaml } from '../gitlab-ci/yaml-file';
import { DEFAULT_SESSION_SECONDS, validateAccount, validateRegion } from '../rules/aws';
import { EXCHANGE_JOB_NAME, validateJobName, validateTokenVariable } from '../rules/gitlab-ci';
import { isLiteralNumber, numberText } from '../tokens';
import { yamlProblem } from '../yaml';

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
  readonly expects?: Omit<ExpectedClaims, 'audience'>;
}

/** The job's name and token variable when the options name none. */
export const DEFAULT_JOB_NAME = '.aws-oidc';
export const DEFAULT_TOKEN_VARIABLE = 'GITLAB_OIDC_TOKEN';

// GitLab accepts job timeouts from 10 minutes to a month; a runner may cap them lower.
const MIN_TIMEOUT_SECONDS = 600;
const MAX_TIMEOUT_SECONDS = 30 * 24 * 3600;

/**
 * The YAML of one job. The only deploy-time values it may hold are inert ones (the role's ARN, pseudo
 * parameters, Number parameters), and every one of them is a YAML scalar the script reads as a variable.
 */
export function renderCiJob(role: CiJobRole, options: GitLabCiJobOptions, scope: IConstruct): string {
  const { name, job } = credentialCiJob(role, options, scope);
  return jobYaml(name, job);
}

/**
 * The job, its options checked; each setting in a variable of its own (credential-script.ts reads them). Its scripts are
 * written into it, or, given `exchangeJob` (a file with several roles' jobs), referenced from that job, which
 * exchangeCiJob() writes with the same token variable.
 */
export function credentialCiJob(role: CiJobRole, options: GitLabCiJobOptions, scope: IConstruct, exchangeJob?: string): CiNamedJob {
  const jobName = options.jobName ?? DEFAULT_JOB_NAME;
  const tokenVariable = options.tokenVariable ?? DEFAULT_TOKEN_VARIABLE;
  const region = options.region ?? role.region;
  const credentials = options.credentials ?? GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE;
  const script = options.script ?? ['aws sts get-caller-identity'];
  const cli = credentials === GitLabCiCredentials.ASSUME_ROLE_CLI;

  validateJobName(jobName, scope);
  validateTokenVariable(tokenVariable, scope);
  if (region !== undefined) validateRegion(region, 'region', scope);
  if (options.expectedAccount !== undefined) validateAccount(options.expectedAccount, 'expectedAccount', scope);
  if (options.regionalSts !== undefined && region === undefined) {
    fail('regionalSts needs a region: give the job a region, or its role a stack with a literal region, got: no region', scope);
  }
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
  const timeout = options.jobTimeout === undefined ? undefined : jobTimeout(options.jobTimeout, scope);
  if (timeout !== undefined && cli) warnShortSession(seconds, role.maxSessionSeconds, timeout, scope);
  if (script.length === 0) fail('script must have at least one command, got: []', scope);

  const deployTime: [string, string | number | undefined][] = [
    ['audience', role.audience], ['region', region], ['sessionDuration', cli ? seconds : undefined], ['stsAttempts', attempts],
    ['expectedAccount', options.expectedAccount], ['image', options.image], ['stage', options.stage],
    ...script.map((line, i) => [`script[${i}]`, line] as [string, string]),
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

  const variables = jobVariables({
    roleArn: role.roleArn,
    region: region === undefined ? undefined : { name: region, stsEndpoints: (options.regionalSts ?? true) ? 'regional' : 'legacy' },
    credentials: cli ? CREDENTIALS_MODES.assumeRoleCli : CREDENTIALS_MODES.tokenFile,
    stsAttempts: numberText(attempts),
    sessionSeconds: cli ? numberText(seconds) : undefined,
    expectedAccount: options.expectedAccount,
  });
  return {
    name: jobName,
    job: {
      image: options.image,
      stage: options.stage,
      timeout: timeout?.text,
      id_tokens: { [tokenVariable]: { aud: role.audience } },
      variables,
      before_script: [expectations(role.expects && { ...role.expects, audience: role.audience }),
        ...exchangeJob ? [new YamlReference([exchangeJob, 'before_script'])] : beforeScript(tokenVariable)],
      script,
      after_script: exchangeJob ? [new YamlReference([exchangeJob, 'after_script'])] : afterScript(),
    },
  };
}

/**
 * The hidden job whose scripts every role's job in a file references: the exchange and the cleanup, written once. Each
 * role's job keeps its own id_tokens entry, variables and expectations.
 */
export function exchangeCiJob(tokenVariable: string): CiNamedJob {
  return { name: EXCHANGE_JOB_NAME, job: { before_script: beforeScript(tokenVariable), after_script: afterScript() } };
}

/** A job timeout as GitLab writes it ("90 minutes"), when it is a literal GitLab accepts. */
function jobTimeout(duration: Duration, scope: IConstruct): { seconds: number; text: string } {
  if (duration.isUnresolved()) fail(`jobTimeout must be a literal duration: GitLab reads it from the file, got: ${duration.toString()}`, scope);
  const seconds = duration.toSeconds();
  if (seconds < MIN_TIMEOUT_SECONDS || seconds > MAX_TIMEOUT_SECONDS || seconds % 60 !== 0) {
    fail(`jobTimeout must be whole minutes from 10 minutes to 30 days (GitLab's limits), got: ${duration.toString()}`, scope);
  }
  return { seconds, text: `${seconds / 60} minutes` };
}

/**
 * Credentials exported once (ASSUME_ROLE_CLI) end with their session: a job that runs longer fails part way.
 * (With the token file, the AWS clients assume the role again before each session ends, so no warning.)
 */
function warnShortSession(sessionSeconds: number, maxSessionSeconds: number, timeout: { seconds: number; text: string }, scope: IConstruct): void {
  if (!isLiteralNumber(sessionSeconds) || sessionSeconds >= timeout.seconds) return;
  const ceiling = isLiteralNumber(maxSessionSeconds) && maxSessionSeconds < timeout.seconds
    ? ` and the role's maxSessionDuration (${maxSessionSeconds} seconds) allows no longer: raise it`
    : '';
  Annotations.of(scope).addWarningV2('cdk-gitlab-oidc:sessionShorterThanJob',
    `the job may run ${timeout.text} but its credentials (ASSUME_ROLE_CLI) last ${sessionSeconds} seconds${ceiling}; set sessionDuration ` +
    'to the job\'s timeout, or use GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE, whose AWS clients renew their credentials');
}
