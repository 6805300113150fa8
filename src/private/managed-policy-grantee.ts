import { aws_iam as iam } from 'aws-cdk-lib';

/**
 * A role as the grantee of an `iam.Grant` whose statements go to one of the role's customer managed policies rather
 * than its inline default policy (compliance packs flag inline policies), so a grant method can still return the
 * `iam.Grant` CDK users expect.
 */
export class ManagedPolicyGrantee extends iam.PrincipalBase {
  public readonly assumeRoleAction: string;
  public readonly principalAccount: string | undefined;

  constructor(private readonly role: iam.IRole, private readonly policy: iam.ManagedPolicy) {
    super();
    this.assumeRoleAction = role.assumeRoleAction;
    this.principalAccount = role.principalAccount;
  }

  public get policyFragment(): iam.PrincipalPolicyFragment {
    return this.role.policyFragment;
  }

  public addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    this.policy.addStatements(statement);
    return { statementAdded: true, policyDependable: this.policy };
  }

  /** Never merged with another principal's statements. */
  // Stryker disable next-line BlockStatement: an empty body returns undefined too
  public dedupeString(): string | undefined {
    return undefined;
  }
}
