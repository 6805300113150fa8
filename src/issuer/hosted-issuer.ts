import { join } from 'path';
import {
  Annotations, Arn, ArnFormat, CfnOutput, CfnResource, CustomResource, Duration, RemovalPolicy, Stack,
  aws_cloudfront as cloudfront, aws_cloudfront_origins as origins, aws_events as events, aws_events_targets as eventTargets,
  aws_ec2 as ec2, aws_iam as iam, aws_lambda as lambda, aws_route53 as route53, aws_route53_targets as routeTargets,
  aws_s3 as s3, aws_sns as sns, custom_resources as customResources,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GitLabIssuerHosting, GitLabIssuerHostingKind } from './hosting';
import { GitLabJwks } from './jwks';
import { fail, show } from '../private/errors';
import { DISCOVERY_PATH, discoveryDocument, JWKS_PATH } from '../private/issuer/discovery-document';
import { instanceUrlProblem, issuerHostName, s3IssuerBucketName } from '../private/issuer/issuer-names';
import { keysSyncJobs, SIGHTINGS_PATH } from '../private/issuer/keys-sync-jobs';
import { credentialCiJob } from '../private/job/ci-job';
import { isLiteral, isLiteralNumber } from '../private/tokens';
import { GitLabOidcProvider } from '../provider';
import { GitLabRunnerRole } from '../role';
import { GitLabSubject } from '../subject';

/**
 * The GitLab CI/CD job that keeps the published keys current, for `GitLabHostedIssuerProps.keysSync`.
 */
export interface GitLabIssuerKeysSync {
  /**
   * The jobs that may publish keys: one project's one branch, with protected refs required in the `sub` (a layout
   * with `ref_protected` and `subClaimRefProtected: true`, GitLab 18.7+). STS compares only `sub` and `aud` for this
   * issuer, so without the component a fork's merge request or a Developer's branch of the same name gets a token
   * the role admits, and whoever holds the role can mint tokens for every role trusting the issuer:
   *
   * ```ts
   * GitLabSubject.project('ops/gitlab-issuer-keys', {
   *   subClaimLayout: GitLabSubClaimLayout.of(GitLabSubClaimComponent.PROJECT_PATH, GitLabSubClaimComponent.REF_TYPE,
   *     GitLabSubClaimComponent.REF, GitLabSubClaimComponent.REF_PROTECTED),
   *   subClaimRefProtected: true,
   * }).branch('main');
   * ```
   */
  readonly subjects: GitLabSubject[];

  /**
   * Admit the subject without `ref_protected` in its `sub` (an instance before GitLab 18.7): then no one but the
   * instance's administrators may push to, or run pipelines in, the project, and its forks' merge request pipelines
   * must not run in it.
   *
   * @default false
   */
  readonly allowUnprotectedRefs?: boolean;

  /**
   * The audience the job requests in its `id_tokens` entry (added to the provider's audiences).
   *
   * @default 'gitlab-issuer-keys-sync'
   */
  readonly audience?: string;

  /**
   * The role's name. The job holds the role's ARN as a literal, so the role has a fixed name.
   *
   * @default 'gitlab-issuer-keys-sync'
   */
  readonly roleName?: string;

  /**
   * How long a key stays published after the instance stops listing it: at least the longest job timeout, so a
   * token signed just before a rotation still verifies. Whole hours, from 1 hour to 365 days.
   *
   * @default Duration.days(7)
   */
  readonly gracePeriod?: Duration;
}

/**
 * A scheduled Lambda function in a VPC that keeps the published keys current, for
 * `GitLabHostedIssuerProps.keysPull`: for setups whose runners should hold no role that writes the keys.
 */
export interface GitLabIssuerKeysPull {
  /**
   * The instance's URL as the VPC reaches it, e.g. `https://gitlab.internal.example`: the function fetches
   * `<instanceUrl>/oauth/discovery/keys`. HTTPS alone: whoever could change the keys in transit could mint tokens.
   */
  readonly instanceUrl: string;

  /**
   * The VPC the function runs in: it must reach the instance, and S3 (a gateway endpoint or a NAT).
   */
  readonly vpc: ec2.IVpc;

  /**
   * The subnets of the function.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * How often the function runs.
   *
   * @default Duration.hours(1)
   */
  readonly schedule?: Duration;

