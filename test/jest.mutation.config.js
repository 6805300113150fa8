// The jest configuration Stryker runs for each mutant: the project's own (package.json, from projen),
// without coverage and reports, and without the suites that cannot judge a mutant quickly: they spawn
// processes or read build output (the job runs, the whole-pipeline run, the example app, the package, the API
// compatibility check, the release's version and its pipeline, which judge the build and the release tooling, not src/,
// cdk-nag's packs, the jsii assembly role-props reads), or run 100,000 generated cases in one test (the
// property test, which the attack matrix and the targeted tests stand in for). Every other suite builds its stacks inside its
// tests, so per-test coverage attributes each mutant to the tests that reach it. The sequencer runs only
// the suites that hold a mutant's tests, fastest first.
const { jest: base } = require('../package.json');

// The explain command's tests compare the source with the built script (lib/), which a mutation run does not
// rebuild: there they run the source alone (test/explain/cli.test.ts).
process.env.CLI_TESTS_SOURCE_ONLY = '1';

module.exports = {
  ...base,
  rootDir: '..',
  collectCoverage: false,
  reporters: ['default'],
  testSequencer: '<rootDir>/test/support/mutation-sequencer.js',
  // A mutant runs beside another on a 2-core machine: a slow test must not fail on jest's 5 s default and be
  // counted as a kill. A mutant that loops is stopped by Stryker's own timeout (stryker.config.json).
  testTimeout: 60_000,
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    '/test/job/', '/test/example\\.test\\.ts$', '/test/package\\.test\\.ts$', '/test/cdk-nag\\.test\\.ts$', '/test/role-props\\.test\\.ts$',
    '/test/security/property\\.test\\.ts$', '/test/pipeline/run\\.test\\.ts$', '/test/compat\\.test\\.ts$', '/test/release\\.test\\.ts$', '/test/release-pipeline/',
  ],
};
