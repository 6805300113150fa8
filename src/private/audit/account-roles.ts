// The roles an audit reads: what `aws iam get-account-authorization-details` (RoleDetailList) or `aws iam list-roles`
// (Roles) prints, what `aws iam get-role` prints, or one trust policy document. Policies may be URL-encoded JSON, as
// IAM returns them.
import { AuditedRole } from './checks';
import { isObject, readTrustPolicy } from '../explain/policy';
import { providersOf, trustsWebIdentity } from '../explain/template-roles';

/** The web-identity roles of an account export, a get-role output or a policy document; `source` names the input. */
export function rolesOfAccountExport(value: unknown, source: string): AuditedRole[] {
  const entries: { name: string; document: unknown }[] = [];
  const list = isObject(value) ? value.RoleDetailList ?? value.Roles : undefined;
  if (Array.isArray(list)) {
    list.forEach((role, i) => {
      if (!isObject(role)) throw new Error(`${source}: role ${i} is not an object`);
      const name = typeof role.Arn === 'string' ? role.Arn : typeof role.RoleName === 'string' ? role.RoleName : `${source} role ${i}`;
      entries.push({ name, document: role.AssumeRolePolicyDocument });
    });
  } else if (isObject(value) && isObject(value.Role)) {
    entries.push({ name: typeof value.Role.Arn === 'string' ? value.Role.Arn : source, document: value.Role.AssumeRolePolicyDocument });
  } else if (isObject(value) && value.Statement !== undefined) {
    entries.push({ name: source, document: value });
  } else {
    throw new Error(`${source} is neither an account export (RoleDetailList, Roles), a get-role output (Role) nor a policy document (Statement)`);
  }
  return entries.flatMap(({ name, document }) => {
    // A role without a trust policy (a service-linked role's export may omit it) trusts no GitLab job.
    if (document === undefined) return [];
    let policy;
    try {
      policy = readTrustPolicy(document);
    } catch (e) {
      throw new Error(`${source}: ${name}: ${(e as Error).message}`);
    }
    return trustsWebIdentity(policy) ? [{ name, policy, providers: providersOf(policy) }] : [];
  });
}
