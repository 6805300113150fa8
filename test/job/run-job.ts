// Runs a generated .gitlab-ci.yml job with gitlab-ci-local (a GitLab CI runner emulator) on its shell
// executor, the way a GitLab runner would: before_script and script in one shell, after_script in
// another. The emulator mints no ID tokens, so the test passes the token as the id_tokens variable.
import { execFile } from 'child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, join } from 'path';

const ROOT = join(__dirname, '..', '..');
const EMULATOR = join(ROOT, 'node_modules', '.bin', 'gitlab-ci-local');
const AWS_CLI_DIR = join(__dirname, 'bin');
/** Each job run is bounded in time. */
const JOB_TIMEOUT_MS = 60_000;

export interface JobRun {
  readonly exitCode: number;
  /** What the job printed (the emulator's log, both streams). */
  readonly output: string;
  /** Files under the run's folders (project, TMPDIR, HOME) that hold `secret`, if one was given. */
  readonly filesHoldingSecret: string[];
}

export interface JobRunOptions {
  /** The job to run. */
  readonly job: string;
  /** CI/CD variables passed to the job, as `--variable NAME=value`. */
  readonly variables?: Record<string, string>;
  /** The runner's environment on top of a clean one (PATH with the `aws` command, HOME and TMPDIR of its own). */
  readonly env?: Record<string, string>;
  /** A value no file may hold after the job, such as the ID token. */
  readonly secret?: string;
}

/** Runs `job` of the pipeline `yaml` in a fresh git project and returns how it ended. */
export async function runJob(yaml: string, options: JobRunOptions): Promise<JobRun> {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-job-'));
  try {
    const project = join(root, 'project');
    const home = join(root, 'home');
    const temp = join(root, 'tmp');
    for (const dir of [project, home, temp]) mkdirSync(dir);
    writeFileSync(join(project, '.gitlab-ci.yml'), yaml);
    const git = (...args: string[]) => run('git', args, { cwd: project, env: { HOME: home, PATH: process.env.PATH! } });
    await git('init', '-q', '-b', 'main');
    await git('remote', 'add', 'origin', 'https://gitlab.com/mygroup/myproject.git');
    await git('add', '.gitlab-ci.yml');
    await git('-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '-qm', 'pipeline');

    const args = ['--shell-executor-no-image', '--no-color', '--json-schema-validation'];
    for (const [name, value] of Object.entries(options.variables ?? {})) args.push('--variable', `${name}=${value}`);
    args.push(options.job);
    const env = {
      PATH: [AWS_CLI_DIR, process.env.PATH].join(delimiter),
      HOME: home,
      TMPDIR: temp,
      NODE_PATH: join(ROOT, 'node_modules'),
      // The SDK warns on every start that its 2027 releases will need Node 22.
      NODE_NO_WARNINGS: '1',
      ...options.env,
    };
    const result = await run(EMULATOR, args, { cwd: project, env });
    return {
      exitCode: result.exitCode,
      output: result.output,
      filesHoldingSecret: options.secret ? filesHolding(root, options.secret) : [],
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, timeout: JOB_TIMEOUT_MS, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as { killed?: boolean }).killed) return reject(new Error(`${command} timed out after ${JOB_TIMEOUT_MS} ms:\n${stdout}${stderr}`));
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ exitCode: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
    });
  });
}

/** Every file below `dir` whose content holds `secret`. */
function filesHolding(dir: string, secret: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...filesHolding(path, secret));
    else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024 && readFileSync(path, 'utf8').includes(secret)) found.push(path);
  }
  return found;
}
