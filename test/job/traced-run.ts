// A job as GitLab's runner runs it under debug tracing (CI_DEBUG_TRACE): one bash script under `set -eo
// pipefail` with `set -o xtrace`, the hidden job's before_script then the job's script, with the job's variables
// as the runner expands them. Asynchronous, because the loopback STS answers from the test's own process.
import { execFile } from 'child_process';
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { PROCESS_MS } from '../support/timeouts';

/** The job's predefined IDs, which name its session (gitlab-<project>-<job>). */
export const TRACED_JOB = { projectId: '42', jobId: '7' };

export interface TracedRunOptions {
  /** The hidden job and the job that extends it, as parsed from the pipeline. */
  readonly hidden: { before_script: string[]; variables: Record<string, string> };
  readonly script: readonly string[];
  readonly idToken: string;
  /** The folder whose `aws` command runs. */
  readonly awsCliDir: string;
  /** The runner's environment besides PATH, HOME, TMPDIR and the job's variables. */
  readonly env: Record<string, string>;
  /** Which before_script lines to keep (a control drops some). */
  readonly keep?: (line: string) => boolean;
  /** Writes files into the runner's HOME before the job, as an earlier job on the runner could. */
  readonly prepareHome?: (home: string) => void;
}

export function runTraced(options: TracedRunOptions): Promise<{ status: number; stdout: string; stderr: string }> {
  const tmp = mkdtempSync(join(tmpdir(), 'traced-'));
  options.prepareHome?.(tmp);
  const lines = [...options.hidden.before_script.filter(options.keep ?? (() => true)), ...options.script];
  const predefined: Record<string, string> = { CI_JOB_ID: TRACED_JOB.jobId, CI_PROJECT_ID: TRACED_JOB.projectId };
  // GitLab expands the job's variables (AWS_ROLE_SESSION_NAME names the project and job).
  const variables = Object.fromEntries(Object.entries(options.hidden.variables).map(([name, value]) => [name, value.replace(/\$\{(\w+)\}/g, (_m, v) => predefined[v])]));
  const env = {
    PATH: `${options.awsCliDir}:${process.env.PATH}`,
    HOME: tmp,
    TMPDIR: tmp,
    ...predefined,
    ...variables,
    GITLAB_OIDC_TOKEN: options.idToken,
    ...options.env,
  };
  return new Promise((resolve, reject) => {
    execFile('/bin/bash', ['-eo', 'pipefail', '-o', 'xtrace', '-c', lines.join('\n')], { encoding: 'utf8', timeout: PROCESS_MS, env }, (error, stdout, stderr) => {
      rmSync(tmp, { recursive: true, force: true });
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ status: error ? error.code as number : 0, stdout, stderr });
    });
  });
}
