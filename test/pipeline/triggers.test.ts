// Triggers per stage: the deploy branch (the default), its schedules, its pipelines run by hand, tags matching a
// pattern. Each is written as the rules of the stage's jobs; jobs wait for those before them that run in the same
// pipeline (needs: optional), never losing the wait for the pipeline file's check; the stage's role is judged against a
// job of each ref it runs for. The tag pipeline runs whole in gitlab-ci-local.
import { CfnOutput, Stack, Stage, aws_ecr_assets as ecrAssets, aws_s3_assets as s3assets, pipelines } from 'aws-cdk-lib';
import {
  BETA_ACCOUNT, CDK_CLI_VERSION, DEPLOY_AUDIENCE, IMAGE, PIPELINE_ACCOUNT, PROD_ACCOUNT, PRODUCTION_AUDIENCE, REGION, SITE, newApp, newPipeline,
  oneStageApp, synthesized,
} from './support/apps';
import { runPipeline, startLoopbackAws } from './support/run-pipeline';
import {
  GitLabCiPipeline, GitLabDeploymentTier, GitLabOidcProvider, GitLabPipelineRole, GitLabRunnerRole, GitLabStageTrigger, GitLabSubject,
  GitLabSubjectBuilder, GitLabTokenClaims, GitLabTrustVerdict,
} from '../../src';
import { gitLabClaims } from '../security/support/issuer';
import { gitLabCiValidator, parseCi, psych } from '../support/gitlab-ci';
import { EMULATOR_PIPELINE_TEST_MS, PROCESS_TEST_MS } from '../support/timeouts';

jest.setTimeout(PROCESS_TEST_MS);

const FREEZE = { if: '$CI_DEPLOY_FREEZE', when: 'never' };
const MAIN = '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH';
const RELEASES = GitLabStageTrigger.tags({ pattern: '^v\\d+\\.\\d+\\.\\d+$', example: 'v1.2.3' });

const rulesOf = (triggers: GitLabStageTrigger[], props = {}) =>
  parseCi(oneStageApp(props, (p, _a, s) => p.addStageWithGitLabOptions(s, { triggers })).yaml)['Beta-Api-Deploy'].rules;

