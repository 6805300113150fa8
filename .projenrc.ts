import { ProjenStruct, Struct } from '@mrgrain/jsii-struct-builder';
import { awscdk, javascript, JsonFile, release } from 'projen';
import { JestReporter, UpdateSnapshot } from 'projen/lib/javascript';
import { addGitLabPipeline } from './projenrc/gitlab-ci';

/** The oldest aws-cdk-lib with `iam.OidcProviderNative`; the tests run against exactly this version. */
const MIN_CDK_VERSION = '2.200.0';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-gitlab-oidc',
  description:
    'AWS CDK constructs that let GitLab CI/CD jobs assume AWS IAM roles through OpenID Connect, ' +
    'with trust policies that are validated at synth time.',
  author: 'cdk-gitlab-oidc maintainers',
  authorAddress: 'maintainers@cdk-gitlab-oidc.dev',
  // The project lives on gitlab.com, where it releases from (npm's provenance must name the repository that built it).
  repositoryUrl: 'https://gitlab.com/cdk-gitlab-oidc/cdk-gitlab-oidc.git',
  license: 'Apache-2.0',
  stability: 'experimental',
  keywords: ['cdk', 'awscdk', 'aws-cdk', 'gitlab', 'gitlab-ci', 'oidc', 'openid-connect', 'iam', 'sts'],

  defaultReleaseBranch: 'main',
  // Node.js versions with upstream support (20 reached its end of life on 2026-04-30): users on an older one are
  // warned at install. The project's own machines still run 20, where every test passes.
  minNodeVersion: '22.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  jsiiVersion: '~6.0.0',
  cdkVersion: MIN_CDK_VERSION,
  constructsVersion: '10.0.5',

  // CI is .ci/run; the repository carries no hosted workflow files.
  github: false,

  // Releases: semantic versions from conventional commits (commit-and-tag-version), a CHANGELOG.md entry and a
  // v<version> tag per release (`npx projen release`). Before 1.0 a breaking change bumps the minor version and a
  // feature or fix the patch; the first release is 0.1.0 (scripts/next-version.sh).
  release: true,
  releaseTrigger: release.ReleaseTrigger.manual({ changelog: true, changelogPath: 'CHANGELOG.md' }),
  nextVersionCommand: 'bash scripts/next-version.sh',

  // Construct Hub lists every jsii language; CI here can only build the JavaScript package.
  publishToPypi: { distName: 'cdk-gitlab-oidc', module: 'cdk_gitlab_oidc' },
  publishToMaven: {
    javaPackage: 'io.github.cdkgitlaboidc',
    mavenGroupId: 'io.github.cdk-gitlab-oidc',
    mavenArtifactId: 'cdk-gitlab-oidc',
  },
  publishToNuget: { dotNetNamespace: 'CdkGitLabOidc', packageId: 'CdkGitLabOidc' },
  publishToGo: { moduleName: 'github.com/cdk-gitlab-oidc/cdk-gitlab-oidc-go' },

  devDeps: [
    '@mrgrain/jsii-struct-builder',
    'aws-cdk@^2',
    // The security suite's independent judge. AGPL: a dev dependency only, never shipped or bundled.
    '@cloud-copilot/iam-simulate',
    '@cloud-copilot/iam-policy',
    'jose@^5',
    'fast-check',
    // Generated .gitlab-ci.yml jobs are checked against GitLab's own CI schema.
    'ajv@^8',
    'ajv-formats',
    'yaml',
    // The generated jobs run for real: a GitLab CI runner emulator (4.64.1 is the newest that runs on
    // Node 20), and AWS clients on the SDK for JavaScript v3 against a loopback STS.
    'gitlab-ci-local@4.64.1',
    // The CI/CD component's input regexes, checked with RE2's semantics, as GitLab checks them.
    're2js@^1.4.0',
    // Mutation testing (npx projen mutation; too slow for CI). 9.x is the last line that runs on Node 20.
    '@stryker-mutator/core@~9.6.0',
    '@stryker-mutator/jest-runner@~9.6.0',
    // The mutation runs choose and order suites (test/support/mutation-sequencer.js).
    '@jest/test-sequencer@^30',
    '@aws-sdk/client-s3@^3',
    '@aws-sdk/client-sts@^3',
    'jmespath',
    // Ecosystem checks. Versions whose aws-cdk-lib peer range includes the minimum we test against.
    '@aws-cdk/integ-tests-alpha@2.193.0-alpha.0',
    '@aws-cdk/integ-runner@^2.197',
    'cdk-nag@~2.37',
    // The release's publishers (npm, PyPI, Maven, NuGet, Go), pinned by the lock file instead of fetched at release.
    'publib@0.2.1061',
  ],

  jestOptions: {
    // Snapshots are written by `npx projen test:update` only, so a changed template fails the build.
    updateSnapshot: UpdateSnapshot.NEVER,
    jestConfig: {
      testPathIgnorePatterns: ['/node_modules/', '/example/cdk.out/'],
      collectCoverageFrom: ['src/**/*.ts'],
    },
  },
  gitignore: ['cdk.out/', '/example/cdk.out/'],
  // The package ships lib/*.js and lib/*.d.ts only: no inline source maps or sources.
  tsconfig: { compilerOptions: { inlineSourceMap: false, inlineSources: false } },
});

