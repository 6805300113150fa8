// The pipeline graph of CDK Pipelines as GitLab jobs: one job per graph node (an asset node once per stage
// that publishes it), `needs:` from the graph's dependencies, and the pipeline file's YAML.
import { posix, relative, sep } from 'path';
import { Annotations, pipelines } from 'aws-cdk-lib';
import { isGraph, PipelineGraph } from 'aws-cdk-lib/pipelines/lib/helpers-internal';
import {
  DOCKER_CONFIG_CLEANUP, DOCKER_JOB_DEFAULTS, DOCKER_JOB_TOOLS, IMAGE_ARCHIVE, IMAGE_BUILD_SCRIPT, ImageAsset, imageBuildScript, withJobDockerConfig,
} from './docker-images';
import { Need, pipelineNeeds } from './needs';
import { checkPipelineRoles, JobRef, RoleUse } from './pipeline-roles';
import { refuseUnsupportedStep } from './unsupported';
import { validateDeployBranch, validateEnvironment, validateJobSettings, validateLiteral, validateLiteralList, validateVariable, validateVersion } from './validate';
import { GitLabCiCredentials } from '../../ci-job';
import { GitLabDockerLogin } from '../../pipeline/docker-login';
import { GitLabJobSettings, GitLabStageSettings } from '../../pipeline/job-settings';
import { GitLabPipelineRole } from '../../pipeline/pipeline-role';
import { GitLabShellStep } from '../../pipeline/shell-step';
import { GitLabStageTrigger } from '../../pipeline/stage-trigger';
import { fail, show } from '../errors';
import { CiJob, CiRule, YamlMap, YamlReference } from '../gitlab-ci/model';
import { documentYaml } from '../gitlab-ci/yaml-file';
import { credentialCiJob, DEFAULT_JOB_NAME, DEFAULT_TOKEN_VARIABLE, exchangeCiJob } from '../job/ci-job';
import { EXCHANGE_JOB_NAME, validateJobName } from '../rules/gitlab-ci';
import { shellQuote } from '../shell';

/** The copy of the pipeline file in the cloud assembly, which the check job compares with the committed one. */
export const PIPELINE_FILE_COPY = 'gitlab-ci-pipeline.yml';
/** GitLab refuses a job with more than 50 `needs:` (ci_max_needs on GitLab.com and by default). */
const MAX_NEEDS = 50;
/** GitLab passes at most 20 variables from one dotenv report (by default, and on GitLab.com). */
const MAX_DOTENV_VARIABLES = 20;
/** The list of the assets each asset job publishes (job, manifest, asset ID), tab-separated, in the cloud assembly. */
export const ASSET_LIST = 'gitlab-ci-assets.tsv';
/**
 * A deploy freeze is in `rules:` too, but rules are read when the pipeline is created, while GitLab sets
 * CI_DEPLOY_FREEZE for each job when it runs: a pipeline that waited at an approval must not deploy into a freeze.
 */
const FREEZE_CHECK = '[ -z "${CI_DEPLOY_FREEZE:-}" ] || { printf \'%s\\n\' "cdk-gitlab-oidc: a deploy freeze began after this pipeline was created: ' +
  'run the pipeline again when it ends" >&2; exit 1; }';
/** GitLab's limit on a dotenv report (plan limit dotenv_size, 5 KB by default and on GitLab.com). */
const MAX_DOTENV_BYTES = 5 * 1024;
/** The check job's name, in the Build stage beside the synth job. */
const CHECK_JOB = 'Build-CheckPipelineFile';
/** The job that builds the Docker image assets, once for every stage, beside the synth job. */
const IMAGE_BUILD_JOB = 'Build-DockerImages';

/** A node of the pipeline graph (aws-cdk-lib exports the graph's class, not the name of its node type). */
type AGraphNode = ReturnType<PipelineGraph['graph']['allLeaves']>['nodes'][number];

export interface PipelineInput {
  readonly pipeline: pipelines.PipelineBase;
  readonly graph: PipelineGraph;
  readonly role: GitLabPipelineRole;
  readonly synthRole?: GitLabPipelineRole;
  readonly stageSettings: ReadonlyMap<pipelines.StageDeployment, GitLabStageSettings>;
  readonly outputFile: string;
  /** The cloud assembly's folder at synth, against which asset manifests are made relative. */
  readonly assemblyDir: string;
  readonly deployBranch?: string;
  readonly cdkCliVersion: string;
  readonly cdkAssetsVersion: string;
  readonly jobSettings: GitLabJobSettings;
  readonly credentials: GitLabCiCredentials;
  /** How long the jobs' artifacts are kept, as GitLab writes it ("30 days"). */
  readonly artifactsExpireIn: string;
  /** Whether each stage gets a `cdk diff` job in merge request pipelines, with the synth role. */
  readonly mergeRequestDiffs: boolean;
  /** Whether those jobs fail when a stage's IAM or security group changes broaden access. */
  readonly failOnSecurityChanges: boolean;
  /** The project whose pipelines may deploy (a fork's may not); undefined for any. */
  readonly projectPath?: string;
  /** Settings of the jobs that build and publish Docker image assets, over the defaults (DOCKER_JOB_DEFAULTS). */
  readonly dockerAssetJobSettings: GitLabJobSettings;
  /** The registries the image build logs in to. */
  readonly dockerLogins: readonly GitLabDockerLogin[];
}

/** One job, before its `needs:` are reduced. */
interface Job {
  readonly name: string;
  readonly stage: string;
  /** The jobs it waits for: the graph's dependencies. */
  readonly after: Set<string>;
  /** The jobs whose artifacts it downloads (the cloud assembly, step outputs, stack outputs). */
  readonly artifactsFrom: Set<string>;
  /** Whether it runs on the deploy branch only. */
  readonly deployOnly: boolean;
  /** Whether it builds for the deploy branch's pipelines: their rules, but interruptible, as a build is. */
  readonly buildsForDeploy?: boolean;
  /** For a job of the deploy pipelines (deployOnly, buildsForDeploy): the pipelines it runs in, its stage's triggers. */
  readonly triggers?: readonly GitLabStageTrigger[];
  /** Whether it runs in merge request pipelines only (a stage's diff). */
  readonly mergeRequestOnly?: boolean;
  readonly manual?: boolean;
  /** The hidden job of the role it assumes, which it extends for AWS credentials. */
  readonly extends?: string;
  /** For an asset job: the stage it publishes for, and the assets it publishes (their selectors). */
  readonly publishes?: { readonly stage: pipelines.StageDeployment; readonly selectors: readonly string[] };
  readonly environment?: YamlMap;
  readonly resourceGroup?: string;
  readonly variables: { readonly [name: string]: string };
  /** Lines before the hidden job's before_script (the token exchange), where a job needs tools for it. */
  readonly toolsBeforeExchange?: string;
  /** An after_script line of its own, before the hidden job's after_script if it has one. */
  readonly cleanup?: string;
  readonly script: readonly string[];
  readonly artifacts?: YamlMap;
  readonly settings: GitLabJobSettings;
}

