// What STS does with a GitLab ID token before the trust policy: find the IAM OIDC provider whose URL is
// the token's `iss` exactly, check `aud` against its client IDs and the token's lifetime, then set the
// request's condition keys from the claims (REFERENCE.md, "What IAM can check"; the signature is
// verified too, which an explanation cannot and need not do).
import { EVALUATED_CLAIMS } from '../claim-values';
import { GITLAB_COM } from '../rules/iam-limits';

/** Decoded claims of a token: JSON values by claim name. */
export type Claims = Readonly<Record<string, unknown>>;

/** The condition-key prefix of an issuer: the URL without `https://` (`gitlab.com`, `example.com/gitlab`). */
export function conditionKeyPrefix(issuer: string): string {
  return issuer.startsWith('https://') ? issuer.slice('https://'.length) : issuer;
}

/** The claims STS copies into the request context for this issuer: sub and aud, plus gitlab.com's own. */
export function evaluatedClaims(issuer: string): readonly string[] {
  return issuer === GITLAB_COM ? ['sub', 'aud', ...EVALUATED_CLAIMS] : ['sub', 'aud'];
}

/** The request context STS builds from the claims of a token from `issuer`. */
export function webIdentityContext(issuer: string, claims: Claims): Record<string, string | string[]> {
  const prefix = conditionKeyPrefix(issuer);
  const context: Record<string, string | string[]> = {};
  for (const claim of evaluatedClaims(issuer)) {
    const value = claims[claim];
    if (value === undefined || value === null) continue;
    context[`${prefix}:${claim}`] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return context;
}

/** The token's audiences: `aud` is a string or a list of strings. */
export function audiences(claims: Claims): string[] {
  const aud = claims.aud;
  if (aud === undefined || aud === null) return [];
  return Array.isArray(aud) ? aud.map(String) : [String(aud)];
}

/** A problem with the token's lifetime at `now` (seconds since the epoch), or undefined. */
export function lifetimeProblem(claims: Claims, now: number): string | undefined {
  const exp = claims.exp;
  const nbf = claims.nbf;
  if (typeof exp === 'number' && exp <= now) {
    return `the token expired at ${isoTime(exp)} (${describeSeconds(now - exp)} before ${isoTime(now)}): ` +
      'an ID token lives as long as its job\'s timeout; exchange it while the job runs (ExpiredTokenException)';
  }
  if (typeof nbf === 'number' && nbf > now) {
    return `the token is not valid before ${isoTime(nbf)} (${describeSeconds(nbf - now)} after ${isoTime(now)}): ` +
      'the clock of the machine that checks it is behind';
  }
  return undefined;
}

function isoTime(seconds: number): string {
  return new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function describeSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.floor(seconds / 60)} min`;
  return `${Math.floor(seconds / 3600)} h`;
}
