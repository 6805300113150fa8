// The keys sync: what it decides to publish (the instance's keys, and recent ones for a grace period), the
// `issuer-keys` command that decides it, the generated job, and the job run under gitlab-ci-local with the real
// credential exchange (the loopback STS judging the sync role's trust in the hosted issuer), a stand-in of the
// instance's keys endpoint and a loopback bucket: it uploads only checked public keys, as the sync role, and fails
// closed on a key set with private members.
import { generateKeyPairSync } from 'crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { Server } from 'http';
import { createServer as createHttpsServer } from 'https';
import { AddressInfo } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, Duration, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { cloudFront, rsaJwk, SYNC_LAYOUT, SYNC_SUBJECT, TLS_CERT_FILE, TLS_SERVER } from './issuer-fixtures';
import { LoopbackS3 } from './loopback-s3';
import { GitLabHostedIssuer, GitLabIssuerHosting, GitLabJwks, GitLabSubject } from '../../src';
import { runIssuerKeys } from '../../src/cli/issuer-keys-command';
import { nextPublication } from '../../src/private/issuer/keys/key-rotation';
import { publicJwks } from '../../src/private/issuer/keys/public-jwks';
import { LoopbackSts } from '../job/loopback-sts';
import { runJob, SDK_AWS_CLI_DIR } from '../job/run-job';
import { FixtureIssuer, gitLabClaims } from '../security/support/issuer';
import { EmulatedAccount } from '../security/support/sts';
import { builtCommand } from '../support/built-command';
import { runCommand } from '../support/command-run';
import { gitLabCiValidator, parseCi, psych } from '../support/gitlab-ci';
import { EMULATOR_JOB_TEST_MS, ISSUER_START_TEST_MS } from '../support/timeouts';

const ISSUER = 'https://gitlab-oidc.example.com';
const BUCKET = 'acme-gitlab-issuer';
const K1 = rsaJwk('k1');
const K2 = rsaJwk('k2');
const K3 = rsaJwk('k3');
const set = (...keys: Record<string, unknown>[]) => publicJwks({ keys }, 'test');
const NOW = new Date('2026-12-03T12:00:00Z');
const HOUR = 3_600_000;