/** What the synth writes: the pipeline file, and what travels in the cloud assembly: the asset list and the image build script. */
export interface RenderedPipeline {
  readonly yaml: string;
  readonly assetList: string;
  /** The Docker image build script, if the pipeline publishes Docker image assets. */
  readonly imageBuildScript?: string;
}

/** The pipeline file for the graph, and its asset list. */
export function renderPipeline(input: PipelineInput): RenderedPipeline {
  const renderer = new PipelineRenderer(input);
  const yaml = renderer.render();
  return { yaml, assetList: renderer.assetList.map((fields) => `${fields.join('\t')}\n`).join(''), imageBuildScript: renderer.imageBuildScript };
}

class PipelineRenderer {
  private readonly pipeline: pipelines.PipelineBase;
  private readonly jobs: Job[] = [];
  private readonly jobsOfNode = new Map<AGraphNode, Job[]>();
  private readonly jobOfStep = new Map<pipelines.Step, Job>();
  private readonly deployJobOfStack = new Map<pipelines.StackDeployment, Job>();
  private readonly stageOfStack = new Map<pipelines.StackDeployment, pipelines.StageDeployment>();
  private readonly hiddenJobs = new Map<GitLabPipelineRole, string>();
  /** Each job that assumes a role: which role, and for which stage. */
  private readonly roleUses: RoleUse[] = [];
  /** Each asset job's assets: the job, the asset manifest, the asset's ID and destination. */
  public readonly assetList: [string, string, string][] = [];
  /** The stages whose asset jobs are added (just before their first deployment). */
  private readonly stagesWithAssetJobs = new Set<pipelines.StageDeployment>();
  private synthJob?: Job;
  /** The job that builds the Docker image assets, once the first stage that publishes one is rendered. */
  private imageBuildJob?: Job;
  public imageBuildScript?: string;
  /** Where the synth job leaves the cloud assembly, relative to the repository's root. */
  private readonly cdkOut: string;

  constructor(private readonly input: PipelineInput) {
    this.pipeline = input.pipeline;
    if (input.deployBranch !== undefined) validateDeployBranch(input.deployBranch, this.pipeline);
    validateVersion(input.cdkCliVersion, 'cdkCliVersion', this.pipeline);
    validateVersion(input.cdkAssetsVersion, 'cdkAssetsVersion', this.pipeline);
    validateJobSettings(input.jobSettings, this.pipeline);
    for (const wave of this.pipeline.waves) {
      for (const stage of wave.stages) {
        for (const stack of stage.stacks) {
          this.stageOfStack.set(stack, stage);
        }
        const settings = input.stageSettings.get(stage);
        validateEnvironment(settings?.environment ?? {}, this.environmentName(stage), this.pipeline);
        validateJobSettings(settings?.jobSettings ?? {}, this.pipeline);
      }
    }
    this.cdkOut = outputDirectory(this.pipeline.synth as pipelines.Step, input.graph.cloudAssemblyFileSet) ?? 'cdk.out';
  }

  public render(): string {
    const { graph } = this.input;
    for (const node of graph.graph.sortedLeaves().flat()) this.addNode(node);
    if (this.input.mergeRequestDiffs) this.addDiffJobs();
    checkPipelineRoles(this.roleUses, this.pipeline);
    const { kinds, presentIn } = this.pipelineKinds();
    this.refuseMissingProducers(kinds, presentIn);
    const needs = pipelineNeeds(this.jobs.map((job) => job.name), new Map(this.jobs.map((job) => [job.name, job.after])), kinds, presentIn);
    this.keepCheckNeeded(needs);
    this.warnCachesInRoleJobs();
    // The graph's top-level groups, but those left without jobs (Assets: each stage publishes its own).
    const stages = graph.graph.sortedChildren().flat().map((child) => child.id).filter((stage) => this.jobs.some((job) => job.stage === stage));

    // The token exchange once, first (gitlab-ci-local resolves nested references in file order), for the token variable
    // every role's hidden job requests; each references it after a line of its own role's expectations.
    const tokenVariable = DEFAULT_TOKEN_VARIABLE;
    const roleJobs = [...this.hiddenJobs].map(([role, name]) => credentialCiJob(role._jobRole(this.pipeline),
      { jobName: name, tokenVariable, credentials: this.input.credentials }, this.pipeline, EXCHANGE_JOB_NAME));
    if (roleJobs.length > 0) roleJobs.unshift(exchangeCiJob(tokenVariable));
    return documentYaml({
      comments: [
        'Generated at synth by cdk-gitlab-oidc\'s GitLabCiPipeline from the CDK app: do not edit it by hand.',
        `Change the app and run \`cdk synth\`; the ${CHECK_JOB} job fails when this file is not what the app generates.`,
      ],
      stages,
      // Merge request pipelines for the diff jobs, and no second pipeline for a branch that has an open merge request.
      workflow: this.input.mergeRequestDiffs ? { rules: this.workflowRules() } : undefined,
      jobs: [...roleJobs, ...this.jobs.map((job) => ({ name: job.name, job: this.ciJob(job, needs.get(job.name)!) }))],
    });
  }

  private addNode(node: AGraphNode): void {
    const data = node.data;
    const stage = data?.type === 'execute' ? this.stageOfStack.get(data.stack) : this.stageOf(node);
    if (stage && this.leafDependencies(node).some((dep) => dep.data?.type === 'publish-assets')) this.addStageAssetJobs(stage, node);
    switch (data?.type) {
      case 'step':
        refuseUnsupportedStep(data.step, this.pipeline);
        if (this.input.graph.isSynthNode(node)) this.addSynthJobs(node, data.step as pipelines.ShellStep);
        else this.addStepJob(node, data.step);
        break;
      case 'publish-assets':
        // Each stage publishes the assets its stacks use, just before its first deployment (addStageAssetJobs).
        break;
      case 'execute':
        this.addDeployJob(node, data.stack, data.captureOutputs);
        break;
      default:
        fail(`GitLabCiPipeline cannot render the pipeline graph's node ${show(node.uniqueId)} of type ${show(data?.type)}`, this.pipeline);
    }
  }

