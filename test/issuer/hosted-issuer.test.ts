// GitLabHostedIssuer: the documents it publishes (the key set checked, the discovery document written from the
// issuer URL), both ways of hosting them, the bucket's protection of the trust root, the rules on every input
// (with tokens), and the rest of the library on the hosted issuer.
import { generateKeyPairSync } from 'crypto';
import { App, CfnParameter, CfnResource, Fn, RemovalPolicy, Stack, Stage, aws_s3 as s3, aws_iam as iam, aws_route53 as route53 } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { CERTIFICATE_ARN, cloudFront, rsaJwk, SYNC_SUBJECT } from './issuer-fixtures';
import { GitLabHostedIssuer, GitLabIssuerHosting, GitLabJwks, GitLabPipelineRole, GitLabRunnerRole, GitLabSubject } from '../../src';
import { explainToken } from '../../src/private/explain/explain';
import { readTrustPolicy } from '../../src/private/explain/policy';
import { discoveryDocument } from '../../src/private/issuer/discovery-document';
import { DocumentEvent, writeDocuments } from '../../src/private/issuer/documents';
import { newApp, newPipeline, synthesized } from '../pipeline/support/apps';
import { parseCi } from '../support/gitlab-ci';
import { SYNTH_TEST_MS } from '../support/timeouts';

jest.setTimeout(SYNTH_TEST_MS);

const KEY = rsaJwk('gitlab-key-1');
const JWKS = GitLabJwks.fromJson(JSON.stringify({ keys: [KEY] }));

function newStack(env = { account: '111122223333', region: 'eu-west-1' }): Stack {
  return new Stack(new App(), 'Issuer', { env });
}
const KEYS_SYNC = { subjects: [SYNC_SUBJECT] };

