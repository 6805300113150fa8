// Synth-time checks of literal values. Every check skips values that hold unresolved tokens:
// what is only known at deploy time cannot be judged here.
import { Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/**
 * Throw a synth-time error that names the bad value and the rule. A plain Error prefixed with the
 * construct path: aws-cdk-lib's ValidationError is internal and its constructor changed between
 * releases, so using it would break the message on some of the versions we support.
 */
export function fail(message: string, scope?: IConstruct): never {
  throw new Error(scope && scope.node.path ? `${scope.node.path}: ${message}` : message);
}

// aws-cdk-lib's index exports Token through a getter that looks the module up on every access;
// isLiteral runs a dozen times per role, so the class is looked up once.
const TOKEN = Token;

/** Whether a value is fully known at synth time. */
export function isLiteral(value: string): boolean {
  return !TOKEN.isUnresolved(value);
}

/** Whether a number is fully known at synth time (not a number-encoded token). */
export function isLiteralNumber(value: number): boolean {
  return !TOKEN.isUnresolved(value);
}

/**
 * Whether a list is a deploy-time list as a whole (a `CommaDelimitedList` parameter, `Fn.split`): its
 * length and elements are unknown at synth time, and its one encoded element must never be read as a
 * string.
 */
export function isListToken(list: readonly string[]): boolean {
  return TOKEN.isUnresolved(list);
}

/**
 * A number as policy text: a literal as its digits, a token as a string token that resolves to the
 * same reference. `String()` would turn a number token into the meaningless double that encodes it.
 */
export function numberText(value: number): string {
  return Tokenization.stringifyNumber(value);
}

/** `JSON.stringify` for error messages, so empty strings and white space stay visible. */
export function show(value: unknown): string {
  return JSON.stringify(value);
}

/** A 12-digit AWS account ID. */
export const AWS_ACCOUNT_ID = /^\d{12}$/;

/** An AWS region name such as `eu-west-1` or `us-gov-west-1`. */
export const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** STS's session length when a call names none, which is also IAM's default maximum for a role. */
export const DEFAULT_SESSION_SECONDS = 3600;

// IAM CreateOpenIDConnectProvider: Url 1-255 chars, ClientIDList <= 100 entries of 1-255 chars,
// ThumbprintList <= 5 entries of exactly 40 hex chars.
const MAX_URL_LENGTH = 255;
const MAX_AUDIENCES = 100;
const MAX_AUDIENCE_LENGTH = 255;
const MAX_THUMBPRINTS = 5;

/**
 * An issuer URL as IAM must register it: it has to equal the token's `iss` character for character.
 * Returns the condition-key prefix (the URL without `https://`), or undefined for a token.
 */
export function validateIssuerUrl(url: string, scope?: IConstruct): string | undefined {
  if (!isLiteral(url)) return undefined;
  const rule = (what: string) => fail(`GitLab issuer URL ${what}, got: ${show(url)}`, scope);
  if (url.length > MAX_URL_LENGTH) rule(`must be at most ${MAX_URL_LENGTH} characters (IAM limit)`);
  if (!url.startsWith('https://')) rule('must start with https:// (IAM accepts only HTTPS issuers)');
  if (/\s/.test(url)) rule('must not contain white space');
  if (url.endsWith('/')) rule('must not end with "/": IAM compares it to the token\'s "iss" exactly and GitLab\'s issuer has no trailing slash');
  if (url.includes('?')) rule('must not contain a query string');
  if (url.includes('#')) rule('must not contain a fragment');
  const rest = url.slice('https://'.length);
  const host = rest.split('/')[0];
  if (host.includes('@')) rule('must not contain user information');
  if (host.includes(':')) rule('must not contain a port (IAM rejects issuer URLs with ports)');
  if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/.test(host)) {
    rule('must have a valid host name');
  }
  if (rest.includes('//')) rule('must not contain an empty path segment ("//")');
  return rest;
}

/** The OIDC provider's client ID list (the audiences jobs may request). */
export function validateAudiences(audiences: readonly string[], scope?: IConstruct): void {
  // Stryker disable next-line ConditionalExpression: a shortcut; a deploy-time list's one encoded element passes every check below
  if (isListToken(audiences)) return;
  if (audiences.length === 0) fail('GitLab OIDC provider needs at least one audience (client ID), got: []', scope);
  if (audiences.length > MAX_AUDIENCES) {
    fail(`GitLab OIDC provider accepts at most ${MAX_AUDIENCES} audiences (IAM limit), got: ${audiences.length}`, scope);
  }
  const seen = new Set<string>();
  for (const audience of audiences) {
    validateAudience(audience, scope);
    if (seen.has(audience)) fail(`GitLab OIDC provider audiences must be unique, got: ${show(audience)} twice`, scope);
    seen.add(audience);
  }
}

/** One audience (client ID). */
export function validateAudience(audience: string, scope?: IConstruct): void {
  if (!isLiteral(audience)) return;
  if (audience.length === 0) fail('an audience must not be empty, got: ""', scope);
  if (audience.length > MAX_AUDIENCE_LENGTH) {
    fail(`an audience must be at most ${MAX_AUDIENCE_LENGTH} characters (IAM limit), got: ${show(audience)} (${audience.length} characters)`, scope);
  }
  if (/[\s*?]/.test(audience) || audience.includes('${')) {
    fail(`an audience must not contain white space, "*", "?" or "\${" (it is compared with StringEquals), got: ${show(audience)}`, scope);
  }
}

