// The API compatibility check (`npx projen compat`, run by every build after compile): the assembly just built
// (.jsii) against the last released one, which the repository keeps in compat/released/ (its .jsii and
// package.json, written when a version is released), so the check needs no registry and no network.
//
// jsii-diff judges every API element, experimental ones included (`--error-on all`: the whole package is
// experimental before 1.0, and its default would only warn). A breaking change fails the check unless a commit
// since that release declares it as conventional commits do (`feat!: ...`, or a `BREAKING CHANGE:` footer): the
// release tooling then bumps the minor version below 1.0 (0.1.x to 0.2.0) and the major from 1.0 on, the bump
// that may break. Keys in .compatignore (jsii-diff's `[kind:element]`) accept a change for good.
//
//   scripts/compat.ts                      check the build against compat/released/
//   scripts/compat.ts --record             keep the build's assembly as the released one (the release's
//                                          publish:git step, before it commits the changelog: one commit)
import { spawnSync } from 'child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, resolve } from 'path';

/** The folder that holds the last released version's assembly. */
export const RELEASED_DIR = 'compat/released';

/** What the check found. */
export interface CompatResult {
  /** 0: compatible, or breaking and declared; 1: breaking and not declared; other: jsii-diff could not compare. */
  readonly exitCode: number;
  readonly message: string;
}

/** Whether a commit message declares a breaking change the way conventional commits do. */
export function declaresBreakingChange(message: string): boolean {
  return /^[a-z]+(\([^)\n]*\))?!: /.test(message) || /^BREAKING[ -]CHANGE: /m.test(message);
}

/**
 * Compares the assembly in `updatedDir` with the one in `releasedDir` (each a folder with `.jsii` and
 * `package.json`); `commitMessages` are the messages of the commits since the release.
 */
export function checkCompat(releasedDir: string, updatedDir: string, commitMessages: readonly string[], root: string): CompatResult {
  // jsii-diff resolves each assembly's dependencies (aws-cdk-lib, constructs) from its folder: the released copy
  // is compared from a folder that sees the project's node_modules.
  const released = mkdtempSync(join(tmpdir(), 'cdk-gitlab-oidc-compat-'));
  try {
    copyFileSync(join(releasedDir, '.jsii'), join(released, '.jsii'));
    copyFileSync(join(releasedDir, 'package.json'), join(released, 'package.json'));
    symlinkSync(join(root, 'node_modules'), join(released, 'node_modules'), 'dir');
    const version = JSON.parse(readFileSync(join(released, '.jsii'), 'utf8')).version;
    const run = spawnSync(process.execPath, [
      require.resolve('jsii-diff/bin/jsii-diff', { paths: [root] }),
      '--error-on', 'all', '--keys', '--ignore-file', join(root, '.compatignore'), released, updatedDir,
    ], { encoding: 'utf8', timeout: 60_000 });
    // jsii-diff's own banner (Node's support dates) is not part of the verdict.
    const output = `${run.stdout}${run.stderr}`.split('\n').filter((line) => !line.startsWith('!!')).join('\n').trim();
    if (run.status === 0) {
      return { exitCode: 0, message: `compat: the API is compatible with ${version}` };
    }
    if (run.status !== 1) {
      return { exitCode: run.status ?? 2, message: `${output}\ncompat: jsii-diff could not compare the API with ${version} (exit ${run.status ?? run.signal})` };
    }
    const declared = commitMessages.find(declaresBreakingChange);
    if (declared !== undefined) {
      return {
        exitCode: 0,
        message: `${output}\ncompat: breaking changes since ${version}, declared by "${declared.split('\n')[0]}": the release bumps the ` +
          (version.startsWith('0.') ? 'minor version' : 'major version'),
      };
    }
    return {
      exitCode: 1,
      message: `${output}\ncompat: the API breaks code written against ${version}, and no commit since it declares a breaking change ` +
        '(a "type!: ..." subject or a "BREAKING CHANGE: ..." footer), so the release would not bump the version that may break; ' +
        'declare it, keep the old API, or accept the change for good with its [key] in .compatignore',
    };
  } finally {
    rmSync(released, { recursive: true, force: true });
  }
}

/**
 * The messages of the commits since the release tagged `v<version>`. Without the tag (a shallow clone) no commit
 * is known to declare anything, so a breaking change fails: fetch the tags.
 */
function commitsSince(version: string, root: string): string[] {
  const tag = `v${version}`;
  if (spawnSync('git', ['rev-parse', '--verify', '--quiet', `refs/tags/${tag}`], { cwd: root }).status !== 0) {
    console.error(`compat: no tag ${tag} in this clone: no commit counts as declaring a breaking change (fetch the tags)`);
    return [];
  }
  const log = spawnSync('git', ['log', '--format=%B%x00', `${tag}..HEAD`], { cwd: root, encoding: 'utf8' });
  if (log.status !== 0) throw new Error(`compat: git log failed: ${log.stderr}`);
  return log.stdout.split('\0').map((m) => m.trim()).filter((m) => m.length > 0);
}

/**
 * Keeps the assembly just built for a release as the released one: its .jsii, and package.json with the version
 * the release gave it (the release task has set package.json back to 0.0.0 by then), staged for the release commit.
 */
function recordRelease(root: string, releasedDir: string): void {
  const assembly = readFileSync(join(root, '.jsii'), 'utf8');
  const { version } = JSON.parse(assembly);
  mkdirSync(releasedDir, { recursive: true });
  writeFileSync(join(releasedDir, '.jsii'), assembly);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  writeFileSync(join(releasedDir, 'package.json'), `${JSON.stringify({ ...pkg, version }, undefined, 2)}\n`);
  const add = spawnSync('git', ['add', RELEASED_DIR], { cwd: root, encoding: 'utf8' });
  if (add.status !== 0) throw new Error(`compat: git add ${RELEASED_DIR} failed: ${add.stderr}`);
  console.log(`compat: ${version}'s assembly kept in ${RELEASED_DIR}/ for the next release's check`);
}

if (require.main === module) {
  const root = resolve(__dirname, '..');
  const releasedDir = join(root, RELEASED_DIR);
  if (process.argv[2] === '--record') {
    recordRelease(root, releasedDir);
  } else if (!existsSync(join(releasedDir, '.jsii'))) {
    console.log(`compat: no released version in ${RELEASED_DIR}/ yet: nothing to compare with`);
  } else {
    const version = JSON.parse(readFileSync(join(releasedDir, '.jsii'), 'utf8')).version;
    const result = checkCompat(releasedDir, root, commitsSince(version, root), root);
    (result.exitCode === 0 ? console.log : console.error)(result.message);
    process.exitCode = result.exitCode;
  }
}