describe('the key set: public RSA signing keys alone', () => {
  test('what is published holds each key\'s public members alone', () => {
    const jwks = GitLabJwks.fromJson(JSON.stringify({ keys: [{ ...KEY, x5c: ['MIIB...'], extra: 1 }, rsaJwk('gitlab-key-2')] }));
    expect(jwks.keyIds).toEqual(['gitlab-key-1', 'gitlab-key-2']);
    const [first] = JSON.parse(jwks.toJsonString()).keys;
    expect(first).toEqual({ kty: 'RSA', kid: 'gitlab-key-1', use: 'sig', alg: 'RS256', n: KEY.n, e: KEY.e });
  });

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const privateJwk = { ...privateKey.export({ format: 'jwk' }), kid: 'leaked' };
  test.each<[string, unknown, RegExp]>([
    ['the signing key itself (d, p, q, dp, dq, qi)', { keys: [privateJwk] }, /key 0 \(kid "leaked"\) holds private key members \(d, p, q, dp, dq, qi\): publish the public keys alone/],
    ...['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'].map((m): [string, unknown, RegExp] => [`a private member ${m}`, { keys: [{ ...KEY, [m]: 'AQAB' }] }, new RegExp(`holds private key members \\(${m}\\)`)]),
    ['a symmetric key (k)', { keys: [{ kty: 'oct', k: 'c2VjcmV0', kid: 'x' }] }, /holds private key members \(k\)/],
    ['an EC key', { keys: [{ kty: 'EC', crv: 'P-256', x: 'AQAB', y: 'AQAB', kid: 'ec' }] }, /must be an RSA key \(kty "RSA"\): GitLab signs ID tokens with RS256, got kty: "EC"/],
    ['an encryption key', { keys: [{ ...KEY, use: 'enc' }] }, /must be a signing key \(use "sig"\), got use: "enc"/],
    ['another algorithm', { keys: [{ ...KEY, alg: 'RS512' }] }, /must be for RS256, .*got alg: "RS512"/],
    ['no kid', { keys: [{ ...KEY, kid: undefined }] }, /needs a kid of 1 to 255 characters: .*got kid: undefined/],
    ['a kid of 256 characters', { keys: [{ ...KEY, kid: 'k'.repeat(256) }] }, /needs a kid of 1 to 255 characters/],
    ['the exponent 1 (anyone forges its signatures)', { keys: [{ ...KEY, e: 'AQ' }] }, /must have the public exponent 65537 \("AQAB"\), as GitLab's keys do, got e: "AQ"/],
    ['the exponent 3', { keys: [{ ...KEY, e: 'Aw' }] }, /must have the public exponent 65537/],
    ['an even modulus', { keys: [{ ...KEY, n: `${(KEY.n as string).slice(0, -1)}A` }] }, /has an even modulus: no RSA key has one/],
    // 256 bytes take 342 characters, the last of which carries 2 bits: a set low bit decodes to the same bytes.
    ['a modulus with stray bits (not canonical)', { keys: [{ ...KEY, n: `${(KEY.n as string).slice(0, -1)}${{ A: 'B', Q: 'R', g: 'h', w: 'x' }[(KEY.n as string).slice(-1)]}` }] },
      /member n must be canonical base64url text/],
    ['more than 100 keys', { keys: Array.from({ length: 101 }, (_, i) => ({ ...KEY, kid: `k${i}` })) }, /holds more than 100 keys: an instance lists a few, got: 101/],
    ['a repeated kid', { keys: [KEY, { ...rsaJwk('gitlab-key-1') }] }, /key 1 \(kid "gitlab-key-1"\) repeats a kid/],
    ['a 1024-bit modulus', { keys: [rsaJwk('short', 1024)] }, /has a 1024-bit modulus: RS256 keys have at least 2048 bits/],
    ['a modulus that is not base64url', { keys: [{ ...KEY, n: 'a+b/c=' }] }, /member n must be canonical base64url text/],
    ['an exponent with padding', { keys: [{ ...KEY, e: 'AQAB=' }] }, /member e must be canonical base64url text/],
    ['no key', { keys: [] }, /holds no key: STS could verify no token, got: \{"keys":\[\]\}/],
    ['no key set', [KEY], /must be a JSON Web Key Set \(\{"keys": \[...\]\}/],
    ['a key that is no object', { keys: ['AQAB'] }, /key 0 must be a JSON object, got: "AQAB"/],
  ])('refused: %s', (_title, value, message) => {
    expect(() => GitLabJwks.fromJson(JSON.stringify(value))).toThrow(message);
  });

  test('prototype names are data: "__proto__" and "constructor" members are not keys\' members', () => {
    const text = `{"keys":[{"__proto__":{"d":"x"},"constructor":"y",${JSON.stringify(KEY).slice(1)}]}`;
    expect(JSON.parse(GitLabJwks.fromJson(text).toJsonString()).keys[0]).toEqual({ kty: 'RSA', kid: 'gitlab-key-1', use: 'sig', alg: 'RS256', n: KEY.n, e: KEY.e });
  });

  test.each<[string, () => GitLabJwks, RegExp]>([
    ['not JSON', () => GitLabJwks.fromJson('{keys'), /GitLabJwks.fromJson is not JSON/],
    ['a deploy-time value', () => GitLabJwks.fromJson(new CfnParameter(newStack(), 'Keys').valueAsString), /needs literal JSON: the keys are checked at synth/],
    ['a missing file', () => GitLabJwks.fromFile('no-such-jwks.json'), /GitLabJwks.fromFile cannot read "no-such-jwks.json": ENOENT/],
    ['a deploy-time path', () => GitLabJwks.fromFile(Fn.importValue('KeysFile')), /GitLabJwks.fromFile needs a literal path/],
  ])('refused: %s', (_title, read, message) => {
    expect(read).toThrow(message);
  });
});

test('the discovery document: issuer exactly the URL, the keys under it, the members STS reads', () => {
  expect(discoveryDocument('https://gitlab-oidc.example.com')).toEqual({
    issuer: 'https://gitlab-oidc.example.com',
    jwks_uri: 'https://gitlab-oidc.example.com/oauth/discovery/keys',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'],
  });
});

describe('CloudFront on a custom domain (the recommended hosting)', () => {
  const stack = newStack();
  const zone = route53.HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789', zoneName: 'example.com' });
  const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack, { hostedZone: zone }), jwks: JWKS, keysSync: KEYS_SYNC });
  const template = Template.fromStack(stack);
  const bucketRef = { 'Fn::GetAtt': [Match.stringLikeRegexp('^IssuerBucket'), 'Arn'] };
  const objectArn = (key: string) => ({ 'Fn::Join': ['', [bucketRef, `/${key}`]] });

  test('the issuer URL, the provider registered for it, and the instance\'s settings', () => {
    expect(issuer.issuerUrl).toBe('https://gitlab-oidc.example.com');
    expect(issuer.gitLabRbSetting).toBe('gitlab_rails[\'ci_id_tokens_issuer_url\'] = \'https://gitlab-oidc.example.com\'');
    expect(issuer.helmSetting).toBe('global.appConfig.ciIdTokens.issuerUrl=https://gitlab-oidc.example.com');
    expect(issuer.validateCommand).toBe('sudo gitlab-rake ci:validate_id_token_configuration');
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://gitlab-oidc.example.com', ClientIdList: ['https://gitlab-oidc.example.com', 'gitlab-issuer-keys-sync'] });
    template.hasOutput('*', { Value: 'gitlab_rails[\'ci_id_tokens_issuer_url\'] = \'https://gitlab-oidc.example.com\'' });
    template.hasOutput('*', { Value: 'global.appConfig.ciIdTokens.issuerUrl=https://gitlab-oidc.example.com' });
  });

  test('a private, versioned, encrypted bucket, owner-enforced, kept when the stack goes', () => {
    template.hasResource('AWS::S3::Bucket', {
      Properties: {
        VersioningConfiguration: { Status: 'Enabled' },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
      DeletionPolicy: 'Retain',
    });
    // Its object events go to EventBridge (aws-cdk-lib sets it through its notifications custom resource).
    template.hasResourceProperties('Custom::S3BucketNotifications', { NotificationConfiguration: { EventBridgeConfiguration: {} } });
  });

  test('CloudFront reads the two documents alone, through origin access control, for this distribution alone', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Sid: 'CloudFrontReadsIssuerDocuments',
          Effect: 'Allow',
          Principal: { Service: 'cloudfront.amazonaws.com' },
          Action: 's3:GetObject',
          Resource: [objectArn('.well-known/openid-configuration'), objectArn('oauth/discovery/keys')],
          Condition: { StringEquals: { 'AWS:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudfront::111122223333:distribution/', { Ref: Match.stringLikeRegexp('^IssuerDistribution') }]] } } },
        }]),
      },
    });
    template.hasResourceProperties('AWS::CloudFront::Distribution', {
      DistributionConfig: Match.objectLike({
        Aliases: ['gitlab-oidc.example.com'],
        DefaultCacheBehavior: Match.objectLike({ ViewerProtocolPolicy: 'https-only', AllowedMethods: ['GET', 'HEAD'] }),
        Origins: [Match.objectLike({ OriginAccessControlId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^IssuerOriginAccessControl'), 'Id'] }, S3OriginConfig: { OriginAccessIdentity: '' } })],
        ViewerCertificate: { AcmCertificateArn: CERTIFICATE_ARN, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      }),
    });
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ SigningBehavior: 'always', OriginAccessControlOriginType: 's3' }) });
    template.resourceCountIs('AWS::Route53::RecordSet', 2);
    template.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'gitlab-oidc.example.com.', Type: 'AAAA' });
  });

  test('object writes refused to all but the deployment and the keys sync, and the keys sync to all but the keys', () => {
    const deployment = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('IssuerDocumentsFunctionServiceRole'))!;
    const sync = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('IssuerKeysSyncRole'))!;
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'OnlyTheDeploymentAndKeysSyncWrite',
            Effect: 'Deny',
            Principal: { AWS: '*' },
            Action: Match.arrayWith(['s3:PutObject*', 's3:DeleteObject*']),
            Resource: { 'Fn::Join': ['', [bucketRef, '/*']] },
            Condition: { ArnNotEquals: { 'aws:PrincipalArn': [{ 'Fn::GetAtt': [deployment, 'Arn'] }, { 'Fn::GetAtt': [sync, 'Arn'] }] } },
          }),
          Match.objectLike({
            Sid: 'KeysSyncWritesTheKeysAlone',
            Effect: 'Deny',
            NotResource: [objectArn('oauth/discovery/keys'), objectArn('oauth/discovery/keys.sightings.json')],
            Condition: { ArnEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [sync, 'Arn'] } } },
          }),
        ]),
      },
    });
    // The keys sync role may read and write the keys and its sightings and nothing else, trusted for the one project's main branch.
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: sync }],
      PolicyDocument: {
        Statement: [
          { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [objectArn('oauth/discovery/keys'), objectArn('oauth/discovery/keys.sightings.json')] },
          { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketRef },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Condition: { StringEquals: { 'gitlab-oidc.example.com:aud': 'gitlab-issuer-keys-sync', 'gitlab-oidc.example.com:sub': 'project_path:ops/gitlab-keys:ref_type:branch:ref:main:ref_protected:true' } },
        })],
      },
    });
  });

  test('every change of a document reaches the topic; the documents written by a function of the issuer\'s own', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted', 'Object Restore Completed'],
        'detail': { bucket: { name: [{ Ref: Match.stringLikeRegexp('^IssuerBucket') }] }, object: { key: ['.well-known/openid-configuration', 'oauth/discovery/keys'] } },
      },
      Targets: [Match.objectLike({ Arn: { Ref: Match.stringLikeRegexp('^IssuerChangesTopic') } })],
    });
    // The documents, written by a function of the issuer's own, whose role writes the two and nothing else.
    const [documents, ...others] = Object.entries<any>(template.findResources('Custom::GitLabIssuerDocuments'));
    expect(others).toEqual([]);
    expect(documents[1].Properties).toMatchObject({
      DiscoveryKey: '.well-known/openid-configuration',
      Discovery: JSON.stringify(discoveryDocument('https://gitlab-oidc.example.com')),
      KeysKey: 'oauth/discovery/keys',
      Keys: JWKS.toJsonString(),
      CacheControl: 'max-age=300',
    });
    const writer = Object.keys(template.findResources('AWS::IAM::Role')).find((id) => id.startsWith('IssuerDocumentsFunctionServiceRole'))!;
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: writer }],
      PolicyDocument: { Statement: [{ Effect: 'Allow', Action: 's3:PutObject', Resource: [objectArn('.well-known/openid-configuration'), objectArn('oauth/discovery/keys')] }] },
    });
    // IAM fetches the documents when the provider is created: it waits for them, the distribution and the domain's records.
    const [provider] = Object.values(template.findResources('AWS::IAM::OIDCProvider')) as any[];
    const served = [...Object.keys(template.findResources('AWS::CloudFront::Distribution')), ...Object.keys(template.findResources('AWS::Route53::RecordSet'))];
    expect(served).toHaveLength(3);
    expect(provider.DependsOn).toEqual(expect.arrayContaining([documents[0], ...served]));
  });

  test('changes of the bucket\'s settings and of the writing functions reach the topic (CloudTrail API events)', () => {
    const topic = { Ref: Match.stringLikeRegexp('^IssuerChangesTopic') };
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.s3'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['s3.amazonaws.com'],
          eventName: Match.arrayWith(['PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketVersioning', 'PutLifecycleConfiguration']),
          requestParameters: { bucketName: [{ Ref: Match.stringLikeRegexp('^IssuerBucket') }] },
        },
      },
      Targets: [Match.objectLike({ Arn: topic })],
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        'source': ['aws.lambda'],
        'detail-type': ['AWS API Call via CloudTrail'],
        'detail': {
          eventSource: ['lambda.amazonaws.com'],
          eventName: [{ prefix: 'UpdateFunctionCode' }, { prefix: 'UpdateFunctionConfiguration' }, { prefix: 'AddPermission' }],
          requestParameters: { functionName: [{ Ref: Match.stringLikeRegexp('^IssuerDocumentsFunction') }] },
        },
      },
      Targets: [Match.objectLike({ Arn: topic })],
    });
  });

  test('the library on the hosted issuer: a role of its provider, and explain judges its tokens', () => {
    const role = new GitLabRunnerRole(stack, 'Deploy', { provider: issuer.provider, subjects: [GitLabSubject.project('mygroup/app').branch('main')] });
    const document = stack.resolve((role.assumeRolePolicy as iam.PolicyDocument).toJSON());
    const resolved = JSON.parse(JSON.stringify(document).replace(/\{"Ref":"IssuerProvider[0-9A-F]+"\}/g, '"arn:aws:iam::111122223333:oidc-provider/gitlab-oidc.example.com"'));
    const claims = { iss: 'https://gitlab-oidc.example.com', aud: 'https://gitlab-oidc.example.com', sub: 'project_path:mygroup/app:ref_type:branch:ref:main' };
    const providers = [{ url: issuer.issuerUrl, arn: 'arn:aws:iam::111122223333:oidc-provider/gitlab-oidc.example.com', clientIds: issuer.provider.audiences }];
    expect(explainToken({ policy: readTrustPolicy(resolved), claims, providers }).decision).toBe('allowed');
    expect(explainToken({ policy: readTrustPolicy(resolved), claims: { ...claims, sub: 'project_path:mygroup/app:ref_type:branch:ref:dev' }, providers }).decision).toBe('denied');
  });
});

