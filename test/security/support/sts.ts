// An AWS account as STS sees it for AssumeRoleWithWebIdentity: its IAM OIDC providers and roles,
// read from a synthesized template. Token checks follow STS's order: the provider whose URL equals
// `iss` exactly, the signature against the issuer's JWKS, `exp`/`nbf`, `aud` in the provider's client
// ID list; then the role's trust policy is evaluated by the independent judge.
import { createLocalJWKSet, decodeJwt, jwtVerify } from 'jose';
import { GitLabClaims } from './issuer';
import { judge, loadTrustPolicy, Verdict } from './judge';
import { explainToken } from '../../../src/private/explain/explain';
import { readTrustPolicy, TrustPolicy } from '../../../src/private/explain/policy';

export const ACCOUNT = '111122223333';
export const PARTITION = 'aws';

/** The claims STS copies into the request context for gitlab.com (Service Authorization Reference). */
const GITLAB_COM_CONTEXT_CLAIMS = [
  'namespace_id', 'project_id', 'ref_protected', 'pipeline_source', 'runner_environment',
  'user_access_level', 'user_email', 'user_id', 'user_login',
];

export interface AccountProvider {
  readonly arn: string;
  readonly url: string;
  readonly clientIds: readonly string[];
}

export interface Outcome {
  readonly verdict: Verdict;
  /** Why STS refused, or "allowed". */
  readonly reason: string;
  /**
   * The library's own explanation's decision for the same request (src/private/explain), for the
   * differential count; undefined where the explanation cannot judge (a bad signature, a malformed token).
   */
  readonly explained?: string;
}

interface Role {
  readonly arn: string;
  /** The policy as iam-simulate reads it. */
  readonly trust: ReturnType<typeof loadTrustPolicy>;
  /** The policy as the library's explanation reads it. */
  readonly policy: TrustPolicy;
}

type Template = { Resources: Record<string, { Type: string; Properties?: any }> };

