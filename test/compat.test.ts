// The API compatibility check (scripts/compat.ts) on the assembly this build made: unchanged, it passes; with a
// public method removed, it fails naming the method, unless a commit since the release declares the break.
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { checkCompat, declaresBreakingChange } from '../scripts/compat';
import { PROCESS_TEST_MS } from './support/timeouts';

// Each check runs jsii-diff as a process (about 5 s, twice that on a loaded machine).
jest.setTimeout(PROCESS_TEST_MS);

const ROOT = join(__dirname, '..');

/** A folder holding an assembly (the build's own, changed by `change`) as jsii-diff loads one. */
function assemblyDir(change?: (assembly: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'compat-test-'));
  const assembly = JSON.parse(readFileSync(join(ROOT, '.jsii'), 'utf8'));
  change?.(assembly);
  writeFileSync(join(dir, '.jsii'), JSON.stringify(assembly));
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const withoutGitLabCiJob = (assembly: any) => {
  const role = assembly.types['cdk-gitlab-oidc.GitLabRunnerRole'];
  role.methods = role.methods.filter((m: { name: string }) => m.name !== 'gitLabCiJob');
};

let released: string;
let unchanged: string;
let broken: string;
beforeAll(() => {
  released = assemblyDir();
  unchanged = assemblyDir();
  broken = assemblyDir(withoutGitLabCiJob);
});
afterAll(() => [released, unchanged, broken].forEach((dir) => rmSync(dir, { recursive: true, force: true })));

test('the same API passes', () => {
  const result = checkCompat(released, unchanged, [], ROOT);
  expect(result).toEqual({ exitCode: 0, message: expect.stringMatching(/^compat: the API is compatible with \d+\.\d+\.\d+$/) });
});

test('a removed method fails the check, named, though the whole package is experimental', () => {
  const result = checkCompat(released, broken, ['feat: a new subject', 'fix(job): quote the path'], ROOT);
  expect(result.exitCode).toBe(1);
  expect(result.message).toContain('METHOD cdk-gitlab-oidc.GitLabRunnerRole.gitLabCiJob: has been removed');
  expect(result.message).toContain('no commit since it declares a breaking change');
});

test('a removed method passes when a commit since the release declares the break', () => {
  const result = checkCompat(released, broken, ['fix: typo', 'refactor!: gitLabCiJob() becomes GitLabCiJob.forRole()'], ROOT);
  expect(result.exitCode).toBe(0);
  expect(result.message).toContain('declared by "refactor!: gitLabCiJob() becomes GitLabCiJob.forRole()"');
  expect(result.message).toMatch(/the release bumps the (minor|major) version$/);
});

test.each<[string, boolean]>([
  ['feat!: remove gitLabCiJob', true],
  ['feat(job)!: remove gitLabCiJob', true],
  ['fix: a fix\n\nBREAKING CHANGE: gitLabCiJob is gone', true],
  ['fix: a fix\n\nBREAKING-CHANGE: gitLabCiJob is gone', true],
  ['feat: add a subject', false],
  ['feat: mention feat!: in the body only', false],
  ['fix: a fix\n\nthis is not a BREAKING CHANGE: footer', false],
  ['Feat!: capitalised type', false],
])('declaresBreakingChange(%j) is %s', (message, declared) => {
  expect(declaresBreakingChange(message)).toBe(declared);
});
