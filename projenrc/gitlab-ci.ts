// The repository's own GitLab pipeline (.gitlab-ci.yml, written by projen): merge requests and the default branch
// build and test; the default branch releases, and publishes the way the library tells its users to reach AWS,
// with short-lived identity: npm and PyPI through trusted publishing (an ID token, no stored token), the other
// registries with masked, protected variables scoped to their environment.
//
// Who can reach what (CONTRIBUTING.md, "Releasing", has the one-time setup that makes it so):
// - A Developer's merge request, a fork's merge request: the build job only, with no ID token and no secret.
// - Code run by the build (a test's dependency), on any branch: no ID token, no secret; the protected variables are
//   scoped to the publish jobs' environments, so even the default branch's build never sees them.
// - The publish jobs run on the default branch, in protected environments (npm, pypi, maven, nuget, go, release)
//   that only Maintainers may deploy to; npm's and PyPI's trusted publishers name the environment, so an ID token
//   minted for any other job (a Developer's branch that declares the same id_tokens) is refused by the registry.
import { gitlab } from 'projen';
import type { AwsCdkConstructLibrary } from 'projen/lib/awscdk';

/** Builds and tests; Node.js as the project's users run it. */
const NODE_IMAGE = 'node:22-bookworm';
/** jsii's image with the Python, Java, .NET and Go toolchains jsii-pacmak and the publishers need. */
const JSII_IMAGE = 'public.ecr.aws/jsii/superchain:1-bookworm-slim-node22';
/** The npm CLI that exchanges GitLab's ID token with npm (trusted publishing needs 11.5.1 or later). */
const NPM_CLI = 'npm@11.6.2';

const onDefaultBranch = [{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }];

/** Installs the dependencies from the lock file without running their install scripts (publish jobs run no build). */
const INSTALL_WITHOUT_SCRIPTS = 'npm ci --ignore-scripts';

/** A job that publishes the release's artifacts in `environment`, after the release commit and tag are pushed. */
function publishJob(environment: string, image: string, script: string[], options: Partial<gitlab.Job> = {}): gitlab.Job {
  return {
    stage: 'publish',
    image: { name: image },
    rules: onDefaultBranch,
    needs: [{ job: 'release', artifacts: true }, { job: 'publish-git', artifacts: false }],
    environment: { name: environment, action: gitlab.Action.START },
    ...options,
    script: [
      // A pipeline whose bump found nothing to release (no commit since the last release) publishes nothing.
      'if [ ! -f dist/releasetag.txt ]; then echo "release: no new version"; exit 0; fi',
      ...script,
    ],
  };
}