describe('what the sync publishes', () => {
  test.each<[string, Record<string, unknown>[], Record<string, unknown>[], Record<string, string> | undefined, string[], string[], string[]]>([
    ['the instance\'s keys, when nothing else was published', [K1], [K1], undefined, ['k1'], [], []],
    ['a rotation: the new key first, the old one kept (no sighting: seen now)', [K2], [K1], undefined, ['k2'], ['k1'], []],
    ['an old key within its grace period stays', [K2], [K2, K1], { k1: new Date(NOW.getTime() - 10 * HOUR).toISOString() }, ['k2'], ['k1'], []],
    ['an old key past its grace period is retired', [K2], [K2, K1], { k1: new Date(NOW.getTime() - 25 * HOUR).toISOString() }, ['k2'], [], ['k1']],
    ['the boundary: exactly the grace period stays', [K3], [K3, K1], { k1: new Date(NOW.getTime() - 24 * HOUR).toISOString() }, ['k3'], ['k1'], []],
  ])('%s', (_title, instance, published, lastSeen, current, kept, retired) => {
    const publication = nextPublication(set(...instance), set(...published), lastSeen && { lastSeen }, NOW, 24 * HOUR);
    expect([publication.current, publication.kept, publication.retired]).toEqual([current, kept, retired]);
    expect(publication.jwks.keys.map((k) => k.kid)).toEqual([...current, ...kept]);
    expect(Object.keys(publication.sightings.lastSeen).sort()).toEqual([...current, ...kept].sort());
    for (const kid of current) expect(publication.sightings.lastSeen[kid]).toBe(NOW.toISOString());
  });

  test.each<[string, () => unknown, RegExp]>([
    ['a kid whose key material changed', () => nextPublication(set({ ...K2, kid: 'k1' }), set(K1), undefined, NOW, HOUR), /the instance's key "k1" is not the key published under that kid/],
    ['a sighting in the future', () => nextPublication(set(K2), set(K1), { lastSeen: { k1: '2027-01-01T00:00:00Z' } }, NOW, HOUR), /the sighting of key "k1" is in the future/],
    ['a sighting that is no time', () => nextPublication(set(K2), set(K1), { lastSeen: { k1: 'yesterday' } }, NOW, HOUR), /the sighting of key "k1" is no time, got: "yesterday"/],
  ])('refused: %s', (_title, publish, message) => {
    expect(publish).toThrow(message);
  });
});

test('kids are data: keys named "__proto__", "toString" and "constructor" rotate like any other', () => {
  const odd = ['__proto__', 'toString', 'constructor'].map((kid) => ({ ...rsaJwk('x'), kid }));
  const first = nextPublication(set(K2), set(...odd), undefined, NOW, HOUR);
  expect([first.kept, Object.keys(first.sightings.lastSeen).sort()]).toEqual([['__proto__', 'toString', 'constructor'], ['__proto__', 'constructor', 'k2', 'toString']]);
  const later = new Date(NOW.getTime() + 2 * HOUR);
  const second = nextPublication(set(K2), set(K2, ...odd), JSON.parse(JSON.stringify(first.sightings)), later, HOUR);
  expect(second.retired).toEqual(['__proto__', 'toString', 'constructor']);
  expect(({} as any).toString).toBe(Object.prototype.toString);
});

describe('cdk-gitlab-oidc issuer-keys', () => {
  const dir = mkdtempSync(join(tmpdir(), 'issuer-keys-'));
  const run = (args: string[]) => runCommand(runIssuerKeys, args, dir, { now: () => NOW });
  const write = (file: string, value: unknown) => writeFileSync(join(dir, file), JSON.stringify(value));
  const ARGS = ['--instance', 'instance.json', '--published', 'published.json', '--out', 'keys.json', '--sightings-out', 'sightings.json'];

  test('writes the key set (public members alone) and the sightings; says what it did', () => {
    write('instance.json', { keys: [{ ...K2, x5c: ['MII...'] }] });
    write('published.json', { keys: [K1] });
    expect(run([...ARGS, '--grace-hours', '24'])).toEqual({ code: 0, stderr: '', stdout: 'publishing the instance\'s keys: k2; kept in their grace period: k1; retired: none\n' });
    expect(JSON.parse(readFileSync(join(dir, 'keys.json'), 'utf8')).keys.map((k: any) => Object.keys(k).join(','))).toEqual(['kty,kid,use,alg,n,e', 'kty,kid,use,alg,n,e']);
    expect(JSON.parse(readFileSync(join(dir, 'sightings.json'), 'utf8'))).toEqual({ lastSeen: { k1: NOW.toISOString(), k2: NOW.toISOString() } });
  });

  test.each<[string, unknown, string[], RegExp]>([
    ['the instance\'s signing key (private members)', { keys: [{ ...K2, d: 'AQAB', p: 'AQAB' }] }, [], /refused: --instance instance.json key 0 \(kid "k2"\) holds private key members \(d, p\)/],
    ['an empty set', { keys: [] }, [], /holds no key/],
    ['a grace period of 0', { keys: [K2] }, ['--grace-hours', '0'], /--grace-hours must be a whole number from 1 to 8760, got: 0/],
    ['a missing --out', { keys: [K2] }, ['--out', ''], /--out is required/],
  ])('exit 2, one line, nothing written: %s', (_title, instance, extra, message) => {
    const out = `keys-${Math.random().toString(36).slice(2)}.json`;
    write('instance.json', instance);
    write('published.json', { keys: [K1] });
    const args = [...ARGS.map((a) => (a === 'keys.json' ? out : a)), ...extra];
    const result = run(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, out))).toBe(false);
  });
});

