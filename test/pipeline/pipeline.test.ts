// GitLabCiPipeline: the pipeline file a CDK Pipelines app writes, its jobs, and the inputs it refuses.
import { spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CDK_ASSETS_VERSION, CDK_CLI_VERSION, FREEZE, twoStageApp } from './support/apps';
import { gitLabCiValidator, parseCi, psych } from '../support/gitlab-ci';
import { PROCESS_MS, PROCESS_TEST_MS } from '../support/timeouts';

// Tests read the file back with Ruby's Psych, a process each.
jest.setTimeout(PROCESS_TEST_MS);

describe('the two-stage app', () => {
  // Built inside each test, so mutation runs attribute the code each test reaches to that test.
  const build = () => {
    const built = twoStageApp();
    return { built, doc: parseCi(built.yaml) };
  };

  test('the whole pipeline file (snapshot)', () => {
    const { built } = build();
    // The assets' IDs and destinations (which aws-cdk-lib 2.2xx suffixes with a hash) are in the asset list, not here.
    expect(built.yaml).toMatchSnapshot();
  });

  test('is valid under GitLab\'s CI schema, and Psych (GitLab\'s parser) reads what the yaml package reads', () => {
    const { built, doc } = build();
    const validate = gitLabCiValidator();
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(psych(built.yaml)).toEqual(doc);
  });

  test('the token exchange is written once, first, in a hidden job each role\'s hidden job references after a line of its own expectations', () => {
    const { built, doc } = build();
    expect(doc['.aws-oidc-exchange']).toEqual({ before_script: expect.any(Array), after_script: expect.any(Array) });
    expect(built.yaml.match(/cdk_gitlab_oidc_sts\(\) \{/g)).toHaveLength(1);
    expect(built.yaml.match(/cdk_gitlab_oidc_clean\(\) \{/g)).toHaveLength(2);
    expect(built.yaml.indexOf('\n".aws-oidc-exchange":')).toBeLessThan(built.yaml.indexOf('\n".aws-oidc":'));
    const roleJobs = Object.keys(doc).filter((name) => name.startsWith('.aws-oidc') && name !== '.aws-oidc-exchange');
    expect(roleJobs.sort()).toEqual(['.aws-oidc', '.aws-oidc-Prod-eu-west-1']);
    for (const [name, path] of [['.aws-oidc', 'GitLabOidc/DeployRole'], ['.aws-oidc-Prod-eu-west-1', 'GitLabOidc/ProductionRole']]) {
      const job = doc[name];
      expect(job.before_script).toEqual([
        `_oidc_expects='iss https://gitlab.com, aud ${job.id_tokens.GITLAB_OIDC_TOKEN.aud}, sub project_path:mygroup/myproject:ref_type:branch:ref:main'; ` +
          `_oidc_role_path='${path}'`,
        ['.aws-oidc-exchange', 'before_script'],
      ]);
      expect(job.after_script).toEqual([['.aws-oidc-exchange', 'after_script']]);
    }
  });

  test('is written at synth, and its copy travels in the cloud assembly for the check job, which passes on the assembly without the assets\' files', () => {
    const { built, doc } = build();
    expect(readFileSync(join(built.assemblyDir, 'gitlab-ci-pipeline.yml'), 'utf8')).toEqual(built.yaml);
    expect(doc['Build-CheckPipelineFile']).toEqual({
      stage: 'Build',
      interruptible: true,
      image: 'public.ecr.aws/sam/build-nodejs20.x:latest',
      tags: ['aws'],
      needs: [{ job: 'Build-Synth', artifacts: true }],
      script: ["diff -u '.gitlab-ci.yml' 'cdk.out/gitlab-ci-pipeline.yml' >&2 || { echo 'cdk-gitlab-oidc: .gitlab-ci.yml is not the pipeline the app generates " +
        "(the differences are above): run \"cdk synth\" and commit the file' >&2; exit 1; }"],
      artifacts: { paths: ['cdk.out'], exclude: ['cdk.out/asset.*', 'cdk.out/asset.*/**'], expire_in: '30 days' },
    });
  });

  test('the synth job runs on every branch, without AWS credentials, and keeps the cloud assembly', () => {
    const { doc } = build();
    expect(doc['Build-Synth']).toEqual({
      stage: 'Build',
      interruptible: true,
      image: 'public.ecr.aws/sam/build-nodejs20.x:latest',
      tags: ['aws'],
      needs: [],
      script: ['npm ci', 'npx cdk synth'],
      artifacts: { paths: ['cdk.out'], expire_in: '30 days' },
      cache: { key: 'npm', paths: ['.npm/'] },
    });
  });

  test('stages follow the graph: Build, then each wave (each stage publishes its own assets)', () => {
    const { doc } = build();
    expect(doc.stages).toEqual(['Build', 'Beta', 'Prod']);
  });

  test('each stack deploys with the pinned CDK CLI from the cloud assembly, alone, with no approval prompt, in its environment and resource group', () => {
    const { doc } = build();
    expect(doc['Beta-Database-Deploy']).toMatchObject({
      stage: 'Beta',
      extends: '.aws-oidc',
      needs: [{ job: 'Beta-Lint', artifacts: false }, { job: 'Build-CheckPipelineFile', artifacts: true }],
      rules: [{ if: '$CI_DEPLOY_FREEZE', when: 'never' }, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }],
      environment: { name: 'Beta', action: 'start' },
      resource_group: 'Beta/Database',
      script: [FREEZE, `npx --yes --package=aws-cdk@${CDK_CLI_VERSION} -- cdk deploy --app 'cdk.out' --exclusively --require-approval never --progress events 'Beta/Database'`],
    });
  });

  test('a stack waits for the stacks it depends on and for its assets', () => {
    const { doc } = build();
    expect(doc['Beta-Site-Deploy'].needs).toEqual([
      { job: 'Assets-FileAsset1-Beta', artifacts: false },
      { job: 'Assets-DockerAsset1-Beta', artifacts: false },
      { job: 'Beta-Database-Deploy', artifacts: false },
      { job: 'Build-CheckPipelineFile', artifacts: true },
    ]);
  });

  test('each stage publishes its assets with cdk-assets, with its role, in its environment, after its approval', () => {
    const { built, doc } = build();
    // Each asset job publishes what the asset list names for it; the list, with the assets' hashes, is in the cloud assembly.
    const publish = (job: string, count: number) => '_n=0; while IFS="$(printf \'\\t\')" read -r _job _manifest _asset <&3; do ' +
      `[ "$_job" = '${job}' ] || continue; npx --yes --package=cdk-assets@${CDK_ASSETS_VERSION} -- cdk-assets --path "$_manifest" --verbose ` +
      'publish "$_asset" || exit 1; _n=$((_n + 1)); done 3< \'cdk.out/gitlab-ci-assets.tsv\'; ' +
      `[ "$_n" -eq ${count} ] || { printf '%s\\n' "the asset list cdk.out/gitlab-ci-assets.tsv names $_n assets for this job, not ${count}: ` +
      'it is not from this pipeline\'s synth" >&2; exit 1; }';
    expect(doc['Assets-FileAsset1-Beta']).toMatchObject({
      stage: 'Beta',
      extends: '.aws-oidc',
      environment: { name: 'Beta', action: 'prepare' },
      script: [FREEZE, publish('Assets-FileAsset1-Beta', 1)],
    });
    const list = readFileSync(join(built.assemblyDir, 'gitlab-ci-assets.tsv'), 'utf8').split('\n').filter(Boolean).map((line) => line.split('\t'));
    const entry = (manifest: string, account: string, region: string) =>
      [expect.stringMatching(new RegExp(`^cdk\\.out/assembly-${manifest}\\.assets\\.json$`)), expect.stringMatching(new RegExp(`^[0-9a-f]{64}:${account}-${region}(-[0-9a-f]{8})?$`))];
    expect(list).toEqual(['Beta', 'Prod-eu-west-1', 'Prod-us-east-1'].flatMap((stage) => ['FileAsset1', 'DockerAsset1'].map((asset) => {
      const region = stage === 'Beta' ? 'eu-west-1' : stage.slice('Prod-'.length);
      return [`Assets-${asset}-${stage}`, ...entry(`${stage}/${stage.replace(/-/g, '')}Site[0-9A-F]{8}`, stage === 'Beta' ? '222222222222' : '333333333333', region)];
    })));
    for (const region of ['eu-west-1', 'us-east-1']) {
      expect(doc[`Assets-FileAsset1-Prod-${region}`]).toMatchObject({
        stage: 'Prod',
        extends: '.aws-oidc-Prod-eu-west-1',
        environment: { name: 'production', action: 'prepare', deployment_tier: 'production' },
        needs: [{ job: 'Prod-PromoteToProd', artifacts: false }, { job: 'Build-Synth', artifacts: true }],
        script: [FREEZE, publish(`Assets-FileAsset1-Prod-${region}`, 1)],
      });
      expect(doc[`Prod-Prod-${region}-Site-Deploy`].needs.map((n: any) => n.job)).toContain(`Assets-FileAsset1-Prod-${region}`);
    }
    expect(Object.keys(doc).filter((job) => job.startsWith('Assets-'))).toHaveLength(6);
    // No asset's hash in the committed file.
    expect(built.yaml).not.toMatch(/[0-9a-f]{64}/);
  });

  test('one hidden OIDC job per role, with the role\'s literal ARN, which the AWS jobs extend', () => {
    const { doc } = build();
    expect(doc['.aws-oidc'].variables.AWS_ROLE_ARN).toBe('arn:aws:iam::111122223333:role/gitlab-deploy');
    expect(doc['.aws-oidc-Prod-eu-west-1'].variables.AWS_ROLE_ARN).toBe('arn:aws:iam::111122223333:role/gitlab-production');
    expect(doc['.aws-oidc'].id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: 'gitlab-deploy' } });
    expect(doc['.aws-oidc-Prod-eu-west-1'].id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: 'gitlab-production' } });
    const extended = Object.entries(doc).filter(([, job]: [string, any]) => job?.extends).map(([name, job]: [string, any]) => `${name} ${job.extends}`);
    expect(extended.sort()).toEqual([
      'Assets-DockerAsset1-Beta .aws-oidc',
      'Assets-DockerAsset1-Prod-eu-west-1 .aws-oidc-Prod-eu-west-1',
      'Assets-DockerAsset1-Prod-us-east-1 .aws-oidc-Prod-eu-west-1',
      'Assets-FileAsset1-Beta .aws-oidc',
      'Assets-FileAsset1-Prod-eu-west-1 .aws-oidc-Prod-eu-west-1',
      'Assets-FileAsset1-Prod-us-east-1 .aws-oidc-Prod-eu-west-1',
      'Beta-Database-Deploy .aws-oidc',
      'Beta-Site-Deploy .aws-oidc',
      'Prod-Prod-eu-west-1-Database-Deploy .aws-oidc-Prod-eu-west-1',
      'Prod-Prod-eu-west-1-Site-Deploy .aws-oidc-Prod-eu-west-1',
      'Prod-Prod-us-east-1-Database-Deploy .aws-oidc-Prod-eu-west-1',
      'Prod-Prod-us-east-1-Site-Deploy .aws-oidc-Prod-eu-west-1',
    ]);
  });

  test('a stack output reaches a post step through a dotenv report, never through the YAML', () => {
    const { doc } = build();
    expect(doc['Beta-Site-Deploy'].artifacts).toEqual({ reports: { dotenv: expect.stringMatching(/^cdk-outputs-BetaSite[0-9A-F]{8}\.env$/) }, expire_in: '30 days' });
    expect(doc['Beta-Site-Deploy'].script[2]).toMatch(/^node -e '.*' 'cdk-outputs-BetaSite[0-9A-F]{8}\.json' 'Beta-Site' 'SiteUrl=CDK_OUTPUT_BetaSite[0-9A-F]{8}_SiteUrl' > /);
    expect(doc['Beta-SmokeTest']).toMatchObject({
      needs: [{ job: 'Beta-Site-Deploy', artifacts: true }],
      environment: { name: 'Beta', action: 'verify' },
      script: [
        FREEZE,
        expect.stringMatching(/^: "\$\{CDK_OUTPUT_BetaSite[0-9A-F]{8}_SiteUrl\?the job that deploys Beta-Site left no SiteUrl\}"; SITE_URL="\$\(printf '%s' "\$CDK_OUTPUT_BetaSite[0-9A-F]{8}_SiteUrl" \| base64 -d && printf x\)"; export SITE_URL="\$\{SITE_URL%x\}"$/),
        'curl --fail "$SITE_URL"',
      ],
    });
    expect(doc['Beta-SmokeTest'].extends).toBeUndefined();
  });

  // GitLab expands "$" in the dotenv variables of the jobs that read them, and a report holds one line a variable:
  // the deploy job writes each output in base64 and the reading step decodes it.
  test.each([
    ['a dollar sign and a variable\'s name', 'p$a and $CI_JOB_TOKEN'],
    ['line breaks, a trailing one included', 'first\nsecond\n'],
    ['quotes, a backslash and a backtick', 'it\'s "x" \\ `'],
    ['text beyond ASCII', 'ünïcødé 🚀'],
    ['nothing', ''],
  ])('a stack output holding %s reaches the step exactly', (_title, value) => {
    const { doc } = build();
    const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    const [, , writer] = doc['Beta-Site-Deploy'].script;
    const outputsFile = /'(cdk-outputs-BetaSite[0-9A-F]{8}\.json)'/.exec(writer)![1];
    writeFileSync(join(dir, outputsFile), JSON.stringify({ 'Beta-Site': { SiteUrl: value } }));
    const written = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', writer], { cwd: dir, encoding: 'utf8', timeout: PROCESS_MS });
    expect(written.status).toBe(0);
    const dotenv = readFileSync(join(dir, /> '(.*)'$/.exec(writer)![1]), 'utf8');
    expect(dotenv).not.toMatch(/\$/);
    expect(dotenv.split('\n').filter(Boolean)).toHaveLength(1);
    // The reading job, with the report's variable in its environment, as GitLab passes it.
    const [name, encoded] = dotenv.trim().split(/=(.*)/s);
    const read = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', `${doc['Beta-SmokeTest'].script[1]}; printf '%s' "$SITE_URL"`],
      { encoding: 'utf8', env: { PATH: process.env.PATH, [name]: encoded }, timeout: PROCESS_MS });
    expect(read.status).toBe(0);
    expect(read.stdout).toBe(value);
  });

  // dash -e without pipefail too: the runner turns pipefail on only in shells that have it.
  test.each([['bash -eo pipefail', ['/bin/bash', '-eo', 'pipefail']], ['dash -e', ['/bin/dash', '-e']]])(
    '%s: a step whose output never arrived stops with the stack and output it waited for', (_shell, shell) => {
      const { doc } = build();
      const read = spawnSync(shell[0], [...shell.slice(1), '-c', `${doc['Beta-SmokeTest'].script[1]}; echo reached`],
        { encoding: 'utf8', env: { PATH: process.env.PATH }, timeout: PROCESS_MS });
      expect(read.status).not.toBe(0);
      expect(read.stderr).toContain('the job that deploys Beta-Site left no SiteUrl');
      expect(read.stdout).not.toContain('reached');
    });

  test('outputs over GitLab\'s 5 KB dotenv limit (in base64) stop the deploy job with the size', () => {
    const { doc } = build();
    const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    const [, , writer] = doc['Beta-Site-Deploy'].script;
    writeFileSync(join(dir, /'(cdk-outputs-BetaSite[0-9A-F]{8}\.json)'/.exec(writer)![1]), JSON.stringify({ 'Beta-Site': { SiteUrl: 'x'.repeat(4000) } }));
    const written = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', writer], { cwd: dir, encoding: 'utf8', timeout: PROCESS_MS });
    expect(written.status).not.toBe(0);
    expect(written.stderr).toMatch(/the outputs of stack Beta-Site that steps read take \d+ bytes in base64, over GitLab's 5120-byte dotenv limit/);
  });

  test('a deploy freeze that began after the pipeline was created stops each job that deploys, before its commands', () => {
    const { doc } = build();
    for (const job of ['Beta-Site-Deploy', 'Assets-FileAsset1-Beta', 'Beta-SmokeTest', 'Prod-PromoteToProd']) {
      expect(doc[job].script[0]).toBe(FREEZE);
      expect(doc[job].rules[0]).toEqual({ if: '$CI_DEPLOY_FREEZE', when: 'never' });
    }
    const frozen = spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', `${FREEZE}; echo deployed`], { encoding: 'utf8', env: { CI_DEPLOY_FREEZE: 'true' }, timeout: PROCESS_MS });
    expect([frozen.status, frozen.stdout]).toEqual([1, '']);
    expect(frozen.stderr).toContain('a deploy freeze began after this pipeline was created');
    expect(spawnSync('/bin/bash', ['-c', `${FREEZE}; echo deployed`], { encoding: 'utf8', env: {}, timeout: PROCESS_MS }).stdout).toBe('deployed\n');
    expect(doc['Build-Synth'].script[0]).not.toBe(FREEZE);
  });

  test('the manual approval blocks the production wave, in the production environment', () => {
    const { doc } = build();
    expect(doc['Prod-PromoteToProd']).toMatchObject({
      needs: [{ job: 'Beta-SmokeTest', artifacts: false }],
      rules: [{ if: '$CI_DEPLOY_FREEZE', when: 'never' }, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH', when: 'manual' }],
      allow_failure: false,
      script: [FREEZE, "printf '%s\\n' 'Deploy to production?'"],
    });
    for (const region of ['eu-west-1', 'us-east-1']) {
      expect(doc[`Prod-Prod-${region}-Database-Deploy`].needs).toEqual([{ job: 'Prod-PromoteToProd', artifacts: false }, { job: 'Build-CheckPipelineFile', artifacts: true }]);
    }
    expect(doc['Prod-Prod-us-east-1-Database-Deploy'].environment).toEqual({ name: 'production', action: 'start', url: 'https://prod.example.com', deployment_tier: 'production' });
  });

  test('no file is left in the repository but the pipeline file (the cloud assembly is the app\'s outdir)', () => {
    const { built } = build();
    expect(existsSync(join(built.root, '.gitlab-ci.yml'))).toBe(true);
  });
});

describe('settings', () => {
  test('the check job takes the pipeline\'s settings, not the synth step\'s', () => {
    const doc = parseCi(twoStageApp().yaml);
    expect(doc['Build-CheckPipelineFile'].cache).toBeUndefined();
    expect(doc['Build-Synth'].cache).toEqual({ key: 'npm', paths: ['.npm/'] });
  });
});

test('the lines the pipeline writes itself hold no backtick: some tools echo each command inside double quotes before they run it', () => {
  const doc = parseCi(twoStageApp().yaml);
  const own = Object.entries(doc).filter(([name]) => name !== 'stages')
    .flatMap(([, job]: [string, any]) => [...job.before_script ?? [], ...job.after_script ?? [], ...job.script ?? []])
    .filter((line: string) => !['npm ci', 'npx cdk synth', 'npm run lint', 'curl --fail "$SITE_URL"'].includes(line));
  expect(own.length).toBeGreaterThan(20);
  expect(own.filter((line: string) => line.includes('`'))).toEqual([]);
});
