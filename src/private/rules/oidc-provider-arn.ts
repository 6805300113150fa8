// IAM OIDC provider ARNs, read in one place: `arn:<partition>:iam::<account>:oidc-provider/<host>[/<path>]`, literal or
// as a synthesized template writes them (`arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.com`).

const PROVIDER_ARN = /^arn:(?:\$\{AWS::Partition\}|[a-z-]+):iam::(?:\$\{AWS::AccountId\}|\d{12}):oidc-provider\/(.+)$/;

/** The host (with the path, for an instance under one) a provider ARN names after `oidc-provider/`, or undefined. */
export function providerArnHost(arn: string): string | undefined {
  return PROVIDER_ARN.exec(arn)?.[1];
}