  private addSynthJobs(node: AGraphNode, step: pipelines.ShellStep): void {
    const file = this.input.outputFile;
    for (const directory of outputDirectories(step)) {
      // GitLab restores the synth job's artifacts over the checkout: the check would compare the copy with itself.
      if (isInside(posix.normalize(file), directory)) {
        fail(`the synth step's output ${show(directory)} holds the pipeline file ${show(file)}: the check job would compare the copy the synth ` +
          `job writes with itself, and pass every hand edit; give the synth step an output directory of its own (cdk.out), got: ${show(directory)}`, this.pipeline);
      }
    }
    const credentials = step instanceof GitLabShellStep && step.awsCredentials;
    if (credentials && !this.input.synthRole) {
      fail('the synth step has awsCredentials, but the pipeline has no synthRole: the synth job runs for every branch and merge request, so it ' +
        'needs a read-only role of its own (a deploy role that trusted every branch would let any branch deploy), got: synthRole undefined', this.pipeline);
    }
    const synth = this.add(node, {
      name: node.uniqueId,
      deployOnly: false,
      role: credentials ? this.input.synthRole : undefined,
      synth: true,
      variables: this.stepVariables(step),
      script: this.stepScript(step),
      artifacts: { paths: outputDirectories(step) },
      settings: this.settings(undefined, step),
    });
    this.jobOfStep.set(step, synth);
    this.synthJob = synth;
    const copy = posix.join(this.cdkOut, PIPELINE_FILE_COPY);
    this.jobs.push(this.job({
      name: CHECK_JOB,
      stage: synth.stage,
      after: [synth.name],
      artifactsFrom: [synth.name],
      deployOnly: false,
      variables: {},
      script: [
        `diff -u ${shellQuote(file)} ${shellQuote(copy)} >&2 || { echo ${shellQuote(`cdk-gitlab-oidc: ${file} is not the pipeline the app generates ` +
          '(the differences are above): run "cdk synth" and commit the file')} >&2; exit 1; }`,
      ],
      // The cloud assembly without the assets' files (Docker contexts, Lambda code): what the deploy and diff jobs
      // download. `cdk deploy` skips assets already published (the CLI's removePublishedAssets), as the asset jobs left
      // them; GitLab's exclude patterns match files, not folders (https://docs.gitlab.com/ci/yaml/#artifactsexclude).
      artifacts: { paths: [this.cdkOut], exclude: [`${this.cdkOut}/asset.*`, `${this.cdkOut}/asset.*/**`] },
      // The pipeline's settings: the synth step's own (its cache, say) are for synthesizing.
      settings: this.settings(undefined, undefined),
    }));
  }

  private addStepJob(node: AGraphNode, step: pipelines.Step): void {
    const stage = this.stageOf(node);
    const settings = stage ? this.input.stageSettings.get(stage) : undefined;
    // A step after a stack deployment of its stage verifies it; any other prepares for it.
    const deploysFirst = this.leafDependencies(node).some((dep) => dep.data?.type === 'execute' && this.stageOfStack.get(dep.data.stack) === stage);
    const action = deploysFirst ? 'verify' : 'prepare';
    const environment = stage ? this.environment(stage, action) : undefined;
    if (step instanceof pipelines.ManualApprovalStep) {
      const comment = step.comment ?? `Approve to continue: ${step.id}`;
      validateLiteral(comment, `ManualApprovalStep ${show(step.id)} comment`, this.pipeline);
      this.add(node, {
        name: node.uniqueId,
        deployOnly: true,
        manual: true,
        environment,
        variables: {},
        script: [`printf '%s\\n' ${shellQuote(comment)}`],
        settings: this.settings(settings, undefined),
      });
      return;
    }
    const shell = step as pipelines.ShellStep;
    const credentials = shell instanceof GitLabShellStep && shell.awsCredentials;
    if (credentials && !stage) {
      fail(`step ${show(step.id)} has awsCredentials but belongs to no stage (a wave's pre or post step): a job with a stage's role runs in that ` +
        'stage\'s environment, where protected environments gate it; add the step to a stage (addStage\'s pre or post)', this.pipeline);
    }
    if (credentials && stage) {
      // A job that holds the stage's role comes after the stage's approvals, as its deployments do.
      const before = this.ancestors(node);
      const skipped = this.gatingApprovals(this.deployNodesOf(stage)).find((approval) => !before.has(approval));
      if (skipped) {
        fail(`step ${show(step.id)} has awsCredentials but does not wait for the approval ${show(skipped.uniqueId)} of stage ${show(stage.stageName)}: ` +
          `it would hold the stage's role before the approval; make it wait (step.addStepDependency(approval)) or move it after the approval, got: ${show(step.id)}`,
        this.pipeline);
      }
    }
    const job = this.add(node, {
      name: node.uniqueId,
      deployOnly: true,
      role: credentials ? settings?.role ?? this.input.role : undefined,
      roleStage: stage,
      environment,
      variables: this.stepVariables(shell),
      script: this.stepScript(shell),
      artifacts: shell.outputs.length > 0 ? { paths: outputDirectories(shell) } : undefined,
      settings: this.settings(settings, shell),
    });
    this.jobOfStep.set(step, job);
  }

  /**
   * The asset jobs of a stage, one per asset node its jobs wait for, added before the first of them: with the
   * stage's role, in its environment and GitLab stage, after the approvals before all its deployments, so that
   * production's credentials are never handed out before production's gate.
   */
  private addStageAssetJobs(stage: pipelines.StageDeployment, firstUser: AGraphNode): void {
    if (this.stagesWithAssetJobs.has(stage)) return;
    this.stagesWithAssetJobs.add(stage);
    const manifestPath = (asset: pipelines.StackAsset) => posix.join(this.cdkOut, relative(this.input.assemblyDir, asset.assetManifestPath).split(sep).join('/'));
    const deployNodes = this.deployNodesOf(stage);
    const assetNodes = [...new Set([firstUser, ...deployNodes].flatMap((node) => this.leafDependencies(node).filter((dep) => dep.data?.type === 'publish-assets')))];
    const approvals = assetNodes.length > 0 ? this.approvalsBefore(deployNodes) : [];
    for (const node of assetNodes) {
      // The graph lists an asset and destination once for the whole pipeline: this stage's stacks name their own.
      const selectors = new Set(node.data?.type === 'publish-assets' ? node.data.assets.map((asset) => asset.assetSelector) : []);
      const stageAssets = stage.stacks.flatMap((stack) => stack.assets).filter((asset) => selectors.has(asset.assetSelector));
      const assets = uniqueBy(stageAssets, (asset) => asset.assetSelector);
      const name = `${node.uniqueId}-${stage.stageName}`;
      const images = assets.some((asset) => asset.assetType === pipelines.AssetType.DOCKER_IMAGE);
      const publish = this.publishScript(name, assets.map((asset) => [manifestPath(asset), asset.assetSelector]));
      this.add(node, {
        name,
        gitLabStage: firstUser.rootPath()[1].id,
        waitsAlsoFor: images ? [...approvals, this.addImageBuildJob().name] : approvals,
        deployOnly: true,
        role: this.input.stageSettings.get(stage)?.role ?? this.input.role,
        roleStage: stage,
        environment: this.environment(stage, 'prepare'),
        publishes: { stage, selectors: assets.map((asset) => asset.assetSelector) },
        variables: {},
        toolsBeforeExchange: images ? DOCKER_JOB_TOOLS : undefined,
        cleanup: images ? DOCKER_CONFIG_CLEANUP : undefined,
        // The images built once: cdk-assets finds them loaded, and tags and pushes them without building. Docker keeps the
        // registry login cdk-assets makes in the job's own configuration folder.
        script: [images ? withJobDockerConfig(`docker load -i ${IMAGE_ARCHIVE} || exit 1; ${publish}`) : publish],
        settings: images ? this.dockerSettings(this.input.stageSettings.get(stage)) : this.settings(this.input.stageSettings.get(stage), undefined),
        artifactsFromSynth: true,
        artifactsAlsoFrom: images ? [IMAGE_BUILD_JOB] : [],
      });
    }
  }