describe('rules', () => {
  test.each<[string, GitLabStageTrigger[], object[]]>([
    ['the deploy branch (the default)', [GitLabStageTrigger.DEPLOY_BRANCH], [{ if: MAIN }]],
    ['its schedules', [GitLabStageTrigger.SCHEDULE], [{ if: `$CI_PIPELINE_SOURCE == "schedule" && ${MAIN}` }]],
    ['its pipelines run by hand', [GitLabStageTrigger.MANUAL_RUN], [{ if: `$CI_PIPELINE_SOURCE == "web" && ${MAIN}` }]],
    ['release tags', [RELEASES], [{ if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/' }]],
    ['tags and schedules, each once', [RELEASES, GitLabStageTrigger.SCHEDULE, RELEASES],
      [{ if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/' }, { if: `$CI_PIPELINE_SOURCE == "schedule" && ${MAIN}` }]],
  ])('%s', (_title, triggers, rules) => {
    expect(rulesOf(triggers)).toEqual([FREEZE, ...rules]);
  });

  test('the deploy branch and the fork guard apply to every trigger but tags\' own', () => {
    expect(rulesOf([GitLabStageTrigger.SCHEDULE, RELEASES], { deployBranch: 'release', projectPath: 'mygroup/myproject' })).toEqual([FREEZE,
      { if: '$CI_PIPELINE_SOURCE == "schedule" && $CI_COMMIT_BRANCH == "release" && $CI_PROJECT_PATH == "mygroup/myproject"' },
      { if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/ && $CI_PROJECT_PATH == "mygroup/myproject"' }]);
  });

  test.each([
    ['^release/v\\d+$', 'release/v2', '/^release\\/v\\d+$/'],
    ['^a\\/b$', 'a/b', '/^a\\/b$/'],
    ['^(a//b|c)$', 'c', '/^(a\\/\\/b|c)$/'],
    ['^(x\\\\/y|c)$', 'c', '/^(x\\\\\\/y|c)$/'],
  ])('a slash in a pattern is escaped where GitLab\'s /.../ would end: %s', (pattern, example, literal) => {
    expect(rulesOf([GitLabStageTrigger.tags({ pattern, example })])[1].if).toBe(`$CI_COMMIT_TAG =~ ${literal}`);
  });

  test.each([
    ['an invalid expression', { pattern: '^v(\\d+$', example: 'v1' }, 'must be a regular expression'],
    ['lookahead, which RE2 lacks', { pattern: '^v(?=\\d)', example: 'v1' }, 'RE2 expression'],
    ['a back-reference', { pattern: '^(v)\\1$', example: 'vv' }, 'RE2 expression'],
    ['an empty pattern', { pattern: '', example: 'v1' }, 'non-empty RE2 expression'],
    ['two lines', { pattern: '^v1$\n^v2$', example: 'v1' }, 'on one line'],
    ['an example the pattern does not match', { pattern: '^v\\d+$', example: 'release-1' }, 'must be a tag the pattern "^v\\\\d+$" matches, got: "release-1"'],
    ['an example that is no tag name', { pattern: '^v', example: 'v1..2' }, 'must be a tag name'],
    ['a deploy-time pattern', { pattern: '${Token[TOKEN.1]}', example: 'v1' }, 'needs a literal pattern and example'],
    // GitLab reads a pipeline without a tag as "": these would run the stage in every pipeline, merge requests included.
    ['a glob written as a regex, which matches the empty string', { pattern: 'v*', example: 'v1' }, 'must not match the empty string'],
    ['a pattern that matches anything', { pattern: '.*', example: 'v1' }, 'must not match the empty string'],
    ['an optional pattern', { pattern: '^(v\\d+)?$', example: 'v1' }, 'must not match the empty string'],
    ['one character, which GitLab\'s rules cannot hold', { pattern: 'v', example: 'v1' }, 'at least two characters'],
  ])('a tag trigger with %s is refused', (_title, options, message) => {
    expect(() => GitLabStageTrigger.tags(options)).toThrow(message);
  });

  test('a stage with no trigger is refused', () => {
    expect(() => rulesOf([])).toThrow('stage "Beta" triggers must name at least one trigger, got: []');
  });
});

/**
 * Beta from the deploy branch; Prod, behind an approval, from release tags (or `prodTriggers`), with a production role
 * that admits protected release tags (or `prodSubject`'s).
 */
function releaseApp(prodTriggers = [RELEASES], prodSubject: (project: GitLabSubjectBuilder) => GitLabSubject = (p) => p.tag('v*')) {
  const { app, root } = newApp();
  const stack = new Stack(app, 'Roles', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
  const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: [DEPLOY_AUDIENCE, PRODUCTION_AUDIENCE] });
  const project = GitLabSubject.project('mygroup/myproject');
  const deploy = new GitLabRunnerRole(stack, 'Deploy', {
    provider, roleName: 'gitlab-deploy', audience: DEPLOY_AUDIENCE, subjects: [project.branch('main')], claimConditions: { refProtected: true },
  });
  deploy.allowCdkDeployments({ accounts: [BETA_ACCOUNT] });
  const production = new GitLabRunnerRole(stack, 'Production', {
    provider, roleName: 'gitlab-production', audience: PRODUCTION_AUDIENCE, subjects: [prodSubject(project)], claimConditions: { refProtected: true },
  });
  production.allowCdkDeployments({ accounts: [PROD_ACCOUNT] });
  const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
    synth: new pipelines.ShellStep('Synth', { commands: ['rm -rf cdk.out', 'cp -R synthesized-assembly cdk.out'] }),
    role: GitLabPipelineRole.fromRole(deploy),
    repositoryRoot: root,
    cdkCliVersion: CDK_CLI_VERSION,
    jobSettings: { tags: ['aws'] },
    // No Docker-in-Docker service in the emulator (this machine has no Docker engine): the stand-in docker plays the daemon.
    dockerAssetJobSettings: { rawKeys: { services: [] } },
  });
  for (const [name, account] of [['Beta', BETA_ACCOUNT], ['Prod', PROD_ACCOUNT]]) {
    const stage = new Stage(app, name, { env: { account, region: REGION } });
    // A file asset and an image: each stage's asset jobs must run where the stage's deployments do, and no other.
    const api = new Stack(stage, 'Api');
    new s3assets.Asset(api, 'Content', { path: SITE });
    new ecrAssets.DockerImageAsset(api, 'Server', { directory: IMAGE });
    if (name === 'Beta') {
      pipeline.addStage(stage, { post: [new pipelines.ShellStep('Smoke', { commands: ['true'] })] });
    } else {
      pipeline.addStageWithGitLabOptions(stage, {
        pre: [new pipelines.ManualApprovalStep('Promote')],
        role: GitLabPipelineRole.fromRole(production),
        environment: { name: 'production', deploymentTier: GitLabDeploymentTier.PRODUCTION },
        triggers: prodTriggers,
      });
    }
  }
  return synthesized(app, pipeline, root);
}

describe('production from release tags, Beta from the deploy branch', () => {
  const built = releaseApp();
  const doc = parseCi(built.yaml);
  const TAG_RULES = [FREEZE, { if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/' }];

  test('production\'s jobs, its approval and asset jobs included, run in tag pipelines; Beta\'s in the deploy branch\'s', () => {
    expect(doc['Prod-Promote'].rules).toEqual([FREEZE, { if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/', when: 'manual' }]);
    for (const job of ['Prod-Api-Deploy', 'Assets-FileAsset1-Prod', 'Assets-DockerAsset1-Prod']) expect([job, doc[job].rules]).toEqual([job, TAG_RULES]);
    for (const job of ['Beta-Api-Deploy', 'Beta-Smoke', 'Assets-FileAsset1-Beta', 'Assets-DockerAsset1-Beta']) {
      expect([job, doc[job].rules]).toEqual([job, [FREEZE, { if: MAIN }]]);
    }
    // The image build, which holds no credentials, runs where any stage deploys.
    expect(doc['Build-DockerImages'].rules).toEqual([FREEZE, { if: MAIN }, { if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/' }]);
    // Production's asset jobs wait for its approval in every pipeline they run in: never optional.
    for (const job of ['Assets-FileAsset1-Prod', 'Assets-DockerAsset1-Prod']) {
      expect(doc[job].needs).toContainEqual({ job: 'Prod-Promote', artifacts: false });
      expect(doc[job].needs.filter((need: any) => need.optional)).toEqual([]);
    }
  });

  test('production never waits for Beta, which no tag pipeline holds; it waits for what Beta\'s jobs waited for, the check above all', () => {
    // Through Beta's absent jobs: the check, and the image build Beta's image job waited for.
    expect(doc['Prod-Promote'].needs).toEqual([{ job: 'Build-CheckPipelineFile', artifacts: false }, { job: 'Build-DockerImages', artifacts: false }]);
    expect(doc['Prod-Api-Deploy'].needs).toEqual([
      { job: 'Assets-FileAsset1-Prod', artifacts: false }, { job: 'Assets-DockerAsset1-Prod', artifacts: false }, { job: 'Build-CheckPipelineFile', artifacts: true },
    ]);
  });

  test('production from tags and schedules: it waits for Beta where Beta runs too (optional), and for the check always', () => {
    const both = parseCi(releaseApp([RELEASES, GitLabStageTrigger.SCHEDULE], (p) => p.anyRef()).yaml);
    // A scheduled pipeline of main holds Beta's jobs and production's; a tag pipeline production's alone.
    expect(both['Prod-Promote'].needs).toEqual([
      { job: 'Beta-Smoke', artifacts: false, optional: true },
      { job: 'Build-CheckPipelineFile', artifacts: false },
      { job: 'Build-DockerImages', artifacts: false },
    ]);
    expect(both['Prod-Promote'].rules).toEqual([FREEZE, { if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/', when: 'manual' },
      { if: `$CI_PIPELINE_SOURCE == "schedule" && ${MAIN}`, when: 'manual' }]);
  });

  test('valid under GitLab\'s schema; Psych reads what the yaml package reads', () => {
    const validate = gitLabCiValidator();
    expect([validate(doc), validate.errors]).toEqual([true, null]);
    expect(psych(built.yaml)).toEqual(doc);
  });

  test('the tag pipeline, run whole: Beta is not in it; production deploys with its role, after its approval', async () => {
    const { issuer, sts } = await startLoopbackAws(built, 'Roles');
    try {
      const now = Math.floor(Date.now() / 1000);
      const claims = { projectPath: 'mygroup/myproject', refType: 'tag' as const, ref: 'v1.2.3', refProtected: true };
      const tokens = {
        Beta: await issuer.sign(gitLabClaims('https://gitlab.com', { ...claims, aud: DEPLOY_AUDIENCE }, now)),
        production: await issuer.sign(gitLabClaims('https://gitlab.com', { ...claims, aud: PRODUCTION_AUDIENCE, deploymentTier: 'production' }, now)),
      };
      const result = await runPipeline({
        yaml: built.yaml,
        assemblyDir: built.assemblyDir,
        environmentTokens: tokens,
        manual: ['Prod-Promote'],
        // A tag pipeline: GitLab sets CI_COMMIT_TAG and no CI_COMMIT_BRANCH.
        variables: { CI_COMMIT_TAG: 'v1.2.3', CI_COMMIT_BRANCH: '' },
        env: { AWS_ENDPOINT_URL_STS: sts.url },
      });
      expect([result.exitCode, result.output]).toEqual([0, expect.stringMatching(/PASS\s+Prod-Api-Deploy/)]);
      const production = `arn:aws:sts::${PIPELINE_ACCOUNT}:assumed-role/gitlab-production`;
      const aws = result.calls.filter((call) => call.tool !== 'docker').map((call) => [call.job, call.tool, call.identity.replace(/\/gitlab-\d+-\d+$/, '')]);
      expect(aws.sort()).toEqual([
        ['Assets-DockerAsset1-Prod', 'cdk-assets', production],
        ['Assets-FileAsset1-Prod', 'cdk-assets', production],
        ['Prod-Api-Deploy', 'cdk', production],
      ]);
      // The image built once, in the job without credentials, and pushed by production's job alone.
      expect(result.calls.filter((call) => call.tool === 'docker' && /^(build|push) /.test(call.target)).map((call) => call.job))
        .toEqual(['Build-DockerImages', 'Assets-DockerAsset1-Prod']);
      expect(result.output).not.toMatch(/Beta-Api-Deploy\s+starting/);
    } finally {
      await sts.close();
      await issuer.close();
    }
  }, EMULATOR_PIPELINE_TEST_MS);
});

test('a Developer\'s unprotected release tag gets nothing from the production role; a protected one opens it', () => {
  const built = releaseApp();
  const production = built.app.node.findAll().find((c) => c instanceof GitLabRunnerRole && c.node.id === 'Production') as GitLabRunnerRole;
  const claims = (refProtected: boolean) => GitLabTokenClaims.fromJson(JSON.stringify(gitLabClaims('https://gitlab.com', {
    projectPath: 'mygroup/myproject', refType: 'tag', ref: 'v1.2.3', refProtected, aud: PRODUCTION_AUDIENCE, deploymentTier: 'production',
  }, Math.floor(Date.now() / 1000))));
  expect(production.explain(claims(false)).verdict).toBe(GitLabTrustVerdict.DENIED);
  expect(production.explain(claims(true)).verdict).toBe(GitLabTrustVerdict.ALLOWED);
});

describe('the stage\'s role is judged against a job of each ref it runs for', () => {
  test('a production role for the main branch only would refuse the tag pipeline\'s jobs: refused at synth, naming the tag', () => {
    expect(() => releaseApp([RELEASES], (p) => p.branch('main')))
      .toThrow(/role "Roles\/Production" would refuse job "Assets-FileAsset1-Prod" \(stage "Prod": tag "v1\.2\.3", audience "gitlab-production", deployment tier "production"\) from a protected ref/);
  });

  test('a stage deployed from tags and the deploy branch needs a role that admits both', () => {
    expect(() => releaseApp([RELEASES, GitLabStageTrigger.DEPLOY_BRANCH], (p) => p.tag('v*'))).toThrow(/\(stage "Prod": the default branch, audience/);
    expect(() => releaseApp([RELEASES, GitLabStageTrigger.SCHEDULE], (p) => p.anyRef())).not.toThrow();
  });
});

describe('tag patterns that overlap in ways no example shows', () => {
  /** Stages A (tags ^a), B (tags ending in b, or starting with x) and Prod (tags ^(a|x|z), after an approval and a step): a tag z1 runs Prod alone. */
  function overlapping() {
    const { app, root } = newApp();
    const pipeline = newPipeline(app, root);
    const tags = (pattern: string, example: string) => [GitLabStageTrigger.tags({ pattern, example })];
    for (const [name, triggers] of [['A', tags('^a', 'a1')], ['B', tags('b$|^x', 'xb')], ['Prod', tags('^(a|x|z)', 'ab')]] as const) {
      const stage = new Stage(app, name, { env: { account: BETA_ACCOUNT, region: REGION } });
      new Stack(stage, 'Api');
      pipeline.addStageWithGitLabOptions(stage, {
        triggers: [...triggers],
        pre: name === 'Prod' ? [new pipelines.ManualApprovalStep('Promote'), new pipelines.ShellStep('Migrate', { commands: ['true'] })] : [],
      });
    }
    return parseCi(synthesized(app, pipeline, root).yaml);
  }

  test('a job whose needs are optional needs the check itself: in a pipeline that lacks them all (tag z1) it still waits for it', () => {
    const doc = overlapping();
    expect(doc['Prod-Promote'].needs.filter((need: any) => need.optional).length).toBeGreaterThan(0);
    for (const [name, job] of Object.entries<any>(doc)) {
      if (!job?.needs?.some((need: any) => need.optional)) continue;
      expect([name, job.needs]).toEqual([name, expect.arrayContaining([{ job: 'Build-CheckPipelineFile', artifacts: expect.any(Boolean) }])]);
    }
  });
});

test('a tag-deployed stage\'s step that reads an output of a stage only the deploy branch deploys is refused: GitLab would refuse every tag pipeline', () => {
  const { app, root } = newApp();
  const pipeline = newPipeline(app, root);
  const beta = new Stage(app, 'Beta', { env: { account: BETA_ACCOUNT, region: REGION } });
  const url = new CfnOutput(new Stack(beta, 'Api'), 'Url', { value: 'https://beta.example.com' });
  pipeline.addStage(beta);
  const prod = new Stage(app, 'Prod', { env: { account: PROD_ACCOUNT, region: REGION } });
  new Stack(prod, 'Api');
  pipeline.addStageWithGitLabOptions(prod, {
    triggers: [RELEASES],
    post: [new pipelines.ShellStep('Compare', { envFromCfnOutputs: { BETA_URL: url }, commands: ['true'] })],
  });
  expect(() => app.synth()).toThrow(/job "Prod-Compare" reads the artifacts of job "Beta-Api-Deploy" \(a stack output or a step's files\), which does not run in every pipeline "Prod-Compare" runs in: GitLab would refuse to create the tag v1\.2\.3 pipeline/);
});
