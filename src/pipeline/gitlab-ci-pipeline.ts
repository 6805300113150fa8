import { mkdirSync, writeFileSync } from 'fs';
import { dirname, join, resolve } from 'path';
import { Duration, Stage, pipelines } from 'aws-cdk-lib';
import { PipelineGraph } from 'aws-cdk-lib/pipelines/lib/helpers-internal';
import { Construct } from 'constructs';
import { GitLabDockerLogin } from './docker-login';
import { GitLabJobSettings, GitLabStageSettings } from './job-settings';
import { GitLabPipelineRole } from './pipeline-role';
import { GitLabCiCredentials } from '../ci-job';
import { cdkAssetsVersion, cdkCliVersion } from '../private/pipeline/cli-versions';
import { IMAGE_BUILD_SCRIPT } from '../private/pipeline/docker-images';
import { ASSET_LIST, PIPELINE_FILE_COPY, renderPipeline } from '../private/pipeline/render-pipeline';
import { refuseChangeSetSteps } from '../private/pipeline/unsupported';
import { expireInText, validateJobSettings, validateOutputFile, validateProjectPath } from '../private/pipeline/validate';

/**
 * Properties of a `GitLabCiPipeline`.
 */
export interface GitLabCiPipelineProps extends pipelines.PipelineBaseProps {
  /**
   * The role the jobs that publish assets and deploy assume, through GitLab's OIDC ID token. Stages may
   * use roles of their own (`GitLabStageSettings.role`). Each role the pipeline uses needs an audience of
   * its own (no job's token then opens another stage's role), and on gitlab.com a trust that admits
   * protected branches only.
   */
  readonly role: GitLabPipelineRole;

  /**
   * The role of the synth job, for a synth step that is a `GitLabShellStep` with `awsCredentials` (context
   * lookups). The synth job runs in the pipelines of every branch and merge request, so this role must
   * trust them all: give it read-only permissions (the CDK lookup role) and an audience of its own. It must
   * not be a role that publishes or deploys.
   *
   * @default - none: the synth job gets no AWS credentials
   */
  readonly synthRole?: GitLabPipelineRole;

  /**
   * The pipeline file, relative to `repositoryRoot`: `.gitlab-ci.yml`, or a file the root
   * `.gitlab-ci.yml` includes (`include: local`). Written at every synth. It defines `stages:`; a root file
   * that includes it and defines its own must list the pipeline's stages too (the root's keys win).
   *
   * @default '.gitlab-ci.yml'
   */
  readonly outputFile?: string;

  /**
   * The repository's root, where GitLab's jobs start and `outputFile` is written. The synth step's
   * commands run there, so its output directory (`cdk.out`) is relative to it too.
   *
   * @default - the directory the app is synthesized in
   */
  readonly repositoryRoot?: string;

  /**
   * The branch whose pipelines publish and deploy. Pipelines of other branches and merge requests only
   * synthesize and check the pipeline file.
   *
   * @default - the project's default branch (`$CI_DEFAULT_BRANCH`)
   */
  readonly deployBranch?: string;

  /**
   * The version of the CDK CLI (npm package `aws-cdk`) the deploy jobs run.
   *
   * @default - the version of `aws-cdk` installed for the app (resolved from `repositoryRoot`)
   */
  readonly cdkCliVersion?: string;

  /**
   * The version of `cdk-assets` the asset jobs run.
   *
   * @default - the version installed for the app, else 4.7.3
   */
  readonly cdkAssetsVersion?: string;

  /**
   * Settings of every job.
   *
   * @default - none: the runner's defaults
   */
  readonly jobSettings?: GitLabJobSettings;

  /**
   * How the jobs hand their ID token to AWS.
   *
   * @default GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE
   */
  readonly credentials?: GitLabCiCredentials;

