import { Duration } from 'aws-cdk-lib';

/**
 * How the generated GitLab job hands its ID token to AWS.
 */
export enum GitLabCiCredentials {
  /**
   * Keep the token in a file only the job's user can read, removed when the job ends, and set
   * `AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`: every AWS SDK and the AWS CLI then call
   * `AssumeRoleWithWebIdentity` themselves, and refresh as needed. The job checks the exchange once
   * with `aws sts get-caller-identity` before its script.
   */
  WEB_IDENTITY_TOKEN_FILE = 'WEB_IDENTITY_TOKEN_FILE',

  /**
   * Call `aws sts assume-role-with-web-identity` once, with the token read from a private file (never
   * from the command line), and export the temporary credentials (`AWS_ACCESS_KEY_ID`,
   * `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), for tools that read only those. They are not
   * refreshed: they last `sessionDuration`.
   */
  ASSUME_ROLE_CLI = 'ASSUME_ROLE_CLI',
}

/**
 * Options for `GitLabRunnerRole.gitLabCiJob()`.
 */
export interface GitLabCiJobOptions {
  /**
   * The job's name. A name starting with `.` makes a hidden job that other jobs `extends`. A literal
   * of 1 to 255 characters that is not a `.gitlab-ci.yml` keyword.
   *
   * @default '.aws-oidc'
   */
  readonly jobName?: string;

  /**
   * The CI/CD variable that receives the ID token: a literal name that no variable of GitLab, the
   * runner, the shell or the AWS clients has (no `AWS_*`, `CI_*`, `PATH`, ...).
   *
   * @default 'GITLAB_OIDC_TOKEN'
   */
  readonly tokenVariable?: string;

  /**
   * How the token is handed to AWS.
   *
   * @default GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE
   */
  readonly credentials?: GitLabCiCredentials;

  /**
   * The AWS region for the CLI and SDKs (`AWS_REGION`, `AWS_DEFAULT_REGION`).
   *
   * @default - the role's stack region when it is known at synth time, else none
   */
  readonly region?: string;

  /**
   * Whether the AWS clients call the region's own STS endpoint (`AWS_STS_REGIONAL_ENDPOINTS=regional`),
   * as AWS recommends, rather than the global `sts.amazonaws.com` (`legacy`). Needs a region. It matters to
   * the clients that read the setting (boto3 and the SDKs whose default was the global endpoint); the AWS
   * CLI v2 and the SDK for JavaScript v3 call the regional endpoint either way.
   *
   * @default true when the job has a region
   */
  readonly regionalSts?: boolean;

  /**
   * The AWS account the credentials must belong to: the job stops before its script when the role it
   * assumed is in another account (a mistyped or stale role ARN). A 12-digit account ID.
   *
   * @default - any account
   */
  readonly expectedAccount?: string;

  /**
   * The job's timeout (GitLab's `timeout`), in whole minutes from 10 minutes to 30 days. With
   * `ASSUME_ROLE_CLI`, synth warns when the credentials would end before it.
   *
   * @default - the project's or runner's timeout (GitLab's default is one hour)
   */
  readonly jobTimeout?: Duration;

  /**
   * How long the credentials last, for `ASSUME_ROLE_CLI` only (`--duration-seconds`): 15 minutes to
   * the role's maximum session duration. With the token file, each AWS client picks its own.
   *
   * @default Duration.hours(1)
   */
  readonly sessionDuration?: Duration;

  /**
   * The container image the job runs in. It needs a POSIX shell and the AWS CLI, which the job uses to
   * check (or make) the token exchange before its script.
   *
   * @default - the runner's default image
   */
  readonly image?: string;

  /**
   * The job's stage.
   *
   * @default - GitLab's default stage (`test`)
   */
  readonly stage?: string;

  /**
   * The job's commands, run with the role's credentials.
   *
   * @default ['aws sts get-caller-identity']
   */
  readonly script?: string[];

  /**
   * How many times the job asks STS for the role's credentials when STS answers with an error it documents
   * as transient: `IDPCommunicationError`, `InvalidIdentityToken` when STS could not fetch GitLab's keys,
   * throttling, `InternalFailure` and `ServiceUnavailable`. It waits 1, 2, 4... seconds between attempts,
   * each up to twice that (jitter). A refusal (`AccessDenied`, an expired token, a wrong audience) stops
   * the job at the first attempt. 1 to 10.
   *
   * @default 5
   */
  readonly stsAttempts?: number;
}
