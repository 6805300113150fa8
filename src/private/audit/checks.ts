// The weak ways a role's trust in a GitLab issuer goes wrong, found statement by statement: no sub, any project, a
// group prefix without "/", any ref where a protected ref was meant, no aud, a path-based sub, condition keys STS
// never sets for the issuer, a wildcard under StringEquals, an audience the provider does not list. Each finding has a
// severity, the statement, the reason and the fix; test/audit proves each class with a token the weak policy admits
// (by the package's evaluator and iam-simulate) and the fixed one refuses.
import { parseOperator, isNegated } from '../explain/conditions';
import { KnownProvider } from '../explain/explain';
import { PolicyCondition, PolicyStatement, TrustPolicy, Unknown } from '../explain/policy';
import { evaluatedClaims } from '../explain/sts-request';
import { subParts } from '../explain/sub-claim-parts';
import { GITLAB_COM } from '../rules/iam-limits';

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

/** A role to audit: its name, its trust policy and the providers known for it. */
export interface AuditedRole {
  readonly name: string;
  readonly policy: TrustPolicy;
  readonly providers: readonly KnownProvider[];
}

/**
 * Finds the weaknesses of every statement of a role that trusts a GitLab issuer: gitlab.com, an issuer in
 * `issuers` (self-managed instances), or a provider whose statements compare a GitLab-shaped sub.
 */
/** Whether a role trusts a GitLab issuer at all (the roles an audit counts). */
export function trustsGitLab(role: AuditedRole, issuers: readonly string[]): boolean {
  return role.policy.statements.some((statement) => gitLabHosts(statement, issuers).length > 0);
}

export function auditRole(role: AuditedRole, issuers: readonly string[]): Finding[] {
  return role.policy.statements.flatMap((statement) => gitLabHosts(statement, issuers).flatMap((host) =>
    auditStatement(statement, host, role.providers.find((p) => p.url === `https://${host}`)?.clientIds)
      .map((f) => ({ role: role.name, statement: statement.index, sid: statement.sid, ...f }))));
}

