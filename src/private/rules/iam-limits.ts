// IAM's limits on OIDC providers and trust policies (CreateOpenIDConnectProvider: Url 1-255 characters,
// ClientIDList up to 100 entries of 1-255 characters, ThumbprintList up to 5 entries of 40 hex
// characters; the "Role trust policy length" quota). Each check skips values held in tokens.
import { IConstruct } from 'constructs';
import { fail, show } from '../errors';
import { isListToken, isLiteral, isLiteralNumber } from '../tokens';

const MAX_URL_LENGTH = 255;
export const MAX_AUDIENCES = 100;
const MAX_AUDIENCE_LENGTH = 255;
const MAX_THUMBPRINTS = 5;

/** IAM's default "Role trust policy length" quota, and the most it can be raised to. */
/** gitlab.com's issuer: the default provider URL, and the one issuer STS sets its extra claim keys for. */
export const GITLAB_COM = 'https://gitlab.com';

export const DEFAULT_TRUST_POLICY_LIMIT = 2048;
export const MAX_TRUST_POLICY_LIMIT = 8192;

/**
 * The condition-key prefix of an issuer URL (the URL without `https://`, as in `gitlab.com:sub`), after
 * checking that IAM can register the URL and that it can equal a token's `iss` character for character.
 * @param what who needs the prefix, for the message when the URL is a token ("GitLabOidcProvider")
 */
export function issuerConditionKeyPrefix(url: string, what: string, scope: IConstruct): string {
  if (!isLiteral(url)) {
    fail(`${what} needs a literal url: IAM condition keys such as "gitlab.com:sub" are derived from it, got: ${show(url)}`, scope);
  }
  const rule = (text: string) => fail(`GitLab issuer URL ${text}, got: ${show(url)}`, scope);
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
  // StringEquals reads "*", "?" and "${" literally in a trust policy, but GitLab expands CI/CD variables in an
  // id_tokens aud: "$" would change the audience a job asks for.
  if (/[\s*?$]/.test(audience)) {
    fail(`an audience must not contain white space, "*", "?" or "$" (it is compared with StringEquals, and GitLab expands "$" in id_tokens), got: ${show(audience)}`, scope);
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

/** The account's trust policy length quota a role is checked against. */
export function validateTrustPolicySizeLimit(limit: number, scope: IConstruct): void {
  if (isLiteralNumber(limit) && (!Number.isInteger(limit) || limit < 1 || limit > MAX_TRUST_POLICY_LIMIT)) {
    fail(`trustPolicySizeLimit must be a whole number of characters up to IAM's maximum quota of ${MAX_TRUST_POLICY_LIMIT}, got: ${limit}`, scope);
  }
}
