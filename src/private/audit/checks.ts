// The weak ways a role's trust in a GitLab issuer goes wrong, found statement by statement: no sub, any project, a
// group prefix without "/", any ref where a protected ref was meant, no aud, a path-based sub, condition keys STS
// never sets for the issuer, a wildcard under StringEquals, an audience the provider does not list, Principal "*". Each finding has a
// severity, the statement, the reason and the fix; test/audit proves each class with a token the weak policy admits
// (by the package's evaluator and iam-simulate) and the fixed one refuses.
import { parseOperator, isNegated } from '../explain/conditions';
import { KnownProvider } from '../explain/explain';
import { PolicyCondition, PolicyStatement, TrustPolicy, Unknown } from '../explain/policy';
import { evaluatedClaims } from '../explain/sts-request';
import { admitsEveryPrincipal, coversWebIdentity } from '../explain/template-roles';
import { GITLAB_COM } from '../rules/iam-limits';
import { firstWildcard, hasPolicyVariable, hasWildcard, isExactValue } from '../rules/iam-strings';
import { providerArnHost } from '../rules/oidc-provider-arn';
import { parseSub, subComponent } from '../rules/sub-claim';

/** How bad a finding is, from a note to a door anyone can open. */
export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const;
export type Severity = typeof SEVERITIES[number];

/** One weakness of one statement. */
export interface Finding {
  /** The role, as the input names it (its ARN, construct path or file). */
  readonly role: string;
  /** The check's ID: `no-sub`, `any-project`, ... */
  readonly check: string;
  readonly severity: Severity;
  /** The statement's position in the policy, from 0, and its Sid. */
  readonly statement: number;
  readonly sid?: string;
  /** Why it is weak, naming the value. */
  readonly reason: string;
  /** What to change. */
  readonly fix: string;
}

/** Where an input writes a role: a file and a line, from 1. */
export interface ReportLocation {
  readonly path: string;
  readonly line: number;
}

/** A role to audit: its name, its trust policy and the providers known for it. */
export interface AuditedRole {
  readonly name: string;
  readonly policy: TrustPolicy;
  readonly providers: readonly KnownProvider[];
  /** Where the input writes the role (for reports that point at a line). */
  readonly location?: ReportLocation;
}

/** Whether a role trusts a GitLab issuer at all (the roles an audit counts), or every issuer. */
export function trustsGitLab(role: AuditedRole, issuers: readonly string[]): boolean {
  return role.policy.statements.some((statement) => gitLabHosts(statement, issuers).length > 0 || admitsEveryIssuer(statement));
}

/** The OIDC provider hosts a role trusts that the audit does not take for GitLab (for the report to name). */
export function otherProviderHosts(role: AuditedRole, issuers: readonly string[]): string[] {
  return role.policy.statements.flatMap((statement) => federatedHosts(statement).filter((host) => !gitLabHosts(statement, issuers).includes(host)));
}

/**
 * Finds the weaknesses of every statement of a role that trusts a GitLab issuer: gitlab.com, an issuer in
 * `issuers` (self-managed instances), a host with "gitlab" in its name, or a provider whose statements compare a
 * GitLab-shaped sub.
 */
export function auditRole(role: AuditedRole, issuers: readonly string[]): Finding[] {
  return role.policy.statements.flatMap((statement) => [
    ...auditPrincipal(statement, issuers),
    ...gitLabHosts(statement, issuers).flatMap((host) => auditStatement(statement, host, role.providers.find((p) => p.url === `https://${host}`)?.clientIds)),
  ].map((f) => ({ role: role.name, statement: statement.index, sid: statement.sid, ...f })));
}

/** The issuer prefixes (`gitlab.com`, `gitlab.example.com/gitlab`) of a statement's condition keys: not `aws:`, `sts:`... */
function issuerPrefixes(statement: PolicyStatement): string[] {
  return [...new Set(statement.conditions.map((c) => splitKey(c.key)[0]).filter((prefix) => /[./]/.test(prefix)))];
}

/** An Allow of the web-identity action to every principal whose conditions name no issuer's claim: any provider's token. */
function admitsEveryIssuer(statement: PolicyStatement): boolean {
  return statement.effect === 'Allow' && admitsEveryPrincipal(statement) && coversWebIdentity(statement) && issuerPrefixes(statement).length === 0;
}

