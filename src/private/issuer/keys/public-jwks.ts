// The JSON Web Key Set a hosted issuer publishes: the public halves of the RSA keys GitLab signs ID tokens with
// (RS256), as its /oauth/discovery/keys serves them. Whoever can change this set can mint tokens for every role that
// trusts the issuer, so what is published is checked, then rebuilt from the members STS needs and nothing else.

/** One published key: the members of an RSA public signing key. */
export interface PublicJwk {
  readonly kty: 'RSA';
  readonly kid: string;
  readonly use: 'sig';
  readonly alg: 'RS256';
  readonly n: string;
  readonly e: string;
}

/** A key set ready to publish. */
export interface PublicJwks {
  readonly keys: readonly PublicJwk[];
}

/** Members that only a private (RSA, EC) or symmetric (`k`) key holds (RFC 7518 section 6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** RSA moduli shorter than this are refused: GitLab's signing keys are 2048 bits or more (RFC 7518 3.3 requires it). */
const MIN_MODULUS_BITS = 2048;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** GitLab's keys, like every RSA key in use, have the public exponent 65537; a small one (e = 1, 3) is refused. */
const EXPONENT = 'AQAB';

/** Bounds on what a key set may hold: a few keys in practice. */
const MAX_KEYS = 100;
const MAX_KID_LENGTH = 255;

/**
 * The public key set in `value` (parsed JSON), or an error naming `source`, the key and the rule: a set with no
 * key, a private or symmetric key member, a key that is not an RSA signing key for RS256, a repeated or missing
 * `kid`, a modulus under 2048 bits.
 */
export function publicJwks(value: unknown, source: string): PublicJwks {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value) || !Array.isArray(value.keys)) {
    throw new Error(`${source} must be a JSON Web Key Set ({"keys": [...]}, what GitLab serves at /oauth/discovery/keys), got: ${preview(value)}`);
  }
  if (value.keys.length === 0) throw new Error(`${source} holds no key: STS could verify no token, got: ${preview(value)}`);
  if (value.keys.length > MAX_KEYS) throw new Error(`${source} holds more than ${MAX_KEYS} keys: an instance lists a few, got: ${value.keys.length}`);
  const seen = new Set<string>();
  const keys = value.keys.map((key, index): PublicJwk => {
    const what = `${source} key ${index}${isObject(key) && typeof key.kid === 'string' ? ` (kid ${JSON.stringify(key.kid)})` : ''}`;
    if (!isObject(key)) throw new Error(`${what} must be a JSON object, got: ${preview(key)}`);
    // Own members only: "__proto__" or "constructor" in the text are data, never Object.prototype's.
    const has = (member: string) => Object.prototype.hasOwnProperty.call(key, member);
    const secret = PRIVATE_MEMBERS.filter(has);
    if (secret.length > 0) {
      throw new Error(`${what} holds private key members (${secret.join(', ')}): publish the public keys alone ` +
        `(the instance's /oauth/discovery/keys), never the signing key, got members: ${Object.keys(key).join(', ')}`);
    }
    if (key.kty !== 'RSA') throw new Error(`${what} must be an RSA key (kty "RSA"): GitLab signs ID tokens with RS256, got kty: ${preview(key.kty)}`);
    if (has('use') && key.use !== 'sig') throw new Error(`${what} must be a signing key (use "sig"), got use: ${preview(key.use)}`);
    if (has('alg') && key.alg !== 'RS256') throw new Error(`${what} must be for RS256, the algorithm GitLab signs ID tokens with, got alg: ${preview(key.alg)}`);
    if (typeof key.kid !== 'string' || key.kid.length === 0 || key.kid.length > MAX_KID_LENGTH) {
      throw new Error(`${what} needs a kid of 1 to ${MAX_KID_LENGTH} characters: GitLab names the key in each token's header and STS picks the key by it, got kid: ${preview(key.kid)}`);
    }
    if (seen.has(key.kid)) throw new Error(`${what} repeats a kid: STS could pick the wrong key, got kid: ${JSON.stringify(key.kid)}`);
    seen.add(key.kid);
    for (const member of ['n', 'e'] as const) {
      const text = key[member];
      // Canonical: the text decodes and encodes back to itself (no padding, no stray bits).
      if (typeof text !== 'string' || !BASE64URL.test(text) || Buffer.from(text, 'base64url').toString('base64url') !== text) {
        throw new Error(`${what} member ${member} must be canonical base64url text (RFC 7518 6.3.1), got: ${preview(text)}`);
      }
    }
    if (key.e !== EXPONENT) throw new Error(`${what} must have the public exponent 65537 ("AQAB"), as GitLab's keys do, got e: ${preview(key.e)}`);
    const bits = modulusBits(key.n as string);
    if (bits < MIN_MODULUS_BITS) throw new Error(`${what} has a ${bits}-bit modulus: RS256 keys have at least ${MIN_MODULUS_BITS} bits, got n: ${preview(key.n)}`);
    const modulus = Buffer.from(key.n as string, 'base64url');
    if (modulus[modulus.length - 1] % 2 === 0) throw new Error(`${what} has an even modulus: no RSA key has one, got n: ${preview(key.n)}`);
    return { kty: 'RSA', kid: key.kid, use: 'sig', alg: 'RS256', n: key.n as string, e: key.e as string };
  });
  return { keys };
}

/** The bit length of a base64url-encoded big-endian modulus (leading zero bytes do not count). */
function modulusBits(n: string): number {
  const bytes = Buffer.from(n, 'base64url');
  let start = 0;
  while (start < bytes.length && bytes[start] === 0) start++;
  if (start === bytes.length) return 0;
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]));
}

/** A value for a message: JSON, cut at 120 characters. */
function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
