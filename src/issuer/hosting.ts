import { aws_certificatemanager as acm, aws_cloudfront as cloudfront, aws_route53 as route53 } from 'aws-cdk-lib';

/**
 * Options for `GitLabIssuerHosting.cloudFront()`.
 */
export interface GitLabIssuerCloudFrontOptions {
  /**
   * The issuer's host name, e.g. `gitlab-oidc.example.com`: the issuer URL is `https://<domainName>`. It is the
   * `iss` of every ID token and the key prefix of every role's conditions, so choose one that never changes.
   */
  readonly domainName: string;

  /**
   * The certificate for `domainName`, in us-east-1 (CloudFront's rule).
   */
  readonly certificate: acm.ICertificate;

  /**
   * The hosted zone of `domainName`, to add its alias records (A and AAAA) to.
   *
   * @default - none: point the name at the distribution yourself (its domain name is an output)
   */
  readonly hostedZone?: route53.IHostedZone;

  /**
   * The bucket's name. `keysSyncJob()` writes it into the job, so it needs a literal one.
   *
   * @default - a name CloudFormation generates
   */
  readonly bucketName?: string;

  /**
   * The CloudFront price class.
   *
   * @default cloudfront.PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: cloudfront.PriceClass;
}

/**
 * Options for `GitLabIssuerHosting.s3Bucket()`.
 */
export interface GitLabIssuerS3BucketOptions {
  /**
   * The bucket's name: the issuer URL is `https://<bucketName>.s3.<region>.amazonaws.com`, so the name is fixed
   * here (3 to 63 lowercase letters, digits and hyphens; no "." , which S3's certificate does not cover).
   */
  readonly bucketName: string;
}

/** Which way the documents are served. */
export enum GitLabIssuerHostingKind {
  /** A CloudFront distribution on a custom domain, reading a private bucket through origin access control. */
  CLOUDFRONT = 'CLOUDFRONT',
  /** The two documents readable by anyone straight from S3's HTTPS endpoint. */
  S3_BUCKET = 'S3_BUCKET',
}

/**
 * How a `GitLabHostedIssuer` serves its discovery document and keys over HTTPS.
 */
export class GitLabIssuerHosting {
  /**
   * A CloudFront distribution on your own domain, reading a private bucket through origin access control
   * (recommended): the issuer URL is yours and outlives the bucket and the distribution.
   * @param options the domain, its certificate (us-east-1) and, optionally, its hosted zone
   */
  public static cloudFront(options: GitLabIssuerCloudFrontOptions): GitLabIssuerHosting {
    return new GitLabIssuerHosting(GitLabIssuerHostingKind.CLOUDFRONT, options, undefined);
  }

  /**
   * The two documents readable by anyone from S3's own HTTPS endpoint, as GitLab's guide does it by hand; nothing
   * else in the bucket is. The issuer URL is then tied to the bucket: deleting the bucket frees the name for anyone.
   * @param options the bucket's name
   */
  public static s3Bucket(options: GitLabIssuerS3BucketOptions): GitLabIssuerHosting {
    return new GitLabIssuerHosting(GitLabIssuerHostingKind.S3_BUCKET, undefined, options);
  }

  /**
   * @param kind which way the documents are served
   * @param cloudFrontOptions the options of `cloudFront()`
   * @param s3BucketOptions the options of `s3Bucket()`
   */
  private constructor(
    /** Which way the documents are served. */
    public readonly kind: GitLabIssuerHostingKind,
    /** The options of `cloudFront()`, for that kind. */
    public readonly cloudFrontOptions: GitLabIssuerCloudFrontOptions | undefined,
    /** The options of `s3Bucket()`, for that kind. */
    public readonly s3BucketOptions: GitLabIssuerS3BucketOptions | undefined,
  ) {}
}
