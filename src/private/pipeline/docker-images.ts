// Docker image assets, built once: a job without credentials builds every image the way cdk-assets would and
// saves them; each stage's asset job loads them before cdk-assets runs, so cdk-assets finds the image built (it
// skips the build when the tag `cdkasset-<asset id>` exists: ContainerImageBuilder.buildDirectoryAsset in
// cdk-assets' lib/private/handlers/container-images.ts) and only tags and pushes it. Every account gets the image
// that was built once, with the same image ID, instead of one build per stage.
import { readFileSync } from 'fs';
import { dirname, posix, relative, sep } from 'path';
import { IConstruct } from 'constructs';
import { GitLabJobSettings } from '../../pipeline/job-settings';
import { fail, show } from '../errors';
import { shellQuote } from '../shell';

/** The build script, which the synth writes into the cloud assembly (it holds the assets' hashes, the pipeline file does not). */
export const IMAGE_BUILD_SCRIPT = 'gitlab-ci-images.sh';
/** The images the build job saves (`docker save`), at the repository's root: its artifact. */
export const IMAGE_ARCHIVE = 'gitlab-ci-images.tar';

/**
 * The Docker asset jobs' settings when the app gives none: GitLab's documented Docker-in-Docker setup with TLS,
 * which GitLab.com's instance runners support (https://docs.gitlab.com/ci/docker/docker_in_docker/): the Docker
 * image, pinned to a major version as those docs advise, a dind service of the same version, and the variables that
 * point the client at it (the Kubernetes executor runs no entrypoint, so the client's are set too).
 */
export const DOCKER_JOB_DEFAULTS: GitLabJobSettings = {
  image: 'docker:29',
  variables: { DOCKER_HOST: 'tcp://docker:2376', DOCKER_TLS_CERTDIR: '/certs', DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: '/certs/client' },
  rawKeys: { services: ['docker:29-dind'] },
};

/**
 * The first line of a Docker asset job's before_script, ahead of the token exchange: the exchange needs the AWS CLI
 * and cdk-assets needs Node.js, which the Docker image lacks; Alpine's packages have both. An image that has them
 * skips this; another image without them stops the job with what it lacks.
 */
export const DOCKER_JOB_TOOLS = 'command -v node >/dev/null && command -v aws >/dev/null || { command -v apk >/dev/null || ' +
  '{ printf \'%s\\n\' "cdk-gitlab-oidc: a Docker asset job needs docker, node and the aws CLI: give dockerAssetJobSettings an image that has them" >&2; ' +
  'exit 1; }; apk add --no-cache nodejs npm aws-cli; }';

/**
 * The Docker configuration folder of a job (DOCKER_CONFIG), where the registry logins are kept: the job's own (its ID
 * in the name; `mkdir` fails on a folder another job planted), private (umask 077), and removed when the Docker work
 * ends and again in after_script, which runs when the job is cancelled or times out.
 */
const DOCKER_CONFIG_DIR = '"${TMPDIR:-/tmp}/gitlab-docker-${CI_JOB_ID}"';

/** `commands` in a subshell with the job's own Docker configuration folder; its EXIT trap leaves the token exchange's alone. */
export function withJobDockerConfig(commands: string): string {
  return `(DOCKER_CONFIG=${DOCKER_CONFIG_DIR}; export DOCKER_CONFIG; (umask 077 && mkdir "$DOCKER_CONFIG") || exit 1; ` +
    `trap 'rm -rf "$DOCKER_CONFIG"' EXIT; ${commands})`;
}

/** The after_script line that removes the job's Docker configuration folder, whatever ended the job. */
export const DOCKER_CONFIG_CLEANUP = `rm -rf ${DOCKER_CONFIG_DIR}`;

/** A Docker image asset as its asset manifest describes it. */
interface ImageSource {
  readonly directory?: string;
  readonly executable?: string[];
  readonly dockerFile?: string;
  readonly dockerBuildArgs?: { [name: string]: string };
  readonly dockerBuildContexts?: { [name: string]: string };
  readonly dockerBuildSecrets?: { [name: string]: string };
  readonly dockerBuildSsh?: string;
  readonly dockerBuildTarget?: string;
  readonly networkMode?: string;
  readonly platform?: string;
  readonly dockerOutputs?: string[];
  readonly cacheFrom?: CacheOption[];
  readonly cacheTo?: CacheOption;
  readonly cacheDisabled?: boolean;
}

interface CacheOption {
  readonly type: string;
  readonly params?: { [name: string]: string };
}

