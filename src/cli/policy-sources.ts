// Where the explain command gets trust policies from: the GitLab roles of a synthesized cloud assembly
// (cdk.out), or one policy file (a policy document, or what `aws iam get-role` prints).
import { readdirSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import { readText } from './token-sources';
import { UsageError } from './usage-error';
import { KnownProvider } from '../private/explain/explain';
import { isObject, readTrustPolicy, TrustPolicy } from '../private/explain/policy';
import { providersOf, trustsWebIdentity, webIdentityRoles } from '../private/explain/template-roles';

export interface ExplainedRole {
  /** How the report names the role: its construct path, else its template and logical ID, else its ARN or file. */
  readonly name: string;
  readonly policy: TrustPolicy;
  readonly providers: readonly KnownProvider[];
}

/** The web-identity roles of every template in a cloud assembly, or the one `role` names (construct path or logical ID). */
export function rolesOfAssembly(cwd: string, dir: string, role: string | undefined): ExplainedRole[] {
  const root = resolve(cwd, dir);
  const files = templateFiles(root, dir);
  if (files.length === 0) throw new UsageError(`--app: no *.template.json in ${dir}: run cdk synth first, or give --policy-file`);
  const roles = files.flatMap((file) => {
    const text = readText(cwd, file, '--app');
    let template: unknown;
    try {
      template = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--app: ${file} is not JSON: ${(e as Error).message}`);
    }
    try {
      return webIdentityRoles(template, relative(root, file));
    } catch (e) {
      throw new UsageError(`--app: ${(e as Error).message}`);
    }
  });
  if (roles.length === 0) throw new UsageError(`--app: no role in ${dir} trusts a web identity (sts:AssumeRoleWithWebIdentity): nothing to explain`);
  const chosen = role === undefined ? roles
    : roles.filter((r) => r.path === role || r.logicalId === role);
  if (chosen.length === 0) {
    throw new UsageError(`--role: no web-identity role ${role} in ${dir}; there are: ${roles.map((r) => r.path ?? `${r.file} ${r.logicalId}`).join(', ')}`);
  }
  return chosen.map((r) => ({ name: r.path ?? `${r.file} ${r.logicalId}`, policy: r.policy, providers: r.providers }));
}

/** The role of a policy file: a policy document, or `aws iam get-role` output ({"Role": {...}}). */
export function roleOfPolicyFile(cwd: string, file: string): ExplainedRole {
  const text = readText(cwd, file, '--policy-file');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`--policy-file: ${file} is not JSON: ${(e as Error).message}`);
  }
  const role = isObject(value) && isObject(value.Role) ? value.Role : undefined;
  const document = role ? role.AssumeRolePolicyDocument : value;
  let policy: TrustPolicy;
  try {
    policy = readTrustPolicy(document);
  } catch (e) {
    throw new UsageError(`--policy-file: ${file}: ${(e as Error).message}`);
  }
  if (!trustsWebIdentity(policy)) throw new UsageError(`--policy-file: ${file}: the policy does not allow sts:AssumeRoleWithWebIdentity to a federated principal`);
  return { name: typeof role?.Arn === 'string' ? role.Arn : file, policy, providers: providersOf(policy) };
}

/** The templates of an assembly folder and its nested assemblies; `shown` is the folder as the user named it. */
function templateFiles(dir: string, shown: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    throw new UsageError(`--app: cannot read ${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return entries.sort().flatMap((entry) => {
    const path = join(dir, entry);
    // Stages synthesize into nested assemblies (assembly-<stage>/).
    if (statSync(path).isDirectory()) return entry.startsWith('assembly-') ? templateFiles(path, join(shown, entry)) : [];
    return entry.endsWith('.template.json') ? [path] : [];
  });
}