  /**
   * How long GitLab keeps the jobs' artifacts (the cloud assembly, stack outputs, steps' outputs): `expire_in`
   * on each. The jobs after a manual approval need the synth job's artifacts until someone approves. At least
   * an hour; written in whole days, hours or minutes.
   *
   * @default Duration.days(30)
   */
  readonly artifactsExpireIn?: Duration;

  /**
   * A `cdk diff` job per stage in merge request pipelines, with `synthRole`'s credentials: the diff in the job log
   * and in an artifact the merge request shows. Needs `synthRole`, a read-only role that trusts every branch and
   * merge request and may assume each stage's bootstrap lookup role (`allowCdkDeployments({ lookupOnly: true,
   * accounts })`); never a deploy role. Also writes `workflow: rules` so that a push to a branch with an open merge
   * request makes one pipeline, not two.
   *
   * @default false
   */
  readonly mergeRequestDiffs?: boolean;

  /**
   * With `mergeRequestDiffs`, fail a stage's diff job when its IAM statements or security group rules broaden
   * access (`cdk diff --security-only --fail`): the merge request's pipeline fails until someone accepts the
   * change, the stand-in for CDK Pipelines' `ConfirmPermissionsBroadening`.
   *
   * @default true
   */
  readonly failOnSecurityChanges?: boolean;

  /**
   * The GitLab project (`group/project`) whose pipelines deploy: a fork's pipelines, which run the same file, then
   * skip every job that publishes or deploys instead of failing them (the roles would refuse their tokens anyway).
   *
   * @default - any project's pipelines try to deploy
   */
  readonly projectPath?: string;

  /**
   * Settings of the jobs that build and publish Docker image assets, over the pipeline's and the stage's: a job
   * without credentials builds every image once, as cdk-assets would, and each stage's asset job pushes that same
   * image (same image ID in every account). Both need a Docker daemon; the publishing jobs also need Node.js and the
   * AWS CLI, installed from Alpine's packages when the image lacks them. Set `image`, `rawKeys.services` and
   * `variables` for another setup (a runner with a Docker socket: an image with docker, node and aws, and no service).
   *
   * @default - GitLab's Docker-in-Docker setup with TLS: image `docker:29`, service `docker:29-dind`, and `DOCKER_HOST`,
   * `DOCKER_TLS_CERTDIR`, `DOCKER_TLS_VERIFY` and `DOCKER_CERT_PATH` for it (the runner must allow privileged
   * services, as GitLab.com's instance runners do)
   */
  readonly dockerAssetJobSettings?: GitLabJobSettings;

  /**
   * Registries the Docker image build logs in to before it builds: for base images behind a login. Publishing to
   * the assets' ECR repositories needs none.
   *
   * @default - none: base images from public registries, pulled anonymously
   */
  readonly dockerLogins?: GitLabDockerLogin[];
}

/**
 * Options of `GitLabCiPipeline.addStageWithGitLabOptions()`.
 */
export interface AddGitLabStageOptions extends pipelines.AddStageOpts, GitLabStageSettings {}

/**
 * A CDK Pipelines engine that writes the app's GitLab CI/CD pipeline (`.gitlab-ci.yml`) at synth: a job
 * that synthesizes the app, a job that checks the committed pipeline file, one job per asset, one per
 * stack deployment and one per step, ordered by `needs:` exactly as the pipeline's graph orders them.
 *
 * Jobs that publish or deploy get AWS credentials through GitLab's OIDC ID token, from the hardened
 * exchange `GitLabRunnerRole.gitLabCiJob()` writes (one hidden job per role, which they `extends`), and
 * run only on the deploy branch. Each stage's credentials are reachable by that stage's jobs alone: every
 * role has an audience of its own, every job that holds a stage's role runs in the stage's GitLab environment
 * and after its approvals (asset publishing included), and synth refuses roles that admit unprotected
 * branches (gitlab.com), roles that cannot admit the pipeline's jobs, and settings that would switch a gate
 * off. Each stack deploys in a resource group of its own.
 */
