// Runs a generated .gitlab-ci.yml job with gitlab-ci-local (a GitLab CI runner emulator) on its shell
// executor, the way a GitLab runner would: before_script and script in one shell, after_script in
// another. The emulator mints no ID tokens, so the test passes the token as the id_tokens variable.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { inEmulatorProject, runEmulator } from '../support/emulator';
import { EMULATOR_JOB_MS } from '../support/timeouts';

const AWS_CLI_DIR = join(__dirname, 'bin');

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
  return inEmulatorProject((dirs) => writeFileSync(join(dirs.project, '.gitlab-ci.yml'), yaml), async (dirs) => {
    const result = await runEmulator(dirs, {
      args: [options.job], variables: options.variables, path: [AWS_CLI_DIR], env: options.env, timeoutMs: EMULATOR_JOB_MS,
    });
    return {
      exitCode: result.exitCode,
      output: result.output,
      filesHoldingSecret: options.secret ? filesHolding(dirs.root, options.secret) : [],
    };
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