describe('the documents function: the keys are the first upload, never written back over the publisher\'s', () => {
  const PROPS = { Bucket: 'b', DiscoveryKey: 'd', Discovery: '{"issuer":"x"}', KeysKey: 'k', Keys: '{"keys":["first"]}', CacheControl: 'max-age=300' };
  const run = async (event: Omit<DocumentEvent, 'ResourceProperties'> & { ResourceProperties?: DocumentEvent['ResourceProperties'] }, bucket: Record<string, string>) => {
    const writes: string[] = [];
    const outcome = await writeDocuments({ ResourceProperties: PROPS, ...event } as DocumentEvent, {
      put: async (key, body, options) => {
        if (options.ifAbsent && bucket[key] !== undefined) return false;
        writes.push(`${key}${options.ifAbsent ? ' (if absent)' : ''}`);
        bucket[key] = body;
        return true;
      },
    });
    return { outcome, writes, bucket };
  };
  test.each<[string, Omit<DocumentEvent, 'ResourceProperties'>, Record<string, string>, string, string[], string]>([
    ['create, empty bucket: both written', { RequestType: 'Create' }, {}, 'written', ['d', 'k (if absent)'], '{"keys":["first"]}'],
    ['create, the bucket kept from before: its keys stay', { RequestType: 'Create' }, { k: '{"keys":["synced"]}' }, 'kept', ['d'], '{"keys":["synced"]}'],
    ['update, same key set: the publisher\'s keys stay', { RequestType: 'Update', OldResourceProperties: PROPS }, { k: '{"keys":["synced"]}' }, 'left', ['d'], '{"keys":["synced"]}'],
    ['update, a new key set in the app: written (a deliberate new start)', { RequestType: 'Update', OldResourceProperties: { ...PROPS, Keys: '{"keys":["older"]}' } },
      { k: '{"keys":["synced"]}' }, 'written', ['d', 'k'], '{"keys":["first"]}'],
    ['delete: nothing (the bucket is kept)', { RequestType: 'Delete' }, { k: '{"keys":["synced"]}' }, 'none', [], '{"keys":["synced"]}'],
  ])('%s', async (_title, event, bucket, outcome, writes, keys) => {
    const result = await run(event, { ...bucket });
    expect([result.outcome, result.writes, result.bucket.k]).toEqual([outcome, writes, keys]);
  });
});

