import { pipelines } from 'aws-cdk-lib';
import { GitLabJobSettings } from './job-settings';

/**
 * Properties of a `GitLabShellStep`.
 */
export interface GitLabShellStepProps extends pipelines.ShellStepProps {
  /**
   * Settings of this step's job, over the stage's and the pipeline's.
   *
   * @default - the stage's and the pipeline's
   */
  readonly jobSettings?: GitLabJobSettings;

  /**
   * Whether the job gets AWS credentials: the stage's role (or the pipeline's) through the OIDC exchange, in
   * the stage's environment. A plain `ShellStep` gets none, so a step that only tests a URL never holds a
   * token; a step of no stage (a wave's pre or post step) may not have them. On the synth step (context
   * lookups) the job assumes the pipeline's `synthRole`, which must trust every branch that runs pipelines
   * and so must not be a role that deploys; committing `cdk.context.json` avoids needing it.
   *
   * @default false
   */
  readonly awsCredentials?: boolean;
}

/**
 * A `ShellStep` with the settings of its GitLab job: its image, tags, variables, cache, raw keys, and
 * whether it gets AWS credentials.
 */
export class GitLabShellStep extends pipelines.ShellStep {
  /**
   * Settings of this step's job.
   */
  public readonly jobSettings?: GitLabJobSettings;

  /**
   * Whether the job gets AWS credentials.
   */
  public readonly awsCredentials: boolean;

  /**
   * @param id the step's ID, which names its job
   * @param props the commands, and the job's settings
   */
  constructor(id: string, props: GitLabShellStepProps) {
    super(id, props);
    this.jobSettings = props.jobSettings;
    this.awsCredentials = props.awsCredentials ?? false;
  }
}
