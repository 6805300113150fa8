// The repository's own GitLab pipeline (.gitlab-ci.yml, written by projen): merge requests and the default branch
// build and test; the default branch releases, and publishes the way the library tells its users to reach AWS,
// with short-lived identity: npm and PyPI through trusted publishing (an ID token, no stored token), the other
// registries with masked, protected variables scoped to their environment.
//
// Who can reach what (CONTRIBUTING.md, "Releasing", has the one-time setup that makes it so, and what it needs):
// - A Developer's merge request, a fork's: the build job only, with no ID token and no secret.
// - Code run by the build (a test's dependency): no ID token, no secret, no push right. The release job, which
//   compiles and packages, holds none either: it hands the publish jobs its packages and a git bundle of the
//   release commit and tag, which `publish-git` checks (one commit on the pipeline's, touching only CHANGELOG.md
//   and compat/released/, a v<major>.<minor>.<patch> tag on it) before it pushes them, running nothing but git.
// - The secrets (the push token, Maven's, NuGet's and Go's credentials) are protected variables scoped to one
//   protected environment each; npm and PyPI take no secret at all: their trusted publishers name the environment,
//   and only the release group (with an approval) may deploy to it.
import { gitlab } from 'projen';
import type { AwsCdkConstructLibrary } from 'projen/lib/awscdk';

/** Builds and tests, and publishes to npm; Node.js as the project's users run it. */
const NODE_IMAGE = 'node:22-bookworm';
/** jsii's image with the Python, Java, .NET and Go toolchains jsii-pacmak and publib's publishers need. */
const JSII_IMAGE = 'public.ecr.aws/jsii/superchain:1-bookworm-slim-node22';
/** Uploads to PyPI. */
const PYTHON_IMAGE = 'python:3.12-slim-bookworm';
/** The npm CLI that exchanges GitLab's ID token with npm (trusted publishing needs 11.5.1 or later). */
const NPM_CLI = 'npm@11.6.2';
/** The PyPI client that exchanges GitLab's ID token with PyPI itself (trusted publishing, through `id`). */
const TWINE = 'twine==6.2.0';
/** Signs PEP 740 attestations with GitLab's ID token for Sigstore (`SIGSTORE_ID_TOKEN`, found through `id`). */
const PYPI_ATTESTATIONS = 'pypi-attestations==0.0.29';
/** The ID token that npm's provenance and PyPI's attestations are signed with (Sigstore's audience). */
const SIGSTORE_ID_TOKEN = { SIGSTORE_ID_TOKEN: { aud: 'sigstore' } };

const onDefaultBranch = [{ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }];

/** Installs the dependencies from the lock file without running their install scripts (no job after the build runs tests). */
const INSTALL_WITHOUT_SCRIPTS = 'npm ci --ignore-scripts';
/** The image runs as another user than the checkout's owner: git refuses such a repository unless told. */
const TRUST_CHECKOUT = 'git config --global --add safe.directory "$CI_PROJECT_DIR"';
/** The author of the release commit and of the Go module's commits. */
const RELEASE_NAME = 'cdk-gitlab-oidc release';
const RELEASE_EMAIL = 'release@cdk-gitlab-oidc.dev';
/** Stops a job whose pipeline has nothing to release (the bump found no commit since the last release). */
const ONLY_WITH_A_RELEASE = 'if [ ! -f dist/releasetag.txt ]; then echo "release: no new version"; exit 0; fi';

/** A job that publishes the release's packages in `environment`, after the release commit and tag are pushed. */
function publishJob(environment: string, image: string, script: string[], options: Partial<gitlab.Job> = {}): gitlab.Job {
  return {
    stage: 'publish',
    image: { name: image },
    rules: onDefaultBranch,
    needs: [{ job: 'release', artifacts: true }, { job: 'publish-git', artifacts: false }],
    environment: { name: environment, action: gitlab.Action.START },
    // A publish that started must finish: a newer pipeline never cancels it halfway.
    interruptible: false,
    ...options,
    script: [ONLY_WITH_A_RELEASE, ...script],
  };
}

