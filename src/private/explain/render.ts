// An explanation as people read it (plain text) and as programs read it (JSON). Only the non-secret
// claims are shown (SHOWN_CLAIMS): never a signature, nothing personal.
import { Explanation, StatementReport, statementName } from './explain';
import { Claims } from './sts-request';
import { printable } from './untrusted-input';

/** The claims an explanation and the job show: none personal (user_*), never the signature. */
export const SHOWN_CLAIMS = ['iss', 'aud', 'sub', 'ref_type', 'ref', 'ref_protected', 'project_path'];

const VERDICT_WORDS = { allowed: 'ALLOWED', denied: 'DENIED', undetermined: 'UNDETERMINED' };

/** The non-secret claims of a token, in a fixed order. */
export function shownClaims(claims: Claims): Record<string, unknown> {
  return Object.fromEntries(SHOWN_CLAIMS.filter((c) => claims[c] !== undefined).map((c) => [c, claims[c]]));
}

/** The explanation as text: the verdict, the token, each statement and condition, the likely causes. */
export function renderText(role: string, explanation: Explanation, claims: Claims): string {
  const lines = [`${role}: ${VERDICT_WORDS[explanation.decision]}`, 'token:'];
  for (const [claim, value] of Object.entries(shownClaims(claims))) lines.push(`  ${claim}: ${JSON.stringify(value)}`);
  for (const problem of explanation.tokenProblems) lines.push(`STS refuses the token: ${problem}`);
  for (const statement of explanation.statements) lines.push(...statementLines(statement));
  if (explanation.admittedBy) lines.push(`admitted by ${explanation.admittedBy}`);
  if (explanation.decision !== 'allowed' && explanation.causes.length > 0) {
    lines.push('likely causes:', ...explanation.causes.map((c) => `  - ${c}`));
  }
  for (const note of explanation.notChecked) lines.push(`not checked: ${note}`);
  // Each line as a terminal may show it: a value's control characters and line breaks escaped.
  return `${lines.map((line) => printable(line, false)).join('\n')}\n`;
}

function statementLines(statement: StatementReport): string[] {
  const applies = statement.applies === 'unknown' ? 'cannot be decided before deployment' : statement.applies ? 'applies' : 'does not apply';
  const lines = [`statement ${statementName(statement)} (${statement.effect}): ${applies}`];
  for (const note of statement.notes) lines.push(`  ${note}`);
  for (const c of statement.conditions) {
    const mark = c.passes === 'unknown' ? '?' : c.passes ? 'ok' : 'FAIL';
    lines.push(`  ${mark.padEnd(4)} ${c.operator} ${c.key}`);
    lines.push(`         token:  ${c.actual === undefined ? '(not set by STS)' : c.actual.map((v) => JSON.stringify(v)).join(', ')}`);
    lines.push(`         policy: ${c.expected.map((v) => typeof v === 'string' ? JSON.stringify(v) : `(deploy-time) ${v.deployTime}`).join(', ')}`);
  }
  return lines;
}

/** The explanation as JSON, for `--json` and for programs. */
export function renderJson(role: string, explanation: Explanation, claims: Claims): Record<string, unknown> {
  return {
    role,
    verdict: explanation.decision,
    token: shownClaims(claims),
    tokenProblems: explanation.tokenProblems,
    statements: explanation.statements,
    admittedBy: explanation.admittedBy,
    causes: explanation.decision === 'allowed' ? [] : explanation.causes,
    notChecked: explanation.notChecked,
  };
}