  /**
   * The job that builds every Docker image asset of the pipeline once, without credentials, beside the synth job, for
   * the deploy branch's pipelines: its build script (in the cloud assembly, with the assets' hashes) builds each image
   * as cdk-assets would, after the registry logins, and saves them for the asset jobs.
   */
  private addImageBuildJob(): Job {
    if (this.imageBuildJob) return this.imageBuildJob;
    const synth = this.synthJob!;
    const images = new Map<string, ImageAsset>();
    for (const stack of this.pipeline.waves.flatMap((wave) => wave.stages).flatMap((stage) => stage.stacks)) {
      for (const asset of stack.assets) {
        if (asset.assetType === pipelines.AssetType.DOCKER_IMAGE && !images.has(asset.assetId)) {
          images.set(asset.assetId, { assetId: asset.assetId, manifestPath: asset.assetManifestPath });
        }
      }
    }
    this.imageBuildScript = imageBuildScript([...images.values()], this.input.assemblyDir, this.cdkOut, this.pipeline);
    const logins = this.input.dockerLogins.map((login) => login._command());
    const job = this.job({
      name: IMAGE_BUILD_JOB,
      stage: synth.stage,
      after: [synth.name],
      artifactsFrom: [synth.name],
      deployOnly: false,
      buildsForDeploy: true,
      triggers: this.allTriggers(),
      variables: {},
      // The registry logins stay in the job's own configuration folder.
      script: [withJobDockerConfig(`${logins.map((login) => `${login} || exit 1; `).join('')}sh ${shellQuote(posix.join(this.cdkOut, IMAGE_BUILD_SCRIPT))}`)],
      cleanup: DOCKER_CONFIG_CLEANUP,
      // The images may hold layers of private base images: only the project's Developers and above may download them.
      artifacts: { paths: [IMAGE_ARCHIVE], access: 'developer' },
      settings: this.dockerSettings(undefined),
    });
    this.jobs.push(job);
    this.imageBuildJob = job;
    return job;
  }

  /**
   * The command of an asset job: publish each asset the asset list names for the job. The assets' hashes live in
   * the list, which the synth job writes into the cloud assembly, not in the pipeline file: changing an asset's
   * contents changes the list, never the committed file. The list is data, read with `read -r` and quoted; the job
   * fails unless it published exactly the assets it has at synth.
   */
  private publishScript(job: string, assets: readonly (readonly [string, string])[]): string {
    for (const [manifest, selector] of assets) {
      for (const value of [manifest, selector]) {
        if (/[\t\r\n]/.test(value)) fail(`an asset's manifest path and ID must not contain tabs or line breaks (the asset list is one asset a line), got: ${show(value)}`, this.pipeline);
      }
      this.assetList.push([job, manifest, selector]);
    }
    const publish = `npx --yes --package=cdk-assets@${this.input.cdkAssetsVersion} -- cdk-assets`;
    const list = posix.join(this.cdkOut, ASSET_LIST);
    return `_n=0; while IFS="$(printf '\\t')" read -r _job _manifest _asset <&3; do [ "$_job" = ${shellQuote(job)} ] || continue; ` +
      `${publish} --path "$_manifest" --verbose publish "$_asset" || exit 1; _n=$((_n + 1)); done 3< ${shellQuote(list)}; ` +
      `[ "$_n" -eq ${assets.length} ] || { printf '%s\\n' "the asset list ${list} names $_n assets for this job, ` +
      `not ${assets.length}: it is not from this pipeline's synth" >&2; exit 1; }`;
  }

  /**
   * A `cdk diff` job per stage in merge request pipelines, with the synth role (read-only: it may assume the
   * bootstrap lookup roles, never a deploy role, and it already trusts every branch and merge request). The diff
   * goes to the log and to an artifact the merge request shows; with failOnSecurityChanges, a second diff of the
   * security changes alone fails the job when IAM statements or security group rules broaden access (the stand-in
   * for ConfirmPermissionsBroadening). `--no-change-set`: a change set needs the deploy role.
   */
  private addDiffJobs(): void {
    const synth = this.synthJob!;
    if (!this.input.synthRole) {
      fail('mergeRequestDiffs needs a synthRole: the diff jobs run for every merge request, so they need the read-only role the synth job ' +
        'would use (allowCdkDeployments({ lookupOnly: true }) for each stage\'s account), never a deploy role, got: synthRole undefined', this.pipeline);
    }
    const diff = `${this.cdkCli()} diff --app ${shellQuote(this.cdkOut)} --exclusively --no-change-set`;
    for (const stage of this.pipeline.waves.flatMap((wave) => wave.stages)) {
      const deployNodes = this.deployNodesOf(stage);
      if (deployNodes.length === 0) continue;
      const stacks = stage.stacks.map((stack) => shellQuote(stack.constructPath)).join(' ');
      // GitLab accepts expose_as of word characters, "-" and spaces, at most 100 of them; the file name follows it.
      const label = stage.stageName.replace(/[^\w -]/g, '_').slice(0, 90);
      const report = `cdk-diff-${label.replace(/ /g, '_')}.txt`;
      const job = this.job({
        name: `Diff-${stage.stageName}`,
        stage: deployNodes[0].rootPath()[1].id,
        after: [synth.name, CHECK_JOB],
        artifactsFrom: [CHECK_JOB],
        deployOnly: false,
        mergeRequestOnly: true,
        extends: this.hiddenJob(this.input.synthRole, 'synth'),
        variables: {},
        script: [
          `${diff} ${stacks} 2>&1 | tee ${shellQuote(report)}`,
          ...(this.input.failOnSecurityChanges ? [`${diff} --security-only --fail ${stacks} || { printf '%s\\n' ${shellQuote(
            `cdk-gitlab-oidc: stage ${stage.stageName} broadens IAM permissions or security group rules (above): review them; the merge request ` +
            'pipeline fails until they are accepted (failOnSecurityChanges)')} >&2; exit 1; }`] : []),
        ],
        artifacts: { when: 'always', expose_as: `cdk diff ${label}`, paths: [report] },
        // The pipeline's settings, not the stage's: a production stage's runner tags must not take merge request code.
        settings: this.settings(undefined, undefined),
      });
      this.jobs.push(job);
      this.roleUses.push({ role: this.input.synthRole, job: job.name, synth: true, refs: [] });
    }
  }

