// The keys pull: a scheduled function in a VPC that publishes the instance's current keys. Its resources (in the VPC,
// one run at a time, the role that reads and writes the keys and its sightings alone, the bucket's Deny naming it),
// its refusals, and its code run against a loopback bucket (the AWS SDK's S3 client) and a loopback instance, over
// HTTPS with the instance's private CA.
import { createServer as createHttpsServer } from 'https';
import { AddressInfo } from 'net';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { App, Duration, Stack, aws_ec2 as ec2 } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { cloudFront, rsaJwk, SYNC_SUBJECT, TLS_SERVER } from './issuer-fixtures';
import { LoopbackS3 } from './loopback-s3';
import { GitLabHostedIssuer, GitLabIssuerKeysPull, GitLabJwks } from '../../src';
import { fetchText, KeyStore, pullKeys } from '../../src/private/issuer/keys/pull-handler';
import { SYNTH_TEST_MS } from '../support/timeouts';

jest.setTimeout(SYNTH_TEST_MS);

const BUCKET = 'acme-gitlab-issuer';
const K1 = rsaJwk('k1');
const K2 = rsaJwk('k2');

function newIssuer(pull: Partial<GitLabIssuerKeysPull> = {}, extra: { keysSync?: boolean } = {}) {
  const stack = new Stack(new App(), 'Issuer', { env: { account: '111122223333', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2 });
  const issuer = new GitLabHostedIssuer(stack, 'Issuer', {
    hosting: cloudFront(stack),
    jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [K1] })),
    keysPull: { instanceUrl: 'https://gitlab.internal.example', vpc, ...pull },
    keysSync: extra.keysSync ? { subjects: [SYNC_SUBJECT] } : undefined,
  });
  return { stack, issuer };
}

describe('the function and its permissions', () => {
  const { stack } = newIssuer({ instanceCaCertificate: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n', gracePeriod: Duration.days(2) });
  const template = Template.fromStack(stack);
  const functionRole = () => Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('IssuerKeysPullFunctionServiceRole'))!;

  test('in the VPC\'s private subnets, one run at a time, every hour, its settings in its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'pull-handler.handler',
      ReservedConcurrentExecutions: 1,
      VpcConfig: Match.objectLike({ SubnetIds: Match.arrayWith([{ Ref: Match.stringLikeRegexp('^VpcPrivateSubnet') }]) }),
      Environment: {
        Variables: {
          ISSUER_BUCKET: { Ref: Match.stringLikeRegexp('^IssuerBucket') },
          INSTANCE_URL: 'https://gitlab.internal.example',
          KEYS_KEY: 'oauth/discovery/keys',
          SIGHTINGS_KEY: 'oauth/discovery/keys.sightings.json',
          GRACE_HOURS: '48',
          CACHE_CONTROL: 'max-age=300',
          INSTANCE_CA_CERTIFICATE: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n',
        },
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)', Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 2 } })] });
  });

  test('its role reads and writes the keys and its sightings alone; the bucket lets it write those and nothing else', () => {
    const role = functionRole();
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => p.Properties.Roles.some((r: any) => r.Ref === role)) as any;
    expect(policy.Properties.PolicyDocument.Statement.map((s: any) => s.Action)).toEqual([['s3:GetObject', 's3:PutObject'], 's3:ListBucket']);
    const statements = (Object.values(template.findResources('AWS::S3::BucketPolicy'))[0] as any).Properties.PolicyDocument.Statement;
    expect(statements.find((s: any) => s.Sid === 'OnlyTheDeploymentAndKeysSyncWrite').Condition.ArnNotEquals['aws:PrincipalArn']).toContainEqual({ 'Fn::GetAtt': [role, 'Arn'] });
    expect(statements.find((s: any) => s.Sid === 'KeysSyncWritesTheKeysAlone').Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [role, 'Arn'] } } });
  });
});

