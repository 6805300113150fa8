// Prints the jest run's totals from its JUnit report as one closing line: "tests: N passed, N failed".
const { readFileSync } = require('fs');
const xml = readFileSync(process.argv[2], 'utf8');
const suites = /<testsuites\b[^>]*>/.exec(xml)[0];
const count = (name) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suites)[1]);
const total = count('tests');
const failed = count('failures') + count('errors');
const skipped = /\bskipped="(\d+)"/.test(suites) ? count('skipped') : 0;
console.log(`tests: ${total - failed - skipped} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : ''));
if (total === 0 || failed > 0) process.exit(1);