describe('the generated keys sync job', () => {
  const newIssuer = (named = true, keysSync = true) => {
    const bucketName = named ? BUCKET : undefined;
    const stack = new Stack(new App(), 'Issuer', { env: { account: '111122223333', region: 'eu-west-1' } });
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', {
      hosting: cloudFront(stack, { bucketName }),
      jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [K1] })),
      keysSync: keysSync ? { subjects: [SYNC_SUBJECT], gracePeriod: Duration.days(2) } : undefined,
    });
    return { stack, issuer };
  };

  test('schema-valid; run by schedules alone; the credentials where no fetched code runs, the decision where no credentials are', () => {
    const { stack, issuer } = newIssuer();
    // Known whole at synth: the role's ARN from its fixed name.
    const yaml = issuer.keysSyncJob();
    expect(stack.resolve(yaml)).toBe(yaml);
    const document = parseCi(yaml);
    expect([gitLabCiValidator()(document)]).toEqual([true]);
    expect(psych(yaml)).toEqual(document);
    expect(Object.keys(document)).toEqual(['.gitlab-issuer-keys-sync', 'gitlab-issuer-keys-sync-read', 'gitlab-issuer-keys-sync-decide', 'gitlab-issuer-keys-sync-publish']);
    const hidden = document['.gitlab-issuer-keys-sync'];
    expect([hidden.variables.AWS_ROLE_ARN, hidden.id_tokens]).toEqual(['arn:aws:iam::111122223333:role/gitlab-issuer-keys-sync', { GITLAB_OIDC_TOKEN: { aud: 'gitlab-issuer-keys-sync' } }]);
    const schedule = [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }];
    expect(document['gitlab-issuer-keys-sync-read']).toEqual({
      extends: '.gitlab-issuer-keys-sync',
      variables: { GIT_STRATEGY: 'none' },
      rules: schedule,
      script: [
        `aws s3api get-object --bucket ${BUCKET} --key oauth/discovery/keys published-keys.json > /dev/null`,
        `if aws s3api get-object --bucket ${BUCKET} --key oauth/discovery/keys.sightings.json sightings.json > /dev/null 2> sightings.err; then :; ` +
          'elif grep -q NoSuchKey sightings.err; then echo \'{"lastSeen":{}}\' > sightings.json; else cat sightings.err >&2; exit 1; fi',
      ],
      artifacts: { paths: ['published-keys.json', 'sightings.json'], expire_in: '1 day' },
    });
    // No id_tokens, no role: the job that runs npm's code holds no credentials.
    expect(document['gitlab-issuer-keys-sync-decide']).toEqual({
      image: 'public.ecr.aws/sam/build-nodejs22.x:latest',
      needs: [{ job: 'gitlab-issuer-keys-sync-read', artifacts: true }],
      rules: schedule,
      script: [
        'curl --proto \'=https\' --fail --silent --show-error --max-time 30 --output instance-keys.json "${CI_SERVER_URL}/oauth/discovery/keys"',
        'npm ci --ignore-scripts --no-audit --no-fund',
        'npx --no-install cdk-gitlab-oidc issuer-keys --instance instance-keys.json --published published-keys.json --sightings sightings.json ' +
          '--grace-hours 48 --out keys.json --sightings-out next-sightings.json',
      ],
      artifacts: { paths: ['keys.json', 'next-sightings.json'], expire_in: '1 day' },
    });
    expect(document['gitlab-issuer-keys-sync-publish']).toEqual({
      extends: '.gitlab-issuer-keys-sync',
      variables: { GIT_STRATEGY: 'none' },
      needs: [{ job: 'gitlab-issuer-keys-sync-read', artifacts: true }, { job: 'gitlab-issuer-keys-sync-decide', artifacts: true }],
      rules: schedule,
      resource_group: 'gitlab-issuer-keys-sync',
      script: [
        'if cmp -s keys.json published-keys.json; then echo \'cdk-gitlab-oidc: the published keys are current\'; else ' +
          `aws s3api put-object --bucket ${BUCKET} --key oauth/discovery/keys --body keys.json --content-type application/json --cache-control max-age=300 > /dev/null; fi`,
        `aws s3api put-object --bucket ${BUCKET} --key oauth/discovery/keys.sightings.json --body next-sightings.json --content-type application/json > /dev/null`,
      ],
    });
  });

  test('instanceUrl: written into the job; refused unless HTTPS', () => {
    const { issuer } = newIssuer();
    expect(parseCi(issuer.keysSyncJob({ instanceUrl: 'https://gitlab.internal.example' }))['gitlab-issuer-keys-sync-decide'].script[0])
      .toContain('"https://gitlab.internal.example/oauth/discovery/keys"');
    expect(() => issuer.keysSyncJob({ instanceUrl: 'http://gitlab.internal.example' })).toThrow(/keysSyncJob\(\) instanceUrl must be an https:\/\/ URL/);
    expect(() => issuer.keysSyncJob({ instanceUrl: 'https://gitlab.internal.example/"; rm -rf /' })).toThrow(/must be an https:\/\/ URL/);
  });

  test('the sync role reads and writes the keys and its sightings, lists the bucket; the bucket refuses it every other object', () => {
    const { stack } = newIssuer();
    const template = Template.fromStack(stack);
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p: any) => p.Properties.Roles[0].Ref.startsWith('IssuerKeysSyncRole')) as any;
    expect(policy.Properties.PolicyDocument.Statement.map((s: any) => [s.Action, s.Condition])).toEqual([
      [['s3:GetObject', 's3:PutObject'], undefined],
      ['s3:ListBucket', undefined],
    ]);
    const deny = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0] as any;
    const alone = deny.Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'KeysSyncWritesTheKeysAlone');
    expect(alone.NotResource.map((r: any) => r['Fn::Join'][1][1])).toEqual(['/oauth/discovery/keys', '/oauth/discovery/keys.sightings.json']);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['without keysSync', () => newIssuer(true, false).issuer.keysSyncJob(), /keysSyncJob\(\) needs keysSync: the role the job assumes/],
    ['in a stack without a literal account', () => {
      const stack = new Stack(new App(), 'Agnostic');
      return new GitLabHostedIssuer(stack, 'Issuer', {
        hosting: cloudFront(stack, { bucketName: BUCKET }),
        jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [K1] })),
        keysSync: { subjects: [SYNC_SUBJECT] },
      }).keysSyncJob();
    }, /a pipeline file holds the role's ARN as a literal: .*got: roleName "gitlab-issuer-keys-sync", account "\$\{Token/],
    ['with a generated bucket name', () => newIssuer(false).issuer.keysSyncJob(), /keysSyncJob\(\) writes the bucket's name into the job: give the bucket a name \(GitLabIssuerHosting.cloudFront\(\{ bucketName \}\)\), got: a generated name/],
  ])('refused: %s', (_title, job, message) => {
    expect(job).toThrow(message);
  });

  test.each<[string, Duration]>([['30 minutes', Duration.minutes(30)], ['400 days', Duration.days(400)], ['90 minutes', Duration.minutes(90)]])('gracePeriod refused: %s', (_title, gracePeriod) => {
    const stack = new Stack(new App(), 'Issuer', { env: { account: '111122223333', region: 'eu-west-1' } });
    expect(() => new GitLabHostedIssuer(stack, 'Issuer', {
      hosting: GitLabIssuerHosting.s3Bucket({ bucketName: BUCKET }),
      jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [K1] })),
      keysSync: { subjects: [SYNC_SUBJECT], gracePeriod },
    })).toThrow(/keysSync gracePeriod must be whole hours from 1 hour to 365 days/);
  });
});