describe('plain S3 hosting', () => {
  test('the issuer is the bucket\'s HTTPS endpoint; anyone reads the two documents and nothing else; a warning says why to prefer a domain', () => {
    const stack = newStack();
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: GitLabIssuerHosting.s3Bucket({ bucketName: 'acme-gitlab-oidc' }), jwks: JWKS });
    expect(issuer.issuerUrl).toBe('https://acme-gitlab-oidc.s3.eu-west-1.amazonaws.com');
    expect(issuer.distribution).toBeUndefined();
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'acme-gitlab-oidc',
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: false, IgnorePublicAcls: true, RestrictPublicBuckets: false },
    });
    const statements = Object.values(template.findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement;
    expect(statements.filter((s: any) => s.Effect === 'Allow')).toEqual([{
      Sid: 'ReadIssuerDocuments',
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 's3:GetObject',
      Resource: ['.well-known/openid-configuration', 'oauth/discovery/keys'].map((key) => ({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^IssuerBucket/), 'Arn'] }, `/${key}`]] })),
    }]);
    template.resourceCountIs('AWS::CloudFront::Distribution', 0);
    template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://acme-gitlab-oidc.s3.eu-west-1.amazonaws.com' });
    Annotations.fromStack(stack).hasWarning('/Issuer/Issuer', Match.stringLikeRegexp('the issuer URL is the bucket\'s own: .*anyone can create one of its name'));
  });

  test('a bucket made not to be kept after construction is refused at synth (its name is the issuer)', () => {
    const stack = newStack();
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: GitLabIssuerHosting.s3Bucket({ bucketName: 'acme-gitlab-oidc' }), jwks: JWKS });
    issuer.bucket.applyRemovalPolicy(RemovalPolicy.DESTROY);
    expect(() => Template.fromStack(stack)).toThrow(/the issuer bucket must be kept \(DeletionPolicy and UpdateReplacePolicy Retain\) for s3Bucket\(\) hosting: .*got: Delete\/Delete/);
  });

  test('DESTROY is refused: a deleted bucket\'s name, the issuer, is anyone\'s to take', () => {
    expect(() => new GitLabHostedIssuer(newStack(), 'Issuer', { hosting: GitLabIssuerHosting.s3Bucket({ bucketName: 'acme-gitlab-oidc' }), jwks: JWKS, removalPolicy: RemovalPolicy.DESTROY }))
      .toThrow(/removalPolicy DESTROY is refused for s3Bucket\(\) hosting: .*anyone can create a bucket of that name/);
  });

  test.each<[string, string, RegExp]>([
    ['a dot', 'acme.gitlab.oidc', /bucketName must not contain "\.": the S3 endpoint's certificate does not cover it, .*got: "acme.gitlab.oidc"/],
    ['upper case', 'Acme-OIDC', /bucketName must be 3 to 63 lowercase letters, digits and hyphens/],
    ['too short', 'ab', /must be 3 to 63/],
    ['a reserved prefix', 'xn--acme', /must not use a prefix or suffix S3 reserves, got: "xn--acme"/],
    ['a reserved suffix', 'acme-s3alias', /must not use a prefix or suffix S3 reserves/],
  ])('bucketName refused: %s', (_title, bucketName, message) => {
    expect(() => new GitLabHostedIssuer(newStack(), 'Issuer', { hosting: GitLabIssuerHosting.s3Bucket({ bucketName }), jwks: JWKS })).toThrow(message);
  });

  test('tokens: a deploy-time bucket name or region is refused (the issuer URL must be known at synth)', () => {
    const stack = newStack();
    expect(() => new GitLabHostedIssuer(stack, 'Issuer', { hosting: GitLabIssuerHosting.s3Bucket({ bucketName: new CfnParameter(stack, 'Name').valueAsString }), jwks: JWKS }))
      .toThrow(/bucketName must be a literal: it is part of the issuer URL/);
    const agnostic = new Stack(new App(), 'Agnostic');
    expect(() => new GitLabHostedIssuer(agnostic, 'Issuer', { hosting: GitLabIssuerHosting.s3Bucket({ bucketName: 'acme-gitlab-oidc' }), jwks: JWKS }))
      .toThrow(/s3Bucket\(\) hosting needs the stack's region \(env: \{ region \}\): it is part of the issuer URL/);
  });
});

