// Writes TEST-STRENGTH.md from Stryker's results: per file in src/, how many mutants the tests detected (killed
// or timed out) out of those that count, when and at which commit it was measured, the survivors with where they
// are, and the mutants marked equivalent in the code (`// Stryker disable …: reason`) with the reason.
// A run may measure some files only (`npx stryker run --mutate <files>`): its report (mutation/report.json) also holds
// the other files' earlier results, remapped by Stryker onto their current code, so only the files named here are
// taken from it:
//   scripts/test-strength.ts [--commit <the commit the run measured>] [<the files it mutated>...]
// (no files: a run over the whole of src/). Each is recorded in mutation/measured.json with its run's date and commit,
// the SHA-256 of the code it measured, how many mutants the tests detected, and the survivors and equivalent mutants;
// the other files keep their records. The record is this
// script's own: Stryker rewrites its incremental file (mutation/incremental.json, which it reads to skip unchanged
// mutants) at the end of every run, partial ones included.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { join } from 'path';
import { markdownTable } from '../test/support/markdown';

/** A mutant as Stryker reports it (the fields used here). */
interface ReportedMutant {
  readonly mutatorName: string;
  readonly replacement?: string;
  readonly status: string;
  readonly statusReason?: string;
  readonly location: { start: { line: number; column: number } };
}
interface Report { files: Record<string, { source: string; mutants: ReportedMutant[] }> }

/** One file's last measurement. */
interface Measurement {
  readonly date: string;
  /** The commit the run measured (absent for runs recorded before commits were). */
  readonly commit?: string;
  /** SHA-256 of the code the run measured: a file whose code differs now is marked "(changed since)". */
  readonly sourceSha256: string;
  /** Mutants the tests killed or that timed out. */
  readonly detected: number;
  /** Mutants that survived or that no test reached, where they are and what they changed. */
  readonly survivors: readonly { line: number; column: number; mutator: string; replacement: string; status: string }[];
  /** Mutants marked equivalent in the code, with the reason given there. */
  readonly equivalent: readonly { line: number; mutator: string; reason: string }[];
}

const root = join(__dirname, '..');
const reportFile = join(root, 'mutation', 'report.json');
const measuredFile = join(root, 'mutation', 'measured.json');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const DETECTED = ['Killed', 'Timeout'];
const UNDETECTED = ['Survived', 'NoCoverage'];

/** A file's record from the run's report, in line order. */
function measurement({ source, mutants }: Report['files'][string], date: string, commit: string): Measurement {
  const inOrder = [...mutants].sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column ||
    a.mutatorName.localeCompare(b.mutatorName) || (a.replacement ?? '').localeCompare(b.replacement ?? ''));
  return {
    date,
    commit,
    sourceSha256: sha256(source),
    detected: mutants.filter((m) => DETECTED.includes(m.status)).length,
    survivors: inOrder.filter((m) => UNDETECTED.includes(m.status)).map((m) => ({
      line: m.location.start.line, column: m.location.start.column, mutator: m.mutatorName, replacement: (m.replacement ?? '').replace(/\s+/g, ' ').slice(0, 80), status: m.status,
    })),
    equivalent: inOrder.filter((m) => m.status === 'Ignored').map((m) => ({ line: m.location.start.line, mutator: m.mutatorName, reason: m.statusReason ?? 'no reason given' })),
  };
}

const measured = (existsSync(measuredFile) ? readJson(measuredFile) : {}) as Record<string, Measurement>;
const args = process.argv.slice(2);
const commitArg = args.indexOf('--commit');
const runCommit = commitArg >= 0 ? args.splice(commitArg, 2)[1] : undefined;
if (existsSync(reportFile)) {
  // The files this run mutated replace their earlier records; the others keep theirs.
  const run = readJson(reportFile) as Report;
  const date = new Date().toISOString().slice(0, 10);
  const commit = runCommit ?? execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const mutated = args.length > 0 ? args : Object.keys(run.files);
  const missing = mutated.filter((file) => !(file in run.files));
  if (missing.length > 0) throw new Error(`the run's report has no results for ${missing.join(', ')}`);
  for (const file of mutated) {
    measured[file] = measurement(run.files[file], date, commit);
  }
  writeFileSync(measuredFile, `${JSON.stringify(Object.fromEntries(Object.entries(measured).sort(([a], [b]) => a.localeCompare(b))), undefined, 1)}\n`);
  // Merged once: a second call must not date these results again.
  rmSync(reportFile);
}

