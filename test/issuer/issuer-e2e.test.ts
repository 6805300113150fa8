// The hosted issuer end to end: STS (the security suite's emulated account) fetches the discovery document and the
// keys over HTTPS from a loopback server that serves exactly the objects the synthesized app puts in the bucket (its
// documents function's code run on the template's properties), as CloudFront would on the issuer's domain, and exchanges a token signed by the
// instance's key; then the rotation: a new key published beside the old, then the old one retired.
import { createServer, request, Server } from 'https';
import { AddressInfo } from 'net';
import { App, Stack } from 'aws-cdk-lib';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { cloudFront, TLS_SERVER } from './issuer-fixtures';
import { GitLabHostedIssuer, GitLabJwks, GitLabRunnerRole, GitLabSubject } from '../../src';
import { writeDocuments } from '../../src/private/issuer/documents';
import { gitLabClaims } from '../security/support/issuer';
import { EmulatedAccount } from '../security/support/sts';
import { ISSUER_START_TEST_MS } from '../support/timeouts';

jest.setTimeout(ISSUER_START_TEST_MS);

const ISSUER = 'https://gitlab-oidc.example.com';
const CA = TLS_SERVER.cert;

interface Key {
  readonly kid: string;
  readonly privateKey: KeyLike;
  readonly jwk: Record<string, unknown>;
}

async function newKey(kid: string): Promise<Key> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

/** An ID token of the instance for a job of mygroup/app on main, signed by `key` (as GitLab signs with its current key). */
async function token(key: Key, signer: KeyLike = key.privateKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const claims = gitLabClaims(ISSUER, { projectPath: 'mygroup/app', refType: 'branch', ref: 'main', aud: ISSUER, refProtected: true }, now);
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' }).sign(signer);
}

/**
 * The objects the app's documents resource writes into the bucket: its function's code run on the resource's
 * properties from the synthesized template, as CloudFormation sends them when it creates the stack.
 */
async function bucketObjects(template: any): Promise<Map<string, string>> {
  const [resource] = Object.values<any>(template.Resources).filter((r) => r.Type === 'Custom::GitLabIssuerDocuments');
  const objects = new Map<string, string>();
  await writeDocuments({ RequestType: 'Create', ResourceProperties: resource.Properties }, {
    put: async (key, body, options) => {
      if (options.ifAbsent && objects.has(key)) return false;
      objects.set(key, body);
      return true;
    },
  });
  return objects;
}

/** The bucket behind the distribution: GET of an object the bucket holds, 403 for anything else (S3 through OAC). */
class LoopbackDistribution {
  public static async start(objects: Map<string, string>): Promise<LoopbackDistribution> {
    const distribution = new LoopbackDistribution(objects);
    await new Promise<void>((resolve) => distribution.server.listen(0, '127.0.0.1', resolve));
    return distribution;
  }

  public readonly requests: string[] = [];
  private readonly server: Server;

  private constructor(public readonly objects: Map<string, string>) {
    this.server = createServer(TLS_SERVER, (req, res) => {
      this.requests.push(`${req.method} ${req.url}`);
      const body = req.method === 'GET' ? objects.get((req.url ?? '').replace(/^\//, '')) : undefined;
      if (body === undefined) res.writeHead(403).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end(body);
    });
  }

  /** Fetches a URL under the issuer from the loopback server, over HTTPS, trusting the fixture certificate alone. */
  public fetchText = (url: string): Promise<string> => new Promise((resolve, reject) => {
    const port = (this.server.address() as AddressInfo).port;
    const path = url.slice(ISSUER.length);
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', ca: CA, timeout: 5_000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timed out`)));
    req.on('error', reject);
    req.end();
  });

  public async close(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('STS fetches the synthesized documents over HTTPS and exchanges the instance\'s tokens', () => {
  let current: Key;
  let next: Key;
  let template: any;
  let distribution: LoopbackDistribution;
  let account: EmulatedAccount;

  beforeAll(async () => {
    current = await newKey('gitlab-key-2026');
    next = await newKey('gitlab-key-2027');
    const app = new App();
    const stack = new Stack(app, 'Issuer', { env: { account: '111122223333', region: 'eu-west-1' } });
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', {
      hosting: cloudFront(stack),
      jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [current.jwk] })),
    });
    new GitLabRunnerRole(stack, 'Deploy', { roleName: 'deploy', provider: issuer.provider, subjects: [GitLabSubject.project('mygroup/app').branch('main')] });
    const assembly = app.synth();
    template = assembly.getStackByName('Issuer').template;
    distribution = await LoopbackDistribution.start(await bucketObjects(template));
    account = EmulatedAccount.fromTemplate(template, [], {}, distribution.fetchText);
  });
  afterAll(async () => distribution?.close());