describe('inputs refused at synth', () => {
  test.each<[string, string, RegExp]>([
    ['a scheme', 'https://gitlab-oidc.example.com', /domainName must be a host name such as gitlab-oidc.example.com \(no scheme, path or port\), got: "https:\/\/gitlab-oidc.example.com"/],
    ['a path', 'example.com/oidc', /must be a host name/],
    ['upper case', 'GitLab-OIDC.example.com', /must be lowercase: tokens carry the issuer exactly/],
    ['a trailing dot', 'gitlab-oidc.example.com.', /must not end with "\."/],
    ['one label', 'localhost', /must be a host name/],
    ['gitlab.com', 'gitlab.com', /must be a domain of yours: gitlab.com is GitLab's own issuer/],
  ])('domainName: %s', (_title, domainName, message) => {
    const stack = newStack();
    expect(() => new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack, { domainName }), jwks: JWKS })).toThrow(message);
  });

  test('a deploy-time domain name is refused; a deploy-time certificate passes through', () => {
    const stack = newStack();
    expect(() => new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack, { domainName: Fn.importValue('Domain') }), jwks: JWKS }))
      .toThrow(/domainName must be a literal: it is the issuer URL/);
    const other = newStack();
    new GitLabHostedIssuer(other, 'Issuer', { hosting: cloudFront(other, { certificateArn: new CfnParameter(other, 'Cert').valueAsString }), jwks: JWKS });
    Template.fromStack(other).hasResourceProperties('AWS::CloudFront::Distribution', { DistributionConfig: Match.objectLike({ ViewerCertificate: Match.objectLike({ AcmCertificateArn: { Ref: 'Cert' } }) }) });
  });

  test('a certificate outside us-east-1 is refused (CloudFront reads them there)', () => {
    const stack = newStack();
    expect(() => new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack, { certificateArn: 'arn:aws:acm:eu-west-1:111122223333:certificate/x' }), jwks: JWKS }))
      .toThrow(/the certificate must be in us-east-1, where CloudFront reads certificates, got: "arn:aws:acm:eu-west-1:111122223333:certificate\/x"/);
  });

  test('audiences: a list, a deploy-time list, and a keys sync with a deploy-time list (whose audience cannot be added) refused', () => {
    const stack = newStack();
    new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack), jwks: JWKS, audiences: ['https://gitlab-oidc.example.com', 'deploy'] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: ['https://gitlab-oidc.example.com', 'deploy'] });
    const listStack = newStack();
    const list = new CfnParameter(listStack, 'Audiences', { type: 'CommaDelimitedList' }).valueAsList;
    new GitLabHostedIssuer(listStack, 'Issuer', { hosting: cloudFront(listStack), jwks: JWKS, audiences: list });
    Template.fromStack(listStack).hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: { Ref: 'Audiences' } });
    const syncStack = newStack();
    const syncList = Fn.split(',', Fn.importValue('Audiences'));
    expect(() => new GitLabHostedIssuer(syncStack, 'Issuer', { hosting: cloudFront(syncStack), jwks: JWKS, audiences: syncList, keysSync: KEYS_SYNC }))
      .toThrow(/cannot add audience "gitlab-issuer-keys-sync": the provider's audiences are a deploy-time list/);
  });
});