const percent = (detected: number, counted: number) => `${counted ? ((100 * detected) / counted).toFixed(1) : '100.0'}%`;
const rows: string[][] = [];
const survivors: string[] = [];
const equivalent: string[] = [];
let detectedTotal = 0;
let countedTotal = 0;
// Records of files that no longer exist (their code moved since it was measured) are left out and named.
const gone = Object.keys(measured).filter((file) => !existsSync(join(root, file))).sort();
const changed: string[] = [];
for (const [file, record] of Object.entries(measured).filter(([name]) => !gone.includes(name))) {
  // Figures for a file whose code changed since it was measured describe the old code: marked as such.
  if (sha256(readFileSync(join(root, file), 'utf8')) !== record.sourceSha256) changed.push(file);
  const counted = record.detected + record.survivors.length;
  detectedTotal += record.detected;
  countedTotal += counted;
  rows.push([changed.includes(file) ? `${file} (changed since)` : file, `${record.detected} / ${counted}`, percent(record.detected, counted),
    String(record.equivalent.length), record.commit ? `${record.date} (${record.commit})` : record.date]);
  for (const m of record.survivors) survivors.push(`- ${file}:${m.line}:${m.column} ${m.mutator} → \`${m.replacement}\` (${m.status})`);
  for (const m of record.equivalent) equivalent.push(`- ${file}:${m.line} ${m.mutator}: ${m.reason}`);
}

// Files Stryker mutates (src/, less the files stryker.config.json excludes with "!") with no results yet.
const excluded = (JSON.parse(readFileSync(join(root, 'stryker.config.json'), 'utf8')).mutate as string[])
  .filter((pattern) => pattern.startsWith('!')).map((pattern) => pattern.slice(1));
const sources = (dir: string): string[] => readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) =>
  (entry.isDirectory() ? sources(`${dir}/${entry.name}`) : entry.name.endsWith('.ts') ? [`${dir}/${entry.name}`] : []));
const isExcluded = (file: string) => excluded.some((pattern) => (pattern.endsWith('/**') ? file.startsWith(pattern.slice(0, -2)) : file === pattern));
const unmeasured = sources('src').filter((file) => !isExcluded(file) && !(file in measured)).sort();

writeFileSync(join(root, 'TEST-STRENGTH.md'), `# Test strength

Produced by \`npx projen mutation\` (Stryker, jest runner, per-test coverage, incremental, stryker.config.json as
committed) and \`scripts/test-strength.ts\`; each file's row is from its last run, whose date and commit it names
(mutation/measured.json holds each run's results). "Detected" counts mutants the tests killed or that timed out;
mutants marked equivalent in the code (\`// Stryker disable next-line <mutator>: reason\`) are left out of the count
and listed below with their reason.

${markdownTable(['file', 'detected / total', 'score', 'equivalent (excluded)', 'measured'], [
  ...rows, ['**all**', `**${detectedTotal} / ${countedTotal}**`, `**${percent(detectedTotal, countedTotal)}**`, '', ''],
]).trimEnd()}

Not measured yet (or a file of types with nothing to mutate): ${unmeasured.length ? unmeasured.map((f) => `\`${f}\``).join(', ') : 'none'}.
${changed.length ? '\n"(changed since)": the file\'s code changed after it was measured, so its figures describe the code it had then; ' +
  '`npx projen mutation` measures it again.\n' : ''}${gone.length ? `\nLeft out: results for files that no longer exist (their code moved; a full \`npx projen mutation\` measures it where it is now): ${gone.map((f) => `\`${f}\``).join(', ')}.\n` : ''}

## Survivors

${survivors.length ? survivors.join('\n') : 'None.'}

## Equivalent mutants

${equivalent.length ? equivalent.join('\n') : 'None.'}
`);
console.log(`test strength: ${detectedTotal} of ${countedTotal} mutants detected`);
