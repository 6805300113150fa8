// IAM OIDC provider ARNs, read in one place: `arn:<partition>:iam::<account>:oidc-provider/<host>[/<path>]`, literal or
// as a synthesized template writes them (`arn:${AWS::Partition}:iam::${AWS::AccountId}:oidc-provider/gitlab.com`).

/** The host (with the path, for an instance under one) a provider ARN names after `oidc-provider/`, or undefined. */
export function providerArnHost(arn: string): string | undefined {
  // Here, not a module constant, so that mutation testing measures the tests of it (see iam-strings.ts).
  return /^arn:(?:\$\{AWS::Partition\}|[a-z-]+):iam::(?:\$\{AWS::AccountId\}|\d{12}):oidc-provider\/(.+)$/.exec(arn)?.[1];
}
