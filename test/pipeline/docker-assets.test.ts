// Docker image assets: built once by a job without credentials, as cdk-assets would build them, and pushed by each
// stage's asset job with the stage's role; the default setup (Docker-in-Docker) and the settings for Docker jobs
// alone; registry logins that leave nothing behind. The build script and the logins run here with the stand-in
// `docker` (test/pipeline/bin/docker), which records each command; run.test.ts runs the whole pipeline.
import { spawnSync } from 'child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { CfnParameter, DockerImageAssetSource, Fn, Stack, Stage, aws_ecr_assets as ecrAssets } from 'aws-cdk-lib';
import { BETA_ACCOUNT, IMAGE, PipelineApp, PROD_ACCOUNT, REGION, newApp, newPipeline, oneStageApp, synthesized } from './support/apps';
import { GitLabCiPipelineProps, GitLabDockerLogin, GitLabJobSettings } from '../../src';
import { gitLabCiValidator, parseCi, psych } from '../support/gitlab-ci';
import { PROCESS_MS, PROCESS_TEST_MS, SYNTH_TEST_MS } from '../support/timeouts';

jest.setTimeout(Math.max(SYNTH_TEST_MS, PROCESS_TEST_MS));

const STAND_INS = join(__dirname, 'bin');
/** The start of a Docker job's command: a Docker configuration folder of the job's own, made private, removed at the end. */
const OWN_CONFIG = '(DOCKER_CONFIG="${TMPDIR:-/tmp}/gitlab-docker-${CI_JOB_ID}"; export DOCKER_CONFIG; (umask 077 && mkdir "$DOCKER_CONFIG") || exit 1; ' +
  'trap \'rm -rf "$DOCKER_CONFIG"\' EXIT; ';
const CLEANUP = 'rm -rf "${TMPDIR:-/tmp}/gitlab-docker-${CI_JOB_ID}"';
const TOOLS = 'command -v node >/dev/null && command -v aws >/dev/null || { command -v apk >/dev/null || { printf \'%s\\n\' "cdk-gitlab-oidc: ' +
  'a Docker asset job needs docker, node and the aws CLI: give dockerAssetJobSettings an image that has them" >&2; exit 1; }; apk add --no-cache nodejs npm aws-cli; }';

/** Beta, then Prod, each with a stack holding the same Docker image asset; `image` adds options to it. */
function imageApp(props: Partial<GitLabCiPipelineProps> = {}, image: Partial<ecrAssets.DockerImageAssetProps> = {}, prodSettings = {}): PipelineApp {
  const { app, root } = newApp();
  const pipeline = newPipeline(app, root, props);
  for (const [name, account] of [['Beta', BETA_ACCOUNT], ['Prod', PROD_ACCOUNT]]) {
    const stage = new Stage(app, name, { env: { account, region: REGION } });
    new ecrAssets.DockerImageAsset(new Stack(stage, 'Service'), 'Image', { directory: IMAGE, ...image });
    pipeline.addStageWithGitLabOptions(stage, name === 'Prod' ? prodSettings : {});
  }
  return synthesized(app, pipeline, root);
}

interface DockerCall {
  readonly job?: string;
  readonly target: string;
  readonly args: string[];
  readonly image?: string;
  readonly config?: string;
  readonly username?: string;
}

/** Runs `script` with sh at the app's root, the stand-in docker first on PATH; returns the result and docker's calls. */
function runWithDocker(built: PipelineApp, script: string, env: Record<string, string> = {}) {
  const log = join(mkdtempSync(join(tmpdir(), 'docker-calls-')), 'calls.jsonl');
  const home = mkdtempSync(join(tmpdir(), 'docker-home-'));
  const temp = mkdtempSync(join(tmpdir(), 'docker-tmp-'));
  const result = spawnSync('sh', ['-e', '-c', script], {
    cwd: built.root,
    encoding: 'utf8',
    timeout: PROCESS_MS,
    env: { PATH: `${STAND_INS}:${process.env.PATH}`, HOME: home, TMPDIR: temp, CI_JOB_ID: '4242', STANDIN_LOG: log, ...env },
  });
  const calls: DockerCall[] = existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line)) : [];
  return { result, calls, home, temp };
}

