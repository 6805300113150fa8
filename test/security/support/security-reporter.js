// A jest reporter: adds up the verdict counts the security suites hand over (verdicts.ts) into two
// closing lines, "security: N cases, 0 false allows, 0 false denies" and "explain: N cases, 0
// disagreements with iam-simulate" (the library's own evaluator against the independent judge), printed
// at the end of the run and written to `outputFile` for CI's closing lines. It fails the run when a false
// verdict or a disagreement was counted, or when a suite that ran handed over nothing. Runs without a
// security suite print nothing.
const { mkdtempSync, readdirSync, readFileSync, rmSync, mkdirSync, writeFileSync } = require('fs');
const { tmpdir } = require('os');
const { basename, dirname, join } = require('path');

class SecurityReporter {
  /**
   * @param {object} _globalConfig jest's configuration
   * @param {{ suites: string[], outputFile?: string }} options the suites that count verdicts, and where to write the line
   */
  constructor(_globalConfig, options) {
    this.suites = options.suites;
    this.outputFile = options.outputFile;
    // Set before jest starts its workers, which inherit it.
    this.folder = mkdtempSync(join(tmpdir(), 'security-verdicts-'));
    process.env.SECURITY_VERDICTS_DIR = this.folder;
    this.error = undefined;
  }

  onRunComplete(_contexts, results) {
    const ran = results.testResults
      .map((result) => basename(result.testFilePath).replace(/\.test\.ts$/, ''))
      .filter((name) => this.suites.includes(name));
    const handed = readdirSync(this.folder).map((file) => JSON.parse(readFileSync(join(this.folder, file), 'utf8')));
    const recorded = readdirSync(this.folder).map((file) => file.replace(/\.json$/, ''));
    rmSync(this.folder, { recursive: true, force: true });
    if (ran.length === 0) return;
    const total = { cases: 0, falseAllows: 0, falseDenies: 0, explained: 0, disagreements: 0 };
    for (const counts of handed) for (const key of Object.keys(total)) total[key] += counts[key] ?? 0;
    const line = `security: ${total.cases} cases, ${total.falseAllows} false allows, ${total.falseDenies} false denies`;
    const explainLine = `explain: ${total.explained} cases, ${total.disagreements} disagreements with iam-simulate`;
    process.stdout.write(`\n${line}\n${explainLine}\n`);
    if (this.outputFile) {
      mkdirSync(dirname(this.outputFile), { recursive: true });
      writeFileSync(this.outputFile, `${line}\n${explainLine}\n`);
    }
    const missing = ran.filter((name) => !recorded.includes(name));
    if (missing.length > 0) this.error = new Error(`security: no verdicts from ${missing.join(', ')} (did the suite fail before counting?)`);
    else if (total.falseAllows > 0 || total.falseDenies > 0) this.error = new Error(line);
    else if (total.disagreements > 0) this.error = new Error(explainLine);
  }

  getLastError() {
    return this.error;
  }
}

module.exports = SecurityReporter;
