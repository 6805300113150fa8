// Where the explain command gets trust policies from: the GitLab roles of a synthesized cloud assembly
// (cdk.out), or one policy file (a policy document, or what `aws iam get-role` prints).
import { readdirSync, statSync } from 'fs';
import { join, relative, resolve } from 'path';
import { readText } from './token-sources';
import { UsageError } from './usage-error';
import { ReportLocation } from '../private/audit/checks';
import { KnownProvider } from '../private/explain/explain';
import { isObject, readTrustPolicy, TrustPolicy } from '../private/explain/policy';
import { providersOf, TemplateRole, trustsWebIdentity, webIdentityRoles } from '../private/explain/template-roles';
import { checkJsonDepth } from '../private/explain/untrusted-input';

export interface ExplainedRole {
  /** How the report names the role: its construct path, else its template and logical ID, else its ARN or file. */
  readonly name: string;
  readonly policy: TrustPolicy;
  readonly providers: readonly KnownProvider[];
  /** Where the role is written: the file (as the user reaches it) and the line its definition starts on. */
  readonly location?: ReportLocation;
}

/** The line (from 1) of the first match of `needle` in `text`; line 1 when there is none. */
export function lineOf(text: string, needle: string | RegExp): number {
  const at = typeof needle === 'string' ? text.indexOf(needle) : text.search(needle);
  return at < 0 ? 1 : text.slice(0, at).split('\n').length;
}

/**
 * The web-identity roles of every template in a cloud assembly, or the one `role` names (construct path or logical ID);
 * with `required`, an assembly without one is bad input.
 */
export function rolesOfAssembly(cwd: string, dir: string, role: string | undefined, required = true): ExplainedRole[] {
  const root = resolve(cwd, dir);
  const files = templateFiles(root, dir);
  if (files.length === 0) throw new UsageError(`--app: no *.template.json in ${dir}: run cdk synth first, or give --policy-file`);
  const texts = new Map<string, string>();
  const roles = files.flatMap((file) => {
    const text = readText(cwd, file, '--app');
    texts.set(relative(root, file), text);
    try {
      return webIdentityRoles(parseJson(text, file, '--app'), relative(root, file));
    } catch (e) {
      throw new UsageError(`--app: ${(e as Error).message}`);
    }
  });
  if (roles.length === 0 && required) throw new UsageError(`--app: no role in ${dir} trusts a web identity (sts:AssumeRoleWithWebIdentity): nothing to explain`);
  const chosen = role === undefined ? roles
    : roles.filter((r) => r.path === role || r.logicalId === role);
  if (chosen.length === 0 && role !== undefined) {
    throw new UsageError(`--role: no web-identity role ${role} in ${dir}; there are: ${roles.map(roleName).join(', ')}`);
  }
  return chosen.map((r) => ({
    name: roleName(r),
    policy: r.policy,
    providers: r.providers,
    location: { path: join(dir, r.file), line: lineOf(texts.get(r.file)!, `${JSON.stringify(r.logicalId)}: {`) },
  }));
}

/** How the report names a template's role: its construct path, else its template and logical ID. */
function roleName(role: TemplateRole): string {
  return role.path ?? `${role.file} ${role.logicalId}`;
}

/** The role of a policy file: a policy document, or `aws iam get-role` output ({"Role": {...}}). */
export function roleOfPolicyFile(cwd: string, file: string): ExplainedRole {
  const value = readJson(cwd, file, '--policy-file');
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

/** A JSON file (relative to `cwd`), or a usage error naming the file and the parser's reason. */
function readJson(cwd: string, file: string, flag: string): unknown {
  return parseJson(readText(cwd, file, flag), file, flag);
}

/** JSON text of a file, parsed and depth-checked, or a usage error naming the file and the parser's reason. */
function parseJson(text: string, file: string, flag: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${file} is not JSON: ${(e as Error).message}`);
  }
  try {
    checkJsonDepth(value, `${flag}: ${file}`);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return value;
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
