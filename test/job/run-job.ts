// Runs a generated .gitlab-ci.yml job with gitlab-ci-local (a GitLab CI runner emulator) on its shell
// executor, the way a GitLab runner would: before_script and script in one shell, after_script in
// another. The emulator mints no ID tokens, so the test passes the token as the id_tokens variable.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { dirname, join } from 'path';
import { EmulatorDirs, inEmulatorProject, runEmulator } from '../support/emulator';
import { EMULATOR_JOB_MS } from '../support/timeouts';

/** The folder of the `aws` command the jobs run by default: the AWS SDK for JavaScript v3 behind the CLI's interface. */
export const SDK_AWS_CLI_DIR = join(__dirname, 'bin');

export interface JobRun {
  readonly exitCode: number;
  /** What the job printed (the emulator's log, both streams). */
  readonly output: string;
  /** Files under the run's folders (project and its artifacts and cache, TMPDIR, HOME) that hold one of the secrets. */
  readonly filesHoldingSecret: string[];
}

export interface JobRunOptions {
  /** The job to run, or jobs in the order of their stages. */
  readonly job: string | readonly string[];
  /** CI/CD variables passed to the job, as `--variable NAME=value`. */
  readonly variables?: Record<string, string>;
  /** The runner's environment on top of a clean one (PATH with the `aws` command, HOME and TMPDIR of its own). */
  readonly env?: Record<string, string>;
  /** Values no file may hold after the job, such as the ID token and the credentials STS issued: read when the job has ended. */
  readonly secrets?: () => readonly string[];
  /** The folder whose `aws` command the job runs. */
  readonly awsCliDir?: string;
  /** Other files of the project, by path. */
  readonly files?: Record<string, string>;
}

/** Runs `job` of the pipeline `yaml` in a fresh git project and returns how it ended. */
export async function runJob(yaml: string, options: JobRunOptions): Promise<JobRun> {
  const prepare = (dirs: EmulatorDirs) => {
    for (const [path, text] of Object.entries({ ...options.files, '.gitlab-ci.yml': yaml })) {
      mkdirSync(dirname(join(dirs.project, path)), { recursive: true });
      writeFileSync(join(dirs.project, path), text);
    }
  };
  return inEmulatorProject(prepare, async (dirs) => {
    const result = await runEmulator(dirs, {
      args: typeof options.job === 'string' ? [options.job] : [...options.job], variables: options.variables, path: [options.awsCliDir ?? SDK_AWS_CLI_DIR], env: options.env, timeoutMs: EMULATOR_JOB_MS,
    });
    const secrets = (options.secrets?.() ?? []).filter((secret) => secret.length > 0);
    return {
      exitCode: result.exitCode,
      output: result.output,
      filesHoldingSecret: secrets.length > 0 ? filesHolding(dirs.root, secrets) : [],
    };
  });
}

/** Every file below `dir` whose content holds one of `secrets`. */
export function filesHolding(dir: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {found.push(...filesHolding(path, secrets));} else if (entry.isFile() && statSync(path).size < 64 * 1024 * 1024) {
      const text = readFileSync(path, 'utf8');
      if (secrets.some((secret) => text.includes(secret))) found.push(path);
    }
  }
  return found;
}
