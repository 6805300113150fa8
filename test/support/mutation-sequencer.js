// The order and selection of suites in the mutation runs.
//
// Stryker runs each mutant with a test-name filter (the tests that cover it), and Jest still loads every
// suite to find those names, each with its own copy of aws-cdk-lib: most of a mutant's time. The full run
// that starts a Stryker session (no filter) records which suite holds which tests; later runs with a
// filter load only the suites holding a matching test, or every suite when the record is missing or
// holds no match. What runs is unchanged: only suites without a selected test are skipped.
//
// Suites run fastest first: a mutant stops at its first failing test, so cheap suites should come first.
// Jest's default order is the reverse (slowest first), which suits parallel workers, not a run that stops.
const { createHash } = require('crypto');
const { readFileSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const Sequencer = require('@jest/test-sequencer').default;

class MutationSequencer extends Sequencer {
  constructor(options) {
    super(options);
    this.testNamePattern = options.globalConfig.testNamePattern;
    const root = createHash('sha256').update(options.globalConfig.rootDir).digest('hex').slice(0, 16);
    this.recordFile = join(tmpdir(), `cdk-gitlab-oidc-test-names-${root}.json`);
  }

  sort(tests) {
    const fastestFirst = [...super.sort(tests)].reverse();
    const names = this.testNamePattern && this.readRecord();
    if (!names) return fastestFirst;
    const filter = new RegExp(this.testNamePattern, 'i'); // as Jest applies --testNamePattern
    const selected = fastestFirst.filter((test) => !names[test.path] || names[test.path].some((name) => filter.test(name)));
    return selected.length > 0 ? selected : fastestFirst;
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    if (this.testNamePattern) return;
    const names = Object.fromEntries(results.testResults.map((suite) => [suite.testFilePath, suite.testResults.map((t) => t.fullName)]));
    writeFileSync(this.recordFile, JSON.stringify(names));
  }

  readRecord() {
    try {
      return JSON.parse(readFileSync(this.recordFile, 'utf8'));
    } catch {
      return undefined;
    }
  }
}

module.exports = MutationSequencer;
