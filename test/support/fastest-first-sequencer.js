// The order of suites in the mutation runs: fastest first. Stryker runs every suite for a mutant in
// module-level code (a "static" mutant: a rule's regular expression, a constant) and stops at the first
// failure, so the cheap unit suites that judge most rules should run before the slow ones (the job
// suite starts Ruby for each YAML string). Jest's default order is the reverse, slowest first, which
// suits parallel workers, not a run that stops early.
const Sequencer = require('@jest/test-sequencer').default;

class FastestFirstSequencer extends Sequencer {
  sort(tests) {
    return [...super.sort(tests)].reverse();
  }
}

module.exports = FastestFirstSequencer;