// GitLabWebIdentityRoleProps mirrors the iam.RoleProps fields that apply to a web-identity role: jsii cannot
// express Omit<>, so the mirror is generated from aws-cdk-lib's own jsii spec, into src/generated/ and
// nowhere else (the library's own props are hand-written in src/role-props.ts). Left out: `assumedBy`
// (the role builds its trust itself), `externalIds` (iam.Role would add an sts:ExternalId condition
// that no AssumeRoleWithWebIdentity call carries, so every job would be denied) and deprecated fields.
// aws-cdk-lib's stability tags are dropped (this package is experimental), and each @default is joined
// onto one line, and the fields keep aws-cdk-lib's order (the builder's add() reverses what it is given).
// test/role-props.test.ts checks the mirror against aws-cdk-lib's RoleProps.
new ProjenStruct(project, {
  name: 'GitLabWebIdentityRoleProps',
  filePath: 'src/generated/web-identity-role-props.ts',
  docs: {
    summary: 'The `iam.RoleProps` fields that apply to a role assumed with a web identity token.',
    remarks: 'Left out: `assumedBy` (the role builds its trust policy from the subjects) and `externalIds` '
      + '(`AssumeRoleWithWebIdentity` carries no external ID, so the condition would deny every job).',
  },
})
  .mixin({ properties: [...Struct.fromFqn('aws-cdk-lib.aws_iam.RoleProps').properties].reverse() })
  .withoutDeprecated()
  .omit('assumedBy', 'externalIds')
  .map((property) => ({
    ...property,
    docs: { ...property.docs, stability: undefined, default: property.docs?.default?.replace(/\s*\n\s*/g, ' ') },
  }));
project.eslint?.addIgnorePattern('src/generated/');

// README and API samples must compile in every jsii language (Construct Hub shows them): strict rosetta.
project.package.file.addOverride('jsii.metadata.jsii.rosetta.strict', true);
const rosetta = project.addTask('rosetta:extract', {
  description: 'Compile every README and API doc sample with jsii-rosetta in strict mode',
  exec: 'jsii-rosetta extract --strict',
});
project.postCompileTask.spawn(rosetta);
project.gitignore.exclude('.jsii.tabl.json');

// The Python and Go code jsii-pacmak generates from the assembly must parse: the README and doc comments are
// copied into it, and text that is fine in TypeScript can end a Python docstring early.
const targets = project.addTask('check:jsii-targets', {
  description: 'Generate the Python and Go code (jsii-pacmak --code-only) and check that Python compiles it and gofmt parses it',
  exec: 'bash scripts/check-jsii-targets.sh',
});
project.postCompileTask.spawn(targets);