  /**
   * How long a key stays published after the instance stops listing it. Whole hours, from 1 hour to 365 days.
   *
   * @default Duration.days(7)
   */
  readonly gracePeriod?: Duration;

  /**
   * The certificate (PEM) of the private certificate authority the instance's certificate chains to: then the only
   * authority the function trusts for the instance.
   *
   * @default - the public certificate authorities alone
   */
  readonly instanceCaCertificate?: string;
}

/**
 * Options for `GitLabHostedIssuer.keysSyncJob()`.
 */
export interface GitLabIssuerKeysSyncJobOptions {
  /**
   * The job's name.
   *
   * @default 'gitlab-issuer-keys-sync'
   */
  readonly jobName?: string;

  /**
   * The image the jobs run in: a POSIX shell with the usual tools (grep, sed, cut, cmp, awk, base64), curl, Node.js with
   * npm, and the AWS CLI v2. Pin it by digest
   * (`...@sha256:...`): the jobs that hold the role run its AWS CLI.
   *
   * @default 'public.ecr.aws/sam/build-nodejs22.x:latest'
   */
  readonly image?: string;

  /**
   * The instance's URL as the runners reach it, e.g. `https://gitlab.internal.example`, written into the job.
   *
   * @default - `$CI_SERVER_URL`, the instance the job runs on
   */
  readonly instanceUrl?: string;
}

/**
 * Properties of a `GitLabHostedIssuer`.
 */
export interface GitLabHostedIssuerProps {
  /**
   * How the documents are served: `GitLabIssuerHosting.cloudFront({ domainName, certificate })` (recommended) or
   * `GitLabIssuerHosting.s3Bucket({ bucketName })`.
   */
  readonly hosting: GitLabIssuerHosting;

  /**
   * The instance's public signing keys, as its `/oauth/discovery/keys` serves them: the first upload. Changing it
   * uploads it again, replacing what the keys sync published since.
   */
  readonly jwks: GitLabJwks;

  /**
   * The audiences (client IDs) of the provider registered for the issuer.
   *
   * @default - `[issuerUrl]`
   */
  readonly audiences?: string[];

  /**
   * A role for the scheduled GitLab CI/CD job that publishes the instance's current keys: it may write the keys
   * object and nothing else, and the bucket refuses writes from anyone but it and the deployment.
   *
   * @default - no sync role: keys change only when `jwks` does
   */
  readonly keysSync?: GitLabIssuerKeysSync;

  /**
   * A scheduled function in a VPC that publishes the instance's current keys (instead of `keysSync`, not beside it:
   * one writer keeps the grace periods).
   *
   * @default - no function: keys change only when `jwks` does, or through `keysSync`
   */
  readonly keysPull?: GitLabIssuerKeysPull;

  /**
   * The topic told of every change of the published documents (an EventBridge rule on the bucket's object events).
   *
   * @default - a new topic: subscribe to it
   */
  readonly changesTopic?: sns.ITopic;