  test('the bucket holds the discovery document for the issuer and the public key, and nothing else', () => {
    expect([...distribution.objects.keys()].sort()).toEqual(['.well-known/openid-configuration', 'oauth/discovery/keys']);
    expect(JSON.parse(distribution.objects.get('.well-known/openid-configuration')!)).toMatchObject({ issuer: ISSUER, jwks_uri: `${ISSUER}/oauth/discovery/keys` });
    expect(JSON.parse(distribution.objects.get('oauth/discovery/keys')!)).toEqual({ keys: [{ kty: 'RSA', kid: current.kid, use: 'sig', alg: 'RS256', n: current.jwk.n, e: current.jwk.e }] });
  });

  test('a token signed by the instance\'s key is exchanged; STS read both documents over HTTPS', async () => {
    distribution.requests.length = 0;
    expect(await account.assumeRoleWithWebIdentity('deploy', await token(current), new Date())).toMatchObject({ verdict: 'allow' });
    expect(distribution.requests).toEqual(['GET /.well-known/openid-configuration', 'GET /oauth/discovery/keys']);
  });

  test('refused: a token signed by another key under the same kid, and a token the instance signed under its internal URL', async () => {
    const forger = await newKey(current.kid);
    expect((await account.assumeRoleWithWebIdentity('deploy', await token(current, forger.privateKey), new Date())).verdict).toBe('deny');
    const now = Math.floor(Date.now() / 1000);
    const internal = await new SignJWT(gitLabClaims('https://gitlab.internal.example', { projectPath: 'mygroup/app', refType: 'branch', ref: 'main', aud: ISSUER }, now))
      .setProtectedHeader({ alg: 'RS256', kid: current.kid, typ: 'JWT' }).sign(current.privateKey);
    expect(await account.assumeRoleWithWebIdentity('deploy', internal, new Date())).toMatchObject({ verdict: 'deny', reason: expect.stringContaining('No OpenIDConnect provider found') });
  });

  test('rotation: the new key published beside the old verifies both; the old one retired, its tokens are refused', async () => {
    const published = distribution.objects.get('oauth/discovery/keys')!;
    const oldToken = await token(current);
    const newToken = await token(next);
    expect((await account.assumeRoleWithWebIdentity('deploy', newToken, new Date())).verdict).toBe('deny');
    // What a keys sync uploads: the union of the instance's current keys and the recent ones, checked as the construct checks them.
    distribution.objects.set('oauth/discovery/keys', GitLabJwks.fromJson(JSON.stringify({ keys: [current.jwk, next.jwk] })).toJsonString());
    expect((await account.assumeRoleWithWebIdentity('deploy', oldToken, new Date())).verdict).toBe('allow');
    expect((await account.assumeRoleWithWebIdentity('deploy', newToken, new Date())).verdict).toBe('allow');
    distribution.objects.set('oauth/discovery/keys', GitLabJwks.fromJson(JSON.stringify({ keys: [next.jwk] })).toJsonString());
    expect((await account.assumeRoleWithWebIdentity('deploy', oldToken, new Date())).verdict).toBe('deny');
    expect((await account.assumeRoleWithWebIdentity('deploy', newToken, new Date())).verdict).toBe('allow');
    distribution.objects.set('oauth/discovery/keys', published);
  });

  test('a discovery document whose issuer differs from the provider\'s URL (a trailing "/") is refused', async () => {
    const original = distribution.objects.get('.well-known/openid-configuration')!;
    distribution.objects.set('.well-known/openid-configuration', JSON.stringify({ ...JSON.parse(original), issuer: `${ISSUER}/` }));
    expect((await account.assumeRoleWithWebIdentity('deploy', await token(current), new Date())).verdict).toBe('deny');
    distribution.objects.set('.well-known/openid-configuration', original);
  });
});