// The API compatibility check: the build's assembly against the last released one, kept in compat/released/
// (no registry, no network), every API element judged (the package is experimental before 1.0); a break passes
// only when a commit since the release declares it, so the release bumps the version that may break.
const compat = project.tasks.tryFind('compat')!;
compat.reset('ts-node --project test/tsconfig.json scripts/compat.ts');
compat.description = 'Compare the built API (.jsii) with the last released one in compat/released/ (jsii-diff, offline)';
project.postCompileTask.spawn(compat);
// A release keeps its assembly for the next release's check, in the release commit with the changelog.
const compatRecord = project.addTask('compat:record', {
  description: 'Keep the assembly just built as the released one (compat/released/), staged for the release commit',
  exec: 'ts-node --project test/tsconfig.json scripts/compat.ts --record',
});
// The release commit and tag, one task for both ways to release: projen's publish:git (locally) runs it, then pushes;
// the pipeline's release job runs it and hands the commit to a job that pushes (projenrc/gitlab-ci.ts).
const publishGit = project.tasks.tryFind('publish:git')!;
const releaseCommit = project.addTask('release:commit', {
  description: 'Commit the changelog entry and the released assembly, and tag the commit (publish:git without the push)',
  env: { ...publishGit.envVars },
});
releaseCommit.spawn(compatRecord);
releaseCommit.addSteps(...publishGit.steps.filter((step) => step.builtin));
const push = publishGit.steps.filter((step) => !step.builtin);
publishGit.reset();
publishGit.spawn(releaseCommit);
publishGit.addSteps(...push);
project.gitignore.include('/compat/released/.jsii');

// The repository's own pipeline (.gitlab-ci.yml): build and test, then release and publish from the default branch.
addGitLabPipeline(project);

// The package task builds only the JavaScript package: jsii-pacmak's Python, Java, .NET and Go
// targets need registries this project's machines cannot reach. `package-all` still builds them all.
project.packageTask.reset();
project.packageTask.spawn(project.tasks.tryFind('package:js')!);

// `npx cdk-gitlab-oidc explain`: why a job's token is (not) allowed to assume a role.
project.addBins({ 'cdk-gitlab-oidc': 'lib/cli/main.js' });

// The credential job as a GitLab CI/CD component, written from the source gitLabCiJob() renders with; the
// build rewrites it, so a stale copy fails CI's clean-tree check (and test/job/component.test.ts).
const component = project.addTask('component', {
  description: 'Write the GitLab CI/CD component templates/aws-oidc.yml',
  exec: 'ts-node --project test/tsconfig.json scripts/write-component.ts',
});
project.preCompileTask.spawn(component);

project.eslint?.addLintPattern('example');
project.npmignore?.exclude('/.gitlab-ci.yml', '/projenrc/', '/compat/', '/docs/', '/CONTRIBUTING.md', '/SECURITY.md', '/templates/', '/example/', '/.ci/', '/test-reports/', '/rosetta/', '.jsii.tabl.json', '/bench/', 'BENCHMARKS.md', '/scripts/');

// The security suite runs inside the normal jest run. Its suites hand their verdict counts to a jest
// reporter of the same run, which prints the closing line "security: N cases, 0 false allows, 0 false
// denies", fails the run on a false verdict, and writes the line to test-reports/ for CI's closing lines.
project.jest?.addReporter(new JestReporter('<rootDir>/test/security/support/security-reporter.js', {
  suites: ['matrix', 'features', 'property', 'explain'],
  outputFile: 'test-reports/security.txt',
}));
project.addTask('test:security', {
  description: 'Prove the trust policies admit exactly the intended jobs: attack matrix and 100,000 differential cases',
  exec: 'jest --coverage=false test/security',
});

// The edit loop's lane: every suite that runs in the jest process, with smaller property runs. The suites that spawn
// a runner emulator, the AWS CLI, the CDK CLI, npm, jsii-diff or projen (job, pipeline runs, the example, the keys
// sync, the package, the API compatibility check, the release's version and pipeline)
// stay in the full run, which the build and CI make.
project.addTask('test:fast', {
  description: 'The edit loop: unit, snapshot and small property runs, without the suites that spawn processes',
  env: { FC_RUNS: '30', FC_RUNS_EXPLAIN: '2000' },
  exec: 'jest --coverage=false --testPathIgnorePatterns /node_modules/ /test/job/ /test/pipeline/run.test.ts /test/pipeline/merge-request-run.test.ts ' +
    '/test/example.test.ts /test/issuer/keys-sync.test.ts /test/package.test.ts /test/compat.test.ts /test/release.test.ts /test/release-pipeline/',
});

