// Runs a whole generated pipeline with gitlab-ci-local (a GitLab CI runner emulator) on its shell
// executor, in a fresh git project holding the pipeline file and the cloud assembly that the synth job
// copies into place (a stand-in for `npx cdk synth`, whose output the file was generated from). `cdk`,
// `cdk-assets` and `npx` are stand-ins that record each call; `aws` is the AWS SDK for JavaScript.
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'fs';
import { join } from 'path';
import { Template } from 'aws-cdk-lib/assertions';
import { PipelineApp } from './apps';
import { LoopbackSts } from '../../job/loopback-sts';
import { FixtureIssuer } from '../../security/support/issuer';
import { EmulatedAccount } from '../../security/support/sts';
import { EmulatorDirs, inEmulatorProject, runEmulator } from '../../support/emulator';
import { EMULATOR_PIPELINE_MS } from '../../support/timeouts';

const STAND_INS = join(__dirname, '..', 'bin');
const AWS_CLI_DIR = join(__dirname, '..', '..', 'job', 'bin');
/** Where the synth job finds the assembly it copies to cdk.out. */
export const SYNTHESIZED_ASSEMBLY = 'synthesized-assembly';

/** One call of a stand-in, as it recorded it. */
export interface ToolCall {
  readonly job: string;
  readonly tool: 'cdk' | 'cdk-assets' | 'curl' | 'docker';
  readonly package: string;
  readonly args: string[];
  /** The stack path or asset selector. */
  readonly target: string;
  /** The AWS identity the job's credentials resolved to. */
  readonly identity: string;
  readonly start: number;
  readonly end: number;
  readonly failed: boolean;
  /** For docker: the image ID a build made or a push sent. */
  readonly image?: string;
  /** For docker login: the Docker configuration folder it wrote. */
  readonly config?: string;
}

export interface PipelineRun {
  readonly exitCode: number;
  readonly output: string;
  readonly calls: ToolCall[];
  /** Each job's artifacts, as the emulator kept them for the jobs that need them: their files' paths. */
  readonly artifacts: Record<string, string[]>;
}

export interface PipelineRunOptions {
  readonly yaml: string;
  readonly assemblyDir: string;
  /** Manual jobs to run (`--manual`). */
  readonly manual?: string[];
  readonly variables?: Record<string, string>;
  /**
   * The ID token each GitLab environment's jobs receive (GITLAB_OIDC_TOKEN scoped to the environment, as a
   * CI/CD variable of that environment scope): the emulator mints no id_tokens, and every job that assumes a
   * role runs in its stage's environment, so this is the token of that stage's role.
   */
  readonly environmentTokens?: Record<string, string>;
  readonly env?: Record<string, string>;
  /** Edits the pipeline file after it is committed as generated, as a hand edit would. */
  readonly tamper?: (yaml: string) => string;
}

/** Runs the pipeline `yaml` whole, on branch main. */
export async function runPipeline(options: PipelineRunOptions): Promise<PipelineRun> {
  const prepare = (dirs: EmulatorDirs) => {
    writeFileSync(join(dirs.project, '.gitlab-ci.yml'), options.tamper ? options.tamper(options.yaml) : options.yaml);
    // The app's own scripts, which its steps run (npm run lint).
    writeFileSync(join(dirs.project, 'package.json'), JSON.stringify({ name: 'app', private: true, scripts: { lint: 'echo lint passed' } }));
    cpSync(options.assemblyDir, join(dirs.project, SYNTHESIZED_ASSEMBLY), { recursive: true });
    if (options.environmentTokens) {
      // gitlab-ci-local's variables file: a variable's values by environment scope (JSON is YAML).
      writeFileSync(join(dirs.project, '.gitlab-ci-local-variables.yml'),
        JSON.stringify({ GITLAB_OIDC_TOKEN: { type: 'variable', values: options.environmentTokens } }));
    }
  };
  return inEmulatorProject(prepare, async (dirs) => {
    const log = join(dirs.root, 'calls.jsonl');
    const result = await runEmulator(dirs, {
      args: (options.manual ?? []).flatMap((job) => ['--manual', job]),
      variables: options.variables,
      path: [STAND_INS, AWS_CLI_DIR],
      env: { STANDIN_LOG: log, ...options.env },
      timeoutMs: EMULATOR_PIPELINE_MS,
    });
    const calls = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as ToolCall) : [];
    const artifactsDir = join(dirs.project, '.gitlab-ci-local', 'artifacts');
    const filesOf = (job: string) => (readdirSync(join(artifactsDir, job), { recursive: true }) as string[])
      .filter((path) => statSync(join(artifactsDir, job, path)).isFile()).sort();
    const artifacts = Object.fromEntries((existsSync(artifactsDir) ? readdirSync(artifactsDir) : []).map((job) => [job, filesOf(job)]));
    return { exitCode: result.exitCode, output: result.output, calls, artifacts };
  });
}

/** A loopback gitlab.com issuer, and a loopback STS that judges tokens against the roles of `built`'s stack `rolesStack`. */
export async function startLoopbackAws(built: PipelineApp, rolesStack: string): Promise<{ issuer: FixtureIssuer; sts: LoopbackSts }> {
  const issuer = await FixtureIssuer.start('https://gitlab.com');
  const roles = Template.fromJSON(built.app.synth().getStackByName(rolesStack).template);
  const sts = await LoopbackSts.start(EmulatedAccount.fromTemplate(roles.toJSON() as any, [], { 'https://gitlab.com': issuer.loopbackUrl }));
  return { issuer, sts };
}