/** Adds the pipeline to the project. */
export function addGitLabPipeline(project: AwsCdkConstructLibrary): void {
  // The release, without its push: the version bump, the compiled assembly and its checks, the packages of every
  // language, then the release commit (CHANGELOG.md, compat/released/) and its tag, bundled for publish-git. The
  // tests ran in the build job of the same commit; the local `release` task (projen's) builds, tests and pushes.
  const artifacts = project.addTask('release:artifacts', {
    description: 'The release without its push: bump, compile and check, package every language, restore the version, commit and tag, bundle',
  });
  artifacts.exec('rm -fr dist');
  artifacts.spawn(project.tasks.tryFind('bump')!);
  artifacts.spawn(project.compileTask);
  artifacts.spawn(project.postCompileTask);
  artifacts.spawn(project.tasks.tryFind('package-all')!);
  artifacts.spawn(project.tasks.tryFind('unbump')!);
  // Compiling and packaging must not have changed a tracked file (the same check as projen's release task).
  artifacts.exec('git diff --ignore-space-at-eol --exit-code');
  artifacts.spawn(project.tasks.tryFind('release:commit')!, { condition: 'test -f dist/releasetag.txt' });
  artifacts.exec('git bundle create dist/release.bundle "refs/tags/$(cat dist/releasetag.txt)" "^$(git rev-parse HEAD~1)"',
    { condition: 'test -f dist/releasetag.txt' });

  new gitlab.GitlabConfiguration(project, {
    workflow: {
      rules: [
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
          TRUST_CHECKOUT,
          `git config --global user.name "${RELEASE_NAME}" && git config --global user.email "${RELEASE_EMAIL}"`,
          'git fetch --tags --force origin',
          'git checkout -B "$CI_COMMIT_BRANCH" "$CI_COMMIT_SHA"',
          // The version comes from the newest v* tag: one that is not on this branch (pushed by hand elsewhere) stops it.
          'for t in $(git tag --list "v*"); do git merge-base --is-ancestor "$t" HEAD || { echo "release: tag $t is not on $CI_COMMIT_BRANCH" >&2; exit 1; }; done',
          INSTALL_WITHOUT_SCRIPTS,
          'npx projen release:artifacts',
        ],
        artifacts: { paths: ['dist/'], expireIn: '1 week' },
      },
      'publish-git': {
        stage: 'publish',
        rules: onDefaultBranch,
        needs: [{ job: 'release', artifacts: true }],
        interruptible: false,
        resourceGroup: 'release',
        environment: { name: 'release', action: gitlab.Action.START },
        variables: { GIT_DEPTH: '0' },
        // Nothing but git and the shell: the release job's bundle is checked before anything is pushed.
        script: [
          ONLY_WITH_A_RELEASE,
          'tag=$(cat dist/releasetag.txt); printf \'%s\\n\' "$tag" | grep -Eqx \'v[0-9]+\\.[0-9]+\\.[0-9]+\' || { echo "release: not a version tag: $tag" >&2; exit 1; }',
          'git fetch --no-tags dist/release.bundle "refs/tags/$tag:refs/tags/$tag"',
          '[ "$(git rev-parse "$tag^{commit}^")" = "$CI_COMMIT_SHA" ] || { echo "release: $tag is not one commit on $CI_COMMIT_SHA" >&2; exit 1; }',
          'changed=$(git diff --name-only "$CI_COMMIT_SHA" "$tag^{commit}" | grep -vxE \'CHANGELOG\\.md|compat/released/\\.jsii|compat/released/package\\.json\' || :); [ -z "$changed" ] || { echo "release: the release commit changes $changed" >&2; exit 1; }',
          // RELEASE_GIT_TOKEN (a project access token, masked, protected, scoped to this environment) reaches git
          // through its environment, for the project's URL only; -o ci.skip: the release commit and tag start no pipeline.
          'export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="url.https://release:${RELEASE_GIT_TOKEN}@${CI_SERVER_HOST}/.insteadOf" GIT_CONFIG_VALUE_0="${CI_SERVER_URL}/"',
          'git push --atomic -o ci.skip "${CI_SERVER_URL}/${CI_PROJECT_PATH}.git" "$tag^{commit}:refs/heads/$CI_COMMIT_BRANCH" "refs/tags/$tag"',
        ],
      },
      'publish-npm': publishJob('npm', NODE_IMAGE, [
        `npm install --global ${NPM_CLI}`,
        // npm exchanges NPM_ID_TOKEN for a publish token of this package only, and signs the provenance with
        // SIGSTORE_ID_TOKEN; the registry is named, so no variable can send the token elsewhere.
        'npm publish dist/js/*.tgz --registry https://registry.npmjs.org/ --access public --provenance',
      ], { idTokens: { NPM_ID_TOKEN: { aud: 'npm:registry.npmjs.org' }, ...SIGSTORE_ID_TOKEN } }),
      'publish-pypi': publishJob('pypi', PYTHON_IMAGE, [
        `pip install --no-cache-dir ${TWINE} ${PYPI_ATTESTATIONS}`,
        // Each file's publish attestation (<file>.publish.attestation), signed with SIGSTORE_ID_TOKEN: PyPI checks that
        // it names the trusted publisher and shows it as the file's provenance, as npm's --provenance does.
        'pypi-attestations sign dist/python/*',
        // twine exchanges PYPI_ID_TOKEN for a 15-minute upload token (trusted publishing); the index is named. A retry
        // after a partial upload skips the files PyPI already holds (it never takes a file name twice).
        'twine upload --non-interactive --skip-existing --attestations --repository-url https://upload.pypi.org/legacy/ dist/python/*',
      ], { idTokens: { PYPI_ID_TOKEN: { aud: 'pypi' }, ...SIGSTORE_ID_TOKEN } }),
      // Maven Central, NuGet and Go (a GitHub repository) take no GitLab identity: their credentials are masked,
      // protected variables scoped to the job's environment (CONTRIBUTING.md lists them). publib is pinned in
      // package.json and run by its path.
      'publish-maven': publishJob('maven', JSII_IMAGE, [INSTALL_WITHOUT_SCRIPTS, 'node_modules/.bin/publib-maven dist/java'], {
        variables: { MAVEN_SERVER_ID: 'central-ossrh' },
      }),
      'publish-nuget': publishJob('nuget', JSII_IMAGE, [INSTALL_WITHOUT_SCRIPTS, 'node_modules/.bin/publib-nuget dist/dotnet']),
      'publish-go': publishJob('go', JSII_IMAGE, [TRUST_CHECKOUT, INSTALL_WITHOUT_SCRIPTS, 'node_modules/.bin/publib-golang dist/go'], {
        variables: { GIT_USER_NAME: RELEASE_NAME, GIT_USER_EMAIL: RELEASE_EMAIL },
      }),
    },
  });
}