  /**
   * What happens to the bucket when it leaves the stack. Refused as `DESTROY` for `s3Bucket()` hosting: the
   * bucket's name is the issuer, and a deleted bucket's name is anyone's to take.
   *
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/** The audience of the keys sync job's role, by default. */
const KEYS_SYNC_AUDIENCE = 'gitlab-issuer-keys-sync';

/** How long CloudFront keeps a document: a rotated key is served within this (STS keeps its own copy too). */
const CACHE_TTL = Duration.minutes(5);

/** The S3 calls that change who may write the bucket, or what becomes of its objects. */
const BUCKET_CONTROL_CALLS = [
  'PutBucketPolicy', 'DeleteBucketPolicy', 'PutBucketAcl', 'PutBucketOwnershipControls', 'PutBucketVersioning', 'PutLifecycleConfiguration',
  'DeleteBucketLifecycle', 'PutBucketReplication', 'PutBucketPublicAccessBlock', 'DeleteBucketPublicAccessBlock', 'PutBucketNotification',
];

/** The Lambda calls that change what a function that writes the documents runs (CloudTrail names them with a version). */
const FUNCTION_CONTROL_CALLS = [{ prefix: 'UpdateFunctionCode' }, { prefix: 'UpdateFunctionConfiguration' }, { prefix: 'AddPermission' }];

/** The object writes the bucket refuses to everyone but the deployment and the keys sync. */
const OBJECT_WRITES = ['s3:PutObject*', 's3:DeleteObject*', 's3:RestoreObject', 's3:ReplicateObject', 's3:ReplicateDelete', 's3:ReplicateTags'];

/**
 * Makes a GitLab instance that AWS cannot reach usable with AWS: its OpenID Connect discovery document and public
 * keys served over HTTPS from AWS, the instance's ID tokens issued under that URL (GitLab 18.1+:
 * `gitlab_rails['ci_id_tokens_issuer_url']`), and an IAM OIDC provider registered for it.
 *
 * The bucket is private, versioned and encrypted; the two documents alone are readable (through CloudFront's origin
 * access control, or by anyone for `s3Bucket()` hosting); its policy refuses object writes to everyone but the
 * deployment and the keys sync role, and every change of a document reaches `changesTopic`. Whoever can write the
 * keys can mint tokens for every role trusting the issuer: statements added to the bucket's policy are refused at
 * synth.
 */
export class GitLabHostedIssuer extends Construct {
  /** The issuer URL: the `iss` of the instance's ID tokens and the provider's URL. */
  public readonly issuerUrl: string;

  /** The IAM OIDC provider registered for the issuer: give it to `GitLabRunnerRole`s and `GitLabCiPipeline`. */
  public readonly provider: GitLabOidcProvider;

  /** The bucket holding the two documents. */
  public readonly bucket: s3.Bucket;

  /** The distribution serving them, for `cloudFront()` hosting. */
  public readonly distribution?: cloudfront.Distribution;

  /** The role of the keys sync job, when `keysSync` is given. */
  public readonly keysSyncRole?: GitLabRunnerRole;

  /** The function of `keysPull`, when it is given. */
  public readonly keysPullFunction?: lambda.Function;

  /** The topic told of every change of the published documents. */
  public readonly changesTopic: sns.ITopic;

  /** The issuer's alias records, when the app gives the hosted zone. */
  private readonly aliasRecords: route53.RecordSet[] = [];

  /** Whether the bucket's own endpoint is the issuer (s3Bucket() hosting). */
  private readonly isOnS3: boolean;

  /** The bucket's name when the app gives one (a literal). */
  private readonly literalBucketName?: string;

  /** The keys sync's grace period, in hours. */
  private readonly keysSyncGraceHours?: number;

  /** The line for the instance's `/etc/gitlab/gitlab.rb` (Linux package). */
  public readonly gitLabRbSetting: string;

  /** The Helm chart value (`--set`), for an instance on Kubernetes. */
  public readonly helmSetting: string;

  /** The command that checks the instance's configuration (Linux package; `bundle exec rake` for a source install). */
  public readonly validateCommand = 'sudo gitlab-rake ci:validate_id_token_configuration';

  /**
   * @param scope the construct scope
   * @param id the construct ID
   * @param props the hosting, the initial keys, and the provider's audiences, keys sync and notifications
   */
  constructor(scope: Construct, id: string, props: GitLabHostedIssuerProps) {
    super(scope, id);
    const hosting = props.hosting;
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const onS3 = hosting.kind === GitLabIssuerHostingKind.S3_BUCKET;
    this.isOnS3 = onS3;
    const givenName = onS3 ? hosting.s3BucketOptions!.bucketName : hosting.cloudFrontOptions!.bucketName;
    const bucketName = givenName === undefined ? undefined : s3IssuerBucketName(givenName, this);
    this.literalBucketName = bucketName;
    if (onS3 && removalPolicy === RemovalPolicy.DESTROY) {
      fail('removalPolicy DESTROY is refused for s3Bucket() hosting: the bucket\'s name is the issuer URL, and once the bucket is deleted anyone ' +
        `can create a bucket of that name and publish keys for every role that trusts it, got: ${show(removalPolicy)}`, this);
    }

    if (onS3) {
      Annotations.of(this).addWarningV2('cdk-gitlab-oidc:issuerOnS3Bucket', 'the issuer URL is the bucket\'s own: it cannot move, and if the bucket is ever ' +
        'deleted anyone can create one of its name and publish keys for every role that trusts it. Keep the bucket (RemovalPolicy.RETAIN), or serve ' +
        'the documents from a domain of yours: GitLabIssuerHosting.cloudFront().');
    }
    this.issuerUrl = onS3 ? `https://${bucketName}.s3.${literalRegion(stack, this)}.amazonaws.com` : `https://${issuerHostName(hosting.cloudFrontOptions!.domainName, this)}`;
    this.gitLabRbSetting = `gitlab_rails['ci_id_tokens_issuer_url'] = '${this.issuerUrl}'`;
    this.helmSetting = `global.appConfig.ciIdTokens.issuerUrl=${this.issuerUrl}`;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      bucketName,
      versioned: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Public reads of the two documents by bucket policy for s3Bucket() hosting; no ACL ever.
      blockPublicAccess: onS3
        ? new s3.BlockPublicAccess({ blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: false, restrictPublicBuckets: false })
        : s3.BlockPublicAccess.BLOCK_ALL,
      eventBridgeEnabled: true,
      removalPolicy,
    });
    const documents = [this.bucket.arnForObjects(DISCOVERY_PATH), this.bucket.arnForObjects(JWKS_PATH)];

