// Apps with a GitLabCiPipeline, synthesized into a fresh folder that stands for the repository's root.
import { mkdtempSync, readFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, CfnOutput, Stack, Stage, StageProps, aws_ecr_assets as ecrAssets, aws_s3_assets as s3assets, pipelines } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  GitLabCiPipeline, GitLabCiPipelineProps, GitLabDeploymentTier, GitLabOidcProvider, GitLabPipelineRole, GitLabRunnerRole, GitLabShellStep,
  AddGitLabStageOptions, GitLabSubject,
} from '../../../src';
import { ACCOUNT } from '../../security/support/sts';

// The loopback STS's account, where the pipeline's roles live.
export const PIPELINE_ACCOUNT = ACCOUNT;
export const BETA_ACCOUNT = '222222222222';
export const PROD_ACCOUNT = '333333333333';
export const REGION = 'eu-west-1';
/** Pinned in the tests, so no snapshot follows the installed CLI. */
export const CDK_CLI_VERSION = '2.1100.0';
export const CDK_ASSETS_VERSION = '4.7.3';
export const SITE = join(__dirname, '..', '..', 'fixtures', 'pipeline-site');
/** The site's container image: a Dockerfile and the page it serves. */
export const IMAGE = join(__dirname, '..', '..', 'fixtures', 'pipeline-image');

/** A stage of the app: a database stack, and a site stack with a file asset and a Docker image asset that depends on it. */
export class ServiceStage extends Stage {
  public readonly siteUrl: CfnOutput;

  constructor(scope: Construct, id: string, props: StageProps) {
    super(scope, id, props);
    const database = new Stack(this, 'Database');
    const site = new Stack(this, 'Site');
    site.addDependency(database);
    new s3assets.Asset(site, 'Content', { path: SITE });
    new ecrAssets.DockerImageAsset(site, 'Image', { directory: IMAGE });
    this.siteUrl = new CfnOutput(site, 'SiteUrl', { value: `https://${id.toLowerCase()}.example.com` });
  }
}

export interface PipelineApp {
  readonly app: App;
  readonly pipeline: GitLabCiPipeline;
  /** The repository's root: the pipeline file is written here. */
  readonly root: string;
  /** The cloud assembly's folder. */
  readonly assemblyDir: string;
  /** The pipeline file's text, as written at synth. */
  readonly yaml: string;
}

/** A fresh app whose repository root and cloud assembly are in a new temporary folder. */
export function newApp(): { app: App; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'gitlab-pipeline-'));
  return { app: new App({ outdir: join(root, 'cdk.out') }), root };
}

/** The audiences of the example's roles: one each, so that no job's token opens the other role. */
export const DEPLOY_AUDIENCE = 'gitlab-deploy';
export const PRODUCTION_AUDIENCE = 'gitlab-production';

/**
 * The roles the example deploys with, as the README writes them: one for the pipeline, one for production,
 * each with an audience of its own, both for the protected main branch only.
 */
export function oidcRoles(app: App) {
  const stack = new Stack(app, 'GitLabOidc', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
  const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: [DEPLOY_AUDIENCE, PRODUCTION_AUDIENCE] });
  const main = GitLabSubject.project('mygroup/myproject').branch('main');
  const deploy = new GitLabRunnerRole(stack, 'DeployRole', {
    provider, roleName: 'gitlab-deploy', audience: DEPLOY_AUDIENCE, subjects: [main], claimConditions: { refProtected: true },
  });
  deploy.allowCdkDeployments({ accounts: [PIPELINE_ACCOUNT, BETA_ACCOUNT] });
  const production = new GitLabRunnerRole(stack, 'ProductionRole', {
    provider, roleName: 'gitlab-production', audience: PRODUCTION_AUDIENCE, subjects: [main], claimConditions: { refProtected: true },
  });
  production.allowCdkDeployments({ accounts: [PROD_ACCOUNT], regions: [REGION, 'us-east-1'] });
  return { deploy, production };
}

/**
 * The two-stage app of the snapshot: Beta (a stack dependency, a file asset, a pre step and a post step that
 * reads a stack output), then a Prod wave of two regions behind a manual approval, with a role of its own.
 */
export function twoStageApp(props: Partial<GitLabCiPipelineProps> = {}, synthCommands = ['npm ci', 'npx cdk synth']): PipelineApp {
  const { app, root } = newApp();
  const roles = oidcRoles(app);
  const pipeline = newPipeline(app, root, {
    synth: new GitLabShellStep('Synth', { commands: synthCommands, jobSettings: { cache: { key: 'npm', paths: ['.npm/'] } } }),
    role: GitLabPipelineRole.fromRole(roles.deploy),
    jobSettings: { image: 'public.ecr.aws/sam/build-nodejs20.x:latest', tags: ['aws'] },
    ...props,
  });
  const beta = new ServiceStage(app, 'Beta', { env: { account: BETA_ACCOUNT, region: REGION } });
  pipeline.addStage(beta, {
    pre: [new pipelines.ShellStep('Lint', { commands: ['npm run lint'] })],
    post: [new pipelines.ShellStep('SmokeTest', { envFromCfnOutputs: { SITE_URL: beta.siteUrl }, commands: ['curl --fail "$SITE_URL"'] })],
  });
  const prod = pipeline.addWave('Prod', { pre: [new pipelines.ManualApprovalStep('PromoteToProd', { comment: 'Deploy to production?' })] });
  const productionSettings = {
    role: GitLabPipelineRole.fromRole(roles.production),
    environment: { name: 'production', deploymentTier: GitLabDeploymentTier.PRODUCTION, url: 'https://prod.example.com' },
  };
  for (const region of [REGION, 'us-east-1']) {
    pipeline.configureStage(prod.addStage(new ServiceStage(app, `Prod-${region}`, { env: { account: PROD_ACCOUNT, region } })), productionSettings);
  }
  return synthesized(app, pipeline, root);
}