/** Server certificate thumbprints (hex SHA-1). */
export function validateThumbprints(thumbprints: readonly string[], scope?: IConstruct): void {
  if (isListToken(thumbprints)) return;
  if (thumbprints.length > MAX_THUMBPRINTS) {
    fail(`GitLab OIDC provider accepts at most ${MAX_THUMBPRINTS} thumbprints (IAM limit), got: ${thumbprints.length}`, scope);
  }
  for (const thumbprint of thumbprints) {
    if (isLiteral(thumbprint) && !/^[0-9a-fA-F]{40}$/.test(thumbprint)) {
      fail(`a thumbprint must be 40 hexadecimal characters (a SHA-1 fingerprint), got: ${show(thumbprint)}`, scope);
    }
  }
}

// GitLab's path rules (lib/gitlab/path_regex.rb, app/models/namespace.rb): each segment starts with
// a letter, digit, "_" or "." and continues with those or "-", and must not end in ".git" or ".atom";
// a namespace (group or subgroup) segment must also not end in "." (NAMESPACE_FORMAT_REGEX), which a
// project's own segment may (PROJECT_PATH_FORMAT_REGEX). A namespace has at most 20 ancestors, so a
// project path has at most 22 segments.
const PATH_SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const MAX_PATH_SEGMENTS = 22;
const MAX_SEGMENT_LENGTH = 255;

/** What a path names: a project (`group/…/project`) or a group (`group/…/subgroup`). */
export type GitLabPathKind = 'project' | 'group';

/**
 * A GitLab project or group full path such as `mygroup/sub/project`.
 * @param kind a project's path has at least 2 segments and its last is the project's; a group's are all namespaces
 */
export function validateGitLabPath(path: string, kind: GitLabPathKind): void {
  if (!isLiteral(path)) return;
  const problem = gitLabPathProblem(path, kind);
  if (problem) fail(`GitLab ${kind} path ${problem}, got: ${show(path)}`);
}

/** What breaks GitLab's path rules in a literal path, if anything. */
export function gitLabPathProblem(path: string, kind: GitLabPathKind): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (/[*?]/.test(path)) {
    return 'must not contain "*" or "?": GitLab paths never do, and in a policy they are wildcards (use GitLabSubject.group() for every project of a group)';
  }
  if (path.startsWith('/') || path.endsWith('/')) return 'must not start or end with "/"';
  if (path.includes('//')) return 'must not contain an empty segment ("//")';
  const segments = path.split('/');
  const minSegments = kind === 'project' ? 2 : 1;
  if (segments.length < minSegments) return `must have at least ${minSegments} segments ("group/project")`;
  if (segments.length > MAX_PATH_SEGMENTS) return `must have at most ${MAX_PATH_SEGMENTS} segments (GitLab allows 20 nested subgroups)`;
  const namespaces = kind === 'project' ? segments.length - 1 : segments.length;
  for (const [i, segment] of segments.entries()) {
    if (!PATH_SEGMENT.test(segment)) {
      return `segment ${show(segment)} must start with a letter, digit, "_" or "." and contain only letters, digits, "_", "." and "-"`;
    }
    if (/\.(git|atom)$/.test(segment)) return `segment ${show(segment)} must not end in ".git" or ".atom"`;
    if (i < namespaces && segment.endsWith('.')) return `group segment ${show(segment)} must not end in "." (GitLab's namespace rule)`;
    if (segment.length > MAX_SEGMENT_LENGTH) return `segment must be at most ${MAX_SEGMENT_LENGTH} characters`;
  }
  return undefined;
}

/**
 * A branch or tag short name as GitLab accepts it (lib/gitlab/git_ref_validator.rb: not `HEAD`, not
 * starting with `refs/heads/` or `refs/remotes/`, and `refs/heads/<name>` valid under
 * git-check-ref-format), where `*` is allowed as an explicit wildcard (git refs can never contain it,
 * so it cannot collide with a real name).
 */
export function validateRefName(ref: string, what: string): void {
  if (!isLiteral(ref)) return;
  const rule = (text: string) => fail(`${what} name ${text}, got: ${show(ref)}`);
  if (ref.length === 0) rule('must not be empty');
  if (ref === 'HEAD') rule('must not be "HEAD": GitLab refuses it as a branch or tag name');
  if (/^refs\/(heads|remotes)\//.test(ref)) rule('must be the short name ("main", not "refs/heads/main"): GitLab refuses names starting with refs/heads/ or refs/remotes/');
  // Judge the name with each wildcard standing for one ordinary character.
  const name = ref.replace(/\*/g, 'x');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?[\\]/.test(name)) {
    rule('must not contain white space, control characters or any of ~ ^ : ? [ \\ (git-check-ref-format)');
  }
  if (name.includes('..')) rule('must not contain ".." (git-check-ref-format)');
  if (name.includes('@{')) rule('must not contain "@{" (git-check-ref-format)');
  if (name.startsWith('/') || name.endsWith('/')) rule('must not start or end with "/" (git-check-ref-format)');
  if (name.includes('//')) rule('must not contain "//" (git-check-ref-format)');
  if (name.endsWith('.')) rule('must not end with "." (git-check-ref-format)');
  for (const component of name.split('/')) {
    if (component.startsWith('.')) rule('must not have a component starting with "." (git-check-ref-format)');
    if (component.endsWith('.lock')) rule('must not have a component ending in ".lock" (git-check-ref-format)');
  }
  if (ref.includes('${')) rule('must not contain "${": IAM would read it as a policy variable');
}

/**
 * A GitLab ID (project, namespace, user): a positive integer that JavaScript holds exactly, so that it
 * renders as its digits (`1e+21` is no ID).
 */
export function gitLabIdProblem(id: number): string | undefined {
  if (!isLiteralNumber(id)) return undefined;
  if (!Number.isInteger(id) || id <= 0) return 'must be a positive integer';
  if (!Number.isSafeInteger(id)) return `must be at most ${Number.MAX_SAFE_INTEGER}: larger numbers lose digits in JavaScript`;
  return undefined;
}