    const ours: iam.PolicyStatement[] = [];
    if (onS3) {
      ours.push(new iam.PolicyStatement({ sid: 'ReadIssuerDocuments', principals: [new iam.AnyPrincipal()], actions: ['s3:GetObject'], resources: documents }));
    } else {
      this.distribution = this.cloudFrontDistribution(hosting);
      ours.push(new iam.PolicyStatement({
        sid: 'CloudFrontReadsIssuerDocuments',
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: documents,
        conditions: {
          StringEquals: {
            'AWS:SourceArn': stack.formatArn({
              service: 'cloudfront', region: '', resource: 'distribution', resourceName: this.distribution.distributionId, arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
            }),
          },
        },
      }));
    }
    for (const statement of ours) this.bucket.addToResourcePolicy(statement);

    const written = this.writeDocuments(props.jwks);

    this.provider = new GitLabOidcProvider(this, 'Provider', { url: this.issuerUrl, audiences: props.audiences });
    // IAM and STS fetch the documents: the provider comes after them.
    this.provider.node.addDependency(written.resource);
    // ...served at the issuer's domain: the distribution and its alias records too.
    if (this.distribution) this.provider.node.addDependency(this.distribution, ...this.aliasRecords);

    if (props.keysSync && props.keysPull) {
      fail('give keysSync or keysPull, not both: one writer keeps the keys\' grace periods, got: both', this);
    }
    if (props.keysSync) {
      keysSyncSubjectProblems(props.keysSync, this);
      const audience = props.keysSync.audience ?? KEYS_SYNC_AUDIENCE;
      this.provider.addAudience(audience);
      this.keysSyncRole = new GitLabRunnerRole(this, 'KeysSyncRole', {
        provider: this.provider,
        subjects: props.keysSync.subjects,
        audience,
        roleName: props.keysSync.roleName ?? 'gitlab-issuer-keys-sync',
        description: `Publishes the GitLab instance's signing keys at ${this.issuerUrl}/${JWKS_PATH}`,
      });
      this.keysSyncGraceHours = wholeGraceHours(props.keysSync.gracePeriod ?? Duration.days(7), this);
      this.grantKeysPublishing(this.keysSyncRole);
    }
    if (props.keysPull) {
      this.keysPullFunction = this.keysPullFunctionFor(props.keysPull);
      this.grantKeysPublishing(this.keysPullFunction.role!);
    }
    const publisher = this.keysSyncRole ?? this.keysPullFunction?.role;

