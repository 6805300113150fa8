// Runs a whole generated pipeline with gitlab-ci-local (a GitLab CI runner emulator) on its shell
// executor, in a fresh git project holding the pipeline file and the cloud assembly that the synth job
// copies into place (a stand-in for `npx cdk synth`, whose output the file was generated from). `cdk`,
// `cdk-assets` and `npx` are stand-ins that record each call; `aws` is the AWS SDK for JavaScript.
import { execFile } from 'child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { delimiter, join } from 'path';

const ROOT = join(__dirname, '..', '..', '..');
const EMULATOR = join(ROOT, 'node_modules', '.bin', 'gitlab-ci-local');
const STAND_INS = join(__dirname, '..', 'bin');
const AWS_CLI_DIR = join(ROOT, 'test', 'job', 'bin');
/** A whole pipeline run is bounded in time. */
const RUN_TIMEOUT_MS = 240_000;
/** Where the synth job finds the assembly it copies to cdk.out. */
export const SYNTHESIZED_ASSEMBLY = 'synthesized-assembly';

/** One call of a stand-in, as it recorded it. */
export interface ToolCall {
  readonly job: string;
  readonly tool: 'cdk' | 'cdk-assets' | 'curl';
  readonly package: string;
  readonly args: string[];
  /** The stack path or asset selector. */
  readonly target: string;
  /** The AWS identity the job's credentials resolved to. */
  readonly identity: string;
  readonly start: number;
  readonly end: number;
  readonly failed: boolean;
}

export interface PipelineRun {
  readonly exitCode: number;
  readonly output: string;
  readonly calls: ToolCall[];
  /** The jobs that ran their script to the end (gitlab-ci-local's "finished" lines). */
  readonly succeeded: string[];
}

export interface PipelineRunOptions {
  readonly yaml: string;
  readonly assemblyDir: string;
  /** Manual jobs to run (`--manual`). */
  readonly manual?: string[];
  readonly variables?: Record<string, string>;
  readonly env?: Record<string, string>;
  /** Edits the pipeline file after it is committed as generated, as a hand edit would. */
  readonly tamper?: (yaml: string) => string;
}

/** Runs the pipeline `yaml` whole, on branch main. */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineRun> {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-pipeline-run-'));
  try {
    const project = join(root, 'project');
    const home = join(root, 'home');
    const temp = join(root, 'tmp');
    for (const dir of [project, home, temp]) mkdirSync(dir);
    writeFileSync(join(project, '.gitlab-ci.yml'), options.tamper ? options.tamper(options.yaml) : options.yaml);
    // The app's own scripts, which its steps run (npm run lint).
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { lint: 'echo lint passed' } }));
    cpSync(options.assemblyDir, join(project, SYNTHESIZED_ASSEMBLY), { recursive: true });
    const git = (...args: string[]) => run('git', args, { cwd: project, env: { HOME: home, PATH: process.env.PATH! } });
    await git('init', '-q', '-b', 'main');
    await git('remote', 'add', 'origin', 'https://gitlab.com/mygroup/myproject.git');
    await git('add', '.');
    await git('-c', 'user.name=ci', '-c', 'user.email=ci@example.com', 'commit', '-qm', 'pipeline');

    const log = join(root, 'calls.jsonl');
    const args = ['--shell-executor-no-image', '--no-color', '--json-schema-validation'];
    for (const [name, value] of Object.entries(options.variables ?? {})) args.push('--variable', `${name}=${value}`);
    for (const job of options.manual ?? []) args.push('--manual', job);
    const env = {
      PATH: [STAND_INS, AWS_CLI_DIR, process.env.PATH].join(delimiter),
      HOME: home,
      TMPDIR: temp,
      NODE_PATH: join(ROOT, 'node_modules'),
      NODE_NO_WARNINGS: '1',
      STANDIN_LOG: log,
      ...options.env,
    };
    const result = await run(EMULATOR, args, { cwd: project, env });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ToolCall) : [];
    const succeeded = [...result.output.matchAll(/^(\S+)\s+finished in /gm)].map((m) => m[1]);
    return { exitCode: result.exitCode, output: result.output, calls, succeeded };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function run(command: string, args: string[], options: { cwd: string; env: Record<string, string> }): Promise<{ exitCode: number; output: string }> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { ...options, timeout: RUN_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && (error as { killed?: boolean }).killed) return reject(new Error(`${command} timed out after ${RUN_TIMEOUT_MS} ms:\n${stdout}${stderr}`));
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ exitCode: error ? (error.code as number) : 0, output: `${stdout}${stderr}` });
    });
  });
}