export class GitLabCiPipeline extends pipelines.PipelineBase {
  /**
   * The pipeline file's path, as written.
   */
  public readonly outputFile: string;

  private readonly props: GitLabCiPipelineProps;
  private readonly stageSettings = new Map<pipelines.StageDeployment, GitLabStageSettings>();

  /**
   * @param scope the construct scope
   * @param id the construct ID
   * @param props the synth step, the role, and the pipeline file's settings
   */
  constructor(scope: Construct, id: string, props: GitLabCiPipelineProps) {
    super(scope, id, props);
    this.props = props;
    this.outputFile = props.outputFile ?? '.gitlab-ci.yml';
    validateOutputFile(this.outputFile, this);
    validateJobSettings(props.dockerAssetJobSettings ?? {}, this, true);
  }

  /**
   * Deploys a stage, as `addStage()` does, with its GitLab settings: its role, its environment and its
   * jobs' settings.
   * @param stage the stage
   * @param options the pre, post and stack steps, and the stage's GitLab settings
   */
  public addStageWithGitLabOptions(stage: Stage, options: AddGitLabStageOptions = {}): pipelines.StageDeployment {
    const deployment = this.addStage(stage, options);
    this.configureStage(deployment, options);
    return deployment;
  }

  /**
   * Gives a stage already added (by `addStage()`, or a wave's `addStage()`) its GitLab settings.
   * @param stage the stage deployment `addStage()` returned
   * @param settings the stage's role, environment and jobs' settings
   */
  public configureStage(stage: pipelines.StageDeployment, settings: GitLabStageSettings): void {
    this.stageSettings.set(stage, settings);
  }

  /**
   * Renders the pipeline graph as GitLab jobs and writes the pipeline file.
   */
  protected doBuildPipeline(): void {
    refuseChangeSetSteps(this);
    const graph = new PipelineGraph(this, { selfMutation: false, publishTemplate: false, prepareStep: false });
    const repositoryRoot = resolve(this.props.repositoryRoot ?? '.');
    const assemblyDir = (this.node.root as Stage).outdir;
    const { yaml, assetList, imageBuildScript } = renderPipeline({
      pipeline: this,
      graph,
      role: this.props.role,
      synthRole: this.props.synthRole,
      stageSettings: this.stageSettings,
      outputFile: this.outputFile,
      assemblyDir,
      deployBranch: this.props.deployBranch,
      cdkCliVersion: this.props.cdkCliVersion ?? cdkCliVersion(repositoryRoot, this),
      cdkAssetsVersion: this.props.cdkAssetsVersion ?? cdkAssetsVersion(repositoryRoot),
      jobSettings: this.props.jobSettings ?? {},
      credentials: this.props.credentials ?? GitLabCiCredentials.WEB_IDENTITY_TOKEN_FILE,
      artifactsExpireIn: expireInText(this.props.artifactsExpireIn ?? Duration.days(30), this),
      mergeRequestDiffs: this.props.mergeRequestDiffs ?? false,
      failOnSecurityChanges: this.props.failOnSecurityChanges ?? true,
      projectPath: this.props.projectPath === undefined ? undefined : validateProjectPath(this.props.projectPath, this),
      dockerAssetJobSettings: this.props.dockerAssetJobSettings ?? {},
      dockerLogins: this.props.dockerLogins ?? [],
    });
    const file = join(repositoryRoot, this.outputFile);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, yaml);
    // The check job compares the committed file with this copy, which travels in the cloud assembly.
    writeFileSync(join(assemblyDir, PIPELINE_FILE_COPY), yaml);
    // The asset jobs publish what this list names: the assets' hashes stay out of the committed file.
    writeFileSync(join(assemblyDir, ASSET_LIST), assetList);
    if (imageBuildScript !== undefined) writeFileSync(join(assemblyDir, IMAGE_BUILD_SCRIPT), imageBuildScript);
  }
}