/** Findings on a statement's principal: `"*"` instead of the provider. */
function auditPrincipal(statement: PolicyStatement, issuers: readonly string[]): StatementFinding[] {
  if (admitsEveryIssuer(statement)) {
    const keys = statement.conditions.map((c) => `${c.operator} ${c.key}`);
    return [{
      check: 'any-provider',
      severity: keys.length === 0 ? 'critical' : 'medium',
      reason: keys.length === 0
        ? 'the statement allows sts:AssumeRoleWithWebIdentity to every principal with no condition: a token of any OIDC provider the account registers (GitLab\'s included), for any project, can assume the role'
        : `the statement allows sts:AssumeRoleWithWebIdentity to every principal, and its conditions (${keys.join(', ')}) name no issuer's claim: whether they keep other providers' tokens out depends on the request`,
      fix: 'name the provider (Principal: { Federated: arn:<partition>:iam::<account>:oidc-provider/gitlab.com }) with conditions on its sub and aud',
    }];
  }
  if (statement.effect === 'Allow' && admitsEveryPrincipal(statement) && coversWebIdentity(statement) && gitLabHosts(statement, issuers).length > 0) {
    return [{
      check: 'wildcard-principal',
      severity: 'low',
      reason: 'the statement allows sts:AssumeRoleWithWebIdentity to every principal: its conditions alone choose the issuer, so one written with IfExists or a negation admits every provider\'s tokens',
      fix: 'name the provider as the principal (Principal: { Federated: arn:<partition>:iam::<account>:oidc-provider/<host> })',
    }];
  }
  return [];
}

/** The OIDC provider hosts a statement's Federated principal names, when it covers the web-identity action. */
function federatedHosts(statement: PolicyStatement): string[] {
  if (statement.principal === undefined || !coversWebIdentity(statement)) return [];
  // Every principal: the hosts are those whose claims the conditions compare.
  if (admitsEveryPrincipal(statement)) return issuerPrefixes(statement);
  if (statement.principal === '*') return [];
  const hosts = new Set<string>();
  for (const arn of Object.entries(statement.principal).filter(([type]) => type === 'Federated').flatMap(([, values]) => values)) {
    if (arn instanceof Unknown) continue;
    const host = providerArnHost(arn);
    if (host !== undefined) hosts.add(host);
  }
  return [...hosts];
}

/**
 * The GitLab hosts a statement trusts: gitlab.com, an issuer the caller names, a host named like GitLab, or a provider
 * whose sub conditions are in GitLab's layout; but not a host whose tokens the statement can never admit, because it
 * requires another issuer's key (a statement for GitHub's and GitLab's providers that compares GitHub's sub only).
 */
function gitLabHosts(statement: PolicyStatement, issuers: readonly string[]): string[] {
  const isGitLab = (host: string) => `https://${host}` === GITLAB_COM || issuers.includes(`https://${host}`) || /gitlab/i.test(host)
    || conditionsOn(statement, host, 'sub').some((c) => c.values.some((v) => typeof v === 'string' && parseSub(v) !== undefined));
  const needsOtherIssuer = (host: string) => statement.conditions.some((c) => {
    const { ifExists, set, base } = parseOperator(c.operator);
    const [prefix] = splitKey(c.key);
    return prefix.includes('.') && prefix !== host.toLowerCase() && !prefix.startsWith('aws') && !ifExists && set !== 'ForAllValues' && base !== 'Null'
      && !isNegated(c.operator);
  });
  return federatedHosts(statement).filter((host) => isGitLab(host) && !needsOtherIssuer(host));
}

/** The statement's conditions on `<host>:<claim>` (keys compare case-insensitively). */
function conditionsOn(statement: PolicyStatement, host: string, claim: string): PolicyCondition[] {
  const key = `${host}:${claim}`.toLowerCase();
  return statement.conditions.filter((c) => c.key.toLowerCase() === key);
}

/** A positive comparison (StringEquals, StringLike...): what narrows who may assume the role. */
function narrows(condition: PolicyCondition): boolean {
  const { base } = parseOperator(condition.operator);
  return base.startsWith('String') && !isNegated(condition.operator);
}

/** A finding before it is placed in its role and statement. */
type StatementFinding = Omit<Finding, 'role' | 'statement' | 'sid'>;