  /**
   * Merge request pipelines; branch pipelines for the deploy branch always (a merge request *from* it, which any
   * Developer can open, must not stop deployments) and for other branches without an open merge request (one
   * pipeline per push, not two); tag pipelines. GitLab's documented switch between branch and merge request
   * pipelines, with the deploy branch first.
   */
  private workflowRules(): CiRule[] {
    return [
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
      { if: this.deployBranchRule() },
      { if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' },
      { if: '$CI_COMMIT_BRANCH' },
      { if: '$CI_COMMIT_TAG' },
    ];
  }

  /** The CDK CLI at the pinned version, as the jobs run it. */
  private cdkCli(): string {
    return `npx --yes --package=aws-cdk@${this.input.cdkCliVersion} -- cdk`;
  }

  /** The pipelines that deploy a stage: its triggers, each once. */
  private triggersOf(stage: pipelines.StageDeployment): GitLabStageTrigger[] {
    const triggers = this.input.stageSettings.get(stage)?.triggers ?? [GitLabStageTrigger.DEPLOY_BRANCH];
    if (triggers.length === 0) fail(`stage ${show(stage.stageName)} triggers must name at least one trigger, got: []`, this.pipeline);
    return uniqueBy(triggers, (trigger) => trigger._key);
  }

  /** The pipelines a wave's (or the pipeline's) own step runs in: those of any stage in its wave. */
  private waveTriggers(node: AGraphNode): GitLabStageTrigger[] {
    const top = node.rootPath()[1].id;
    const wave = this.pipeline.waves.find((w) => (w.stages.length === 1 ? w.stages[0].stageName : w.id) === top);
    return wave ? uniqueBy(wave.stages.flatMap((stage) => this.triggersOf(stage)), (trigger) => trigger._key) : this.allTriggers();
  }

  /** The pipelines any stage deploys in. */
  private allTriggers(): GitLabStageTrigger[] {
    return uniqueBy(this.pipeline.waves.flatMap((wave) => wave.stages).flatMap((stage) => this.triggersOf(stage)), (trigger) => trigger._key);
  }

  /**
   * The kinds of pipeline the deploy jobs run in, and which jobs each holds: a push to the deploy branch, its schedule
   * and its run by hand where a stage names those, and a tag pipeline for each tag trigger's example (which every tag
   * pattern that matches it joins). Jobs without rules run in every kind.
   */
  private pipelineKinds(): { kinds: string[]; presentIn: Map<string, Set<string>> } {
    const triggers = uniqueBy(this.jobs.flatMap((job) => job.triggers ?? []), (trigger) => trigger._key);
    const branch = (source: GitLabStageTrigger) => (t: GitLabStageTrigger) => t === GitLabStageTrigger.DEPLOY_BRANCH || t === source;
    const kinds = new Map<string, (trigger: GitLabStageTrigger) => boolean>([['push', branch(GitLabStageTrigger.DEPLOY_BRANCH)]]);
    if (triggers.includes(GitLabStageTrigger.SCHEDULE)) kinds.set('schedule', branch(GitLabStageTrigger.SCHEDULE));
    if (triggers.includes(GitLabStageTrigger.MANUAL_RUN)) kinds.set('web', branch(GitLabStageTrigger.MANUAL_RUN));
    for (const trigger of triggers) {
      const example = trigger._tag?.example;
      if (example !== undefined) kinds.set(`tag ${example}`, (t) => t._tag?.regex.test(example) ?? false);
    }
    const presentIn = new Map<string, Set<string>>();
    for (const job of this.jobs) {
      if (!job.triggers) continue;
      presentIn.set(job.name, new Set([...kinds].filter(([, admits]) => job.triggers!.some(admits)).map(([kind]) => kind)));
    }
    return { kinds: [...kinds.keys()], presentIn };
  }

  /**
   * A job that reads another's artifacts (a stack output, a step's files) needs it in every pipeline it runs in: GitLab
   * refuses to create a pipeline where a non-optional need is missing (a tag-deployed stage's step reading an output of
   * a stage that only the deploy branch deploys).
   */
  private refuseMissingProducers(kinds: readonly string[], presentIn: ReadonlyMap<string, ReadonlySet<string>>): void {
    const present = (job: string, kind: string) => presentIn.get(job)?.has(kind) ?? true;
    for (const job of this.jobs) {
      for (const producer of job.artifactsFrom) {
        const lacking = kinds.find((kind) => present(job.name, kind) && !present(producer, kind));
        if (lacking) {
          fail(`job ${show(job.name)} reads the artifacts of job ${show(producer)} (a stack output or a step's files), which does not run in every ` +
            `pipeline ${show(job.name)} runs in: GitLab would refuse to create the ${lacking} pipeline; give both stages the triggers the reader has, ` +
            `got: ${show(producer)}`, this.pipeline);
        }
      }
    }
  }

  /**
   * A job with an optional need waits for what is left of its needs in a pipeline that lacks some: the kinds of pipeline
   * are modelled from the tag triggers' examples, and a real tag may match a set of patterns no example does, where every
   * optional need is absent. Its own need of the check keeps it behind the pipeline file's check there too.
   */
  private keepCheckNeeded(needs: Map<string, Need[]>): void {
    for (const job of this.jobs) {
      const list = needs.get(job.name)!;
      const optional = list.some((need) => need.optional);
      if (job.triggers && optional && !list.some((need) => need.job === CHECK_JOB)) list.push({ job: CHECK_JOB, optional: false });
    }
  }

  /**
   * A cache restored into a job that holds a role: GitLab keeps protected refs' caches apart from others', but any
   * protected ref's pipeline (a release branch Developers may push to, a protected tag) can write any key, the
   * environment's included, and a package or tool restored from it runs with the role's credentials.
   */
  private warnCachesInRoleJobs(): void {
    const jobs = this.jobs.filter((job) => job.extends && job.settings.cache).map((job) => job.name);
    if (jobs.length === 0) return;
    Annotations.of(this.pipeline).addWarningV2('cdk-gitlab-oidc:cacheInRoleJob', `jobs ${jobs.slice(0, 3).map((j) => show(j)).join(', ')}` +
      `${jobs.length > 3 ? ', ...' : ''} hold a role and restore a cache (jobSettings.cache): any protected ref's pipeline can write that cache, ` +
      'so cache nothing these jobs run (packages, tools), or give the jobs no cache.');
  }

  /** The pipelines that deploy: the deploy branch's. */
  private deployBranchRule(): string {
    return this.input.deployBranch === undefined ? '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' : `$CI_COMMIT_BRANCH == "${this.input.deployBranch}"`;
  }

  /** A fork's pipelines run the same file: with projectPath, a rule holds for the project's own pipelines only. */
  private ownProjectOnly(rule: string): string {
    return this.input.projectPath === undefined ? rule : `${rule} && $CI_PROJECT_PATH == "${this.input.projectPath}"`;
  }

  /** The graph's deployment nodes of a stage's stacks. */
  private deployNodesOf(stage: pipelines.StageDeployment): AGraphNode[] {
    return this.input.graph.graph.allLeaves().nodes.filter((node) => node.data?.type === 'execute' && this.stageOfStack.get(node.data.stack) === stage);
  }

  /** The jobs of the manual approvals that every one of the deployments waits for. */
  private approvalsBefore(deployNodes: readonly AGraphNode[]): string[] {
    return this.gatingApprovals(deployNodes).flatMap((approval) => (this.jobsOfNode.get(approval) ?? []).map((job) => job.name));
  }

  /** The manual approvals that every one of the deployments waits for: the stage's gates. */
  private gatingApprovals(deployNodes: readonly AGraphNode[]): AGraphNode[] {
    const approvalsOf = (node: AGraphNode) => [...this.ancestors(node)].filter((n) => n.data?.type === 'step' && n.data.step instanceof pipelines.ManualApprovalStep);
    const [first, ...rest] = deployNodes.map(approvalsOf);
    return (first ?? []).filter((approval) => rest.every((list) => list.includes(approval)));
  }

  /** Every leaf the node waits for, directly or not. */
  private ancestors(node: AGraphNode): Set<AGraphNode> {
    const found = new Set<AGraphNode>();
    const visit = (n: AGraphNode) => this.leafDependencies(n).forEach((dep) => {
      if (found.has(dep)) return;
      found.add(dep);
      visit(dep);
    });
    visit(node);
    return found;
  }

  private addDeployJob(node: AGraphNode, stack: pipelines.StackDeployment, captureOutputs: boolean): void {
    const stage = this.stageOfStack.get(stack)!;
    const settings = this.input.stageSettings.get(stage);
    if (/[*?[\]{}!]/.test(stack.constructPath)) {
      fail(`GitLabCiPipeline selects each stack for \`cdk deploy\` by its path, a pattern: the path must not contain * ? [ ] { } or !, got: ${show(stack.constructPath)}`,
        this.pipeline);
    }
    const outputs = this.input.graph.queries.stackOutputsReferenced(stack);
    if (outputs.length > MAX_DOTENV_VARIABLES) {
      fail(`GitLab passes at most ${MAX_DOTENV_VARIABLES} variables from a job to the jobs after it (a dotenv report): stack ${show(stack.stackName)} ` +
        `has too many outputs that steps read, got: ${outputs.length}`, this.pipeline);
    }
    const outputsFile = `cdk-outputs-${stack.stackArtifactId}.json`;
    const dotenv = `cdk-outputs-${stack.stackArtifactId}.env`;
    const deploy = `${this.cdkCli()} deploy --app ${shellQuote(this.cdkOut)} --exclusively --require-approval never --progress events`;
    const script = captureOutputs
      ? [
        `${deploy} --outputs-file ${shellQuote(outputsFile)} ${shellQuote(stack.constructPath)}`,
        `node -e ${shellQuote(OUTPUTS_TO_DOTENV)} ${shellQuote(outputsFile)} ${shellQuote(stack.stackName)} ` +
          `${outputs.map((output) => shellQuote(`${output}=${outputVariable(stack, output)}`)).join(' ')} > ${shellQuote(dotenv)}`,
      ]
      : [`${deploy} ${shellQuote(stack.constructPath)}`];
    const environmentName = this.environmentName(stage);
    const job = this.add(node, {
      name: node.uniqueId,
      deployOnly: true,
      role: settings?.role ?? this.input.role,
      roleStage: stage,
      environment: this.environment(stage, 'start'),
      // One deployment of a stack at a time, across pipelines; the stage's other stacks still deploy in parallel.
      resourceGroup: `${environmentName}/${node.parentGraph!.id}`,
      variables: {},
      script,
      artifacts: captureOutputs ? { reports: { dotenv } } : undefined,
      settings: this.settings(settings, undefined),
      artifactsAlsoFrom: [CHECK_JOB],
    });
    this.deployJobOfStack.set(stack, job);
  }

  /**
   * Adds a job for `node`: its stage, what it waits for (from the graph) and the hidden job of the role it
   * assumes, if any (`roleStage` names a stage role's hidden job).
   */
  private add(node: AGraphNode, options: Omit<JobSpec, 'stage' | 'after' | 'artifactsFrom' | 'extends'> & {
    readonly role?: GitLabPipelineRole;
    /** The stage the job assumes the role for. */
    readonly roleStage?: pipelines.StageDeployment;
    /** Whether it is the synth job. */
    readonly synth?: boolean;
    readonly artifactsFromSynth?: boolean;
    /** Other jobs whose artifacts it downloads. */
    readonly artifactsAlsoFrom?: readonly string[];
    /** The GitLab stage, where it is not the node's top-level group. */
    readonly gitLabStage?: string;
    /** Jobs it waits for besides the node's dependencies. */
    readonly waitsAlsoFor?: readonly string[];
  }): Job {
    const { role, roleStage, synth: isSynth, artifactsFromSynth, artifactsAlsoFrom, gitLabStage, waitsAlsoFor, ...spec } = options;
    // A stack's deployment waits for the asset jobs that publish its assets, not for those of other stages' roles.
    const stack = node.data?.type === 'execute' ? node.data.stack : undefined;
    const stage = stack ? this.stageOfStack.get(stack) : this.stageOf(node);
    const waitsFor = ({ publishes }: Job) => !publishes
      || (publishes.stage === stage && (!stack || stack.assets.some((asset) => publishes.selectors.includes(asset.assetSelector))));
    const after = this.leafDependencies(node).flatMap((dep) => (this.jobsOfNode.get(dep) ?? []).filter(waitsFor).map((job) => job.name));
    after.push(...waitsAlsoFor ?? []);
    const synth = this.synthJob;
    const artifactsFrom = [...artifactsFromSynth ? [synth!.name] : [], ...artifactsAlsoFrom ?? []];
    // Nothing that touches AWS starts before the pipeline file is checked.
    if (synth && after.includes(synth.name)) after.push(CHECK_JOB);
    const step = node.data?.type === 'step' ? node.data.step : undefined;
    if (step instanceof pipelines.ShellStep) this.addStepInputs(step, artifactsFrom, after);
    // The pipelines the job runs in: those of the stage it works for (an asset job's is the stage it publishes for, not
    // the Assets group its graph node is in), else those of its wave's stages.
    const ownStage = roleStage ?? spec.publishes?.stage ?? stage;
    const triggers = spec.deployOnly ? (ownStage ? this.triggersOf(ownStage) : this.waveTriggers(node)) : undefined;
    const job = this.job({
      ...spec, stage: gitLabStage ?? node.rootPath()[1].id, after, artifactsFrom, triggers, extends: role && this.hiddenJob(role, isSynth ? 'synth' : roleStage?.stageName),
    });
    if (role) {
      const tier = roleStage && this.input.stageSettings.get(roleStage)?.environment?.deploymentTier?.value;
      const environment = roleStage && this.environmentName(roleStage);
      // The refs the job runs for: the deploy branch, or each tag trigger's example.
      const refs = uniqueBy((triggers ?? []).map((trigger): JobRef => trigger._tag
        ? { refType: 'tag', ref: trigger._tag.example } : { refType: 'branch', ref: this.input.deployBranch }), (ref) => `${ref.refType} ${ref.ref}`);
      this.roleUses.push({ role, job: job.name, stage: roleStage?.stageName, synth: isSynth ?? false, deploymentTier: tier, environment, refs });
    }
    this.jobs.push(job);
    this.jobsOfNode.set(node, [...this.jobsOfNode.get(node) ?? [], job]);
    return job;
  }

  private job(spec: JobSpec): Job {
    validateJobName(spec.name, this.pipeline);
    if (this.jobs.some((job) => job.name === spec.name)) fail(`GitLabCiPipeline would write two jobs named ${show(spec.name)}: rename a step or stage`, this.pipeline);
    return { ...spec, after: new Set(spec.after), artifactsFrom: new Set(spec.artifactsFrom) };
  }

  /** The jobs whose files or outputs a shell step reads: the producers of its inputs and of its stack outputs. */
  private addStepInputs(step: pipelines.ShellStep, artifactsFrom: string[], after: string[]): void {
    for (const input of step.inputs) {
      const producer = this.jobOfStep.get(input.fileSet.producer);
      if (!producer) fail(`GitLabCiPipeline found no job that produces the input ${show(input.directory)} of step ${show(step.id)}`, this.pipeline);
      artifactsFrom.push(producer.name);
      if (!after.includes(producer.name)) after.push(producer.name);
    }
    for (const reference of Object.values(step.envFromCfnOutputs)) {
      const producer = this.deployJobOfStack.get(this.input.graph.queries.producingStack(reference))!;
      artifactsFrom.push(producer.name);
    }
  }

  /** A shell step's commands, after the lines that put its inputs and stack outputs where it expects them. */
  private stepScript(step: pipelines.ShellStep): string[] {
    const lines: string[] = [];
    for (const input of step.inputs) {
      // GitLab restores artifacts where they were made: copy them where the step expects them, if elsewhere.
      const from = outputDirectory(input.fileSet.producer, input.fileSet);
      const to = posix.normalize(input.directory);
      if (from !== undefined && from !== to) lines.push(`mkdir -p ${shellQuote(to)} && cp -R ${shellQuote(from)}/. ${shellQuote(to)}/`);
    }
    for (const [name, reference] of Object.entries(step.envFromCfnOutputs)) {
      validateVariable(name, '', `ShellStep ${show(step.id)} envFromCfnOutputs`, this.pipeline);
      const stack = this.input.graph.queries.producingStack(reference);
      // CloudFormation's output names are alphanumeric; the name is written into the step's script.
      if (!/^[A-Za-z0-9]{1,255}$/.test(reference.outputName)) {
        fail(`a stack output that a step reads must have an alphanumeric name (CloudFormation's rule), got: ${show(reference.outputName)}`, this.pipeline);
      }
      const variable = outputVariable(stack, reference.outputName);
      // The value as the stack output holds it, decoded from the dotenv report's base64 (OUTPUTS_TO_DOTENV); the
      // "x" keeps trailing line breaks, which a command substitution drops, and a failed decode stops the job. The
      // presence check stands alone: inside the command substitution, left of a pipe, it would end only a subshell.
      lines.push(`: "\${${variable}?the job that deploys ${stack.stackName} left no ${reference.outputName}}"; ` +
        `${name}="$(printf '%s' "$${variable}" | base64 -d && printf x)"; export ${name}="\${${name}%x}"`);
    }
    validateLiteralList(step.installCommands, `ShellStep ${show(step.id)} installCommands`, this.pipeline);
    validateLiteralList(step.commands, `ShellStep ${show(step.id)} commands`, this.pipeline);
    const commands = [...step.installCommands, ...step.commands];
    if (lines.length + commands.length === 0) fail(`ShellStep ${show(step.id)} has no commands: a GitLab job needs at least one, got: []`, this.pipeline);
    return [...lines, ...commands];
  }

  private stepVariables(step: pipelines.ShellStep): { [name: string]: string } {
    for (const [name, value] of Object.entries(step.env)) validateVariable(name, value, `ShellStep ${show(step.id)} env`, this.pipeline);
    return { ...step.env };
  }

  /** The stage a node deploys or runs for: the stage whose stacks are in the node's nearest enclosing group. */
  private stageOf(node: AGraphNode): pipelines.StageDeployment | undefined {
    for (let group = node.parentGraph; group; group = group.parentGraph) {
      if (group.data?.type === 'stack-group') return this.stageOfStack.get(group.data.stack);
      for (const child of group.nodes) {
        if (child.data?.type === 'stack-group') return this.stageOfStack.get(child.data.stack);
      }
    }
    return undefined;
  }

  /** The graph's leaves a node waits for: its dependencies and its groups', each group as its leaves. */
  private leafDependencies(node: AGraphNode): AGraphNode[] {
    return node.allDeps.flatMap((dep) => isGraph(dep) ? dep.allLeaves().nodes : [dep]);
  }

  private environmentName(stage: pipelines.StageDeployment): string {
    return this.input.stageSettings.get(stage)?.environment?.name ?? stage.stageName;
  }

  private environment(stage: pipelines.StageDeployment, action: string): YamlMap {
    const environment = this.input.stageSettings.get(stage)?.environment;
    return { name: this.environmentName(stage), action, url: environment?.url, deployment_tier: environment?.deploymentTier?.value };
  }

  /** The pipeline's settings, under the stage's, under the step's. */
  private settings(stage: GitLabStageSettings | undefined, step: pipelines.Step | undefined): GitLabJobSettings {
    const stepSettings = step instanceof GitLabShellStep ? step.jobSettings ?? {} : {};
    validateJobSettings(stepSettings, this.pipeline);
    return mergedSettings([this.input.jobSettings, stage?.jobSettings ?? {}, stepSettings]);
  }

  /**
   * The settings of a job that builds or publishes Docker image assets: the pipeline's, the stage's, then the Docker
   * defaults (an image with Docker, a Docker-in-Docker service), then dockerAssetJobSettings.
   */
  private dockerSettings(stage: GitLabStageSettings | undefined): GitLabJobSettings {
    return mergedSettings([this.input.jobSettings, stage?.jobSettings ?? {}, DOCKER_JOB_DEFAULTS, this.input.dockerAssetJobSettings]);
  }

  /** The hidden job of a role, named after the first stage (or `synth`) that uses it, or `.aws-oidc` for the pipeline's role. */
  private hiddenJob(role: GitLabPipelineRole, use: string | undefined): string {
    let name = this.hiddenJobs.get(role);
    if (!name) {
      name = role === this.input.role || use === undefined ? DEFAULT_JOB_NAME : `${DEFAULT_JOB_NAME}-${use}`;
      // Two roles must never share a hidden job (a stage named "synth" beside the synth role), nor one take the
      // exchange's (a stage named "exchange"): YAML keeps the last key.
      const taken = new Set([EXCHANGE_JOB_NAME, ...this.hiddenJobs.values()]);
      for (let n = 2; taken.has(name); n++) name = `.aws-oidc-${use}-${n}`;
      this.hiddenJobs.set(role, name);
    }
    return name;
  }

  private ciJob(job: Job, predecessors: readonly Need[]): CiJob {
    const optional = new Set(predecessors.filter((need) => need.optional).map((need) => need.job));
    const needs = [...new Set([...predecessors.map((need) => need.job), ...job.artifactsFrom])];
    if (needs.length > MAX_NEEDS) {
      fail(`GitLab lets a job wait for at most ${MAX_NEEDS} jobs (needs:): job ${show(job.name)} would wait for ${needs.length}; ` +
        'split the stage or wave before it into smaller ones', this.pipeline);
    }
    // A fork's pipelines run the same file: only the project's own deploy (its tokens would be refused anyway).
    const rules = (job.triggers ?? []).map((trigger) => ({ if: this.ownProjectOnly(trigger._condition(this.deployBranchRule())), when: job.manual ? 'manual' : undefined }));
    const { settings } = job;
    const variables = { ...settings.variables, ...job.variables };
    return {
      stage: job.stage,
      extends: job.extends,
      image: settings.image,
      tags: settings.tags,
      needs: needs.map((name) => ({ job: name, artifacts: job.artifactsFrom.has(name), optional: optional.has(name) || undefined })),
      // A deploy freeze (the project's freeze periods set CI_DEPLOY_FREEZE) holds every job that deploys or publishes.
      rules: job.deployOnly || job.buildsForDeploy ? [{ if: '$CI_DEPLOY_FREEZE', when: 'never' }, ...rules]
        : job.mergeRequestOnly ? [{ if: this.ownProjectOnly('$CI_PIPELINE_SOURCE == "merge_request_event"') }] : undefined,
      // A manual job that must run before the jobs after it: a blocking approval.
      allow_failure: job.manual ? false : undefined,
      environment: job.environment,
      resource_group: job.resourceGroup,
      variables: Object.keys(variables).length > 0 ? variables : undefined,
      before_script: job.toolsBeforeExchange && job.extends ? [job.toolsBeforeExchange, new YamlReference([job.extends, 'before_script'])] : undefined,
      script: job.deployOnly ? [FREEZE_CHECK, ...job.script] : job.script,
      after_script: job.cleanup ? [job.cleanup, ...job.extends ? [new YamlReference([job.extends, 'after_script'])] : []] : undefined,
      artifacts: job.artifacts && { ...job.artifacts, expire_in: this.input.artifactsExpireIn },
      // A newer pipeline may cancel the jobs that build, never one that deploys, publishes, approves or runs a step.
      interruptible: !job.deployOnly,
      cache: settings.cache
        ? { key: cacheKey(settings.cache.key, job.environment?.name), paths: settings.cache.paths, policy: settings.cache.policy }
        : undefined,
      raw: settings.rawKeys,
    };
  }
}

type JobSpec = Omit<Job, 'after' | 'artifactsFrom'> & { readonly after: string[]; readonly artifactsFrom: string[] };

/** Layers of settings, the later winning: `image`, `tags` and `cache` whole, `variables` and `rawKeys` key by key. */
function mergedSettings(layers: readonly GitLabJobSettings[]): GitLabJobSettings {
  const last = <K extends keyof GitLabJobSettings>(key: K) => layers.map((layer) => layer[key]).filter((v) => v !== undefined).pop();
  return {
    image: last('image'),
    tags: last('tags'),
    cache: last('cache'),
    variables: Object.assign({}, ...layers.map((layer) => layer.variables)),
    rawKeys: Object.assign({}, ...layers.map((layer) => layer.rawKeys)),
  };
}

/** Where a step leaves a file set, relative to the repository's root, if it is a step that leaves files. */
function outputDirectory(step: pipelines.Step, fileSet: pipelines.FileSet): string | undefined {
  const location = step instanceof pipelines.ShellStep ? step.outputs.find((output) => output.fileSet === fileSet) : undefined;
  return location && posix.normalize(location.directory);
}

/**
 * A job's cache key: a stage's jobs get a cache of their environment's own, so a job of one stage (code a test
 * pulls in) cannot plant files that a job holding another stage's role restores and runs.
 */
function cacheKey(key: string | undefined, environment: YamlMap[string]): string | undefined {
  if (typeof environment !== 'string') return key;
  // GitLab's cache keys hold no "/" (nor its escape); environment names may.
  return `${key ?? 'default'}-${environment.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The items with distinct keys, the first of each. */
function uniqueBy<T>(items: readonly T[], key: (item: T) => string): T[] {
  const seen = new Set<string>();
  return items.filter((item) => !seen.has(key(item)) && seen.add(key(item)));
}

/** Whether `path` is `directory` or inside it (both relative to the repository's root). */
function isInside(path: string, directory: string): boolean {
  const dir = posix.normalize(directory).replace(/\/+$/, '') || '.';
  return dir === '.' || path === dir || path.startsWith(`${dir}/`);
}

/** The folders a shell step's job keeps as artifacts. */
function outputDirectories(step: pipelines.ShellStep): string[] {
  return step.outputs.map((output) => posix.normalize(output.directory));
}

/** The dotenv variable that carries a stack output to the steps that read it. */
function outputVariable(stack: pipelines.StackDeployment, outputName: string): string {
  return `CDK_OUTPUT_${stack.stackArtifactId}_${outputName}`.replace(/[^A-Za-z0-9_]/g, '_');
}

// Writes the stack outputs that steps read from `cdk deploy --outputs-file` as a dotenv report:
// arguments are the outputs file, the stack's name, then OutputKey=VARIABLE pairs. Each value is written in
// base64: GitLab expands "$" in dotenv variables in the jobs that read them ("p$a" arrives as "p", and
// "$CI_JOB_TOKEN" is filled in), and a report holds one line per variable; base64 has neither "$" nor a line
// break, and the reading job decodes it (stepScript). No backtick and no "$" in this program: some tools echo a
// command inside double quotes before they run it.
const OUTPUTS_TO_DOTENV = [
  'const [file, stack, ...pairs] = process.argv.slice(1);',
  'const outputs = JSON.parse(require("fs").readFileSync(file, "utf8"))[stack] || {};',
  'const lines = [];',
  'for (const pair of pairs) {',
  ' const [key, name] = pair.split("=");',
  ' const value = outputs[key];',
  ' if (value === undefined) { console.error("cdk-gitlab-oidc: stack " + stack + " has no output " + key); process.exit(1); }',
  ' lines.push(name + "=" + Buffer.from(String(value), "utf8").toString("base64"));',
  '}',
  'const text = lines.map((line) => line + "\\n").join("");',
  `if (Buffer.byteLength(text) > ${MAX_DOTENV_BYTES}) { console.error("cdk-gitlab-oidc: the outputs of stack " + stack + " that steps read take ` +
  `" + Buffer.byteLength(text) + " bytes in base64, over GitLab\\u0027s ${MAX_DOTENV_BYTES}-byte dotenv limit"); process.exit(1); }`,
  'process.stdout.write(text);',
].join(' ');
