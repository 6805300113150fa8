// gitlab-ci-local (a GitLab CI runner emulator) on its shell executor, in a fresh git project of its own:
// what the job runs and the whole-pipeline runs share.
import { execFile } from 'child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, join } from 'path';
import { PROCESS_MS } from './timeouts';

const ROOT = join(__dirname, '..', '..');
const EMULATOR = join(ROOT, 'node_modules', '.bin', 'gitlab-ci-local');

/** The folders of one run: the project (a git repository on branch main), and the runner's HOME and TMPDIR. */
export interface EmulatorDirs {
  readonly root: string;
  readonly project: string;
  readonly home: string;
  readonly temp: string;
}

/**
 * Makes a fresh project, lets `prepare` write its files, commits them on branch main of a gitlab.com
 * remote, runs `body`, and removes every folder of the run.
 */
export async function inEmulatorProject<T>(prepare: (dirs: EmulatorDirs) => void, body: (dirs: EmulatorDirs) => Promise<T>): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-ci-local-'));
  try {
    const dirs = { root, project: join(root, 'project'), home: join(root, 'home'), temp: join(root, 'tmp') };
    for (const dir of [dirs.project, dirs.home, dirs.temp]) mkdirSync(dir);
    prepare(dirs);
    const git = (...args: string[]) => runCommand('git', args, { cwd: dirs.project, env: { HOME: dirs.home, PATH: process.env.PATH! } }, PROCESS_MS);
    await git('init', '-q', '-b', 'main');
    await git('remote', 'add', 'origin', 'https://gitlab.com/mygroup/myproject.git');
    await git('add', '.');
    await git('-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '-qm', 'pipeline');
    return await body(dirs);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * Runs the emulator in the project with `args` after its own (shell executor, no colour, the file checked
 * against GitLab's schema), `--variable NAME=value` for each variable, and a clean environment: `path`
 * before the machine's PATH, the run's HOME and TMPDIR, then `env`.
 */
export function runEmulator(dirs: EmulatorDirs, options: {
  readonly args: readonly string[];
  readonly variables?: Record<string, string>;
  readonly path: readonly string[];
  readonly env?: Record<string, string>;
  readonly timeoutMs: number;
}): Promise<{ exitCode: number; output: string }> {
  // Every job in the shell executor, images and services too: this machine has no Docker engine to run them.
  const args = ['--force-shell-executor', '--no-color', '--json-schema-validation'];
  for (const [name, value] of Object.entries(options.variables ?? {})) args.push('--variable', `${name}=${value}`);
  const env = {
    PATH: [...options.path, process.env.PATH].join(delimiter),
    HOME: dirs.home,
    TMPDIR: dirs.temp,
    NODE_PATH: join(ROOT, 'node_modules'),
    // The SDK warns on every start that its 2027 releases will need Node 22.
    NODE_NO_WARNINGS: '1',
    ...options.env,
  };
  return runCommand(EMULATOR, [...args, ...options.args], { cwd: dirs.project, env }, options.timeoutMs);
}

function runCommand(command: string, args: string[], options: { cwd: string; env: Record<string, string> }, timeoutMs: number)
  : Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as { killed?: boolean }).killed) return reject(new Error(`${command} timed out after ${timeoutMs} ms:\n${stdout}${stderr}`));
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ exitCode: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
    });
  });
}
