// `cdk-gitlab-oidc audit`: which roles in an account (or an app) a GitLab job someone else controls could assume.
// Exit codes: 0 when no finding is at or above --fail-on, 1 when one is, 2 on bad input.
import { writeFileSync } from 'fs';
import { resolve } from 'path';
import { commandOptions, exitCode } from './command-line';
import { CommandIo } from './explain-command';
import { lineOf, rolesOfAssembly } from './policy-sources';
import { readText } from './token-sources';
import { UsageError } from './usage-error';
import { rolesOfAccountExport } from '../private/audit/account-roles';
import { auditRole, AuditedRole, otherProviderHosts, Severity, SEVERITIES, trustsGitLab } from '../private/audit/checks';
import { auditText, codeQualityReport } from '../private/audit/report';
import { isObject } from '../private/explain/policy';
import { checkJsonDepth, printable } from '../private/explain/untrusted-input';

export const AUDIT_HELP = `Usage: cdk-gitlab-oidc audit [input] [options]

Finds the roles a GitLab job you do not control could assume: trusts with no sub, any project, a group
prefix without "/", any ref where a protected one was meant, no aud, a path-based sub, condition keys STS
never sets, a wildcard under StringEquals, an audience the provider does not list, Principal "*".

The input (one of; default: --app cdk.out):
  --account-file <file>   what 'aws iam get-account-authorization-details' or 'aws iam list-roles'
                          prints, or 'aws iam get-role', or a trust policy document ('-': standard input)
  --app <dir>             a synthesized cloud assembly: every role that trusts a web identity

Options:
  --issuer <url>          a self-managed GitLab's issuer URL, repeatable (gitlab.com is always audited;
                          other providers whose sub conditions are in GitLab's layout are found too)
  --fail-on <severity>    exit 1 when a finding is at or above it: info, low, medium, high, critical
                          (default: medium)
  --json                  print the findings as JSON
  --code-quality <file>   also write a GitLab Code Quality report (merge requests and pipelines show it)
  -h, --help              print this help

Exit codes: 0 nothing at or above --fail-on, 1 something is, 2 bad input.

Examples:
  aws iam get-account-authorization-details --filter Role > account.json && npx cdk-gitlab-oidc audit --account-file account.json
  npx cdk synth && npx cdk-gitlab-oidc audit --fail-on high --code-quality gl-code-quality-report.json
`;

/** Runs `audit` with its arguments; returns the exit code. */
export function runAudit(args: string[], io: CommandIo & { readonly stdin?: () => string }): number {
  // Exit 1 means "found": no failure may exit 1.
  return exitCode('audit', () => audit(args, io), io.stderr, 'cannot audit this input', true);
}

function audit(args: string[], io: CommandIo & { readonly stdin?: () => string }): number {
  const values = commandOptions(args, {
    'account-file': { type: 'string' },
    'app': { type: 'string' },
    'issuer': { type: 'string', multiple: true },
    'fail-on': { type: 'string' },
    'json': { type: 'boolean' },
    'code-quality': { type: 'string' },
    'help': { type: 'boolean', short: 'h' },
  });
  if (values.help) {
    io.stdout(AUDIT_HELP);
    return 0;
  }
  const failOn = (values['fail-on'] as string | undefined) ?? 'medium';
  if (!(SEVERITIES as readonly string[]).includes(failOn)) throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(', ')}, got: ${failOn}`);
  const issuers = ((values.issuer as string[] | undefined) ?? []).map((url) => {
    if (!/^https:\/\/[^\s/]+(\/[^\s]*)?$/.test(url) || url.endsWith('/')) throw new UsageError(`--issuer must be an https:// URL without a trailing "/", got: ${url}`);
    return url;
  });
  const accountFile = values['account-file'] as string | undefined;
  if (accountFile !== undefined && values.app !== undefined) throw new UsageError('give --account-file or --app, not both');
  const roles = accountFile !== undefined ? accountRoles(accountFile, io) : rolesOfAssembly(io.cwd, (values.app as string | undefined) ?? 'cdk.out', undefined, false);
  const findings = roles.flatMap((role) => auditRole(role, issuers));
  const gitLabRoles = roles.filter((role) => trustsGitLab(role, issuers)).length;
  const others = [...new Set(roles.flatMap((role) => otherProviderHosts(role, issuers)))].sort();
  // JSON escapes only C0 controls: the rest (C1, bidirectional overrides) as \u escapes, which JSON reads back exactly.
  if (values.json) io.stdout(`${printable(JSON.stringify(findings, undefined, 2))}\n`);
  else io.stdout(auditText(findings, gitLabRoles, others));
  const report = values['code-quality'] as string | undefined;
  if (report !== undefined) {
    const input = accountFile === undefined ? (values.app as string | undefined) ?? 'cdk.out' : accountFile === '-' ? 'standard input' : accountFile;
    const locations = new Map(roles.map((role) => [role.name, role.location ?? { path: input, line: 1 }]));
    writeFileSync(resolve(io.cwd, report), `${JSON.stringify(codeQualityReport(findings, (role) => locations.get(role)!), undefined, 2)}\n`);
  }
  const threshold = SEVERITIES.indexOf(failOn as Severity);
  return findings.some((f) => SEVERITIES.indexOf(f.severity) >= threshold) ? 1 : 0;
}

/** `text` as a regular expression that matches it literally. */
function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The web-identity roles of an account export (or get-role output, or policy) in a file or on standard input. */
function accountRoles(file: string, io: { readonly cwd: string; readonly stdin?: () => string }): AuditedRole[] {
  const text = file === '-' ? (io.stdin ?? (() => { throw new UsageError('--account-file -: no standard input'); }))() : readText(io.cwd, file, '--account-file');
  let value: unknown;
  try {
    value = JSON.parse(text);
    checkJsonDepth(value, `--account-file ${file}`);
  } catch (e) {
    throw new UsageError(`--account-file: ${(e as Error).message}`);
  }
  // One page of a paged export: an audit of part of the account must not pass for an audit of all of it.
  if (isObject(value) && (value.IsTruncated === true || value.Marker !== undefined || value.NextToken !== undefined)) {
    throw new UsageError(`--account-file ${file} is one page of a longer list (IsTruncated, Marker or NextToken): export every page (the AWS CLI pages by default)`);
  }
  const source = file === '-' ? 'standard input' : file;
  try {
    // Each role located at its ARN (`"Arn": "arn:..."` as the AWS CLI prints it), for reports that point at a line.
    return rolesOfAccountExport(value, source).map((role) => ({
      ...role,
      location: { path: source, line: lineOf(text, new RegExp(`"Arn"\\s*:\\s*${escapeRegExp(JSON.stringify(role.name))}`)) },
    }));
  } catch (e) {
    throw new UsageError(`--account-file: ${(e as Error).message}`);
  }
}