describe('the trust root: grants added to the bucket are refused at synth', () => {
  test.each<[string, (issuer: GitLabHostedIssuer) => void]>([
    ['a write grant to another account', (issuer) => issuer.bucket.grantWrite(new iam.AccountPrincipal('444455556666'))],
    ['public reads of every object', (issuer) => issuer.bucket.addToResourcePolicy(new iam.PolicyStatement({ principals: [new iam.AnyPrincipal()], actions: ['s3:GetObject'], resources: [issuer.bucket.arnForObjects('*')] }))],
  ])('%s', (_title, grant) => {
    const stack = newStack();
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack), jwks: JWKS, keysSync: KEYS_SYNC });
    grant(issuer);
    expect(() => Template.fromStack(stack)).toThrow(/the issuer bucket's policy may hold only the grants GitLabHostedIssuer writes: whoever can change the keys can mint tokens for every role trusting https:\/\/gitlab-oidc.example.com, got: \{"Action"/);
  });

  test.each<[string, (issuer: GitLabHostedIssuer, stack: Stack) => void, RegExp]>([
    ['a second bucket policy for the bucket (CloudFormation keeps the last applied)', (issuer, stack) => new s3.BucketPolicy(stack, 'Another', { bucket: issuer.bucket }),
      /the issuer bucket may have one policy, GitLabHostedIssuer's .*got: Issuer\/Another/],
    ['an override that drops the Denies', (issuer) => (issuer.bucket.policy!.node.defaultChild as CfnResource).addPropertyOverride('PolicyDocument.Statement', []),
      /the issuer bucket's policy must keep its Deny OnlyTheDeploymentAndKeysSyncWrite/],
    ['an override that widens a Deny\'s exceptions', (issuer) => (issuer.bucket.policy!.node.defaultChild as CfnResource)
      .addPropertyOverride('PolicyDocument.Statement.2.Condition.ArnNotEquals.aws:PrincipalArn', ['arn:aws:iam::111122223333:role/anyone']),
    /must keep its Deny OnlyTheDeploymentAndKeysSyncWrite/],
  ])('refused: %s', (_title, change, message) => {
    const stack = newStack();
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack), jwks: JWKS, keysSync: KEYS_SYNC });
    change(issuer, stack);
    expect(() => Template.fromStack(stack)).toThrow(message);
  });

  test('a grant to a role of the same stack goes to the role\'s policy, and the bucket\'s Deny still refuses it (not the construct\'s business to refuse)', () => {
    const stack = newStack();
    const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack), jwks: JWKS });
    issuer.bucket.grantWrite(new iam.Role(stack, 'Other', { assumedBy: new iam.AccountRootPrincipal() }));
    const deny = Object.values(Template.fromStack(stack).findResources('AWS::S3::BucketPolicy'))[0].Properties.PolicyDocument.Statement.find((s: any) => s.Sid === 'OnlyTheDeploymentAndKeysSyncWrite');
    expect(deny.Condition.ArnNotEquals['aws:PrincipalArn']).toEqual([{ 'Fn::GetAtt': [expect.stringMatching(/^IssuerDocumentsFunctionServiceRole/), 'Arn'] }]);
  });
});

