// The generated pipeline, run for real: gitlab-ci-local's shell executor runs every job as a GitLab runner
// would, each AWS job exchanges its ID token for the role's credentials with the loopback STS, and the
// stand-in CDK CLI and cdk-assets record what each job asked them to do, with the identity they ran as.
import { existsSync } from 'fs';
import { LoopbackSts } from '../job/loopback-sts';
import { BETA_ACCOUNT, DEPLOY_AUDIENCE, PIPELINE_ACCOUNT, PROD_ACCOUNT, PRODUCTION_AUDIENCE, twoStageApp, PipelineApp } from './support/apps';
import { runPipeline, startLoopbackAws, SYNTHESIZED_ASSEMBLY } from './support/run-pipeline';
import { FixtureIssuer, gitLabClaims, JobSpec } from '../security/support/issuer';
import { parseCi } from '../support/gitlab-ci';
import { EMULATOR_PIPELINE_TEST_MS } from '../support/timeouts';

// Each test (or its describe's hook) runs the whole pipeline in gitlab-ci-local.
jest.setTimeout(EMULATOR_PIPELINE_TEST_MS);

let issuer: FixtureIssuer;
let sts: LoopbackSts;
let built: PipelineApp;

beforeAll(async () => {
  // No image: the shell executor runs each job on this machine, the Docker jobs' too (the emulator's
  // --force-shell-executor). No Docker-in-Docker service: this machine has no Docker engine to start it (the emulator
  // would try); the stand-in docker plays the daemon.
  built = twoStageApp({ jobSettings: { tags: ['aws'] }, dockerAssetJobSettings: { rawKeys: { services: [] } } },
    ['rm -rf cdk.out', `cp -R ${SYNTHESIZED_ASSEMBLY} cdk.out`]);
  ({ issuer, sts } = await startLoopbackAws(built, 'GitLabOidc'));
});

afterAll(async () => {
  await sts?.close();
  await issuer?.close();
});

/** The ID token GitLab gives a job of protected main that requests `aud`. */
async function token(aud: string, job: Partial<JobSpec> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return issuer.sign(gitLabClaims('https://gitlab.com', { projectPath: 'mygroup/myproject', refType: 'branch', ref: 'main', aud, refProtected: true, ...job }, now));
}

/** Each environment's jobs get the token of their stage's role: what GitLab's id_tokens give them. */
async function stageTokens(): Promise<Record<string, string>> {
  return { Beta: await token(DEPLOY_AUDIENCE), production: await token(PRODUCTION_AUDIENCE, { deploymentTier: 'production' }) };
}

const STS_ARN = (role: string) => new RegExp(`^arn:aws:sts::${PIPELINE_ACCOUNT}:assumed-role/${role}/gitlab-\\d+-\\d+$`);

async function run(options: Partial<Parameters<typeof runPipeline>[0]> & { env?: Record<string, string> } = {}) {
  return runPipeline({
    yaml: built.yaml,
    assemblyDir: built.assemblyDir,
    environmentTokens: await stageTokens(),
    manual: ['Prod-PromoteToProd'],
    ...options,
    // Each stand-in call lasts long enough for jobs that run at once to overlap.
    env: { AWS_ENDPOINT_URL_STS: sts.url, STANDIN_SLEEP_MS: '1500', ...options.env },
  });
}