/** Adds the pipeline to the project. */
export function addGitLabPipeline(project: AwsCdkConstructLibrary): void {
  // The artifacts of every language, built after the version bump; the release task itself is for local use.
  const artifacts = project.addTask('release:artifacts', {
    description: 'The release without its push: bump the version, build and test, package every language, restore the version',
  });
  artifacts.exec('rm -fr dist');
  artifacts.spawn(project.tasks.tryFind('bump')!);
  artifacts.spawn(project.buildTask);
  artifacts.spawn(project.tasks.tryFind('package-all')!);
  artifacts.spawn(project.tasks.tryFind('unbump')!);
  // The build must not have changed a tracked file (the same check as the release task's).
  artifacts.exec('git diff --ignore-space-at-eol --exit-code');

  new gitlab.GitlabConfiguration(project, {
    workflow: {
      rules: [
        // The commit a release pushes (CHANGELOG.md and compat/released/) needs no pipeline of its own.
        { if: '$CI_COMMIT_TITLE =~ /^chore\\(release\\):/', when: gitlab.WorkflowWhen.NEVER },
        { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
        { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
      ],
    },
    stages: ['test', 'release', 'publish'],
    default: { image: { name: NODE_IMAGE }, interruptible: true },
    jobs: {
      'build': {
        stage: 'test',
        script: ['bash .ci/run'],
        artifacts: { when: gitlab.CacheWhen.ALWAYS, reports: { junit: ['test-reports/junit.xml'] } },
      },
      'release': {
        stage: 'release',
        image: { name: JSII_IMAGE },
        rules: onDefaultBranch,
        needs: ['build'],
        interruptible: false,
        resourceGroup: 'release',
        // The whole history and its tags: the version comes from the last v* tag and the commits since.
        variables: { GIT_DEPTH: '0' },
        script: [
          'git fetch --tags --force origin',
          'git checkout -B "$CI_COMMIT_BRANCH" "$CI_COMMIT_SHA"',
          'npm ci',
          'bash scripts/install-test-tools.sh',
          'npx projen release:artifacts',
        ],
        artifacts: { paths: ['dist/', '.jsii'], expireIn: '1 week' },
      },
      'publish-git': {
        stage: 'publish',
        rules: onDefaultBranch,
        needs: [{ job: 'release', artifacts: true }],
        interruptible: false,
        resourceGroup: 'release',
        environment: { name: 'release', action: gitlab.Action.START },
        variables: { GIT_DEPTH: '0' },
        script: [
          'if [ ! -f dist/releasetag.txt ]; then echo "release: no new version"; exit 0; fi',
          'git fetch --tags --force origin',
          'git checkout -B "$CI_COMMIT_BRANCH" "$CI_COMMIT_SHA"',
          'git config user.name "cdk-gitlab-oidc release"',
          'git config user.email "release@cdk-gitlab-oidc.dev"',
          INSTALL_WITHOUT_SCRIPTS,
          // The push authenticates with RELEASE_GIT_TOKEN (a project access token with write_repository, masked,
          // protected, scoped to this environment), passed in git's environment only: nothing written to .git/config.
          'export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="url.https://release:${RELEASE_GIT_TOKEN}@${CI_SERVER_HOST}/.insteadOf" GIT_CONFIG_VALUE_0="${CI_SERVER_URL}/"',
          'npx projen publish:git',
        ],
      },
      'publish-npm': publishJob('npm', NODE_IMAGE, [`npm install --global ${NPM_CLI}`, INSTALL_WITHOUT_SCRIPTS, 'npx publib-npm dist/js'], {
        // npm exchanges NPM_ID_TOKEN for a publish token of this package only; SIGSTORE_ID_TOKEN signs the provenance.
        idTokens: { NPM_ID_TOKEN: { aud: 'npm:registry.npmjs.org' }, SIGSTORE_ID_TOKEN: { aud: 'sigstore' } },
        variables: { NPM_TRUSTED_PUBLISHER: 'true', NPM_CONFIG_PROVENANCE: 'true', NPM_ACCESS_LEVEL: 'public' },
      }),
      'publish-pypi': publishJob('pypi', JSII_IMAGE, [INSTALL_WITHOUT_SCRIPTS, 'npx publib-pypi dist/python'], {
        // publib mints a 15-minute PyPI token from PYPI_ID_TOKEN; the attestations are signed with SIGSTORE_ID_TOKEN.
        idTokens: { PYPI_ID_TOKEN: { aud: 'pypi' }, SIGSTORE_ID_TOKEN: { aud: 'sigstore' } },
        variables: { PYPI_TRUSTED_PUBLISHER: 'true' },
      }),
      // Maven Central, NuGet and Go (a GitHub repository) take no GitLab identity: their credentials are masked,
      // protected variables scoped to the job's environment (CONTRIBUTING.md lists them).
      'publish-maven': publishJob('maven', JSII_IMAGE, [INSTALL_WITHOUT_SCRIPTS, 'npx publib-maven dist/java'], {
        variables: { MAVEN_SERVER_ID: 'central-ossrh' },
      }),
      'publish-nuget': publishJob('nuget', JSII_IMAGE, [INSTALL_WITHOUT_SCRIPTS, 'npx publib-nuget dist/dotnet']),
      'publish-go': publishJob('go', JSII_IMAGE, [INSTALL_WITHOUT_SCRIPTS, 'npx publib-golang dist/go'], {
        variables: { GIT_USER_NAME: 'cdk-gitlab-oidc release', GIT_USER_EMAIL: 'release@cdk-gitlab-oidc.dev' },
      }),
    },
  });
}