function auditStatement(statement: PolicyStatement, host: string, clientIds: readonly string[] | undefined): StatementFinding[] {
  const issuer = `https://${host}`;
  const setBySts = (claim: string) => evaluatedClaims(issuer).includes(claim);
  // A condition whose key or values are decided at deployment (a parameter, an import, CDK's CfnJson): not judged.
  const deployTime = statement.conditions.filter((c) => /^(Fn::|Ref$)/.test(c.key) || c.values.some((v) => v instanceof Unknown));
  if (statement.effect === 'Allow' && deployTime.length > 0) {
    return [{
      check: 'undetermined',
      severity: 'medium',
      reason: `the statement's conditions (${deployTime.map((c) => `${c.operator} ${c.key}`).join(', ')}) are decided at deployment: the audit cannot judge them`,
      fix: 'audit the deployed role (aws iam get-role, or an account export), or write the conditions as literals',
    }];
  }
  const findings: StatementFinding[] = [];
  const subs = conditionsOn(statement, host, 'sub').filter(narrows);
  // An aud condition counts when it names an audience: a wildcard pattern admits every audience the provider lists.
  const auds = conditionsOn(statement, host, 'aud').filter((c) => narrows(c)
    && c.values.some((v) => typeof v === 'string' && !(parseOperator(c.operator).base.includes('Like') && hasWildcard(v))));
  // The project pinned outside the sub: gitlab.com sets project_id (and namespace_id, the group).
  const pinnedBy = (claim: string) => setBySts(claim)
    && conditionsOn(statement, host, claim).some((c) => narrows(c) && !parseOperator(c.operator).ifExists && c.values.every((v) => typeof v === 'string' && isExactValue(v)));
  if (statement.effect === 'Allow') {
    if (subs.length === 0 && !pinnedBy('project_id')) {
      findings.push(pinnedBy('namespace_id')
        ? {
          check: 'no-sub',
          severity: 'high',
          reason: `no condition on ${host}:sub, and only the group (namespace_id) is pinned: any job of any project of the group, any branch, can assume the role`,
          fix: `add StringEquals on ${host}:sub naming the project and ref`,
        }
        : {
          check: 'no-sub',
          severity: 'critical',
          reason: `no condition on ${host}:sub: any job of any project on ${issuer} can assume the role`,
          fix: `add StringEquals (or StringLike) on ${host}:sub naming the project and ref, such as project_path:mygroup/myproject:ref_type:branch:ref:main`,
        });
    }
    for (const condition of subs) findings.push(...auditSubs(statement, condition, host, setBySts('ref_protected')));
    if (auds.length === 0) {
      findings.push({
        check: 'no-aud',
        severity: 'medium',
        reason: `no condition naming a ${host}:aud: a token requested for any audience the provider lists (another role's, another tool's) is accepted`,
        fix: `add StringEquals on ${host}:aud with an audience of this role's own, and request it in the job's id_tokens`,
      });
    }
    for (const condition of auds) {
      const literal = condition.values.filter((v): v is string => typeof v === 'string');
      if (clientIds && literal.length > 0 && !literal.some((v) => clientIds.includes(v))) {
        findings.push({
          check: 'audience-not-listed',
          severity: 'low',
          reason: `${host}:aud asks for ${literal.map((v) => JSON.stringify(v)).join(', ')}, which the provider's client IDs (${clientIds.join(', ')}) do not list: ` +
            'STS refuses every such token before the policy, so the role can never be assumed',
          fix: 'add the audience to the provider\'s client IDs (GitLabOidcProvider audiences), or ask for one it lists',
        });
      }
    }
  }
  // Keys STS never sets for this issuer: an Allow that needs one never applies; a Deny that needs one never denies.
  // IfExists, ForAllValues (which pass on a missing key), Null and negated operators are other stories: not judged.
  for (const condition of statement.conditions) {
    const [prefix, claim] = splitKey(condition.key);
    if (prefix !== host.toLowerCase() || setBySts(claim)) continue;
    const { ifExists, base, set } = parseOperator(condition.operator);
    if (ifExists || set === 'ForAllValues' || base === 'Null' || isNegated(condition.operator)) continue;
    findings.push(statement.effect === 'Deny'
      ? {
        check: 'deny-never-applies',
        severity: 'high',
        reason: `the Deny needs ${condition.key}, which STS never sets for ${issuer} (it copies ${evaluatedClaims(issuer).join(', ')}): it never denies anything`,
        fix: issuer === GITLAB_COM ? 'compare a claim STS copies, or the sub\'s components'
          : 'put the guard in the sub (a sub layout with the component, such as ref_protected)',
      }
      : {
        check: 'key-never-set',
        severity: 'low',
        reason: `the statement needs ${condition.key}, which STS never sets for ${issuer} (it copies ${evaluatedClaims(issuer).join(', ')}): it never admits a job`,
        fix: issuer === GITLAB_COM ? 'compare a claim STS copies, or the sub\'s components' : 'require it in the sub instead (a sub layout with the component)',
      });
  }
  return findings;
}

/** `gitlab.com:sub` as [`gitlab.com`, `sub`]: the claim is after the last colon (a self-managed host may have a path). */
function splitKey(key: string): [string, string] {
  const colon = key.lastIndexOf(':');
  return [key.slice(0, colon).toLowerCase(), key.slice(colon + 1).toLowerCase()];
}

