// The rules for the values a pipeline file holds: every one a literal GitLab reads as it stands.
import { isAbsolute, normalize } from 'path';
import { Duration } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { GitLabEnvironment, GitLabJobSettings } from '../../pipeline/job-settings';
import { fail, show } from '../errors';
import { refNameProblem } from '../rules/git-refs';
import { CI_VARIABLE_NAME, reservedVariable } from '../rules/gitlab-ci';
import { gitLabPathProblem } from '../rules/gitlab-paths';
import { holdsNoToken, isListToken, isLiteral } from '../tokens';
import { yamlProblem } from '../yaml';

/** An exact npm version (no range), as the jobs pin it. */
const EXACT_VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
/** GitLab's environment names, literal ones: no `$`, `{` or `}` (variables). */
const ENVIRONMENT_NAME = /^[A-Za-z0-9 _./-]+$/;

/**
 * The job keywords `rawKeys` may set: none of them can make the check, an approval or a deployment's
 * failure non-blocking, reorder jobs, or change when a job runs. An allow-list, so that a keyword GitLab
 * adds later is refused until it is judged.
 */
const RAW_KEYS = ['timeout', 'retry', 'services', 'hooks', 'coverage'];

/**
 * Job keywords the pipeline writes itself, each with what to use instead. (Maps, so that a key such as
 * "constructor" is a key like any other.)
 */
const OWNED_KEYS = new Map(Object.entries({
  script: 'the step\'s commands',
  before_script: 'the step\'s installCommands (before_script runs the OIDC exchange)',
  after_script: 'the step\'s commands (after_script removes the ID token)',
  id_tokens: 'the pipeline\'s role',
  needs: 'the pipeline\'s graph (step dependencies)',
  dependencies: 'the pipeline\'s graph (step inputs)',
  extends: 'awsCredentials of a GitLabShellStep',
  stage: 'the pipeline\'s waves and stages',
  rules: 'the pipeline\'s deployBranch',
  only: 'the pipeline\'s deployBranch',
  except: 'the pipeline\'s deployBranch',
  when: 'a ManualApprovalStep',
  environment: 'the stage\'s environment setting',
  resource_group: 'the stage\'s environment setting (each stack deploys in a resource group of its own)',
  artifacts: 'the step\'s outputs (primaryOutputDirectory)',
  image: 'jobSettings.image',
  tags: 'jobSettings.tags',
  variables: 'jobSettings.variables or the step\'s env',
  cache: 'jobSettings.cache',
  trigger: 'a ShellStep',
  inherit: 'the pipeline\'s jobSettings',
}));

/** Keywords that would switch a gate off or reorder the jobs around it, each with how. */
const GATE_KEYS = new Map(Object.entries({
  'interruptible': 'the pipeline writes it: the build jobs are interruptible, and no job that deploys, publishes, approves or runs a step ' +
    'ever is (a newer pipeline would cancel it part way)',
  'allow_failure': 'it lets the pipeline go on after the job fails (a failed check or deployment) and makes a manual approval optional',
  'exit_codes': 'it is how allow_failure names the failures it lets through',
  'start_in': 'it delays a job by a timer, outside the pipeline\'s order',
  'parallel': 'it runs the job several times at once (a stack deployed twice at once)',
  'manual_confirmation': 'manual jobs are the pipeline\'s ManualApprovalSteps',
  'release': 'it runs a release outside the pipeline\'s order',
  'pages': 'it publishes outside the pipeline\'s order',
  'identity': 'it hands the job cloud credentials other than its stage\'s role',
  'secrets': 'it sends the job\'s ID token to a secrets manager the job\'s variables name, and sets variables the pipeline\'s rules would refuse',
  '<<': 'GitLab\'s YAML parser reads it as a merge key, even when quoted, and it overrides the keys the pipeline writes',
}));

/** A literal string that YAML can hold: `what` names it in the message. */
export function validateLiteral(value: string, what: string, scope: IConstruct): void {
  if (!isLiteral(value)) {
    fail(`${what} holds a deploy-time value, but a pipeline file holds literals only (GitLab reads it before anything is deployed), got: ${show(value)}`, scope);
  }
  const problem = yamlProblem(value);
  if (problem) fail(`${what} ${problem}, got: ${show(value)}`, scope);
}

