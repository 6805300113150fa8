// A token's claims, from the JWT (decoded without verifying it: an explanation needs what the token says,
// not whether it is genuine, which STS checks) or from decoded claims as JSON. No message repeats the token
// or any part of it.
import { isObject } from './policy';
import { checkJsonDepth } from './untrusted-input';

/** The claims of a compact JWS (header.payload.signature). Throws with a message that holds no part of the token. */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const parts = token.trim().split('.');
  if (parts.length === 5) throw new Error('the token is an encrypted JWT (JWE), not a GitLab ID token: GitLab signs its ID tokens, it does not encrypt them');
  if (parts.length !== 3) throw new Error(`the token is not a JWT: a JWT has three parts separated by ".", this has ${parts.length}`);
  const header = decodePart(parts[0], 'header');
  if (typeof header.alg !== 'string') throw new Error('the token is not a JWT: its header has no "alg"');
  return decodePart(parts[1], 'payload');
}

function decodePart(part: string, what: string): Record<string, unknown> {
  if (!/^[A-Za-z0-9_-]+$/.test(part)) throw new Error(`the token is not a JWT: its ${what} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw new Error(`the token is not a JWT: its ${what} is not JSON`);
  }
  if (!isObject(value)) throw new Error(`the token is not a JWT: its ${what} is not a JSON object`);
  checkJsonDepth(value, `the token's ${what}`);
  return value;
}

/** Decoded claims, as a JSON object. Throws with the reason, never the text. */
export function parseClaimsJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`the claims must be JSON, got: ${(e as Error).message}`);
  }
  if (!isObject(value)) throw new Error(`the claims must be a JSON object, got: ${Array.isArray(value) ? 'a list' : value === null ? 'null' : `a ${typeof value}`}`);
  checkJsonDepth(value, 'the claims');
  return value;
}
