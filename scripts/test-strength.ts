// Writes TEST-STRENGTH.md from Stryker's results: per file in src/, how many mutants the tests detected (killed
// or timed out) out of those that count, when and at which commit it was measured, the survivors with where they
// are, and the mutants marked equivalent in the code (`// Stryker disable …: reason`) with the reason.
// A run may measure some files only (`npx stryker run --mutate <files>`): its report (mutation/report.json) also holds
// the other files' earlier results, as far as Stryker could reuse them, so only the files named here are taken from it:
//   scripts/test-strength.ts [--commit <the commit the run measured>] [<the files it mutated>...]
// (no files: a run over the whole of src/). They are merged into the record of every file's last run
// (mutation/incremental.json, which Stryker also reads to skip unchanged mutants), with the date and commit of each
// file's run (mutation/measured.json).
import { execFileSync } from 'child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
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
const recordFile = join(root, 'mutation', 'incremental.json');
const measuredFile = join(root, 'mutation', 'measured.json');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const record = (existsSync(recordFile) ? readJson(recordFile) : { files: {} }) as Report;
const measured = (existsSync(measuredFile) ? readJson(measuredFile) : {}) as Record<string, { date: string; commit: string }>;
const args = process.argv.slice(2);
const commitArg = args.indexOf('--commit');
const runCommit = commitArg >= 0 ? args.splice(commitArg, 2)[1] : undefined;
if (existsSync(reportFile)) {
  // The files this run mutated replace their earlier results; the others keep theirs.
  const run = readJson(reportFile) as Report;
  const date = new Date().toISOString().slice(0, 10);
  const commit = runCommit ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const mutated = args.length > 0 ? args : Object.keys(run.files);
  const missing = mutated.filter((file) => !(file in run.files));
  if (missing.length > 0) throw new Error(`the run's report has no results for ${missing.join(', ')}`);
  for (const [file, result] of Object.entries(run.files).filter(([name]) => mutated.includes(name))) {
    record.files[file] = result;
    measured[file] = { date, commit };
  }
  writeFileSync(recordFile, JSON.stringify({ ...run, files: record.files }));
  writeFileSync(measuredFile, `${JSON.stringify(Object.fromEntries(Object.entries(measured).sort(([a], [b]) => a.localeCompare(b))), undefined, 2)}\n`);
  // Merged once: a second call must not date these results again.
  rmSync(reportFile);
}
const report = record;

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
  const when = measured[file] ? `${measured[file].date} (${measured[file].commit})` : 'before 2026-12-03';
  rows.push([changed.includes(file) ? `${file} (changed since)` : file, `${detected} / ${counted}`, percent(detected, counted), String(ignored.length), when]);
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

Produced by \`npx projen mutation\` (Stryker, jest runner, per-test coverage, incremental, stryker.config.json as
committed); each file's row is from its last run, whose date and commit it names. "Detected" counts mutants the
tests killed or that timed out; mutants marked equivalent in the code (\`// Stryker disable next-line <mutator>:
reason\`) are left out of the count and listed below with their reason.

${markdownTable(['file', 'detected / total', 'score', 'equivalent (excluded)', 'measured'], [
    ...rows, ['**all**', `**${detectedTotal} / ${countedTotal}**`, `**${percent(detectedTotal, countedTotal)}**`, '', ''],
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