describe('the keys sync role holds the trust root: one project\'s one protected branch', () => {
  const build = (subjects: GitLabSubject[], allowUnprotectedRefs?: boolean) => () => {
    const stack = new Stack(new App(), 'Issuer', { env: { account: '111122223333', region: 'eu-west-1' } });
    return new GitLabHostedIssuer(stack, 'Issuer', {
      hosting: GitLabIssuerHosting.s3Bucket({ bucketName: BUCKET }),
      jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [K1] })),
      keysSync: { subjects, allowUnprotectedRefs },
    });
  };
  test.each<[string, GitLabSubject[], RegExp]>([
    ['a branch without ref_protected in the sub (a fork\'s "main" would match)', [GitLabSubject.project('ops/gitlab-keys').branch('main')],
      /keysSync needs protected refs required in the sub .*STS compares only sub and aud for this issuer, .*got: "project_path:ops\/gitlab-keys:ref_type:branch:ref:main"/],
    ['two subjects', [SYNC_SUBJECT, GitLabSubject.project('ops/other', { subClaimLayout: SYNC_LAYOUT, subClaimRefProtected: true }).branch('main')],
      /keysSync needs one subject naming one project's one branch \(no pattern\)/],
    ['a branch pattern', [GitLabSubject.project('ops/gitlab-keys', { subClaimLayout: SYNC_LAYOUT, subClaimRefProtected: true }).branch('release/*')], /keysSync needs one subject naming one project's one branch \(no pattern\)/],
    ['a group', [GitLabSubject.group('ops').anyRef()], /keysSync needs one subject naming one project's one branch/],
  ])('refused: %s', (_title, subjects, message) => {
    expect(build(subjects)).toThrow(message);
  });
  test('allowUnprotectedRefs admits a branch without the component (instances before GitLab 18.7); a pattern stays refused', () => {
    expect(build([GitLabSubject.project('ops/gitlab-keys').branch('main')], true)).not.toThrow();
    expect(build([GitLabSubject.project('ops/gitlab-keys').branch('*')], true)).toThrow(/no pattern/);
  });
});

describe('the job under gitlab-ci-local: the instance\'s keys endpoint and the bucket stood in, the credential exchange real', () => {
  jest.setTimeout(EMULATOR_JOB_TEST_MS);
  let fixture: FixtureIssuer;
  let sts: LoopbackSts;
  let yaml: string;
  let npxDir: string;
  let roleName: string;

  beforeAll(async () => {
    fixture = await FixtureIssuer.start(ISSUER);
    const stack = new Stack(new App(), 'Issuer', { env: { account: '111122223333', region: 'eu-west-1' } });
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', {
      hosting: cloudFront(stack, { bucketName: BUCKET }),
      jwks: GitLabJwks.fromJson(JSON.stringify({ keys: [K1] })),
      keysSync: { subjects: [SYNC_SUBJECT] },
    });
    const template = Template.fromStack(stack).toJSON() as any;
    roleName = template.Resources[Object.keys(template.Resources).find((id) => id.startsWith('IssuerKeysSyncRole') && template.Resources[id].Type === 'AWS::IAM::Role')!].Properties.RoleName;
    sts = await LoopbackSts.start(EmulatedAccount.fromTemplate(template, [], { [ISSUER]: fixture.loopbackUrl }));
    yaml = issuer.keysSyncJob();
    // The ops project's locked install, stood in: `npm ci` as it would run (recorded), and `npx --no-install` running the
    // package's built command, as the lock file would have installed it.
    npxDir = mkdtempSync(join(tmpdir(), 'npm-stand-in-'));
    writeFileSync(join(npxDir, 'npm'), '#!/bin/sh\n[ "$*" = "ci --ignore-scripts --no-audit --no-fund" ] || { echo "npm stand-in: unexpected: $*" >&2; exit 97; }\n');
    writeFileSync(join(npxDir, 'npx'), '#!/bin/sh\n[ "$1" = --no-install ] && [ "$2" = cdk-gitlab-oidc ] || { echo "npx stand-in: unexpected: $*" >&2; exit 97; }\n' +
      `shift 2\nexec node "${builtCommand()}" "$@"\n`);
    for (const tool of ['npm', 'npx']) chmodSync(join(npxDir, tool), 0o755);
  }, ISSUER_START_TEST_MS);
  afterAll(async () => {
    await sts?.close();
    await fixture?.close();
  });

  /** Runs the job with the instance serving `instanceKeys` and the bucket holding `objects`. */
  async function sync(instanceKeys: unknown, objects: Record<string, string>) {
    // The instance over HTTPS (the job's curl takes nothing else), with the fixture certificate.
    const instance: Server = createHttpsServer(TLS_SERVER, (req, res) => {
      if (req.url === '/oauth/discovery/keys') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(instanceKeys));
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => instance.listen(0, '127.0.0.1', resolve));
    const s3 = await LoopbackS3.start(BUCKET, objects);
    const now = Math.floor(Date.now() / 1000);
    const token = await fixture.sign(gitLabClaims(ISSUER, {
      projectPath: 'ops/gitlab-keys',
      refType: 'branch',
      ref: 'main',
      aud: 'gitlab-issuer-keys-sync',
      refProtected: true,
      subClaimComponents: ['project_path', 'ref_type', 'ref', 'ref_protected'],
    }, now));
    try {
      const result = await runJob(yaml, {
        job: ['gitlab-issuer-keys-sync-read', 'gitlab-issuer-keys-sync-decide', 'gitlab-issuer-keys-sync-publish'],
        variables: { GITLAB_OIDC_TOKEN: token, CI_PIPELINE_SOURCE: 'schedule', CI_SERVER_URL: `https://127.0.0.1:${(instance.address() as AddressInfo).port}` },
        env: {
          AWS_ENDPOINT_URL_STS: sts.url,
          AWS_ENDPOINT_URL_S3: s3.url,
          PATH: `${npxDir}:${SDK_AWS_CLI_DIR}:${process.env.PATH}`,
          CURL_CA_BUNDLE: TLS_CERT_FILE,
          GCL_IGNORE_PREDEFINED_VARS: 'CI_PIPELINE_SOURCE,CI_SERVER_URL',
        },
        secrets: () => [token, ...sts.issuedSecrets],
      });
      return { result, s3 };
    } finally {
      await s3.close();
      await new Promise<void>((resolve) => instance.close(() => resolve()));
    }
  }

  test('a rotation: the instance\'s new key and the old one uploaded, public members alone, as the sync role', async () => {
    const { result, s3 } = await sync({ keys: [{ ...K2, x5c: ['MII...'] }] }, { 'oauth/discovery/keys': JSON.stringify({ keys: [K1] }) });
    expect([result.exitCode, result.output]).toEqual([0, expect.stringContaining('publishing the instance\'s keys: k2; kept in their grace period: k1; retired: none')]);
    const keys = s3.puts.find((p) => p.key === 'oauth/discovery/keys')!;
    expect(JSON.parse(keys.body)).toEqual({ keys: [K2, K1].map((k) => ({ kty: 'RSA', kid: k.kid, use: 'sig', alg: 'RS256', n: k.n, e: k.e })) });
    expect([keys.contentType, keys.cacheControl]).toEqual(['application/json', 'max-age=300']);
    expect(JSON.parse(s3.puts.find((p) => p.key === 'oauth/discovery/keys.sightings.json')!.body).lastSeen).toEqual({ k1: expect.any(String), k2: expect.any(String) });
    const writers = new Set(s3.calls.filter((c) => c.method === 'PUT').map((c) => sts.identityOf(c.accessKeyId!)));
    expect([...writers]).toEqual([expect.stringMatching(new RegExp(`^arn:aws:sts::111122223333:assumed-role/${roleName}/`))]);
    expect(result.filesHoldingSecret).toEqual([]);
    // The credentials where the AWS CLI alone runs; none where npm's code runs.
    expect(result.output).toMatch(/gitlab-issuer-keys-sync-read +> cdk-gitlab-oidc: the job runs as arn:aws:sts::111122223333:assumed-role\/gitlab-issuer-keys-sync\//);
    expect(result.output).toMatch(/gitlab-issuer-keys-sync-publish +> cdk-gitlab-oidc: the job runs as /);
    expect(result.output).not.toMatch(/gitlab-issuer-keys-sync-decide +> cdk-gitlab-oidc: the job runs as/);
  });

  test('unchanged keys are not written again (every write of the keys reaches the topic); the sightings are', async () => {
    const published = JSON.stringify({ keys: [K1].map((k) => ({ kty: 'RSA', kid: k.kid, use: 'sig', alg: 'RS256', n: k.n, e: k.e })) });
    const { result, s3 } = await sync({ keys: [K1] }, { 'oauth/discovery/keys': published });
    expect([result.exitCode, result.output]).toEqual([0, expect.stringContaining('cdk-gitlab-oidc: the published keys are current')]);
    expect(s3.puts.map((p) => p.key)).toEqual(['oauth/discovery/keys.sightings.json']);
  });

  test('fails closed: the instance serving its private key, nothing is uploaded and the published keys stay', async () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const published = JSON.stringify({ keys: [K1] });
    const { result, s3 } = await sync({ keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'k2', use: 'sig', alg: 'RS256' }] }, { 'oauth/discovery/keys': published });
    expect(result.exitCode).not.toBe(0);
    expect(result.output).toMatch(/holds private key members \(d, p, q, dp, dq, qi\)/);
    expect(s3.puts).toEqual([]);
    expect(s3.objects.get('oauth/discovery/keys')).toBe(published);
  });

  test('fails closed: the instance unreachable, nothing is uploaded', async () => {
    const { result, s3 } = await sync(undefined, { 'oauth/discovery/keys': JSON.stringify({ keys: [K1] }) });
    expect(result.exitCode).not.toBe(0);
    expect(s3.puts).toEqual([]);
  });
});
