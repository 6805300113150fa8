// Prints the security suite's closing line from the counts its test files recorded:
//   security: N cases, 0 false allows, 0 false denies
// and fails when a count is missing or any verdict was wrong.
import { existsSync, readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { emptyCounts, REPORT_DIR, SecurityCounts } from './report';

const EXPECTED_REPORTS = ['matrix', 'features', 'property'];

const total = emptyCounts();
const missing = EXPECTED_REPORTS.filter((name) => !existsSync(join(REPORT_DIR, `${name}.json`)));
for (const file of existsSync(REPORT_DIR) ? readdirSync(REPORT_DIR).filter((f) => f.endsWith('.json')) : []) {
  const counts = JSON.parse(readFileSync(join(REPORT_DIR, file), 'utf8')) as SecurityCounts;
  for (const key of Object.keys(total) as (keyof SecurityCounts)[]) total[key] += counts[key];
}
if (missing.length > 0) console.error(`security: no report from ${missing.join(', ')} (did the security tests run?)`);
console.log(`security: ${total.cases} cases, ${total.falseAllows} false allows, ${total.falseDenies} false denies`);
if (missing.length > 0 || total.falseAllows > 0 || total.falseDenies > 0 || total.cases === 0) process.exit(1);