test.each<[string, () => unknown, RegExp]>([
  ['plain HTTP', () => newIssuer({ instanceUrl: 'http://gitlab.internal.example' }), /keysPull instanceUrl must be an https:\/\/ URL .*got: "http:\/\/gitlab.internal.example"/],
  ['a trailing slash', () => newIssuer({ instanceUrl: 'https://gitlab.internal.example/' }), /must be an https:\/\/ URL without a trailing "\/"/],
  ['keysSync beside it', () => newIssuer({}, { keysSync: true }), /give keysSync or keysPull, not both: one writer keeps the keys' grace periods/],
  ['a grace period of minutes', () => newIssuer({ gracePeriod: Duration.minutes(30) }), /gracePeriod must be whole hours/],
])('refused: %s', (_title, build, message) => {
  expect(build).toThrow(message);
});

describe('its code, against a loopback bucket and instance', () => {
  let s3: LoopbackS3;
  let store: KeyStore;
  beforeEach(async () => {
    s3 = await LoopbackS3.start(BUCKET, { 'oauth/discovery/keys': JSON.stringify({ keys: [K1] }) });
    // The SDK's S3 client, as the function uses it, signing with stand-in keys.
    const client = new S3Client({ region: 'eu-west-1', endpoint: s3.url, forcePathStyle: true, credentials: { accessKeyId: 'AKIAPULLFUNCTION0001', secretAccessKey: 'x' } });
    store = {
      get: async (key) => {
        try {
          return await (await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToString('utf8');
        } catch (e) {
          if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
          throw e;
        }
      },
      put: async (key, body, cacheControl) => {
        await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'application/json', CacheControl: cacheControl }));
      },
    };
  });
  afterEach(async () => s3.close());
  const pull = (instanceKeys: unknown) => pullKeys({
    instanceUrl: 'https://gitlab.internal.example',
    fetchText: async (url) => {
      expect(url).toBe('https://gitlab.internal.example/oauth/discovery/keys');
      return JSON.stringify(instanceKeys);
    },
    store,
    keysKey: 'oauth/discovery/keys',
    sightingsKey: 'oauth/discovery/keys.sightings.json',
    graceMs: 24 * 3_600_000,
    cacheControl: 'max-age=300',
    now: new Date(),
  });

  test('a rotation: the new key and the old one published (the old within its grace), then the sightings', async () => {
    expect(await pull({ keys: [K2] })).toBe('publishing the instance\'s keys: k2; kept in their grace period: k1; retired: none');
    expect(s3.puts.map((p) => [p.key, p.cacheControl])).toEqual([['oauth/discovery/keys', 'max-age=300'], ['oauth/discovery/keys.sightings.json', undefined]]);
    expect(JSON.parse(s3.objects.get('oauth/discovery/keys')!).keys.map((k: any) => k.kid)).toEqual(['k2', 'k1']);
  });

  test('unchanged keys are not written again (every write of the keys reaches the topic); the sightings are', async () => {
    s3.objects.set('oauth/discovery/keys', JSON.stringify({ keys: [{ kty: 'RSA', kid: 'k1', use: 'sig', alg: 'RS256', n: K1.n, e: K1.e }] }));
    expect(await pull({ keys: [K1] })).toBe('publishing the instance\'s keys: k1; kept in their grace period: none; retired: none');
    expect(s3.puts.map((p) => p.key)).toEqual(['oauth/discovery/keys.sightings.json']);
  });

  test('fails closed: private members in the instance\'s set, nothing is written', async () => {
    await expect(pull({ keys: [{ ...K2, d: 'AQAB' }] })).rejects.toThrow(/holds private key members \(d\)/);
    expect(s3.puts).toEqual([]);
  });

  test('fails closed: no published keys (the stack not deployed), nothing is written', async () => {
    s3.objects.delete('oauth/discovery/keys');
    await expect(pull({ keys: [K2] })).rejects.toThrow(/the bucket has no oauth\/discovery\/keys: deploy the stack first/);
    expect(s3.puts).toEqual([]);
  });
});

test('the instance over HTTPS: its private CA trusted when given, refused otherwise', async () => {
  const server = createHttpsServer(TLS_SERVER, (_req, res) => res.writeHead(200).end('{"keys":[]}'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/oauth/discovery/keys`;
  try {
    await expect(fetchText(url, TLS_SERVER.cert)).resolves.toBe('{"keys":[]}');
    await expect(fetchText(url)).rejects.toThrow(/self.signed certificate/);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});
