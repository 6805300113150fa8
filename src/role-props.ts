import { GitLabWebIdentityRoleProps } from './generated/web-identity-role-props';
import { GitLabJobsPrincipalProps } from './principal';

/**
 * Properties of a `GitLabRunnerRole`: the GitLab jobs it trusts (`GitLabJobsPrincipalProps`), the
 * `iam.RoleProps` fields that apply to a web-identity role (`GitLabWebIdentityRoleProps`), and the trust
 * policy's size limit.
 */
export interface GitLabRunnerRoleProps extends GitLabWebIdentityRoleProps, GitLabJobsPrincipalProps {
  /**
   * The account's "Role trust policy length" quota, in characters. A longer trust policy fails at synth
   * instead of at deploy.
   *
   * IAM counts the policy without white space; the size is computed with the longest partition and a
   * 12-digit account.
   *
   * @default 2048 (the default quota; it can be raised to 8192)
   */
  readonly trustPolicySizeLimit?: number;
}
