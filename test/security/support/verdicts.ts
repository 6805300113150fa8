// The security suite's verdict counts. Each suite hands its counts to the security reporter of the same
// jest run (security-reporter.js, in the project's jest configuration), which adds them up into the
// closing line "security: N cases, 0 false allows, 0 false denies" and fails the run on any false
// verdict. The reporter names a private folder for the hand-over in SECURITY_VERDICTS_DIR; a run
// without it (the mutation runs) records nothing.
import { writeFileSync } from 'fs';
import { join } from 'path';

export interface SecurityCounts {
  cases: number;
  allowed: number;
  denied: number;
  falseAllows: number;
  falseDenies: number;
  /** Cases the library's own evaluator (src/private/explain) also judged. */
  explained: number;
  /** Of those, the cases where it disagreed with iam-simulate. */
  disagreements: number;
}

export function emptyCounts(): SecurityCounts {
  return { cases: 0, allowed: 0, denied: 0, falseAllows: 0, falseDenies: 0, explained: 0, disagreements: 0 };
}

/**
 * Adds one case: what the spec says (expected) against what the chain decided (got), and, when the
 * library's explanation judged the same request, whether it agrees with the chain (iam-simulate).
 */
export function count(counts: SecurityCounts, expected: 'allow' | 'deny', outcome: { verdict: 'allow' | 'deny'; explained?: string }): void {
  const got = outcome.verdict;
  if (outcome.explained !== undefined) countExplained(counts, got, outcome.explained);
  counts.cases++;
  if (got === 'allow') counts.allowed++; else counts.denied++;
  if (expected === 'deny' && got === 'allow') counts.falseAllows++;
  if (expected === 'allow' && got === 'deny') counts.falseDenies++;
}

/** Adds one case the library's evaluator judged: iam-simulate's verdict against the evaluator's decision. */
export function countExplained(counts: SecurityCounts, judged: 'allow' | 'deny', decision: string, undeterminedMayStand = false): void {
  counts.explained++;
  // Where the evaluator may decline (a policy variable it does not substitute), UNDETERMINED is no disagreement.
  if (undeterminedMayStand && decision === 'undetermined') return;
  if ((judged === 'allow') !== (decision === 'allowed')) counts.disagreements++;
}

/** Hands a suite's counts to the reporter, under the suite's name (its file name without `.test.ts`). */
export function recordVerdicts(suite: string, counts: SecurityCounts): void {
  const folder = process.env.SECURITY_VERDICTS_DIR;
  if (folder) writeFileSync(join(folder, `${suite}.json`), JSON.stringify(counts));
}
