import { rolesOfAccountExport } from './private/audit/account-roles';
import { auditRole } from './private/audit/checks';
import { fail, show } from './private/errors';
import { checkJsonDepth } from './private/explain/untrusted-input';

/**
 * How bad an audit finding is.
 */
export enum GitLabAuditSeverity {
  /** Worth knowing (a sub that names the project by path). */
  INFO = 'info',
  /** A trust that fails closed: the intended jobs are refused (a key STS never sets, a wildcard under StringEquals). */
  LOW = 'low',
  /** Jobs the owner did not mean can assume the role: any ref, unprotected ones included; no audience of its own. */
  MEDIUM = 'medium',
  /** People outside the project can assume the role, or a guard never applies (a group prefix without "/"). */
  HIGH = 'high',
  /** Anyone on the GitLab instance can assume the role (no sub, any project, any provider). */
  CRITICAL = 'critical',
}

/**
 * One weakness of one statement of a role's trust in a GitLab issuer.
 */
export interface GitLabTrustAuditFinding {
  /** The role: its ARN, name or the input's name. */
  readonly role: string;
  /** The check that found it: `no-sub`, `any-project`, `group-prefix`, `any-ref`, `no-aud`, ... */
  readonly check: string;
  /** How bad it is. */
  readonly severity: GitLabAuditSeverity;
  /** The statement's position in the trust policy, from 0. */
  readonly statement: number;
  /**
   * The statement's Sid.
   * @default - the statement has none
   */
  readonly sid?: string;
  /** Why it is weak, naming the value. */
  readonly reason: string;
  /** What to change. */
  readonly fix: string;
}

/**
 * Options of `GitLabTrustAudit.auditTrustPolicies()`.
 */
export interface GitLabTrustAuditOptions {
  /**
   * Issuer URLs of self-managed GitLab instances (`https://gitlab.example.com`), whose providers' roles are audited.
   *
   * @default - gitlab.com, and any provider whose sub conditions are in GitLab's layout
   */
  readonly issuers?: string[];
}

/**
 * Finds the roles a GitLab job someone else controls could assume: the weak trusts of an account or a policy, as
 * `cdk-gitlab-oidc audit` reports them.
 */
export class GitLabTrustAudit {
  /**
   * Audits the roles of what `aws iam get-account-authorization-details` or `aws iam list-roles` prints, what
   * `aws iam get-role` prints, or one trust policy document (JSON text); roles that trust no GitLab issuer have no
   * findings. Throws on input that is none of those, naming what is wrong.
   * @param json the JSON text
   * @param options the self-managed issuers to audit too
   */
  public static auditTrustPolicies(json: string, options: GitLabTrustAuditOptions = {}): GitLabTrustAuditFinding[] {
    let value: unknown;
    try {
      value = JSON.parse(json);
      checkJsonDepth(value, 'the input');
    } catch (e) {
      fail(`auditTrustPolicies needs an account export, a get-role output or a policy document as JSON, got: ${(e as Error).message}`);
    }
    const issuers = options.issuers ?? [];
    for (const issuer of issuers) {
      if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(issuer) || issuer.endsWith('/')) fail(`issuers must be https:// URLs without a trailing "/", got: ${show(issuer)}`);
    }
    let roles;
    try {
      roles = rolesOfAccountExport(value, 'the input');
    } catch (e) {
      fail(`auditTrustPolicies: ${(e as Error).message}`);
    }
    return roles.flatMap((role) => auditRole(role, issuers)).map((f) => ({ ...f, severity: f.severity as GitLabAuditSeverity }));
  }

  private constructor() {}
}
