// The security reporter: the closing line, and a failed run on a false verdict or a suite that ran
// without handing over its counts. Each case builds its own reporter, with a folder of its own.
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { SecurityCounts } from './support/verdicts';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const SecurityReporter = require('./support/security-reporter.js');

function run(suites: string[], ranFiles: string[], handed: Record<string, Partial<SecurityCounts>>) {
  const outputFile = join(mkdtempSync(join(tmpdir(), 'security-line-')), 'security.txt');
  const reporter = new SecurityReporter({}, { suites, outputFile });
  jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  for (const [suite, counts] of Object.entries(handed)) {
    writeFileSync(join(process.env.SECURITY_VERDICTS_DIR!, `${suite}.json`), JSON.stringify({ falseAllows: 0, falseDenies: 0, ...counts }));
  }
  reporter.onRunComplete([], { testResults: ranFiles.map((f) => ({ testFilePath: `/repo/test/security/${f}` })) });
  const error: Error | undefined = reporter.getLastError();
  let line: string | undefined;
  try {
    line = readFileSync(outputFile, 'utf8');
  } catch {
    line = undefined;
  }
  return { error: error?.message, line };
}

test('adds up the suites that ran into one closing line', () => {
  expect(run(['matrix', 'property'], ['matrix.test.ts', 'property.test.ts'], { matrix: { cases: 49 }, property: { cases: 100000 } }))
    .toEqual({ error: undefined, line: 'security: 100049 cases, 0 false allows, 0 false denies\nexplain: 0 cases, 0 disagreements with iam-simulate\n' });
});

test('adds up the cases the library\'s evaluator judged into the explain line', () => {
  expect(run(['matrix', 'explain'], ['matrix.test.ts', 'explain.test.ts'], {
    matrix: { cases: 49, explained: 45 }, explain: { explained: 20000 },
  }).line).toBe('security: 49 cases, 0 false allows, 0 false denies\nexplain: 20045 cases, 0 disagreements with iam-simulate\n');
});

test('a disagreement with iam-simulate fails the run', () => {
  expect(run(['explain'], ['explain.test.ts'], { explain: { explained: 10, disagreements: 2 } }).error)
    .toBe('explain: 10 cases, 2 disagreements with iam-simulate');
});

test('a false verdict fails the run', () => {
  expect(run(['matrix'], ['matrix.test.ts'], { matrix: { cases: 49, falseAllows: 1 } }))
    .toEqual({
      error: 'security: 49 cases, 1 false allows, 0 false denies',
      line: 'security: 49 cases, 1 false allows, 0 false denies\nexplain: 0 cases, 0 disagreements with iam-simulate\n',
    });
});

test('a suite that ran but handed over nothing fails the run', () => {
  expect(run(['matrix', 'features'], ['matrix.test.ts', 'features.test.ts'], { matrix: { cases: 49 } }).error)
    .toBe('security: no verdicts from features (did the suite fail before counting?)');
});

test('a run without a security suite prints nothing', () => {
  expect(run(['matrix'], ['role.test.ts'], {})).toEqual({ error: undefined, line: undefined });
});