/** Resolves the intrinsics a synthesized IAM template uses, for one account in one partition. */
function resolve(value: any, refs: Record<string, string>): any {
  if (Array.isArray(value)) return value.map((v) => resolve(v, refs));
  if (value === null || typeof value !== 'object') return value;
  if ('Ref' in value) {
    const resolved = refs[value.Ref];
    if (resolved === undefined) throw new Error(`cannot resolve Ref ${value.Ref}`);
    return resolved;
  }
  if ('Fn::Join' in value) {
    const [separator, parts] = value['Fn::Join'];
    return resolve(parts, refs).join(separator);
  }
  if (Object.keys(value).some((k) => k.startsWith('Fn::'))) throw new Error(`unsupported intrinsic ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolve(v, refs)]));
}

export class EmulatedAccount {
  /**
   * The account after deploying `template`, plus providers it already had (imported by the stack).
   * @param loopback where each issuer URL is served (what DNS would resolve it to)
   * @param fetchText how a document under an issuer URL is fetched, instead of plain HTTP through `loopback` (HTTPS
   *   with a test CA)
   */
  public static fromTemplate(template: Template, existingProviders: AccountProvider[] = [], loopback: Record<string, string> = {},
    fetchText?: (url: string) => Promise<string>): EmulatedAccount {
    const refs: Record<string, string> = { 'AWS::Partition': PARTITION, 'AWS::AccountId': ACCOUNT, 'AWS::Region': 'eu-west-1', 'AWS::URLSuffix': 'amazonaws.com' };
    const providers = [...existingProviders];
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::OIDCProvider') continue;
      const url: string = resource.Properties.Url;
      refs[id] = `arn:${PARTITION}:iam::${ACCOUNT}:oidc-provider/${url.replace(/^https:\/\//, '')}`;
      providers.push({ arn: refs[id], url, clientIds: resource.Properties.ClientIdList ?? [] });
    }
    const roles = new Map<string, Role>();
    for (const [id, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const name: string = resource.Properties.RoleName ?? id;
      const document = resolve(resource.Properties.AssumeRolePolicyDocument, refs);
      roles.set(name, { arn: `arn:${PARTITION}:iam::${ACCOUNT}:role/${name}`, trust: loadTrustPolicy(document), policy: readTrustPolicy(document) });
    }
    return new EmulatedAccount(providers, roles, loopback, fetchText);
  }

  private constructor(
    public readonly providers: readonly AccountProvider[],
    /** The roles by name (RoleName, else logical ID). */
    private readonly roles: Map<string, Role>,
    private readonly loopback: Record<string, string>,
    private readonly fetchText?: (url: string) => Promise<string>,
  ) {}

  /** The whole call: verify the token as STS does, then evaluate the role's trust policy. */
  public async assumeRoleWithWebIdentity(role: string, token: string, now: Date): Promise<Outcome> {
    let unverified: GitLabClaims;
    try {
      unverified = decodeJwt(token) as GitLabClaims;
    } catch {
      return { verdict: 'deny', reason: 'InvalidIdentityToken: malformed token' };
    }
    const provider = this.providers.find((p) => p.url === unverified.iss);
    if (!provider) return { verdict: 'deny', reason: `InvalidIdentityToken: No OpenIDConnect provider found in your account for ${unverified.iss}` };
    let claims: GitLabClaims;
    try {
      const keys = await this.fetchKeys(provider.url);
      const verified = await jwtVerify(token, keys, { algorithms: ['RS256'], issuer: provider.url, currentDate: now, clockTolerance: 0 });
      claims = verified.payload as GitLabClaims;
    } catch (e) {
      const code = (e as { code?: string }).code;
      // The explanation does not verify signatures; it judges the lifetime, given the time.
      const explained = code === 'ERR_JWT_EXPIRED' || code === 'ERR_JWT_CLAIM_VALIDATION_FAILED'
        ? this.explain(role, unverified, Math.floor(now.getTime() / 1000)) : undefined;
      return { verdict: 'deny', reason: `InvalidIdentityToken: ${code ?? (e as Error).message}`, explained };
    }
    return { ...this.evaluate(role, claims), explained: this.explain(role, claims, Math.floor(now.getTime() / 1000)) };
  }

  /**
   * After the signature and lifetime checks: the provider lookup, the audience check and the
   * trust policy, from the token's claims. The property test calls this directly for most cases.
   */
  public evaluate(role: string, claims: GitLabClaims): Outcome {
    const explained = this.explain(role, claims);
    const provider = this.providers.find((p) => p.url === claims.iss);
    if (!provider) return { verdict: 'deny', reason: `InvalidIdentityToken: No OpenIDConnect provider found in your account for ${claims.iss}`, explained };
    if (!provider.clientIds.includes(String(claims.aud))) return { verdict: 'deny', reason: 'InvalidIdentityToken: Incorrect token audience', explained };
    const target = this.roles.get(role);
    if (!target) throw new Error(`no role ${role}`);
    const verdict = judge(target.trust, provider.arn, target.arn, requestContext(provider, claims));
    return { verdict, reason: verdict === 'allow' ? 'allowed' : 'AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity', explained };
  }

  /** The library's explanation's decision, with the account's providers, from the claims (and the time). */
  private explain(role: string, claims: GitLabClaims, now?: number): string {
    return explainToken({ policy: this.roles.get(role)!.policy, claims, providers: this.providers, now }).decision;
  }

  /**
   * The issuer's JWKS, found through its discovery document, as STS fetches it: a document whose issuer is not the
   * provider's URL exactly is refused.
   */
  private async fetchKeys(issuer: string) {
    const get = async (url: string) => {
      if (!url.startsWith(`${issuer}/`)) throw new Error(`no route to ${url}`);
      if (this.fetchText) return JSON.parse(await this.fetchText(url));
      const base = this.loopback[issuer];
      if (!base) throw new Error(`no route to ${url}`);
      return (await fetch(base + url.slice(issuer.length))).json();
    };
    const discovery = await get(`${issuer}/.well-known/openid-configuration`) as { issuer: string; jwks_uri: string };
    if (discovery.issuer !== issuer) throw new Error(`the discovery document's issuer ${JSON.stringify(discovery.issuer)} is not ${issuer}`);
    return createLocalJWKSet(await get(discovery.jwks_uri) as any);
  }
}

/** The condition keys STS sets from a verified token. */
export function requestContext(provider: AccountProvider, claims: GitLabClaims): Record<string, string> {
  const prefix = provider.url.replace(/^https:\/\//, '');
  const context: Record<string, string> = { [`${prefix}:sub`]: String(claims.sub), [`${prefix}:aud`]: String(claims.aud) };
  if (prefix === 'gitlab.com') {
    for (const claim of GITLAB_COM_CONTEXT_CLAIMS) {
      if (claims[claim] !== undefined) context[`gitlab.com:${claim}`] = String(claims[claim]);
    }
  }
  return context;
}
