// Writes TEST-STRENGTH.md from Stryker's JSON report (mutation/report.json): per file in src/, how many
// mutants the tests detected (killed or timed out) out of those that count, the survivors with where
// they are, and the mutants marked equivalent in the code (`// Stryker disable …: reason`) with the reason.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { markdownTable } from '../test/support/markdown';

interface Mutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly location: { start: { line: number; column: number } };
}
interface Report { files: Record<string, { source: string; mutants: Mutant[] }> }

const root = join(__dirname, '..');
const reportFile = join(root, 'mutation', 'report.json');
if (!existsSync(reportFile)) throw new Error(`no Stryker report at ${reportFile}: run \`npx projen mutation\``);
const report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;

const DETECTED = ['Killed', 'Timeout'];
const percent = (detected: number, counted: number) => `${counted ? ((100 * detected) / counted).toFixed(1) : '100.0'}%`;
const UNDETECTED = ['Survived', 'NoCoverage'];
const rows: string[][] = [];
const survivors: string[] = [];
const equivalent: string[] = [];
let detectedTotal = 0;
let countedTotal = 0;
// Results for files that no longer exist (their code moved since the last run) are left out and named.
const gone = Object.keys(report.files).filter((file) => !existsSync(join(root, file))).sort();
const current = Object.entries(report.files).filter(([file]) => !gone.includes(file));
const changed: string[] = [];
for (const [file, { source, mutants }] of current.sort(([a], [b]) => a.localeCompare(b))) {
  // Figures for a file whose code changed since it was measured describe the old code: marked as such.
  if (readFileSync(join(root, file), 'utf8') !== source) changed.push(file);
  const detected = mutants.filter((m) => DETECTED.includes(m.status)).length;
  const counted = detected + mutants.filter((m) => UNDETECTED.includes(m.status)).length;
  detectedTotal += detected;
  countedTotal += counted;
  const ignored = mutants.filter((m) => m.status === 'Ignored');
  rows.push([changed.includes(file) ? `${file} (changed since)` : file, `${detected} / ${counted}`, percent(detected, counted), String(ignored.length)]);
  for (const m of mutants.filter((x) => UNDETECTED.includes(x.status))) {
    survivors.push(`- ${file}:${m.location.start.line}:${m.location.start.column} ${m.mutatorName} → \`${(m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80)}\` (${m.status})`);
  }
  for (const m of ignored) equivalent.push(`- ${file}:${m.location.start.line} ${m.mutatorName}: ${m.statusReason ?? 'no reason given'}`);
}

// Files Stryker mutates (src/, less the files stryker.config.json excludes with "!") with no results yet.
const excluded = (JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8')).mutate as string[])
  .filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
const sources = (dir: string): string[] => readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
  (entry.isDirectory() ? sources(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : []));
const isExcluded = (file: string) => excluded.some((pattern) => (pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : file === pattern));
const unmeasured = sources('src').filter((file) => !isExcluded(file) && !(file in report.files)).sort();

writeFileSync(join(root, 'TEST-STRENGTH.md'), `# Test strength

Produced by \`npx projen mutation\` (Stryker, jest runner, per-test coverage, incremental) on ${new Date().toISOString().slice(0, 10)}.
"Detected" counts mutants the tests killed or that timed out; mutants marked equivalent in the code
(\`// Stryker disable …: reason\`) are left out of the count and listed below with their reason.

${markdownTable(['file', 'detected / total', 'score', 'equivalent (excluded)'], [
    ...rows, ['**all**', `**${detectedTotal} / ${countedTotal}**`, `**${percent(detectedTotal, countedTotal)}**`, ''],
  ]).trimEnd()}

Not in the report (not measured yet, or a file of types with nothing to mutate): ${unmeasured.length ? unmeasured.map((f) => `\`${f}\``).join(', ') : 'none'}.
${changed.length ? `\n"(changed since)": the file's code changed after it was measured, so its figures describe the code it had then; ` +
  '`npx projen mutation` measures it again.\n' : ''}${gone.length ? `\nLeft out: results for files that no longer exist (their code moved; a full \`npx projen mutation\` measures it where it is now): ${gone.map((f) => `\`${f}\``).join(', ')}.\n` : ''}

## Survivors

${survivors.length ? survivors.join('\n') : 'None.'}

## Equivalent mutants

${equivalent.length ? equivalent.join('\n') : 'None.'}
`);
console.log(`test strength: ${detectedTotal} of ${countedTotal} mutants detected`);
