// The names an issuer URL is made of, checked before they become the `iss` of every token and the prefix of every
// role's condition keys.
import { IConstruct } from 'constructs';
import { fail, show } from '../errors';
import { isLiteral } from '../tokens';

/** The host name of a CloudFront-hosted issuer: a literal, lowercase DNS name. */
export function issuerHostName(domainName: string, scope: IConstruct): string {
  const rule = (text: string) => fail(`domainName ${text}, got: ${show(domainName)}`, scope);
  if (!isLiteral(domainName)) rule('must be a literal: it is the issuer URL, which every role\'s condition keys are built from');
  if (domainName.length > 253) rule('must be at most 253 characters (DNS)');
  if (domainName !== domainName.toLowerCase()) rule('must be lowercase: tokens carry the issuer exactly as GitLab writes it, and IAM compares it exactly');
  if (domainName.endsWith('.')) rule('must not end with "." (the issuer URL must equal the tokens\' iss)');
  if (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/.test(domainName)) {
    rule('must be a host name such as gitlab-oidc.example.com (no scheme, path or port)');
  }
  if (domainName === 'gitlab.com') rule('must be a domain of yours: gitlab.com is GitLab\'s own issuer');
  return domainName;
}

/**
 * The name of a bucket whose S3 endpoint is the issuer: S3's naming rules, without ".", which the certificate of
 * `*.s3.<region>.amazonaws.com` does not cover (STS would refuse the TLS connection).
 */
export function s3IssuerBucketName(bucketName: string, scope: IConstruct): string {
  const rule = (text: string) => fail(`bucketName ${text}, got: ${show(bucketName)}`, scope);
  if (!isLiteral(bucketName)) rule('must be a literal: it is part of the issuer URL, which every role\'s condition keys are built from');
  if (bucketName.includes('.')) rule('must not contain ".": the S3 endpoint\'s certificate does not cover it, so STS cannot fetch the keys over HTTPS');
  if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucketName)) rule('must be 3 to 63 lowercase letters, digits and hyphens, starting and ending with a letter or digit (S3)');
  if (/^xn--|^sthree-|^amzn-s3-demo-|-s3alias$|--ol-s3$|--x-s3$|--table-s3$/.test(bucketName)) rule('must not use a prefix or suffix S3 reserves');
  return bucketName;
}

/**
 * What is wrong with the URL of a GitLab instance the keys are fetched from, if anything: HTTPS alone (whoever could
 * change the keys in transit could mint tokens), no trailing "/", query or fragment, no white space or quote.
 */
export function instanceUrlProblem(url: string): string | undefined {
  if (!/^https:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/.test(url) || url.endsWith('/')) {
    return 'must be an https:// URL without a trailing "/", query or fragment: whoever could change the keys in transit could mint tokens';
  }
  return undefined;
}