/** The findings of one sub condition's values; `refProtectedKey`: whether STS sets ref_protected for the issuer. */
function auditSubs(statement: PolicyStatement, condition: PolicyCondition, host: string, refProtectedKey: boolean): StatementFinding[] {
  const findings: StatementFinding[] = [];
  const { base } = parseOperator(condition.operator);
  const pattern = base.includes('Like');
  // Protected refs required: every value "true", compared where STS sets the key, and no IfExists (which passes without it).
  const refProtectedRequired = refProtectedKey && conditionsOn(statement, host, 'ref_protected').some((c) => narrows(c) && !parseOperator(c.operator).ifExists
    && c.values.length > 0 && c.values.every((v) => typeof v === 'string' && v.toLowerCase() === 'true'));
  for (const value of condition.values) {
    if (typeof value !== 'string') continue;
    if (hasPolicyVariable(value)) {
      const own = value.toLowerCase().includes(`\${${host.toLowerCase()}:`);
      findings.push({
        check: 'policy-variable-in-sub',
        severity: own ? 'critical' : 'high',
        reason: `${host}:sub ${JSON.stringify(value)} holds an IAM policy variable, filled from each request: ${own
          ? 'from the token itself, so the job chooses what it is compared with' : 'what it admits depends on the request, not on the policy'}`,
        fix: 'name the project and ref literally',
      });
      continue;
    }
    if (!pattern && hasWildcard(value)) {
      findings.push({
        check: 'wildcard-under-stringequals',
        severity: 'low',
        reason: `${condition.operator} compares ${JSON.stringify(value)} literally: its wildcard matches only a sub that holds "*" or "?", so the intended jobs are refused`,
        fix: 'use StringLike for a pattern, or name the ref exactly',
      });
      continue;
    }
    const wild = (text: string | undefined) => pattern && text !== undefined && hasWildcard(text);
    const parts = parseSub(value);
    const component = (name: string) => subComponent(parts, name);
    const projectId = component('project_id');
    const path = component('project_path');
    const anyPath = projectId === undefined && wild(path) && firstWildcard(path!) === 0;
    if (!parts || (projectId === undefined && path === undefined) || wild(projectId) || anyPath) {
      if (!parts && !wild(value)) continue;
      findings.push({
        check: 'any-project',
        severity: 'critical',
        reason: `${host}:sub ${JSON.stringify(value)} does not pin the project: jobs of projects it does not name (anyone who can create a project on https://${host}) can assume the role`,
        fix: 'name the project: project_path:mygroup/myproject:... (or project_id:<id>:...)',
      });
      continue;
    }
    if (projectId === undefined && path !== undefined && wild(path)) {
      const prefix = path.slice(0, firstWildcard(path));
      if (!prefix.includes('/')) {
        findings.push({
          check: 'group-prefix',
          severity: 'high',
          reason: `project_path ${JSON.stringify(path)} has no "/" before its wildcard: it also matches other groups whose names start with ${JSON.stringify(prefix)}, which anyone can create`,
          fix: 'end the group\'s name with "/" before the wildcard (project_path:mygroup/*), or name each project',
        });
      } else if (!prefix.endsWith('/')) {
        findings.push({
          check: 'project-prefix',
          severity: 'medium',
          reason: `project_path ${JSON.stringify(path)} matches every project of the group whose name starts with ${JSON.stringify(prefix.slice(prefix.lastIndexOf('/') + 1))}: ` +
            'a member who creates one can assume the role',
          fix: 'name each project, or end the pattern at the group\'s "/"',
        });
      }
    }
    const ref = component('ref');
    const refType = component('ref_type');
    // Any ref: a wildcard, no ref at all, or a case-insensitive compare (a branch "MAIN" is another, unprotected branch).
    const openRef = ref === undefined || refType === undefined || wild(ref) || wild(refType) || base.includes('IgnoreCase');
    if (openRef && component('ref_protected') !== 'true' && !refProtectedRequired) {
      const refs = refType === 'tag' ? 'tags' : refType === 'branch' ? 'branches' : 'branches or tags';
      findings.push({
        check: 'any-ref',
        severity: 'medium',
        reason: `${host}:sub ${JSON.stringify(value)} admits ${ref !== undefined && wild(ref) && ref !== '*' ? `${refs} matching ${JSON.stringify(ref)}` : `any of the project's ${refs}`}, ` +
          'unprotected ones included: a Developer\'s push or a merge request\'s pipeline can assume the role',
        fix: refProtectedKey
          ? `require ${host}:ref_protected "true" (claimConditions: { refProtected: true }), or name the protected refs`
          : 'name the protected refs, or use a sub layout with ref_protected (GitLab 18.7+)',
      });
    }
    if (projectId === undefined) {
      findings.push({
        check: 'path-based-sub',
        severity: 'info',
        reason: `${host}:sub names the project by path (${JSON.stringify(path)}): after a rename or transfer, another project can take that path and its jobs' tokens`,
        fix: 'use a sub layout with project_id (ci_id_token_sub_claim_components, set through the projects API) and name the project by its ID',
      });
    }
  }
  return findings;
}