/** An image to build: the asset's ID, and its manifest's path at synth. */
export interface ImageAsset {
  readonly assetId: string;
  readonly manifestPath: string;
}

/** The local tag cdk-assets looks for before it builds an image asset. */
export function localImageTag(assetId: string): string {
  return `cdkasset-${assetId.toLowerCase()}`;
}

/**
 * The build script: each image built from its asset manifest's source with the flags cdk-assets' `docker build`
 * passes (Docker.build in cdk-assets' lib/private/docker.ts), then all of them saved into one archive. Paths are
 * relative to the repository's root, where the job starts; `cdkOut` is the cloud assembly there.
 */
export function imageBuildScript(images: readonly ImageAsset[], assemblyDir: string, cdkOut: string, scope: IConstruct): string {
  const lines = [
    '#!/bin/sh',
    '# Written at synth by cdk-gitlab-oidc\'s GitLabCiPipeline: builds each Docker image asset once, as cdk-assets would, and saves',
    '# the images for the asset jobs of every stage, which push them without building again.',
    'set -eu',
    // cdk-assets builds with this too: the provenance attestations BuildKit adds confuse it.
    'BUILDX_NO_DEFAULT_ATTESTATIONS=1; export BUILDX_NO_DEFAULT_ATTESTATIONS',
  ];
  for (const image of images) {
    const source = imageSource(image, scope);
    const manifestDir = relative(assemblyDir, dirname(image.manifestPath)).split(sep).join('/');
    const directory = posix.join(cdkOut, manifestDir, source.directory!);
    const command = ['docker', ...buildArguments(source, localImageTag(image.assetId))].map(shellQuote).join(' ');
    lines.push(`printf '%s\\n' ${shellQuote(`Building ${image.assetId} in ${directory}`)}`, `(cd ${shellQuote(directory)} && ${command})`);
  }
  lines.push(`docker save -o ${shellQuote(IMAGE_ARCHIVE)} ${images.map((image) => shellQuote(localImageTag(image.assetId))).join(' ')}`);
  return lines.join('\n') + '\n';
}

/** The asset's source, from its manifest; refused if cdk-assets would not build it from a folder. */
function imageSource(image: ImageAsset, scope: IConstruct): ImageSource {
  const manifest = JSON.parse(readFileSync(image.manifestPath, 'utf8'));
  const source: ImageSource | undefined = manifest.dockerImages?.[image.assetId]?.source;
  if (!source) fail(`GitLabCiPipeline found no Docker image asset ${show(image.assetId)} in ${show(image.manifestPath)}`, scope);
  if (source.executable) {
    fail('GitLabCiPipeline builds Docker image assets once, from their folder, for every stage: an image built by a command of its own ' +
      `(DockerImageAsset.fromExternal / executable) is not supported, got: ${show(source.executable.join(' '))}`, scope);
  }
  if (!source.directory) fail(`Docker image asset ${show(image.assetId)} has no directory in ${show(image.manifestPath)}`, scope);
  return source;
}

/** `docker build`'s arguments for a source, in cdk-assets' order. */
function buildArguments(source: ImageSource, tag: string): string[] {
  const pairs = (flag: string, map: { [name: string]: string } | undefined, format = (k: string, v: string) => `${k}=${v}`) =>
    Object.entries(map ?? {}).flatMap(([k, v]) => [flag, format(k, v)]);
  const cache = (option: CacheOption) => [`type=${option.type}`, ...Object.entries(option.params ?? {}).map(([k, v]) => `${k}=${v}`)].join(',');
  return [
    'build',
    ...pairs('--build-arg', source.dockerBuildArgs),
    ...pairs('--build-context', source.dockerBuildContexts),
    ...pairs('--secret', source.dockerBuildSecrets, (k, v) => `id=${k},${v}`),
    ...source.dockerBuildSsh ? ['--ssh', source.dockerBuildSsh] : [],
    '--tag', tag,
    ...source.dockerBuildTarget ? ['--target', source.dockerBuildTarget] : [],
    ...source.dockerFile ? ['--file', source.dockerFile] : [],
    ...source.networkMode ? ['--network', source.networkMode] : [],
    ...source.platform ? ['--platform', source.platform] : [],
    ...(source.dockerOutputs ?? []).map((output) => `--output=${output}`),
    ...(source.cacheFrom ?? []).flatMap((option) => ['--cache-from', cache(option)]),
    ...source.cacheTo ? ['--cache-to', cache(source.cacheTo)] : [],
    ...source.cacheDisabled ? ['--no-cache'] : [],
    '.',
  ];
}
