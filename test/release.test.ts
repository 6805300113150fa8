// The release's version and changelog, as `npx projen release` computes them (its `bump` task, the project's own
// .projen/tasks.json and scripts/next-version.sh, run for real), in a scratch git repository with conventional
// commits: the first release is 0.1.0; below 1.0 a fix or a feature bumps the patch, a breaking change the minor.
import { spawnSync } from 'child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROCESS_MS, PROCESS_TEST_MS } from './support/timeouts';

// Each bump runs projen's task runner and commit-and-tag-version (a few seconds each, more on a loaded machine).
jest.setTimeout(2 * PROCESS_TEST_MS);

const ROOT = join(__dirname, '..');
let repo: string;

function run(command: string, args: string[]): string {
  const env = { ...process.env, GIT_AUTHOR_NAME: 'test', GIT_AUTHOR_EMAIL: 'test@example.com', GIT_COMMITTER_NAME: 'test', GIT_COMMITTER_EMAIL: 'test@example.com' };
  const result = spawnSync(command, args, { cwd: repo, encoding: 'utf8', timeout: 2 * PROCESS_MS, env });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

function commit(message: string): void {
  writeFileSync(join(repo, 'change.txt'), `${message}\n`, { flag: 'a' });
  run('git', ['add', 'change.txt']);
  run('git', ['commit', '-q', '-m', message]);
}

/** Runs the release's bump and returns the version it chose, its tag and its changelog entry, then undoes it. */
function bump(): { version: string; tag: string; changelog: string } {
  run(process.execPath, [require.resolve('projen/bin/projen', { paths: [ROOT] }), 'bump']);
  const result = {
    version: JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version,
    tag: readFileSync(join(repo, 'dist', 'releasetag.txt'), 'utf8'),
    changelog: readFileSync(join(repo, 'dist', 'changelog.md'), 'utf8'),
  };
  run(process.execPath, [require.resolve('projen/bin/projen', { paths: [ROOT] }), 'unbump']);
  return result;
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'release-test-'));
  cpSync(join(ROOT, 'package.json'), join(repo, 'package.json'));
  mkdirSync(join(repo, '.projen'));
  cpSync(join(ROOT, '.projen', 'tasks.json'), join(repo, '.projen', 'tasks.json'));
  mkdirSync(join(repo, 'scripts'));
  cpSync(join(ROOT, 'scripts', 'next-version.sh'), join(repo, 'scripts', 'next-version.sh'));
  symlinkSync(join(ROOT, 'node_modules'), join(repo, 'node_modules'), 'dir');
  writeFileSync(join(repo, '.gitignore'), '/node_modules\n/dist/\n');
  run('git', ['init', '-q', '-b', 'main']);
  run('git', ['add', '.']);
  run('git', ['commit', '-q', '-m', 'feat: the constructs']);
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

test('the first release is 0.1.0, with a changelog entry for it', () => {
  const first = bump();
  expect(first.version).toBe('0.1.0');
  expect(first.tag).toBe('v0.1.0');
  expect(first.changelog).toMatch(/^## 0\.1\.0 /m);
  expect(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version).toBe('0.0.0'); // unbumped
  run('git', ['tag', 'v0.1.0']);
});

test.each<[string, string, string]>([
  ['a fix bumps the patch', 'fix(job): quote the role path', '0.1.1'],
  ['below 1.0, a feature bumps the patch too', 'feat: GitLabSubject.mergeRequest()', '0.1.1'],
  ['below 1.0, a breaking change bumps the minor', 'feat!: gitLabCiJob() returns a GitLabCiJob', '0.2.0'],
])('after 0.1.0: %s', (_case, message, expected) => {
  run('git', ['reset', '-q', '--hard', 'v0.1.0']);
  commit(message);
  const next = bump();
  expect(next.version).toBe(expected);
  expect(next.tag).toBe(`v${expected}`);
  expect(next.changelog).toContain(message.replace(/^[a-z]+(\([^)]*\))?!?: /, ''));
});