/** A list written in the app (no deploy-time list), each element a literal `validateLiteral` accepts. */
export function validateLiteralList(list: readonly string[], what: string, scope: IConstruct): void {
  if (isListToken(list)) {
    fail(`${what} is a deploy-time list, but a pipeline file holds literals only (GitLab reads it before anything is deployed), got: ${show(list)}`, scope);
  }
  list.forEach((item, i) => validateLiteral(item, `${what}[${i}]`, scope));
}

/** The pipeline file's path: relative, inside the repository, with a YAML extension. */
export function validateOutputFile(outputFile: string, scope: IConstruct): void {
  validateLiteral(outputFile, 'outputFile', scope);
  const path = normalize(outputFile);
  if (isAbsolute(outputFile) || path === '..' || path.startsWith('../') || !/\.ya?ml$/.test(path) || /[\s'"\\$`]/.test(outputFile)) {
    fail('outputFile must be a path inside the repository, relative to its root, ending in .yml or .yaml, with no white space, quotes, "\\", "$" ' +
      `or "\`", got: ${show(outputFile)}`, scope);
  }
}

/** An exact version of an npm package the jobs run. */
export function validateVersion(version: string, what: string, scope: IConstruct): void {
  validateLiteral(version, what, scope);
  if (!EXACT_VERSION.test(version)) fail(`${what} must be an exact version such as "2.1100.0" (the jobs pin it), got: ${show(version)}`, scope);
}

/** The branch that deploys, as a string of a GitLab rules expression. */
export function validateDeployBranch(branch: string, scope: IConstruct): void {
  validateLiteral(branch, 'deployBranch', scope);
  const problem = refNameProblem(branch);
  if (problem) fail(`deployBranch name ${problem}, got: ${show(branch)}`, scope);
  // A rules expression's string has no escapes: it ends at the next quote. Git refs never hold "*".
  if (/["*]/.test(branch)) fail(`deployBranch must not contain '"' or '*' (a GitLab rules expression cannot hold them), got: ${show(branch)}`, scope);
}

/** A stage's GitLab environment. */
export function validateEnvironment(environment: GitLabEnvironment, name: string, scope: IConstruct): void {
  validateLiteral(name, 'environment name', scope);
  if (!ENVIRONMENT_NAME.test(name) || name.startsWith('/') || name.endsWith('/') || name.length > 255) {
    fail('environment name must be 1 to 255 letters, digits, spaces and "-", "_", "/", ".", not starting or ending with "/" (GitLab\'s rule), ' +
      `got: ${show(name)}`, scope);
  }
  // GitLabDeploymentTier holds one of GitLab's tiers (its constructor's rule), or a deploy-time value, which the file cannot.
  const tier = environment.deploymentTier?.value;
  if (tier !== undefined) validateLiteral(tier, 'environment deploymentTier', scope);
  if (environment.url !== undefined) {
    validateLiteral(environment.url, 'environment url', scope);
    if (!/^https?:\/\/[^\s]+$/.test(environment.url)) fail(`environment url must be an http:// or https:// URL, got: ${show(environment.url)}`, scope);
  }
}

/**
 * The Docker client's variables that the Docker asset jobs may set (dockerAssetJobSettings): where the daemon is and
 * how to reach it. Other DOCKER_* names stay reserved: the runner reads DOCKER_AUTH_CONFIG to pull images, and the
 * jobs set DOCKER_CONFIG themselves.
 */
const DOCKER_CLIENT_VARIABLES = ['DOCKER_HOST', 'DOCKER_TLS_CERTDIR', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH', 'DOCKER_DRIVER', 'DOCKER_BUILDKIT'];

/** A CI/CD variable a job sets: `what` names where it comes from; `docker` lets the Docker client's variables through. */
export function validateVariable(name: string, value: string, what: string, scope: IConstruct, docker = false): void {
  validateLiteral(name, `${what} name`, scope);
  if (!CI_VARIABLE_NAME.test(name)) fail(`${what} name must be letters, digits and "_", not starting with a digit, got: ${show(name)}`, scope);
  // GITLAB_* too: GitLab's own, and the credential job's settings and token.
  const reserved = docker && DOCKER_CLIENT_VARIABLES.includes(name) ? undefined
    : name.toUpperCase().startsWith('GITLAB_') ? 'a GITLAB_* name: GitLab and the credential job set those' : reservedVariable(name);
  if (reserved) fail(`${what} name must not be ${reserved}, got: ${show(name)}`, scope);
  validateLiteral(value, `${what} ${name}`, scope);
}

/** A job's settings: literals only, and no key the pipeline writes itself; `docker` for the Docker asset jobs' settings. */
export function validateJobSettings(settings: GitLabJobSettings, scope: IConstruct, docker = false): void {
  if (settings.image !== undefined) validateLiteral(settings.image, 'jobSettings.image', scope);
  if (settings.tags) validateLiteralList(settings.tags, 'jobSettings.tags', scope);
  for (const [name, value] of Object.entries(settings.variables ?? {})) validateVariable(name, value, 'jobSettings.variables', scope, docker);
  if (settings.cache) {
    if (settings.cache.key !== undefined) validateLiteral(settings.cache.key, 'jobSettings.cache.key', scope);
    validateLiteralList(settings.cache.paths, 'jobSettings.cache.paths', scope);
  }
  for (const [key, value] of Object.entries(settings.rawKeys ?? {})) {
    const instead = OWNED_KEYS.get(key);
    if (instead) fail(`jobSettings.rawKeys must not set "${key}": the pipeline writes it; use ${instead} instead, got: ${show(key)}`, scope);
    const gate = GATE_KEYS.get(key);
    if (gate) fail(`jobSettings.rawKeys must not set "${key}": ${gate}, got: ${show(key)}`, scope);
    if (!RAW_KEYS.includes(key)) {
      fail(`jobSettings.rawKeys may set only ${RAW_KEYS.join(', ')} (keywords that cannot make a gate non-blocking or reorder jobs), got: ${show(key)}`, scope);
    }
    if (!holdsNoToken(value) || !isPlainData(value)) {
      fail(`jobSettings.rawKeys.${key} must be a literal: strings, numbers, booleans, and lists and maps of them, got: ${describe(value)}`, scope);
    }
    const merge = mergeKeyPath(value, key);
    if (merge) fail(`jobSettings.rawKeys must hold no "<<" key: GitLab's YAML parser reads it as a merge key even when quoted, got: ${show(merge)}`, scope);
  }
}

/** The path of the first "<<" key inside a raw value, if any. */
function mergeKeyPath(value: unknown, path: string): string | undefined {
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) {
      const found = mergeKeyPath(item, `${path}[${i}]`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key === '<<') return `${path}.<<`;
      const found = mergeKeyPath(item, `${path}.${key}`);
      if (found) return found;
    }
  }
  return undefined;
}

/** JSON-like data whose strings YAML can hold. */
function isPlainData(value: unknown): boolean {
  if (typeof value === 'string') return yamlProblem(value) === undefined;
  if (typeof value === 'boolean' || value === null) return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value as object).every(([key, item]) => yamlProblem(key) === undefined && isPlainData(item));
  }
  return false;
}

function describe(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A literal duration of at least an hour as GitLab's expire_in writes it: whole days, hours or minutes. */
export function expireInText(duration: Duration, scope: IConstruct): string {
  const minutes = duration.isUnresolved() ? NaN : duration.toMinutes({ integral: false });
  if (!Number.isInteger(minutes) || minutes < 60) {
    fail(`artifactsExpireIn must be a literal duration of at least an hour, in whole minutes, got: ${duration.toString()}`, scope);
  }
  if (minutes % 1440 === 0) return `${minutes / 1440} days`;
  return minutes % 60 === 0 ? `${minutes / 60} hours` : `${minutes} minutes`;
}

/** The project whose pipelines deploy: a literal GitLab project path, which the rules compare as a quoted string. */
export function validateProjectPath(path: string, scope: IConstruct): string {
  validateLiteral(path, 'projectPath', scope);
  const problem = gitLabPathProblem(path, 'project');
  if (problem) fail(`projectPath ${problem}, got: ${show(path)}`, scope);
  return path;
}
