// What the hosted issuer's suites share: instance keys as GitLab lists them, the keys sync's subject, and the
// loopback TLS certificate the HTTPS stand-ins serve (test/fixtures/loopback-tls).
import { generateKeyPairSync } from 'crypto';
import { readFileSync } from 'fs';
import { join } from 'path';
import { Stack, aws_certificatemanager as acm, aws_route53 as route53 } from 'aws-cdk-lib';
import { GitLabIssuerHosting, GitLabSubClaimComponent, GitLabSubClaimLayout, GitLabSubject } from '../../src';

/** A public RSA signing key as GitLab's /oauth/discovery/keys lists it. */
export function rsaJwk(kid: string, modulusLength = 2048): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength });
  return { ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}

/** The sub layout with ref_protected (GitLab 18.7), which the keys sync's subject needs. */
export const SYNC_LAYOUT = GitLabSubClaimLayout.of(
  GitLabSubClaimComponent.PROJECT_PATH, GitLabSubClaimComponent.REF_TYPE, GitLabSubClaimComponent.REF, GitLabSubClaimComponent.REF_PROTECTED);

/** The keys sync's subject: one project's main branch, protected refs required in the sub (STS checks sub and aud alone here). */
export const SYNC_SUBJECT = GitLabSubject.project('ops/gitlab-keys', { subClaimLayout: SYNC_LAYOUT, subClaimRefProtected: true }).branch('main');

/** The loopback certificate's file (127.0.0.1 and localhost), for clients told to trust it alone. */
export const TLS_CERT_FILE = join(__dirname, '..', 'fixtures', 'loopback-tls', 'cert.pem');

/** The certificate and key an HTTPS stand-in serves with. */
export const TLS_SERVER = { cert: readFileSync(TLS_CERT_FILE, 'utf8'), key: readFileSync(join(__dirname, '..', 'fixtures', 'loopback-tls', 'key.pem'), 'utf8') };

/** The issuer's domain in the suites, and its us-east-1 certificate. */
export const DOMAIN = 'gitlab-oidc.example.com';
export const CERTIFICATE_ARN = 'arn:aws:acm:us-east-1:111122223333:certificate/0a1b2c3d-0000-0000-0000-000000000000';

/** What a suite changes in the CloudFront hosting. */
export interface HostingChanges {
  readonly hostedZone?: route53.IHostedZone;
  readonly domainName?: string;
  readonly certificateArn?: string;
  readonly bucketName?: string;
}

/** CloudFront hosting on DOMAIN (or another name), with the certificate imported into `stack`. */
export function cloudFront(stack: Stack, extra: HostingChanges = {}) {
  return GitLabIssuerHosting.cloudFront({
    domainName: extra.domainName ?? DOMAIN,
    certificate: acm.Certificate.fromCertificateArn(stack, `Certificate${stack.node.children.length}`, extra.certificateArn ?? CERTIFICATE_ARN),
    hostedZone: extra.hostedZone,
    bucketName: extra.bucketName,
  });
}
