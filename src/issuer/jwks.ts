import { readFileSync } from 'fs';
import { fail, show } from '../private/errors';
import { PublicJwks, publicJwks } from '../private/issuer/keys/public-jwks';
import { isLiteral } from '../private/tokens';

/**
 * The public keys a GitLab instance signs ID tokens with: its JSON Web Key Set, as the instance serves it at
 * `/oauth/discovery/keys` (`curl https://gitlab.internal.example/oauth/discovery/keys > gitlab-jwks.json`).
 *
 * Checked when it is read: a set with no key or more than 100, a private or symmetric key member (`d`, `p`, `q`, `dp`,
 * `dq`, `qi`, `oth`, `k`), a key that is not an RSA key for RS256 signatures, an exponent other than 65537, an even
 * modulus or one under 2048 bits, text that is not canonical base64url, a missing, repeated or longer than 255
 * characters `kid` are refused. What is published holds each key's `kty`, `kid`, `use`, `alg`, `n` and `e` alone.
 */
export class GitLabJwks {
  /**
   * Reads the key set from a JSON file, at synth time.
   * @param path the file, relative to the directory `cdk synth` runs in
   */
  public static fromFile(path: string): GitLabJwks {
    if (!isLiteral(path)) fail(`GitLabJwks.fromFile needs a literal path: the keys are checked at synth, got: ${show(path)}`);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      fail(`GitLabJwks.fromFile cannot read ${show(path)}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return GitLabJwks.parse(text, `GitLabJwks.fromFile ${show(path)}`);
  }

  /**
   * The key set from JSON text.
   * @param json the key set: `{"keys": [...]}`
   */
  public static fromJson(json: string): GitLabJwks {
    if (!isLiteral(json)) fail('GitLabJwks.fromJson needs literal JSON: the keys are checked at synth, got a deploy-time value');
    return GitLabJwks.parse(json, 'GitLabJwks.fromJson');
  }

  private static parse(text: string, source: string): GitLabJwks {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      fail(`${source} is not JSON: ${(e as Error).message}`);
    }
    return new GitLabJwks(publicJwks(value, source));
  }

  /** The keys' IDs (`kid`), in the order the set lists them. */
  public readonly keyIds: string[];

  private constructor(private readonly jwks: PublicJwks) {
    this.keyIds = jwks.keys.map((k) => k.kid);
  }

  /** The key set as it is published: each key's public members alone, as JSON text. */
  public toJsonString(): string {
    return JSON.stringify(this.jwks);
  }
}
