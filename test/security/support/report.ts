// The security suite's counts: each test file records its cases under test-reports/security/, and
// `summary.ts` adds them up into the closing line.
import { mkdirSync, writeFileSync } from 'fs';
import { join } from 'path';

export const REPORT_DIR = join(__dirname, '..', '..', '..', 'test-reports', 'security');

export interface SecurityCounts {
  cases: number;
  allowed: number;
  denied: number;
  falseAllows: number;
  falseDenies: number;
}

export function emptyCounts(): SecurityCounts {
  return { cases: 0, allowed: 0, denied: 0, falseAllows: 0, falseDenies: 0 };
}

/** Adds one case: what the spec says (expected) against what the chain decided (got). */
export function count(counts: SecurityCounts, expected: 'allow' | 'deny', got: 'allow' | 'deny'): void {
  counts.cases++;
  if (got === 'allow') counts.allowed++; else counts.denied++;
  if (expected === 'deny' && got === 'allow') counts.falseAllows++;
  if (expected === 'allow' && got === 'deny') counts.falseDenies++;
}

export function writeReport(name: string, counts: SecurityCounts, markdown?: string): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, `${name}.json`), JSON.stringify(counts, null, 2));
  if (markdown) writeFileSync(join(REPORT_DIR, `${name}.md`), markdown);
}