/** Synthesizes the app and reads the pipeline file back. */
export function synthesized(app: App, pipeline: GitLabCiPipeline, root: string): PipelineApp {
  const assembly = app.synth();
  return { app, pipeline, root, assemblyDir: assembly.directory, yaml: readFileSync(join(root, pipeline.outputFile), 'utf8') };
}

/** The pipeline's role by ARN, for apps that need no role stack. */
export const ROLE = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/gitlab-deploy`, { region: REGION });

/** An app with one stage of one stack; `configure` adds to it before synth. */
export function oneStageApp(
  props: Partial<GitLabCiPipelineProps> = {},
  configure: (pipeline: GitLabCiPipeline, app: App, stage: Stage) => void = (pipeline, _app, stage) => { pipeline.addStage(stage); },
): PipelineApp {
  const { app, root } = newApp();
  const pipeline = newPipeline(app, root, props);
  const stage = new Stage(app, 'Beta', { env: { account: BETA_ACCOUNT, region: REGION } });
  new Stack(stage, 'Api');
  configure(pipeline, app, stage);
  return synthesized(app, pipeline, root);
}

/** A pipeline in `app` with the role by ARN, the pinned versions, and the repository root `root`. */
export function newPipeline(app: App, root: string, props: Partial<GitLabCiPipelineProps> = {}): GitLabCiPipeline {
  return new GitLabCiPipeline(app, 'Pipeline', {
    synth: new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'] }),
    role: ROLE,
    repositoryRoot: root,
    cdkCliVersion: CDK_CLI_VERSION,
    cdkAssetsVersion: CDK_ASSETS_VERSION,
    ...props,
  });
}

/** The audience of the lookup-only role of the merge request app. */
export const LOOKUP_AUDIENCE = 'gitlab-lookup';

/**
 * Beta, then Prod behind an approval, with a diff per stage in merge requests: a deploy role for protected main, and
 * a role for every branch that may only assume the stages' bootstrap lookup roles (its roles in stack "Roles").
 */
export function mergeRequestApp(
  props: Partial<GitLabCiPipelineProps> = {}, lookupOnly = true, prodSettings: AddGitLabStageOptions = {},
): PipelineApp {
  const { app, root } = newApp();
  const stack = new Stack(app, 'Roles', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
  const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: [DEPLOY_AUDIENCE, LOOKUP_AUDIENCE] });
  const deploy = new GitLabRunnerRole(stack, 'Deploy', {
    provider,
    roleName: 'gitlab-deploy',
    audience: DEPLOY_AUDIENCE,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
    claimConditions: { refProtected: true },
  });
  const lookup = new GitLabRunnerRole(stack, 'Lookup', {
    provider, roleName: LOOKUP_AUDIENCE, audience: LOOKUP_AUDIENCE, subjects: [GitLabSubject.project('mygroup/myproject').anyBranch()],
  });
  lookup.allowCdkDeployments({ accounts: [BETA_ACCOUNT, PROD_ACCOUNT], lookupOnly });
  const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
    synth: new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'] }),
    role: GitLabPipelineRole.fromRole(deploy),
    synthRole: GitLabPipelineRole.fromRole(lookup),
    repositoryRoot: root,
    cdkCliVersion: CDK_CLI_VERSION,
    mergeRequestDiffs: true,
    ...props,
  });
  for (const [name, account] of [['Beta', BETA_ACCOUNT], ['Prod', PROD_ACCOUNT]]) {
    const stage = new Stage(app, name, { env: { account, region: REGION } });
    new Stack(stage, 'Api');
    new Stack(stage, 'Web');
    if (name === 'Beta') pipeline.addStage(stage);
    else pipeline.addStageWithGitLabOptions(stage, { pre: [new pipelines.ManualApprovalStep('Promote')], ...prodSettings });
  }
  return synthesized(app, pipeline, root);
}

/** The first line of every job that deploys, publishes, approves or runs a step: a freeze that began after the pipeline was created stops it. */
export const FREEZE = '[ -z "${CI_DEPLOY_FREEZE:-}" ] || { printf \'%s\\n\' "cdk-gitlab-oidc: a deploy freeze began after this pipeline was created: ' +
  'run the pipeline again when it ends" >&2; exit 1; }';