test('the pipeline engine on the hosted issuer: its roles\' jobs request their audience from the hosted provider', () => {
  const { app, root } = newApp();
  const stack = new Stack(app, 'GitLabOidc', { env: { account: '111122223333', region: 'eu-west-1' } });
  const issuer = new GitLabHostedIssuer(stack, 'Issuer', { hosting: cloudFront(stack), jwks: JWKS, audiences: ['gitlab-deploy'] });
  const role = new GitLabRunnerRole(stack, 'Deploy', {
    provider: issuer.provider, roleName: 'gitlab-deploy', audience: 'gitlab-deploy', subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
  });
  role.allowCdkDeployments();
  const pipeline = newPipeline(app, root, { role: GitLabPipelineRole.fromRole(role) });
  const beta = new Stage(app, 'Beta', { env: { account: '111122223333', region: 'eu-west-1' } });
  new Stack(beta, 'Api');
  pipeline.addStage(beta);
  const doc = parseCi(synthesized(app, pipeline, root).yaml);
  const credentialJobs = Object.values<any>(doc).filter((job) => job?.id_tokens !== undefined);
  expect(credentialJobs.length).toBeGreaterThan(0);
  for (const job of credentialJobs) {
    expect([job.id_tokens.GITLAB_OIDC_TOKEN, job.variables.AWS_ROLE_ARN]).toEqual([{ aud: 'gitlab-deploy' }, 'arn:aws:iam::111122223333:role/gitlab-deploy']);
  }
});
