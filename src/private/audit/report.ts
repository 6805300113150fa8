// An audit's findings as people read them, as JSON, and as a GitLab Code Quality report, which GitLab shows in
// merge requests and pipelines (https://docs.gitlab.com/ci/testing/code_quality/#code-quality-report-format: a JSON
// array of issues with description, check_name, fingerprint, severity and location). GitLab does not render SARIF.
import { createHash } from 'crypto';
import { Finding, ReportLocation, Severity, SEVERITIES } from './checks';
import { printable } from '../explain/untrusted-input';

/** Code Quality's severities, for ours. */
const CODE_QUALITY_SEVERITY: Record<Severity, string> = { info: 'info', low: 'minor', medium: 'major', high: 'critical', critical: 'blocker' };

/** The findings as text: each role with its findings, worst first, then a summary. */
export function auditText(findings: readonly Finding[], roles: number, otherProviders: readonly string[] = []): string {
  const lines: string[] = [];
  const byRole = new Map<string, Finding[]>();
  for (const finding of findings) {
    const list = byRole.get(finding.role) ?? [];
    list.push(finding);
    byRole.set(finding.role, list);
  }
  for (const [role, list] of byRole) {
    lines.push(role);
    for (const f of [...list].sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity))) {
      lines.push(`  ${f.severity.toUpperCase()} ${f.check} (statement ${f.sid ?? f.statement}): ${f.reason}`, `    fix: ${f.fix}`);
    }
  }
  const counts = SEVERITIES.slice().reverse().map((s) => [s, findings.filter((f) => f.severity === s).length] as const).filter(([, n]) => n > 0);
  lines.push(`${roles} role${roles === 1 ? '' : 's'} trust${roles === 1 ? 's' : ''} a GitLab issuer; ${findings.length} finding${findings.length === 1 ? '' : 's'}` +
    `${counts.length > 0 ? ` (${counts.map(([s, n]) => `${n} ${s}`).join(', ')})` : ''}`);
  // A self-managed instance whose host does not say GitLab is audited only when named: say which providers were not.
  if (otherProviders.length > 0) {
    lines.push(`not audited: roles trusting ${otherProviders.join(', ')} (not taken for GitLab: name a self-managed instance with --issuer)`);
  }
  return `${lines.map((line) => printable(line, false)).join('\n')}\n`;
}

/** The findings as a GitLab Code Quality report; `locate` gives the file and line that write a role. */
export function codeQualityReport(findings: readonly Finding[], locate: (role: string) => ReportLocation): object[] {
  return findings.map((f) => ({
    description: `${f.role}: ${f.reason}. Fix: ${f.fix}`,
    check_name: f.check,
    // Stable across runs: the same weakness of the same statement keeps its identity between pipelines.
    fingerprint: createHash('sha256').update(JSON.stringify([f.role, f.check, f.statement, f.reason])).digest('hex'),
    severity: CODE_QUALITY_SEVERITY[f.severity],
    location: { path: locate(f.role).path, lines: { begin: locate(f.role).line } },
  }));
}