    // Whoever writes the keys mints tokens: object writes refused to all but the deployment and the keys sync, and
    // the keys sync refused every object but the keys.
    const writers = [written.writerArn, ...(publisher ? [publisher.roleArn] : [])];
    const denies: iam.PolicyStatement[] = [];
    const deny = (statement: iam.PolicyStatement) => {
      denies.push(statement);
      this.bucket.addToResourcePolicy(statement);
    };
    deny(new iam.PolicyStatement({
      sid: 'OnlyTheDeploymentAndKeysSyncWrite',
      effect: iam.Effect.DENY,
      principals: [new iam.AnyPrincipal()],
      actions: OBJECT_WRITES,
      resources: [this.bucket.arnForObjects('*')],
      conditions: { ArnNotEquals: { 'aws:PrincipalArn': [...new Set(writers)] } },
    }));
    if (publisher) {
      deny(new iam.PolicyStatement({
        sid: 'KeysSyncWritesTheKeysAlone',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: OBJECT_WRITES,
        notResources: [this.bucket.arnForObjects(JWKS_PATH), this.bucket.arnForObjects(SIGHTINGS_PATH)],
        conditions: { ArnEquals: { 'aws:PrincipalArn': publisher.roleArn } },
      }));
    }
    this.node.addValidation({ validate: () => this.trustRootProblems(ours, denies) });