// The integration test in snapshot mode: fails when the committed snapshot is stale (no AWS account
// is needed). integ:update rewrites the snapshot without deploying; README documents the deploy run.
const integ = project.addTask('integ', {
  description: 'Check the integration test snapshot (test/integ.*.ts) with integ-runner',
  exec: 'integ-runner --directory test --language typescript',
});
project.addTask('integ:update', {
  description: 'Rewrite the integration test snapshot without deploying',
  exec: 'integ-runner --directory test --language typescript --update-on-failed --dry-run',
});
project.testTask.spawn(integ);

// The other end of the version matrix: the suite against the newest aws-cdk-lib.
project.addTask('test:newest-cdk', {
  description: 'Run the test suite against the newest aws-cdk-lib in a temporary copy',
  exec: 'bash scripts/test-newest-cdk.sh',
});

// Benchmarks against hand-written aws-cdk-lib (bench/); a smoke run is part of CI.
const bench = project.addTask('bench', {
  description: 'Benchmark synth overhead, template weight, trust-policy packing and package weight; writes BENCHMARKS.md',
});
bench.spawn(project.compileTask);
bench.exec('ts-node --project test/tsconfig.json bench/run.ts');
const benchSmoke = project.addTask('bench:smoke', { description: 'A tiny run of the benchmark, to prove it works', env: { BENCH_SMOKE: '1' } });
benchSmoke.exec('ts-node --project test/tsconfig.json bench/run.ts');
project.eslint?.addLintPattern('bench');
// The build's own scripts (the compatibility check, the component writer, the mutation records), in their own tsconfig.
project.eslint?.addLintPattern('scripts');

// Mutation testing over every file in src/ (Stryker, jest runner, per-test coverage). Incremental: the
// results of the last run are kept in mutation/incremental.json, so a re-run tests only what changed.
// Not part of .ci/run: a full run takes well over an hour on two cores.
new JsonFile(project, 'stryker.config.json', {
  obj: {
    $schema: './node_modules/@stryker-mutator/core/schema/stryker-schema.json',
    packageManager: 'npm',
    testRunner: 'jest',
    jest: { projectType: 'custom', configFile: 'test/jest.mutation.config.js', enableFindRelatedTests: false },
    coverageAnalysis: 'perTest',
    // Module-level constants (rule tables, regexes) run once per process: with per-test coverage Stryker would
    // re-run the whole suite for each of their mutants (hours). They are judged by the tests that use them.
    ignoreStatic: true,
    mutate: ['src/**/*.ts', '!src/generated/**', '!src/index.ts'],
    incremental: true,
    incrementalFile: 'mutation/incremental.json',
    reporters: ['json', 'clear-text', 'progress'],
    jsonReporter: { fileName: 'mutation/report.json' },
    concurrency: 2,
    timeoutMS: 60000,
    tempDirName: '.stryker-tmp',
    cleanTempDir: 'always',
  },
});
project.gitignore.exclude('.stryker-tmp/', '/mutation/report.json');
project.npmignore?.exclude('/mutation/', 'stryker.config.json', 'TEST-STRENGTH.md', '/.stryker-tmp/');
const mutation = project.addTask('mutation', {
  description: 'Mutation testing over src/ with Stryker (incremental); writes TEST-STRENGTH.md',
});
mutation.exec('stryker run');
mutation.exec('ts-node --project test/tsconfig.json scripts/test-strength.ts');

// The example app, synthesized by the real aws-cdk CLI against the library's sources.
project.addTask('synth:example', {
  description: 'Synthesize the example CDK app in example/ with `cdk synth`',
  cwd: 'example',
  exec: 'cdk synth --quiet --strict',
});

project.synth();