describe('with no setting', () => {
  const built = imageApp();
  const doc = parseCi(built.yaml);

  test('one job builds the images, without credentials, beside the synth job, for the deploy branch\'s pipelines; it may be cancelled', () => {
    expect(doc['Build-DockerImages']).toEqual({
      stage: 'Build',
      image: 'docker:29',
      needs: [{ job: 'Build-Synth', artifacts: true }],
      rules: [{ if: '$CI_DEPLOY_FREEZE', when: 'never' }, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }],
      variables: { DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_CERTDIR: '/certs', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs/client' },
      script: [`${OWN_CONFIG}sh 'cdk.out/gitlab-ci-images.sh')`],
      // Removed again whatever ended the job (cancelled, timed out).
      after_script: [CLEANUP],
      // The images may hold layers of private base images.
      artifacts: { paths: ['gitlab-ci-images.tar'], access: 'developer', expire_in: '30 days' },
      interruptible: true,
      services: ['docker:29-dind'],
    });
  });

  test('each stage\'s asset job loads the built images before its role\'s exchange runs cdk-assets; Docker-in-Docker as a service', () => {
    for (const [stage, environment] of [['Beta', 'Beta'], ['Prod', 'Prod']]) {
      const job = doc[`Assets-DockerAsset1-${stage}`];
      expect(job).toMatchObject({
        extends: '.aws-oidc',
        image: 'docker:29',
        services: ['docker:29-dind'],
        environment: { name: environment, action: 'prepare' },
        // The Docker image lacks node and the aws CLI: installed first, then the hidden job's exchange, by reference.
        before_script: [TOOLS, ['.aws-oidc', 'before_script']],
        after_script: [CLEANUP, ['.aws-oidc', 'after_script']],
        interruptible: false,
      });
      expect(job.needs).toContainEqual({ job: 'Build-DockerImages', artifacts: true });
      expect(job.script[1].startsWith(`${OWN_CONFIG}docker load -i gitlab-ci-images.tar || exit 1; _n=0; `)).toBe(true);
    }
    // The build job holds no token and no role.
    expect(doc['Build-DockerImages'].extends).toBeUndefined();
    expect(built.yaml.match(/!reference \[".aws-oidc", "before_script"\]/g)).toHaveLength(2);
  });

  test('the file is valid under GitLab\'s schema, and Psych reads the reference tag as GitLab\'s parser does: a list', () => {
    const validate = gitLabCiValidator();
    expect([validate(parseCi(built.yaml)), validate.errors]).toEqual([true, null]);
    expect(psych(built.yaml)).toEqual(parseCi(built.yaml));
  });

  test('the image is built once for both stages: one build in the script, saved for the asset jobs', () => {
    const script = readFileSync(join(built.assemblyDir, 'gitlab-ci-images.sh'), 'utf8');
    expect(script.match(/docker' 'build'/g)).toHaveLength(1);
    const { result, calls } = runWithDocker(built, 'sh cdk.out/gitlab-ci-images.sh');
    expect([result.status, result.stderr]).toEqual([0, '']);
    const assetId = /'cdkasset-([0-9a-f]{64})'/.exec(script)![1];
    expect(calls.map((call) => call.target)).toEqual([`build cdkasset-${assetId}`, `save cdkasset-${assetId}`]);
    // As cdk-assets builds: from the asset's folder in the cloud assembly, with provenance attestations off.
    expect(calls[0]).toMatchObject({ args: ['build', '--tag', `cdkasset-${assetId}`, '.'], buildx: '1' });
    expect(existsSync(join(built.root, 'gitlab-ci-images.tar'))).toBe(true);
  });

  test('no Docker image asset, no build job and no build script', () => {
    const plain = oneStageApp();
    expect(parseCi(plain.yaml)['Build-DockerImages']).toBeUndefined();
    expect(existsSync(join(plain.assemblyDir, 'gitlab-ci-images.sh'))).toBe(false);
  });
});

test('the build passes the asset\'s every build option as cdk-assets does, each value one argument whatever it holds', () => {
  const built = imageApp({}, {
    buildArgs: { GREETING: 'it\'s "quoted" $HOME `x`', EMPTY: '' },
    buildSecrets: { token: 'env=TOKEN' },
    buildSsh: 'default',
    target: 'runtime',
    file: 'Dockerfile',
    networkMode: ecrAssets.NetworkMode.HOST,
    platform: ecrAssets.Platform.LINUX_ARM64,
    outputs: ['type=docker'],
    cacheFrom: [{ type: 'registry', params: { ref: 'registry.example.com/cache:latest' } }],
    cacheTo: { type: 'inline' },
    cacheDisabled: true,
  });
  const { result, calls } = runWithDocker(built, 'sh cdk.out/gitlab-ci-images.sh');
  expect([result.status, result.stderr]).toEqual([0, '']);
  const tag = calls[0].target.replace('build ', '');
  // cdk-assets' order (Docker.build in its lib/private/docker.ts).
  expect(calls[0].args).toEqual([
    'build',
    '--build-arg', 'GREETING=it\'s "quoted" $HOME `x`', '--build-arg', 'EMPTY=',
    '--secret', 'id=token,env=TOKEN',
    '--ssh', 'default',
    '--tag', tag,
    '--target', 'runtime',
    '--file', 'Dockerfile',
    '--network', 'host',
    '--platform', 'linux/arm64',
    '--output=type=docker',
    '--cache-from', 'type=registry,ref=registry.example.com/cache:latest',
    '--cache-to', 'type=inline',
    '--no-cache',
    '.',
  ]);
});

test('a failed build stops the job at once with docker\'s error: nothing is saved', () => {
  const built = imageApp();
  const { result, calls } = runWithDocker(built, 'sh cdk.out/gitlab-ci-images.sh', { PATH: `${mkdtempSync(join(tmpdir(), 'empty-'))}:/usr/bin:/bin` });
  expect(result.status).not.toBe(0);
  expect(calls).toEqual([]);
  expect(existsSync(join(built.root, 'gitlab-ci-images.tar'))).toBe(false);
});

test('an image built by a command of its own is refused: it could not be built once for every stage', () => {
  const { app, root } = newApp();
  const pipeline = newPipeline(app, root);
  const stage = new Stage(app, 'Beta', { env: { account: BETA_ACCOUNT, region: REGION } });
  const stack = new Stack(stage, 'Service');
  stack.synthesizer.addDockerImageAsset({ sourceHash: 'abc123', executable: ['sh', '-c', 'build-my-image'] } as DockerImageAssetSource);
  pipeline.addStage(stage);
  expect(() => app.synth()).toThrow('an image built by a command of its own (DockerImageAsset.fromExternal / executable) is not supported, got: "sh -c build-my-image"');
});

describe('dockerAssetJobSettings', () => {
  test('apply to the Docker jobs alone, over the pipeline\'s and the stage\'s: image whole, variables and raw keys key by key', () => {
    const doc = parseCi(imageApp({
      jobSettings: { image: 'node:22', tags: ['shared'], variables: { A: 'pipeline' }, rawKeys: { timeout: '1h' } },
      dockerAssetJobSettings: { image: 'registry.example.com/cdk-docker:1', tags: ['docker'], variables: { DOCKER_HOST: 'unix:///var/run/docker.sock' }, rawKeys: { services: [] } },
    }, {}, { jobSettings: { image: 'node:22-prod', variables: { B: 'prod' } } }).yaml);
    for (const job of ['Build-DockerImages', 'Assets-DockerAsset1-Beta', 'Assets-DockerAsset1-Prod']) {
      expect(doc[job]).toMatchObject({
        image: 'registry.example.com/cdk-docker:1',
        tags: ['docker'],
        variables: { A: 'pipeline', DOCKER_HOST: 'unix:///var/run/docker.sock', DOCKER_TLS_CERTDIR: '/certs' },
        services: [],
        timeout: '1h',
      });
    }
    // The stage's settings still reach its Docker job, under the Docker settings.
    expect(doc['Assets-DockerAsset1-Prod'].variables.B).toBe('prod');
    expect(doc['Build-DockerImages'].variables.B).toBeUndefined();
    // Every other job keeps its own.
    expect(doc['Prod-Service-Deploy']).toMatchObject({ image: 'node:22-prod', tags: ['shared'] });
    expect(doc['Prod-Service-Deploy'].services).toBeUndefined();
  });

  test.each<[string, GitLabJobSettings, string]>([
    ['a reserved variable', { variables: { AWS_PROFILE: 'x' } }, 'jobSettings.variables name must not be'],
    ['a Docker variable the runner reads', { variables: { DOCKER_AUTH_CONFIG: '{}' } }, 'jobSettings.variables name must not be'],
    ['the Docker configuration folder, which the jobs set', { variables: { DOCKER_CONFIG: '/tmp' } }, 'jobSettings.variables name must not be'],
    ['a key the pipeline writes', { rawKeys: { script: ['x'] } }, 'jobSettings.rawKeys must not set "script"'],
    ['a gate key', { rawKeys: { allow_failure: true } }, 'jobSettings.rawKeys must not set "allow_failure"'],
  ])('are checked as every job setting is: %s is refused', (_title, settings, message) => {
    expect(() => imageApp({ dockerAssetJobSettings: settings })).toThrow(message);
  });

  test.each([
    ['a CfnParameter', (stack: Stack) => new CfnParameter(stack, 'P').valueAsString],
    ['an imported value', () => Fn.importValue('Exported')],
  ])('a deploy-time image (%s) is refused: GitLab reads the file before anything is deployed', (_title, token) => {
    const { app, root } = newApp();
    expect(() => newPipeline(app, root, { dockerAssetJobSettings: { image: token(new Stack(app, 'Params')) } }))
      .toThrow('jobSettings.image holds a deploy-time value, but a pipeline file holds literals only');
  });

  test('a deploy-time list of runner tags is refused', () => {
    const { app, root } = newApp();
    expect(() => newPipeline(app, root, { dockerAssetJobSettings: { tags: Fn.split(',', Fn.importValue('Tags')) } }))
      .toThrow('jobSettings.tags is a deploy-time list');
  });
});

describe('dockerLogins', () => {
  const logins = [
    GitLabDockerLogin.gitLabRegistry(),
    GitLabDockerLogin.dockerHub({ usernameVariable: 'DOCKERHUB_USER', passwordVariable: 'DOCKERHUB_TOKEN' }),
    GitLabDockerLogin.registry('registry.example.com:5000', { usernameVariable: 'REG_USER', passwordVariable: 'REG_PASSWORD' }),
  ];
  const built = imageApp({ dockerLogins: logins });
  const buildLine = parseCi(built.yaml)['Build-DockerImages'].script[0];
  const variables = {
    CI_REGISTRY: 'registry.gitlab.com',
    CI_REGISTRY_USER: 'gitlab-ci-token',
    CI_REGISTRY_PASSWORD: 'job-token',
    DOCKERHUB_USER: 'me',
    DOCKERHUB_TOKEN: 'dckr_pat_x',
    REG_USER: 'robot',
    REG_PASSWORD: 'p a$$ \'word\'',
  };

  test('log in before the build, each password through standard input, into a configuration folder removed when the build ends', () => {
    const { result, calls, home, temp } = runWithDocker(built, buildLine, variables);
    expect([result.status, result.stderr]).toEqual([0, '']);
    expect(calls.map((call) => [call.target, call.username])).toEqual([
      ['login registry.gitlab.com', 'gitlab-ci-token'],
      ['login https://index.docker.io/v1/', 'me'],
      ['login registry.example.com:5000', 'robot'],
      [expect.stringMatching(/^build cdkasset-/), undefined],
      [expect.stringMatching(/^save cdkasset-/), undefined],
    ]);
    // No password on a command line, and no credentials left on disk: the job's folder is gone, the user's untouched.
    for (const call of calls) expect(call.args.join(' ')).not.toMatch(/job-token|dckr_pat_x|p a/);
    expect(calls[0].config).toBe(join(temp, 'gitlab-docker-4242'));
    expect(existsSync(calls[0].config!)).toBe(false);
    expect(new Set(calls.slice(0, 3).map((call) => call.config)).size).toBe(1);
    expect(readdirSync(home)).toEqual([]);
  });

  test('a configuration folder another job planted (a shell runner) stops the build before any login: its helpers would run', () => {
    const planted = mkdtempSync(join(tmpdir(), 'docker-planted-'));
    mkdirSync(join(planted, 'gitlab-docker-4242'));
    const { result, calls } = runWithDocker(built, buildLine, { ...variables, TMPDIR: planted });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/gitlab-docker-4242.*File exists/);
    expect(calls).toEqual([]);
  });

  test('an unset variable stops the build before any login, naming the variable', () => {
    const { result, calls } = runWithDocker(built, buildLine, { ...variables, DOCKERHUB_TOKEN: '' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/DOCKERHUB_TOKEN: is not set: a registry login needs it/);
    expect(calls.map((call) => call.target)).toEqual(['login registry.gitlab.com']);
  });

  test.each([
    ['a server with a scheme', () => GitLabDockerLogin.registry('https://registry.example.com', { usernameVariable: 'U', passwordVariable: 'P' }), 'server must be a literal registry host'],
    ['a server with a quote', () => GitLabDockerLogin.registry('registry.example.com\'; rm -rf /', { usernameVariable: 'U', passwordVariable: 'P' }), 'server must be a literal registry host'],
    ['a deploy-time server', () => GitLabDockerLogin.registry(Fn.importValue('Registry'), { usernameVariable: 'U', passwordVariable: 'P' }), 'server must be a literal registry host'],
    ['a variable name with a "$"', () => GitLabDockerLogin.dockerHub({ usernameVariable: '$U', passwordVariable: 'P' }), 'must be CI/CD variable names'],
    ['a variable name with a space', () => GitLabDockerLogin.dockerHub({ usernameVariable: 'U', passwordVariable: 'P Q' }), 'must be CI/CD variable names'],
    ['a deploy-time variable name', () => GitLabDockerLogin.dockerHub({ usernameVariable: 'U', passwordVariable: Fn.importValue('Name') }), 'must be CI/CD variable names'],
  ])('%s is refused', (_title, make, message) => {
    expect(make).toThrow(message);
  });
});

test('the asset folder holding the Dockerfile is the one the build script enters', () => {
  const built = imageApp();
  const script = readFileSync(join(built.assemblyDir, 'gitlab-ci-images.sh'), 'utf8');
  const folder = /\(cd '(cdk\.out\/asset\.[0-9a-f]{64})' && /.exec(script)![1];
  expect(readFileSync(join(built.root, folder, 'Dockerfile'), 'utf8')).toBe(readFileSync(join(IMAGE, 'Dockerfile'), 'utf8'));
});