/** The GitLab hosts a statement's Federated principal names. */
function gitLabHosts(statement: PolicyStatement, issuers: readonly string[]): string[] {
  if (statement.principal === undefined || statement.principal === '*') return [];
  const hosts = new Set<string>();
  for (const arn of Object.entries(statement.principal).filter(([type]) => type === 'Federated').flatMap(([, values]) => values)) {
    if (arn instanceof Unknown) continue;
    const host = /^arn:[^:]+:iam::[^:]*:oidc-provider\/(.+)$/.exec(arn)?.[1];
    if (host !== undefined) hosts.add(host);
  }
  // gitlab.com, an issuer the caller names, or a provider whose sub conditions are in GitLab's layout (project_path:...).
  const isGitLab = (host: string) => `https://${host}` === GITLAB_COM || issuers.includes(`https://${host}`)
    || conditionsOn(statement, host, 'sub').some((c) => c.values.some((v) => typeof v === 'string' && subParts(v) !== undefined));
  return [...hosts].filter(isGitLab);
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
  const findings: StatementFinding[] = [];
  const subs = conditionsOn(statement, host, 'sub').filter(narrows);
  const auds = conditionsOn(statement, host, 'aud').filter(narrows);
  const issuer = `https://${host}`;
  if (statement.effect === 'Allow') {
    if (subs.length === 0) {
      findings.push({
        check: 'no-sub',
        severity: 'critical',
        reason: `no condition on ${host}:sub: any job of any project on ${issuer} can assume the role`,
        fix: `add StringEquals (or StringLike) on ${host}:sub naming the project and ref, such as project_path:mygroup/myproject:ref_type:branch:ref:main`,
      });
    }
    for (const condition of subs) findings.push(...auditSubs(statement, condition, host));
    if (auds.length === 0) {
      findings.push({
        check: 'no-aud',
        severity: 'medium',
        reason: `no condition on ${host}:aud: a token requested for any audience the provider lists (another role's, another tool's) is accepted`,
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
  for (const condition of statement.conditions) {
    const [prefix, claim] = splitKey(condition.key);
    if (prefix !== host.toLowerCase() || evaluatedClaims(issuer).includes(claim)) continue;
    const { ifExists, base } = parseOperator(condition.operator);
    if (ifExists || base === 'Null' || isNegated(condition.operator)) continue;
    findings.push(statement.effect === 'Deny'
      ? {
        check: 'deny-never-applies',
        severity: 'high',
        reason: `the Deny needs ${condition.key}, which STS never sets for ${issuer} (it copies ${evaluatedClaims(issuer).join(', ')}): it never denies anything`,
        fix: issuer === GITLAB_COM ? 'compare a claim STS copies, or the sub\'s components' : 'put the guard in the sub (a sub layout with the component, such as ref_protected)',
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

/** The findings of one sub condition's values. */
function auditSubs(statement: PolicyStatement, condition: PolicyCondition, host: string): StatementFinding[] {
  const findings: StatementFinding[] = [];
  const pattern = parseOperator(condition.operator).base.includes('Like');
  const refProtectedRequired = conditionsOn(statement, host, 'ref_protected').some((c) => narrows(c) && c.values.includes('true'));
  for (const value of condition.values) {
    if (typeof value !== 'string' || value.includes('${')) continue;
    if (!pattern && /[*?]/.test(value)) {
      findings.push({
        check: 'wildcard-under-stringequals',
        severity: 'low',
        reason: `${condition.operator} compares ${JSON.stringify(value)} literally: its wildcard matches only a sub that holds "*" or "?", so the intended jobs are refused`,
        fix: 'use StringLike for a pattern, or name the ref exactly',
      });
      continue;
    }
    const wild = (text: string | undefined) => pattern && text !== undefined && /[*?]/.test(text);
    const parts = subParts(value);
    if (!parts) {
      if (wild(value) && /^[*?]/.test(value)) {
        findings.push({
          check: 'any-project',
          severity: 'critical',
          reason: `${host}:sub ${JSON.stringify(value)} matches every project's jobs on https://${host}`,
          fix: 'name the project: project_path:mygroup/myproject:ref_type:branch:ref:main (or its project_id)',
        });
      }
      continue;
    }
    const component = (name: string) => parts.find((p) => p.name === name)?.value;
    const project = component('project_id') ?? component('project_path');
    if (project === undefined || (wild(project) && /^[*?]/.test(project))) {
      findings.push({
        check: 'any-project',
        severity: 'critical',
        reason: `${host}:sub ${JSON.stringify(value)} admits any project on https://${host}: anyone who can create a project there can assume the role`,
        fix: 'name the project: project_path:mygroup/myproject:... (or its project_id)',
      });
      continue;
    }
    const path = component('project_path');
    if (path !== undefined && wild(path)) {
      const prefix = path.slice(0, path.search(/[*?]/));
      if (!prefix.includes('/')) {
        findings.push({
          check: 'group-prefix',
          severity: 'high',
          reason: `project_path ${JSON.stringify(path)} has no "/" before its wildcard: it also matches groups that start the same way (${prefix}-evil/any), which anyone can create`,
          fix: `end the group with "/": project_path:${prefix.replace(/[-_.]$/, '')}/*`,
        });
      } else if (!prefix.endsWith('/')) {
        findings.push({
          check: 'project-prefix',
          severity: 'medium',
          reason: `project_path ${JSON.stringify(path)} matches every project of the group whose name starts the same way: a member who creates ${prefix}-evil can assume the role`,
          fix: 'name each project, or end the pattern at the group\'s "/"',
        });
      }
    }
    const ref = component('ref');
    const refType = component('ref_type');
    const anyRef = ref === undefined || refType === undefined || wild(ref) || wild(refType);
    if (anyRef && component('ref_protected') !== 'true' && !refProtectedRequired) {
      findings.push({
        check: 'any-ref',
        severity: 'medium',
        reason: `${host}:sub ${JSON.stringify(value)} admits any ${refType === 'tag' ? 'tag' : refType === 'branch' ? 'branch' : 'branch or tag'}, unprotected ones included: ` +
          'a Developer\'s push or a merge request\'s pipeline can assume the role',
        fix: host === 'gitlab.com'
          ? 'require gitlab.com:ref_protected "true" (claimConditions: { refProtected: true }), or name the protected refs'
          : 'name the protected refs, or use a sub layout with ref_protected (GitLab 18.7+)',
      });
    }
    if (component('project_id') === undefined) {
      findings.push({
        check: 'path-based-sub',
        severity: 'info',
        reason: `${host}:sub names the project by path (${JSON.stringify(path)}): after a rename or transfer, another project can take that path and its jobs' tokens`,
        fix: 'use a sub layout with project_id (Settings > CI/CD > Token access: ci_id_token_sub_claim_components) and name the project by its ID',
      });
    }
  }
  return findings;
}