    this.changesTopic = props.changesTopic ?? new sns.Topic(this, 'ChangesTopic', { displayName: `GitLab issuer ${this.issuerUrl}: documents changed` });
    new events.Rule(this, 'DocumentsChanged', {
      description: `Every change of the documents of the GitLab issuer ${this.issuerUrl}`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['Object Created', 'Object Deleted', 'Object Restore Completed'],
        detail: { bucket: { name: [this.bucket.bucketName] }, object: { key: [DISCOVERY_PATH, JWKS_PATH] } },
      },
      targets: [new eventTargets.SnsTopic(this.changesTopic)],
    });
    // What could change who writes the keys without writing them: the bucket's policy and settings, the code and settings
    // of the functions that write. These arrive as CloudTrail API events (an account with a trail).
    new events.Rule(this, 'BucketSettingsChanged', {
      description: `Changes of the settings of the bucket behind the GitLab issuer ${this.issuerUrl} (needs a CloudTrail trail)`,
      eventPattern: {
        source: ['aws.s3'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: {
          eventSource: ['s3.amazonaws.com'],
          eventName: BUCKET_CONTROL_CALLS,
          requestParameters: {
            bucketName: [this.bucket.bucketName],
          },
        },
      },
      targets: [new eventTargets.SnsTopic(this.changesTopic)],
    });
    const writerFunctions = [written.functionName, ...(this.keysPullFunction ? [this.keysPullFunction.functionName] : [])];
    new events.Rule(this, 'WritersChanged', {
      description: `Changes of the functions that write the documents of the GitLab issuer ${this.issuerUrl} (needs a CloudTrail trail)`,
      eventPattern: {
        source: ['aws.lambda'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['lambda.amazonaws.com'], eventName: FUNCTION_CONTROL_CALLS, requestParameters: { functionName: writerFunctions } },
      },
      targets: [new eventTargets.SnsTopic(this.changesTopic)],
    });

    new CfnOutput(this, 'IssuerUrl', { value: this.issuerUrl, description: 'The GitLab instance\'s ID token issuer' });
    new CfnOutput(this, 'GitLabRb', { value: this.gitLabRbSetting, description: `/etc/gitlab/gitlab.rb, then: sudo gitlab-ctl reconfigure && ${this.validateCommand}` });
    new CfnOutput(this, 'HelmSetting', { value: this.helmSetting, description: 'helm upgrade --set (the Helm chart)' });
    if (this.distribution && !hosting.cloudFrontOptions!.hostedZone) {
      new CfnOutput(this, 'DistributionDomainName', { value: this.distribution.distributionDomainName, description: `Point ${this.issuerUrl} here (CNAME or alias)` });
    }
  }

  /**
   * Lets the keys' publisher read and write the keys and its sightings, nothing else; and list the bucket (three
   * objects of known names), so a missing object reads as NoSuchKey (S3 says AccessDenied without it): absence is told
   * from failure.
   */
  private grantKeysPublishing(publisher: iam.IRole): void {
    publisher.addToPrincipalPolicy(new iam.PolicyStatement({
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: [this.bucket.arnForObjects(JWKS_PATH), this.bucket.arnForObjects(SIGHTINGS_PATH)],
    }));
    publisher.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [this.bucket.bucketArn] }));
  }

  private keysPullFunctionFor(pull: GitLabIssuerKeysPull): lambda.Function {
    const instanceUrl = pull.instanceUrl;
    const problem = isLiteral(instanceUrl) ? instanceUrlProblem(instanceUrl) : undefined;
    if (problem) fail(`keysPull instanceUrl ${problem}, got: ${show(instanceUrl)}`, this);
    const graceHoursText = String(wholeGraceHours(pull.gracePeriod ?? Duration.days(7), this));
    const schedule = pull.schedule ?? Duration.hours(1);
    const fn = new lambda.Function(this, 'KeysPullFunction', {
      description: `Publishes the signing keys of ${instanceUrl} at ${this.issuerUrl}/${JWKS_PATH}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      // The compiled folder holds the handler and the checks it shares with the issuer-keys command, and nothing else.
      code: lambda.Code.fromAsset(join(__dirname, '..', 'private', 'issuer', 'keys')),
      handler: 'pull-handler.handler',
      timeout: Duration.minutes(1),
      memorySize: 256,
      // One run at a time: two would race on the sightings.
      reservedConcurrentExecutions: 1,
      vpc: pull.vpc,
      vpcSubnets: pull.vpcSubnets ?? { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      environment: {
        ISSUER_BUCKET: this.bucket.bucketName,
        INSTANCE_URL: instanceUrl,
        KEYS_KEY: JWKS_PATH,
        SIGHTINGS_KEY: SIGHTINGS_PATH,
        GRACE_HOURS: graceHoursText,
        CACHE_CONTROL: `max-age=${CACHE_TTL.toSeconds()}`,
        ...(pull.instanceCaCertificate ? { INSTANCE_CA_CERTIFICATE: pull.instanceCaCertificate } : {}),
      },
    });
    new events.Rule(this, 'KeysPullSchedule', {
      description: `Publishes the signing keys of ${instanceUrl} every ${schedule.toHumanString()}`,
      schedule: events.Schedule.rate(schedule),
      targets: [new eventTargets.LambdaFunction(fn, { retryAttempts: 2 })],
    });
    return fn;
  }

  /**
   * The `.gitlab-ci.yml` jobs that keep the published keys current, for the project whose scheduled pipelines
   * `keysSync.subjects` admits, run by schedules alone: a hidden job that assumes the keys sync role through this
   * issuer; `-read` (the role, the AWS CLI alone, no checkout) fetches the published keys and the sightings; `-decide`
   * (no credentials) fetches the instance's keys over HTTPS and decides what to publish with `cdk-gitlab-oidc
   * issuer-keys` as the project's lock file pins it (`npm ci --ignore-scripts`); `-publish` (the role, the AWS CLI
   * alone, one at a time) uploads the keys when they changed, and the sightings. Code fetched at run time never runs
   * beside the credentials. Every value is known at synth: write the text to a file the project includes.
   * @param options the jobs' name, image and the instance's URL
   */
  public keysSyncJob(options: GitLabIssuerKeysSyncJobOptions = {}): string {
    if (!this.keysSyncRole) fail('keysSyncJob() needs keysSync: the role the job assumes', this);
    const bucket = this.literalBucketName;
    if (bucket === undefined) {
      fail('keysSyncJob() writes the bucket\'s name into the job: give the bucket a name (GitLabIssuerHosting.cloudFront({ bucketName })), got: a generated name', this);
    }
    const jobName = options.jobName ?? 'gitlab-issuer-keys-sync';
    const instanceUrl = options.instanceUrl;
    if (instanceUrl !== undefined) {
      const problem = instanceUrlProblem(instanceUrl);
      if (problem) fail(`keysSyncJob() instanceUrl ${problem}, got: ${show(instanceUrl)}`, this);
    }
    const image = options.image ?? 'public.ecr.aws/sam/build-nodejs22.x:latest';
    // The role's ARN as a literal (its fixed name, the stack's account and region): the whole job is known at synth.
    // The job's name and image are validated with the credential job's.
    const credentialJob = credentialCiJob(this.keysSyncRole._literalCiJobRole(), { jobName: `.${jobName}`, image }, this);
    return keysSyncJobs({
      credentialJob,
      jobName,
      image,
      bucket,
      graceHours: this.keysSyncGraceHours!,
      cacheControl: `max-age=${CACHE_TTL.toSeconds()}`,
      instanceUrl: instanceUrl ?? '${CI_SERVER_URL}',
    });
  }

  private cloudFrontDistribution(hosting: GitLabIssuerHosting): cloudfront.Distribution {
    const options = hosting.cloudFrontOptions!;
    const certificateArn = options.certificate.certificateArn;
    if (isLiteral(certificateArn) && Arn.split(certificateArn, ArnFormat.SLASH_RESOURCE_NAME).region !== 'us-east-1') {
      fail(`the certificate must be in us-east-1, where CloudFront reads certificates, got: ${show(certificateArn)}`, this);
    }
    const oac = new cloudfront.S3OriginAccessControl(this, 'OriginAccessControl', { signing: cloudfront.Signing.SIGV4_ALWAYS });
    const distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `GitLab ID token issuer https://${options.domainName}`,
      defaultBehavior: {
        // The origin without aws-cdk-lib's grant, which covers every object: the bucket policy names the two documents.
        origin: origins.S3BucketOrigin.withBucketDefaults(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: new cloudfront.CachePolicy(this, 'CachePolicy', { defaultTtl: CACHE_TTL, maxTtl: CACHE_TTL, minTtl: Duration.seconds(0) }),
      },
      domainNames: [options.domainName],
      certificate: options.certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      priceClass: options.priceClass ?? cloudfront.PriceClass.PRICE_CLASS_100,
    });
    (distribution.node.defaultChild as cloudfront.CfnDistribution).addPropertyOverride('DistributionConfig.Origins.0.OriginAccessControlId', oac.originAccessControlId);
    if (options.hostedZone) {
      const target = route53.RecordTarget.fromAlias(new routeTargets.CloudFrontTarget(distribution));
      this.aliasRecords.push(
        new route53.ARecord(this, 'AliasRecord', { zone: options.hostedZone, recordName: options.domainName, target }),
        new route53.AaaaRecord(this, 'AliasRecordIpv6', { zone: options.hostedZone, recordName: options.domainName, target }),
      );
    }
    return distribution;
  }

  /**
   * The two documents, written by a function of this issuer's own (its role writes the two and nothing else): the
   * discovery document on every deployment, the keys when the bucket has none or the app's key set changed, so a
   * deployment for any other reason leaves the keys the publisher wrote (a retired key never comes back).
   */
  private writeDocuments(jwks: GitLabJwks): { resource: CustomResource; writerArn: string; functionName: string } {
    const writer = new lambda.Function(this, 'DocumentsFunction', {
      description: `Writes the discovery document and first keys of the GitLab issuer ${this.issuerUrl}`,
      runtime: lambda.Runtime.NODEJS_22_X,
      // The compiled folder holds the handler alone.
      code: lambda.Code.fromAsset(join(__dirname, '..', 'private', 'issuer', 'documents')),
      handler: 'index.handler',
      timeout: Duration.minutes(1),
    });
    writer.addToRolePolicy(new iam.PolicyStatement({
      actions: ['s3:PutObject'],
      resources: [this.bucket.arnForObjects(DISCOVERY_PATH), this.bucket.arnForObjects(JWKS_PATH)],
    }));
    const provider = new customResources.Provider(this, 'DocumentsProvider', { onEventHandler: writer });
    const resource = new CustomResource(this, 'Documents', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::GitLabIssuerDocuments',
      properties: {
        Bucket: this.bucket.bucketName,
        DiscoveryKey: DISCOVERY_PATH,
        Discovery: JSON.stringify(discoveryDocument(this.issuerUrl)),
        KeysKey: JWKS_PATH,
        Keys: jwks.toJsonString(),
        CacheControl: `max-age=${CACHE_TTL.toSeconds()}`,
      },
    });
    return { resource, writerArn: writer.role!.roleArn, functionName: writer.functionName };
  }


  /**
   * What would open the trust root, judged on what the stack renders (overrides included): a grant the construct did
   * not write or a Deny it wrote that is gone from the bucket's policy, a second policy for the bucket (CloudFormation
   * keeps one, the last applied), and, for s3Bucket() hosting, a bucket that is not kept.
   */
  private trustRootProblems(ours: readonly iam.PolicyStatement[], denies: readonly iam.PolicyStatement[]): string[] {
    const stack = Stack.of(this);
    // The resource as the template will hold it, overrides and policies included (aws-cdk-lib's own rendering).
    const rendered = (resource: CfnResource) => Object.values<any>(stack.resolve((resource as any)._toCloudFormation()).Resources)[0];
    const risk = `whoever can change the keys can mint tokens for every role trusting ${this.issuerUrl}`;
    const problems: string[] = [];
    const policy = this.bucket.policy?.node.defaultChild as CfnResource | undefined;
    const statements: any[] = policy ? rendered(policy).Properties?.PolicyDocument?.Statement ?? [] : [];
    const text = (s: unknown) => JSON.stringify(s);
    const own = new Set(ours.map((s) => text(stack.resolve(s.toStatementJson()))));
    for (const statement of statements.filter((s) => s.Effect === 'Allow' && !own.has(text(s)))) {
      problems.push(`the issuer bucket's policy may hold only the grants GitLabHostedIssuer writes: ${risk}, got: ${text(statement)}`);
    }
    const present = new Set(statements.map(text));
    for (const deny of denies.map((d) => stack.resolve(d.toStatementJson()))) {
      if (!present.has(text(deny))) problems.push(`the issuer bucket's policy must keep its Deny ${deny.Sid} as GitLabHostedIssuer writes it: ${risk}`);
    }
    const bucketRef = text(stack.resolve(this.bucket.bucketName));
    for (const other of stack.node.findAll().filter((c): c is s3.CfnBucketPolicy => c instanceof s3.CfnBucketPolicy && c !== policy)) {
      if (text(stack.resolve(other.bucket)) === bucketRef) {
        problems.push(`the issuer bucket may have one policy, GitLabHostedIssuer's (CloudFormation applies the last one written, Denies and all): ${risk}, got: ${other.node.path}`);
      }
    }
    const bucket = rendered(this.bucket.node.defaultChild as CfnResource);
    if (this.isOnS3 && (bucket.DeletionPolicy !== 'Retain' || bucket.UpdateReplacePolicy !== 'Retain')) {
      problems.push('the issuer bucket must be kept (DeletionPolicy and UpdateReplacePolicy Retain) for s3Bucket() hosting: its name is the issuer URL, ' +
        `and a deleted bucket's name is anyone's to take, got: ${bucket.DeletionPolicy}/${bucket.UpdateReplacePolicy}`);
    }
    return problems;
  }

}