describe('the two-stage app\'s pipeline, run whole', () => {
  let result: Awaited<ReturnType<typeof run>>;
  beforeAll(async () => {
    result = await run();
  });
  const call = (target: string) => {
    const found = result.calls.filter((c) => c.target === target);
    expect([target, found.length]).toEqual([target, 1]);
    return found[0];
  };

  test('every job passes, the approval given', () => {
    expect(result.exitCode).toBe(0);
    for (const job of Object.keys(parseCi(built.yaml)).filter((name) => !name.startsWith('.') && name !== 'stages')) {
      expect(result.output).toMatch(new RegExp(`PASS\\s+${job}\\s`));
    }
  });

  test('deploy jobs download the cloud assembly without the assets\' files: the check job passes it on; asset jobs get the synth job\'s', () => {
    const templates = result.artifacts['Build-CheckPipelineFile'];
    const whole = result.artifacts['Build-Synth'];
    expect(whole.filter((path) => /^cdk\.out\/asset\./.test(path)).length).toBeGreaterThan(0);
    expect(templates.filter((path) => /^cdk\.out\/asset\./.test(path))).toEqual([]);
    // Everything else is there: the manifests and templates of every stage, and the pipeline file's copy.
    expect(templates).toEqual(whole.filter((path) => !/^cdk\.out\/asset\./.test(path)));
    expect(templates.filter((path) => /^cdk\.out\/assembly-[\w-]+\/\w+Site[0-9A-F]{8}\.template\.json$/.test(path))).toHaveLength(3);
    const doc = parseCi(built.yaml);
    for (const [name, job] of Object.entries<any>(doc)) {
      if (!name.endsWith('-Deploy')) continue;
      expect([name, job.needs.filter((need: any) => need.artifacts).map((need: any) => need.job).filter((j: string) => j.startsWith('Build-'))])
        .toEqual([name, ['Build-CheckPipelineFile']]);
    }
  });

  test('each stack deploys once, with the pinned CDK CLI, as the role of its stage', () => {
    const deploys = result.calls.filter((c) => c.tool === 'cdk').map((c) => [c.target, c.package, c.identity.replace(/\/gitlab-\d+-\d+$/, '')]);
    const role = (name: string) => `arn:aws:sts::${PIPELINE_ACCOUNT}:assumed-role/${name}`;
    expect(deploys.sort()).toEqual([
      ['Beta/Database', 'aws-cdk@2.1100.0', role('gitlab-deploy')],
      ['Beta/Site', 'aws-cdk@2.1100.0', role('gitlab-deploy')],
      ['Prod-eu-west-1/Database', 'aws-cdk@2.1100.0', role('gitlab-production')],
      ['Prod-eu-west-1/Site', 'aws-cdk@2.1100.0', role('gitlab-production')],
      ['Prod-us-east-1/Database', 'aws-cdk@2.1100.0', role('gitlab-production')],
      ['Prod-us-east-1/Site', 'aws-cdk@2.1100.0', role('gitlab-production')],
    ]);
  });

  test('each asset is published once per destination, with cdk-assets, by its stage\'s job, as its stage\'s role', () => {
    const published = result.calls.filter((c) => c.tool === 'cdk-assets');
    // Newer aws-cdk-lib releases add a hash to each destination's ID.
    expect(published.map((c) => [c.target.split(':')[1].replace(/-[0-9a-f]{8}$/, ''), c.job, c.package]).sort()).toEqual([
      ['222222222222-eu-west-1', 'Assets-DockerAsset1-Beta', 'cdk-assets@4.7.3'],
      ['222222222222-eu-west-1', 'Assets-FileAsset1-Beta', 'cdk-assets@4.7.3'],
      ['333333333333-eu-west-1', 'Assets-DockerAsset1-Prod-eu-west-1', 'cdk-assets@4.7.3'],
      ['333333333333-eu-west-1', 'Assets-FileAsset1-Prod-eu-west-1', 'cdk-assets@4.7.3'],
      ['333333333333-us-east-1', 'Assets-DockerAsset1-Prod-us-east-1', 'cdk-assets@4.7.3'],
      ['333333333333-us-east-1', 'Assets-FileAsset1-Prod-us-east-1', 'cdk-assets@4.7.3'],
    ]);
    for (const c of published) expect(c.identity).toMatch(STS_ARN(c.job.endsWith('-Beta') ? 'gitlab-deploy' : 'gitlab-production'));
  });

  test('the Docker image is built once, without credentials, and every account receives that image: the same image ID', () => {
    const docker = result.calls.filter((c) => c.tool === 'docker');
    const builds = docker.filter((c) => c.target.startsWith('build '));
    expect(builds.map((c) => [c.job, c.target])).toEqual([['Build-DockerImages', expect.stringMatching(/^build cdkasset-[0-9a-f]{64}$/)]]);
    const pushes = docker.filter((c) => c.target.startsWith('push '));
    expect(pushes.map((c) => [c.job, c.target.replace(/:[0-9a-f]{64}$/, ''), c.image]).sort()).toEqual([
      ['Assets-DockerAsset1-Beta', `push ${BETA_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-${BETA_ACCOUNT}-eu-west-1`, builds[0].image],
      ['Assets-DockerAsset1-Prod-eu-west-1', `push ${PROD_ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/cdk-hnb659fds-container-assets-${PROD_ACCOUNT}-eu-west-1`, builds[0].image],
      ['Assets-DockerAsset1-Prod-us-east-1', `push ${PROD_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-${PROD_ACCOUNT}-us-east-1`, builds[0].image],
    ]);
    // Each asset job loaded the built images and logged in to its own account's registry, in a folder it then removed.
    for (const push of pushes) {
      const ofJob = docker.filter((c) => c.job === push.job).map((c) => c.target.split(' ')[0]);
      expect([push.job, ofJob]).toEqual([push.job, ['load', 'login', 'push']]);
      const login = docker.find((c) => c.job === push.job && c.target.startsWith('login '))!;
      expect(login.config).toMatch(/^\/tmp\/|^\/var\/tmp\//);
      expect(existsSync(login.config!)).toBe(false);
    }
  });

  test('order: assets and dependencies before a stack, Beta and its smoke test before the approval, the approval before production (its assets included)', () => {
    const before = (first: string, second: string) => expect([first, second, call(first).end <= call(second).start]).toEqual([first, second, true]);
    before('Beta/Database', 'Beta/Site');
    for (const c of result.calls.filter((x) => x.tool === 'cdk-assets')) {
      const region = c.target.includes('us-east-1') ? 'us-east-1' : 'eu-west-1';
      before(c.target, c.target.includes('222222222222') ? 'Beta/Site' : `Prod-${region}/Site`);
    }
    before('Beta/Site', 'https://beta.example.com');
    for (const stack of ['Prod-eu-west-1/Database', 'Prod-us-east-1/Database']) before('https://beta.example.com', stack);
    // Production's credentials are first handed out after the approval, which comes after Beta's smoke test.
    for (const c of result.calls.filter((x) => x.tool === 'cdk-assets' && x.target.includes('333333333333'))) before('https://beta.example.com', c.target);
    for (const region of ['eu-west-1', 'us-east-1']) before(`Prod-${region}/Database`, `Prod-${region}/Site`);
    // The approval job ran, and it is what the production deployments waited for.
    expect(result.output).toMatch(/Prod-PromoteToProd\s+> Deploy to production\?/);
  });

  // gitlab-ci-local starts jobs in rounds (each round once the last has ended), where GitLab starts each job
  // as soon as its needs have ended: jobs that are ready together run together in both.
  test('parallel: what the graph runs at once runs at once (the two production regions, their assets included)', () => {
    const overlap = (a: string, b: string) => expect([a, b, call(a).start < call(b).end && call(b).start < call(a).end]).toEqual([a, b, true]);
    const assets = result.calls.filter((c) => c.tool === 'cdk-assets' && c.target.includes('333333333333'));
    overlap(assets[0].target, assets[1].target);
    overlap('Prod-eu-west-1/Database', 'Prod-us-east-1/Database');
    overlap('Prod-eu-west-1/Site', 'Prod-us-east-1/Site');
  });

  test('a stack output reaches the smoke test through the dotenv report', () => {
    expect(call('https://beta.example.com')).toMatchObject({ job: 'Beta-SmokeTest', args: ['--fail', 'https://beta.example.com'] });
  });
});

test('a failed deployment stops every job after it; jobs that do not wait for it still run', async () => {
  const result = await run({ env: { STANDIN_FAIL: 'Beta/Database' } });
  expect(result.exitCode).not.toBe(0);
  expect(result.output).toMatch(/FAIL\s+Beta-Database-Deploy/);
  const targets = result.calls.map((c) => c.target);
  expect(targets).toContain('Beta/Database');
  for (const after of ['Beta/Site', 'https://beta.example.com', 'Prod-eu-west-1/Database', 'Prod-us-east-1/Database']) expect(targets).not.toContain(after);
  // Beta's asset job waits only for the check of the pipeline file; production's wait for the approval, after Beta.
  expect(result.calls.filter((c) => c.tool === 'cdk-assets').map((c) => c.job).sort()).toEqual(['Assets-DockerAsset1-Beta', 'Assets-FileAsset1-Beta']);
});

test('the approval blocks: without it, nothing after it may run', async () => {
  const result = await run({ manual: [] });
  expect(result.output).toMatch(/Prod-PromoteToProd is when:manual, its needed by \S+, and not specified in --manual/);
  expect(result.calls.filter((c) => c.target.startsWith('Prod-'))).toEqual([]);
});

test('a pipeline file edited by hand fails the check, and nothing is published or deployed', async () => {
  const result = await run({ tamper: (yaml) => yaml.replace('  resource_group: "Beta/Site"\n', '') });
  expect(result.exitCode).not.toBe(0);
  expect(result.output).toMatch(/FAIL\s+Build-CheckPipelineFile/);
  expect(result.output).toContain('cdk-gitlab-oidc: .gitlab-ci.yml is not the pipeline the app generates (the differences are above)');
  expect(result.output).toMatch(/^Build-CheckPipelineFile\s+> \+  resource_group: "Beta\/Site"$/m);
  // The image build, which holds no credentials, may have run beside the check; nothing else did.
  expect(result.calls.filter((c) => c.job !== 'Build-DockerImages')).toEqual([]);
});

describe('attacks on the pipeline run whole: a token opens its own stage\'s role and no other', () => {
  test('code in a Beta job that hands Beta\'s token to production\'s jobs gets nothing: every production job stops at the exchange', async () => {
    const beta = await token(DEPLOY_AUDIENCE);
    const result = await run({ environmentTokens: { Beta: beta, production: beta } });
    expect(result.exitCode).not.toBe(0);
    // Beta deploys as before; nothing is published or deployed into production.
    expect(result.calls.filter((c) => c.target.startsWith('Beta/')).map((c) => c.identity)).toEqual([expect.stringMatching(STS_ARN('gitlab-deploy')), expect.stringMatching(STS_ARN('gitlab-deploy'))]);
    expect(result.calls.filter((c) => c.job.startsWith('Prod-') || c.job.includes('-Prod-'))).toEqual([]);
    expect(result.output).toMatch(/FAIL\s+Assets-FileAsset1-Prod-eu-west-1/);
    expect(result.output).toContain('was not exchanged for credentials of role arn:aws:iam::111122223333:role/gitlab-production');
    // The file holds the exchange once; each role's hidden job gives it that role's expectations for the hint.
    expect(result.output).toContain(`cdk-gitlab-oidc: the role expects iss https://gitlab.com, aud ${PRODUCTION_AUDIENCE}, sub project_path:mygroup/myproject:ref_type:branch:ref:main`);
    expect(result.output).toMatch(/cdk-gitlab-oidc: to see why, run where the app is synthesized: npx cdk-gitlab-oidc explain --role 'GitLabOidc\/ProductionRole' --claims '\{"iss"/);
    expect(result.output).not.toContain(`the role expects iss https://gitlab.com, aud ${DEPLOY_AUDIENCE}`);
  });

  test('a job of an unprotected branch named main (a fork\'s merge request, a Developer\'s push) gets nothing from either role', async () => {
    const unprotected = { refProtected: false };
    const result = await run({
      environmentTokens: { Beta: await token(DEPLOY_AUDIENCE, unprotected), production: await token(PRODUCTION_AUDIENCE, { ...unprotected, deploymentTier: 'production' }) },
    });
    expect(result.exitCode).not.toBe(0);
    expect(result.calls.filter((c) => c.job !== 'Build-DockerImages')).toEqual([]);
    expect(result.output).toContain('was not exchanged for credentials of role arn:aws:iam::111122223333:role/gitlab-deploy');
  });
});
