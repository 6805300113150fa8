// A GitLab instance's OIDC side, on 127.0.0.1: discovery document, JWKS, and RS256 ID tokens with
// the claim set GitLab documents (doc/ci/secrets/id_token_authentication.md, lib/gitlab/ci/jwt_v2.rb).
import { randomUUID } from 'crypto';
import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';

/** The claims of one job's ID token, as strings the way GitLab sends them (runner_id is a number). */
export type GitLabClaims = Record<string, string | number>;

export interface JobSpec {
  readonly projectPath: string;
  readonly refType: 'branch' | 'tag';
  readonly ref: string;
  readonly aud: string;
  readonly projectId?: number;
  readonly namespaceId?: number;
  readonly refProtected?: boolean;
  readonly pipelineSource?: string;
  readonly runnerEnvironment?: 'gitlab-hosted' | 'self-hosted';
  readonly userAccessLevel?: string;
  readonly userId?: number;
  readonly userLogin?: string;
  readonly userEmail?: string;
  /** The project's `ci_id_token_sub_claim_components`. */
  readonly subClaimComponents?: string[];
  readonly environmentProtected?: boolean;
  readonly deploymentTier?: string;
}

/** Every claim of a GitLab ID token for a job, with realistic values. `sub` in GitLab's default layout. */
export function gitLabClaims(issuer: string, job: JobSpec, now: number): GitLabClaims {
  const namespacePath = job.projectPath.split('/').slice(0, -1).join('/');
  const refPath = `refs/${job.refType === 'branch' ? 'heads' : 'tags'}/${job.ref}`;
  const host = issuer.replace(/^https:\/\//, '');
  const projectId = job.projectId ?? 4_211_006;
  // What GitLab puts in the sub: each component as name:value, joined with ":", null ones left out.
  const components: Record<string, string | undefined> = {
    project_path: job.projectPath,
    project_id: String(projectId),
    ref_type: job.refType,
    ref: job.ref,
    ref_protected: String(job.refProtected ?? true),
    environment_protected: job.environmentProtected === undefined ? undefined : String(job.environmentProtected),
    deployment_tier: job.deploymentTier,
  };
  const sub = (job.subClaimComponents ?? ['project_path', 'ref_type', 'ref'])
    .filter((c) => components[c] !== undefined).map((c) => `${c}:${components[c]}`).join(':');
  return {
    iss: issuer,
    aud: job.aud,
    sub,
    iat: now,
    nbf: now - 5,
    exp: now + 300,
    jti: randomUUID(),
    namespace_id: String(job.namespaceId ?? 1_024_512),
    namespace_path: namespacePath,
    project_id: String(projectId),
    project_path: job.projectPath,
    user_id: String(job.userId ?? 31_337),
    user_login: job.userLogin ?? 'alice',
    user_email: job.userEmail ?? 'alice@example.com',
    user_access_level: job.userAccessLevel ?? 'maintainer',
    user_identities: '[]',
    pipeline_id: '1876543210',
    pipeline_source: job.pipelineSource ?? 'push',
    job_id: '9876543210',
    ref: job.ref,
    ref_type: job.refType,
    ref_path: refPath,
    ref_protected: String(job.refProtected ?? true),
    runner_id: 12_270_859,
    runner_environment: job.runnerEnvironment ?? 'gitlab-hosted',
    sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
    ci_config_ref_uri: `${host}/${job.projectPath}//.gitlab-ci.yml@${refPath}`,
    ci_config_sha: '714a629c0b401fdce83e847fc9589983fc6f46bc',
    project_visibility: 'private',
    job_project_id: String(projectId),
    job_project_path: job.projectPath,
    job_namespace_id: String(job.namespaceId ?? 1_024_512),
    job_namespace_path: namespacePath,
  };
}

/** How a fixture token is signed: normally, or in one of the ways an attacker might try. */
export type Signing = 'rs256' | 'none' | 'hs256-public-key' | 'foreign-key';

/** A GitLab instance's token issuer, served on loopback. */
export class FixtureIssuer {
  /** Starts an issuer that claims to be `issuer` (e.g. https://gitlab.com) and serves on 127.0.0.1. */
  public static async start(issuer: string): Promise<FixtureIssuer> {
    const keys = await generateKeyPair('RS256', { extractable: true });
    const foreign = await generateKeyPair('RS256', { extractable: true });
    const fixture = new FixtureIssuer(issuer, keys.privateKey, keys.publicKey, foreign.privateKey);
    await fixture.listen();
    return fixture;
  }

  public readonly kid = 'gitlab-ci-fixture-key';
  private server?: Server;
  private baseUrl?: string;

  private constructor(
    public readonly issuer: string,
    private readonly privateKey: KeyLike,
    private readonly publicKey: KeyLike,
    private readonly foreignKey: KeyLike,
  ) {}

  /** The loopback URL that stands in for the issuer's host (what DNS would resolve it to). */
  public get loopbackUrl(): string {
    return this.baseUrl!;
  }

  /** A signed ID token with these claims. */
  public async sign(claims: GitLabClaims, signing: Signing = 'rs256'): Promise<string> {
    switch (signing) {
      case 'rs256':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' }).sign(this.privateKey);
      case 'foreign-key':
        return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: this.kid, typ: 'JWT' }).sign(this.foreignKey);
      case 'hs256-public-key': {
        // The classic key-confusion attack: HMAC keyed with the issuer's public key.
        const secret = new TextEncoder().encode(JSON.stringify(await exportJWK(this.publicKey)));
        return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: this.kid, typ: 'JWT' }).sign(secret);
      }
      case 'none': {
        const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${encode({ alg: 'none', typ: 'JWT' })}.${encode(claims)}.`;
      }
    }
  }

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async listen(): Promise<void> {
    const jwk = { ...(await exportJWK(this.publicKey)), kid: this.kid, alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      const send = (body: unknown) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.url === '/.well-known/openid-configuration') {
        send({
          issuer: this.issuer,
          jwks_uri: `${this.issuer}/oauth/discovery/keys`,
          response_types_supported: ['id_token'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      } else if (req.url === '/oauth/discovery/keys') {
        send({ keys: [jwk] });
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }
}