/**
 * The keys sync's subjects: one project's one branch, literal, with protected refs required in the sub unless the
 * app says otherwise. Whoever the role admits holds the trust root.
 */
function keysSyncSubjectProblems(sync: GitLabIssuerKeysSync, scope: Construct): void {
  const subs = sync.subjects.map((s) => s.sub);
  if (sync.subjects.length !== 1 || sync.subjects[0].isPattern || !isLiteral(subs[0]) || sync.subjects[0]._scope.anyRef) {
    fail('keysSync needs one subject naming one project\'s one branch (no pattern): whoever the role admits can publish keys for every role trusting ' +
      `the issuer, got: ${show(subs)}`, scope);
  }
  if (!sync.allowUnprotectedRefs && !sync.subjects[0]._scope.protectedOnly) {
    fail('keysSync needs protected refs required in the sub (a layout with ref_protected and subClaimRefProtected: true): STS compares only sub and ' +
      'aud for this issuer, so a fork\'s merge request or a Developer\'s branch of the same name would get the role that holds the trust root ' +
      `(allowUnprotectedRefs: true for an instance before GitLab 18.7), got: ${show(subs[0])}`, scope);
  }
}

/** A grace period as whole hours, from 1 to 8760. */
function wholeGraceHours(period: Duration, scope: Construct): number {
  const hours = period.toHours({ integral: false });
  if (!isLiteralNumber(hours) || !Number.isInteger(hours) || hours < 1 || hours > 8760) {
    fail(`keysSync gracePeriod must be whole hours from 1 hour to 365 days (the job writes it), got: ${period.toString()}`, scope);
  }
  return hours;
}

/** The stack's region as a literal: it is part of an S3 issuer URL. */
function literalRegion(stack: Stack, scope: Construct): string {
  if (!isLiteral(stack.region)) fail(`s3Bucket() hosting needs the stack's region (env: { region }): it is part of the issuer URL, got: ${show(stack.region)}`, scope);
  return stack.region;
}
