// The benchmark: what the library costs beside hand-written aws-cdk-lib, and how close it gets to
// IAM's trust-policy limit. `npx projen bench` prints the tables and writes BENCHMARKS.md.
// BENCH_SMOKE=1 runs a tiny version (CI), BENCH_RUNS sets the samples per measurement.
// Times are medians of fresh processes, interleaved (library, hand, custom, library, ...).
import { execFileSync } from 'child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'fs';
import { cpus, platform, release } from 'os';
import { join } from 'path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../lib';
import { planTrust } from '../lib/private/trust-plan';
import { markdownTable } from '../test/support/markdown';

const root = join(__dirname, '..');
const smoke = process.env.BENCH_SMOKE === '1';
// A few percent of difference needs many samples on a noisy machine: 15 per size, 9 at 2,000 roles.
const runs = Number(process.env.BENCH_RUNS ?? (smoke ? 1 : 15));
const VARIANTS = ['library', 'hand', 'warned', 'subclass', 'custom'] as const;
type Variant = typeof VARIANTS[number];
const LABEL: Record<Variant, string> = {
  library: 'cdk-gitlab-oidc',
  hand: 'hand-written OidcProviderNative + Role',
  warned: 'hand-written, giving the library\'s two warnings per role',
  subclass: 'hand-written, with an empty subclass of iam.Role',
  custom: 'hand-written OpenIdConnectProvider (Lambda) + Role',
};
// 1 and 400 roles in one stack (CloudFormation's limit is 500 resources); 2,000 over five stacks.
const SIZES = smoke
  ? [{ roles: 1, perStack: 400, runs: 1 }, { roles: 20, perStack: 400, runs: 1 }]
  : [
    { roles: 1, perStack: 400, runs },
    { roles: 400, perStack: 400, runs },
    { roles: 2000, perStack: 400, runs: Math.ceil(runs * 0.6) },
  ];
/** The roles' trust (bench/synth-app.js): one project branch each, or a branch, a tag pattern and a group's any branch. */
const WORKLOADS = ['mixed', 'branch'] as const;
type Workload = typeof WORKLOADS[number];
const WORKLOAD_LABEL: Record<Workload, string> = {
  mixed: 'a project\'s main branch, its `v*` tags and any branch of a group\'s projects',
  branch: 'one project\'s main branch',
};
/** The variants each workload compares: only the mixed workload warns, so only it has a variant that warns too. */
const WORKLOAD_VARIANTS: Record<Workload, readonly Variant[]> = {
  mixed: VARIANTS,
  branch: VARIANTS.filter((v) => v !== 'warned'),
};

interface Sample {
  wall: number; ms: number; cpu: number; resources: number; bytes: number; assets: number; warnings: number; stacks: number; templateHash: string;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8'));
const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function sample(variant: Variant, roles: number, perStack: number, workload: Workload): Sample {
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [join(__dirname, 'synth-app.js'), variant, String(roles), String(perStack), workload], { cwd: root, encoding: 'utf8' });
  const wall = Number(process.hrtime.bigint() - started) / 1e6;
  return { wall, ...JSON.parse(out) };
}

// 1. Synth overhead, 2. template weight.
function synthBench(): { overhead: string; weight: string; notes: string[] } {
  const results = new Map<string, Sample[]>();
  for (let run = 0; run < Math.max(...SIZES.map((s) => s.runs)); run++) {
    for (const workload of WORKLOADS) {
      for (const size of SIZES) {
        if (run >= size.runs) continue;
        for (const variant of WORKLOAD_VARIANTS[workload]) {
          const key = `${workload}/${size.roles}/${variant}`;
          results.set(key, [...results.get(key) ?? [], sample(variant, size.roles, size.perStack, workload)]);
        }
      }
    }
  }
  const notes: string[] = [];
  const rows: string[][] = [];
  const worst: Record<Workload, { cpu: number; subclass: number; warned: number }> = {
    mixed: { cpu: 0, subclass: 0, warned: 0 }, branch: { cpu: 0, subclass: 0, warned: 0 },
  };
  for (const workload of WORKLOADS) {
    for (const size of SIZES) {
      const get = (v: Variant) => results.get(`${workload}/${size.roles}/${v}`)!;
      const variants = WORKLOAD_VARIANTS[workload].filter((v) => v !== 'custom');
      if (variants.some((v) => get(v)[0].templateHash !== get('library')[0].templateHash)) {
        throw new Error(`the hand-written variants no longer render the library's template at ${size.roles} roles (${workload})`);
      }
      if (WORKLOAD_VARIANTS[workload].includes('warned') && get('warned')[0].warnings !== get('library')[0].warnings) {
        throw new Error(`the variant that warns gives ${get('warned')[0].warnings} warnings, the library ${get('library')[0].warnings} (${size.roles} roles)`);
      }
      const hand = { cpu: median(get('hand').map((s) => s.cpu)), ms: median(get('hand').map((s) => s.ms)) };
      const libraryCpu = median(get('library').map((s) => s.cpu));
      for (const variant of WORKLOAD_VARIANTS[workload]) {
        const cpu = median(get(variant).map((s) => s.cpu));
        const ms = median(get(variant).map((s) => s.ms));
        if (variant === 'library') worst[workload].cpu = Math.max(worst[workload].cpu, cpu / hand.cpu);
        if (variant === 'subclass') worst[workload].subclass = Math.max(worst[workload].subclass, cpu / hand.cpu);
        if (variant === 'warned') worst[workload].warned = Math.max(worst[workload].warned, libraryCpu / cpu);
        rows.push([workload, fmt(size.roles), String(get(variant)[0].stacks), LABEL[variant], fmt(get(variant).length), fmt(cpu), fmt(ms),
          `${fmt(cpu / hand.cpu, 3)}`, `${fmt(ms / hand.ms, 3)}`]);
      }
    }
  }
  notes.push('The library and the hand-written variants (but the Lambda-backed one) synthesize byte-identical templates at every size (checked by ' +
    'hash); the variant that warns gives as many warnings as the library (counted in the manifest).');
  for (const workload of WORKLOADS) {
    notes.push(`Overhead goal on the ${workload} workload (at most 5% over hand-written, whole-process CPU): ${worst[workload].cpu <= 1.05 ? 'met' : 'NOT met'}; ` +
      `the worst size is ${fmt((worst[workload].cpu - 1) * 100, 1)}% (an empty subclass of iam.Role alone: ${fmt((worst[workload].subclass - 1) * 100, 1)}%).` +
      (WORKLOAD_VARIANTS[workload].includes('warned')
        ? ` Against the hand-written app that gives the same warnings, the library's worst size is ${fmt(Math.abs(worst[workload].warned - 1) * 100, 1)}% ` +
          `${worst[workload].warned >= 1 ? 'over' : 'under'} it.`
        : ''));
  }
  const weightRows = WORKLOAD_VARIANTS.branch.map((variant) => {
    const s = results.get(`branch/1/${variant}`)![0];
    return [LABEL[variant], fmt(s.resources), fmt(s.bytes), fmt(s.assets)];
  });
  return {
    overhead: markdownTable(['workload', 'roles', 'stacks', 'variant', 'samples', 'CPU ms (median)', 'build + synth ms (median)', 'CPU / hand', 'build + synth / hand'], rows),
    weight: markdownTable(['variant (1 role)', 'resources', 'template bytes', 'assets'], weightRows),
    notes,
  };
}

// 3. Trust-policy packing.
function packingBench(): string {
  const subjectsOf = (n: number, pathLength: number) => Array.from({ length: n }, (_, i) =>
    GitLabSubject.project(`g/${`p${i}`.padEnd(pathLength - 2, 'x')}`).branch('main'));
  const role = (n: number, pathLength: number, literalArn: boolean) => {
    const stack = new Stack(new App(), 'Pack');
    const provider = literalArn
      ? GitLabOidcProvider.fromProviderAttributes(stack, 'GitLab', { providerArn: 'arn:aws-us-gov:iam::123456789012:oidc-provider/gitlab.com' })
      : new GitLabOidcProvider(stack, 'GitLab');
    return { stack, role: new GitLabRunnerRole(stack, 'Role', { provider, subjects: subjectsOf(n, pathLength), trustPolicySizeLimit: 8192 }) };
  };
  const rows: string[][] = [];
  for (const pathLength of [20, 30, 40]) {
    const subLength = 'project_path::ref_type:branch:ref:main'.length + pathLength;
    const one = role(1, pathLength, false).role.trustPolicySize();
    const fixed = one - (subLength + 2); // the policy without its one quoted subject
    for (const limit of smoke ? [2048] : [2048, 4096, 8192]) {
      // Theoretical: a list of n subjects costs 2 brackets, n quoted subjects and n - 1 commas.
      const theoretical = Math.floor((limit - fixed - 1) / (subLength + 3));
      let lo = 1;
      let hi = 1000;
      while (lo < hi) {
        const mid = Math.ceil((lo + hi) / 2);
        if (role(mid, pathLength, false).role.trustPolicySize() <= limit) lo = mid; else hi = mid - 1;
      }
      const literal = role(lo, pathLength, true);
      const [resource] = Object.values(Template.fromStack(literal.stack).findResources('AWS::IAM::Role'));
      const actual = JSON.stringify(resource.Properties.AssumeRolePolicyDocument).length;
      rows.push([String(pathLength), fmt(limit), fmt(theoretical), fmt(lo), lo === theoretical ? 'yes' : 'no',
        `${fmt(literal.role.trustPolicySize())} / ${fmt(actual)}`, literal.role.trustPolicySize() === actual ? 'yes' : 'no']);
    }
  }
  return markdownTable(['path length', 'limit', 'theoretical max subjects', 'library fits', 'equal', 'estimate / resolved minified (literal inputs)', 'equal'], rows);
}

// 5. Trust planning at scale: planTrust alone, over mixed subjects.
const PLAN_SIZES = smoke ? [20, 80] : [100, 400, 2000];
/** `n` subjects of every kind: exact, ref patterns, group patterns that cover some exact ones, per-subject conditions. */
function mixedSubjects(n: number): GitLabSubject[] {
  const subjects: GitLabSubject[] = [];
  for (let i = 0; subjects.length < n; i++) {
    // Every fifth subject starts a new team: its group pattern (case 2) covers the team's exact tag (case 3).
    const group = `group${i % 13}`;
    const team = `group${Math.floor(i / 5) % 13}/team${Math.floor(i / 5)}`;
    switch (i % 5) {
      case 0: subjects.push(GitLabSubject.project(`${group}/app${i}`).branch('main')); break;
      case 1: subjects.push(GitLabSubject.project(`${group}/app${i}`).branch('release/*')); break;
      case 2: subjects.push(GitLabSubject.group(team).tag('v*')); break;
      case 3: subjects.push(GitLabSubject.project(`${team}/svc${i}`).tag('v1.2')); break;
      default: subjects.push(GitLabSubject.project(`${group}/svc${i}`).anyBranch().withClaimConditions({ userLogins: [`user${i % 7}`] }));
    }
  }
  return subjects;
}
/** `n` patterns under one group, which all share the literal prefix `project_path:g/`: `group('g').branch('r<i>/*')`. */
function sameGroupSubjects(n: number): GitLabSubject[] {
  return Array.from({ length: n }, (_, i) => GitLabSubject.group('g').branch(`r${i}/*`));
}
function planningBench(workload: (n: number) => GitLabSubject[]): string {
  const inputs = PLAN_SIZES.map((n) => ({ n, subjects: workload(n) }));
  const times = new Map<number, number[]>(PLAN_SIZES.map((n) => [n, []]));
  const rounds = smoke ? 2 : 31;
  // Sizes interleaved round by round; the first round warms the JIT and is not counted.
  for (let round = 0; round < rounds; round++) {
    for (const { n, subjects } of inputs) {
      const started = process.hrtime.bigint();
      planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined);
      if (round > 0) times.get(n)!.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  }
  const rows = inputs.map(({ n, subjects }, i) => {
    const ms = median(times.get(n)!);
    const plan = planTrust('gitlab.com', 'https://gitlab.com', subjects, undefined);
    if (i === 0) return [fmt(n), fmt(ms, 2), fmt(plan.statements.length), fmt(plan.covered.length), '', ''];
    const previous = inputs[i - 1].n;
    const growth = ms / median(times.get(previous)!);
    // Normalized to a 4-fold increase in subjects: growth ^ (log 4 / log(n / previous)).
    const per4x = growth ** (Math.log(4) / Math.log(n / previous));
    return [fmt(n), fmt(ms, 2), fmt(plan.statements.length), fmt(plan.covered.length), `${fmt(growth, 2)}× for ${fmt(n / previous)}× subjects`, `${fmt(per4x, 2)}×`];
  });
  return markdownTable(['subjects', 'planning (median ms)', 'statements', 'covered (left out)', 'growth', 'per 4× subjects (goal ≤ 5×)'], rows);
}

// 4. Package weight.
const IAM_CLASSES = "const { aws_iam: iam } = require('aws-cdk-lib'); iam.Role; iam.OidcProviderNative; iam.WebIdentityPrincipal";
function packageBench(): string {
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
  const manifest = readJson(join(root, 'package.json'));
  const requireRuns = smoke ? 1 : 15;
  const timeOf = (code: string) => {
    const started = process.hrtime.bigint();
    execFileSync(process.execPath, ['-e', code], { cwd: root });
    return Number(process.hrtime.bigint() - started) / 1e6;
  };
  const variants = {
    'aws-cdk-lib': "require('aws-cdk-lib')",
    // aws-cdk-lib loads its modules lazily: the baseline touches the classes a hand-written app uses.
    'aws-cdk-lib + aws_iam classes': IAM_CLASSES,
    'aws-cdk-lib + aws_iam classes + cdk-gitlab-oidc': `${IAM_CLASSES}; require('./lib')`,
  };
  const times: Record<string, number[]> = {};
  for (let i = 0; i < requireRuns; i++) {
    for (const [name, code] of Object.entries(variants)) (times[name] ??= []).push(timeOf(code));
  }
  const base = median(times['aws-cdk-lib + aws_iam classes']);
  const withLib = median(times['aws-cdk-lib + aws_iam classes + cdk-gitlab-oidc']);
  return markdownTable(['measure', 'value'], [
    ['npm pack size', `${fmt(pack.size)} bytes`],
    ['installed size (unpacked; no dependencies of its own)', `${fmt(pack.unpackedSize)} bytes in ${pack.files.length} files`],
    ['runtime dependencies', `${Object.keys(manifest.dependencies ?? {}).length} (peers: ${Object.keys(manifest.peerDependencies).join(', ')})`],
    ...Object.entries(times).map(([name, t]) => [`node process that requires ${name} (median of ${t.length})`, `${fmt(median(t))} ms`]),
    ['require() of the library on top of aws-cdk-lib and its IAM classes', `${fmt(withLib - base)} ms (${fmt(withLib / base, 3)}x)`],
  ]);
}

mkdirSync(join(root, 'test-reports'), { recursive: true });
// 6. The pipeline engine: synth of a 10-stage x 5-stack app with a GitLabCiPipeline, against the same app
// without one, interleaved in fresh processes; and the generated critical path against the graph's.
function pipelineBench(): string {
  const [stages, stacks] = smoke ? [2, 3] : [10, 5];
  const samples: Record<'pipeline' | 'plain', { ms: number; jobs?: number; criticalPath?: number; graphChain?: number; graphNodes?: number }[]> = { pipeline: [], plain: [] };
  for (let run = 0; run < runs; run++) {
    for (const variant of ['plain', 'pipeline'] as const) {
      const out = execFileSync(process.execPath, [join(__dirname, 'synth-pipeline.js'), variant, String(stages), String(stacks)], { cwd: root, encoding: 'utf8' });
      samples[variant].push(JSON.parse(out));
    }
  }
  const plain = median(samples.plain.map((s) => s.ms));
  const withPipeline = median(samples.pipeline.map((s) => s.ms));
  const shape = samples.pipeline[0];
  return [
    markdownTable(['app', 'samples', 'build + synth ms (median)', 'ratio'], [
      [`${stages} stages x ${stacks} stacks, no pipeline`, fmt(runs), fmt(plain), '1.000'],
      [`the same app with a GitLabCiPipeline (${shape.jobs} jobs)`, fmt(runs), fmt(withPipeline), fmt(withPipeline / plain, 3)],
    ]),
    '',
    `Critical path: the longest chain of \`needs:\` in the generated file is ${shape.criticalPath} jobs; the pipeline graph's longest chain ` +
      `is ${shape.graphChain} of its ${shape.graphNodes} nodes. The one job more is the check of the pipeline file, which every job after ` +
      'the synth job waits for; nothing else is serialised.',
  ].join('\n');
}

// 7. A realistic app's pipeline: its jobs and critical path, and what its deploy jobs download.
function pipelineAppBench(): string {
  const shape = JSON.parse(execFileSync(process.execPath, [join(__dirname, 'pipeline-app.js')], { cwd: root, encoding: 'utf8' }));
  const kb = (bytes: number) => `${fmt(bytes / 1024, 1)} KB`;
  return [
    markdownTable(['pipeline', 'jobs', 'longest chain of `needs:` (jobs)', 'pipeline graph\'s longest chain'], [
      ['a push to the deploy branch', fmt(shape.jobs.deploy), fmt(shape.chain.deploy), fmt(shape.chain.graph)],
      ['a merge request', fmt(shape.jobs.mergeRequest), fmt(shape.chain.mergeRequest), 'n/a'],
    ]),
    '',
    markdownTable(['what a deploy or diff job downloads', 'files', 'bytes', 'deflated (as in GitLab\'s zip)'], [
      ['before: the synth job\'s whole cloud assembly', fmt(shape.whole.files), kb(shape.whole.raw), kb(shape.whole.deflated)],
      ['now: the check job\'s, without the assets\' files', fmt(shape.templates.files), kb(shape.templates.raw), kb(shape.templates.deflated)],
    ]),
    '',
    `Each of the ${shape.deployJobs} deploy jobs downloads ${fmt(shape.whole.deflated / shape.templates.deflated, 1)} times less than before ` +
      `(${kb(shape.deployJobs * shape.whole.deflated)} then, ${kb(shape.deployJobs * shape.templates.deflated)} now, per pipeline); the asset ` +
      'jobs still download the whole assembly (they publish its files), and the image jobs the built images once built. ' +
      'Bytes of the assembly as synthesized, not of a runner\'s transfer. The deploy pipeline\'s chain is the graph\'s plus the check.',
  ].join('\n');
}

const cdkVersion = readJson(require.resolve('aws-cdk-lib/package.json')).version;
const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? 'unknown CPU'}), Node ${process.version}, ${platform()} ${release()}, aws-cdk-lib ${cdkVersion}`;
const today = new Date().toISOString().slice(0, 10);

/** Each section: its number and what renders it (heading, prose and the measured figures). */
const SECTIONS: [number, () => string][] = [
  [1, () => {
    const synth = synthBench();
    return `## 1. Synth overhead

The same app four ways (five on the mixed workload, below): with this library; with plain aws-cdk-lib written by hand to render the identical
template (\`iam.OidcProviderNative\` + \`iam.Role\` + \`WebIdentityPrincipal\`, one per statement); the same hand-written
app with an empty \`class extends iam.Role {}\` (what extending \`iam.Role\` costs by itself, as \`GitLabRunnerRole\`
does: the floor of any construct library's overhead); and with aws-cdk-lib's Lambda-backed
\`iam.OpenIdConnectProvider\`. Two workloads: each role trusts ${WORKLOAD_LABEL.mixed} (mixed: the
library warns twice per role, \`refPattern\` and \`anyRef\`, which the plain hand-written app does not; a second
hand-written app gives the same two warnings per role, as the library does, \`Annotations.addWarningV2\` without stack traces,
so that what aws-cdk-lib charges for the warnings (recording them, and writing and validating their manifest entries) is apart
from what the library adds), or ${WORKLOAD_LABEL.branch} (branch). Each sample is a fresh \`node\` process that builds the app and runs
\`app.synth()\`; samples are interleaved (library, hand, warned, subclass, custom, library, ...). "CPU" is the whole process's
user + system CPU time (\`process.resourceUsage()\` at its end: module loading, the JIT and the garbage collector
included), "build + synth" the wall time inside the process after \`require\`. Ratios are against the hand-written
variant. 2,000 roles: one stack with the provider and 400 roles, four more stacks that import the provider.

${synth.overhead}
${synth.notes.join('\n')}

## 2. Template weight

What one role costs at deploy time, per variant: the custom-resource provider adds a Lambda function, its
role and a code asset; the native resource adds nothing.

${synth.weight}`;
  }],
  [3, () => `## 3. Trust-policy packing

How many distinct subjects (\`GitLabSubject.project(path).branch('main')\`, paths of the given length) fit
under the trust-policy limit, against the theoretical maximum (limit minus the policy's fixed part, divided by
one subject's cost). The library's size estimate counts the provider ARN at its longest (\`aws-us-gov\`
partition); with literal inputs (an imported provider ARN) the estimate must equal the length of the resolved,
minified policy exactly.

${packingBench()}`],
  [4, () => `## 4. Package weight

${packageBench()}`],
  [5, () => `## 5. Trust planning at scale

How long \`planTrust\` (deduplication, covered-subject pruning, grouping into statements, rendering the
conditions) takes for one role's subjects: a fifth exact branches, a fifth branch patterns, a fifth group tag
patterns that cover the next fifth (exact tags of projects in those groups), and a fifth any-branch subjects with
conditions of their own. Median of ${smoke ? 1 : 30} in-process runs per size, sizes interleaved round by round
after one warm-up round. Candidates for covering a subject come from a prefix index (only a subject whose text
before its first wildcard starts another's can cover it) and a substring index (only one whose literal text after
its first wildcard occurs in the other's can), so the work grows about linearly.

${planningBench(mixedSubjects)}

The same for patterns under one group, \`GitLabSubject.group('g').branch('r<i>/*')\`: every subject shares the literal
prefix \`project_path:g/\`, so the prefix index alone would compare each with every other.

${planningBench(sameGroupSubjects)}`],
  [6, () => `## 6. The pipeline engine

What \`GitLabCiPipeline\` adds to an app's synth: an app of stages of stacks (in each stage, stack *k* depends on
stack *(k - 1) / 2*, a binary tree; the first has a file asset; each stage has a post step), synthesized in fresh
processes with a \`GitLabCiPipeline\` over its stages and without one, interleaved (no pipeline, pipeline, ...).
Both synthesize every stage's stacks; the pipeline also builds the pipeline graph, renders every job and writes the
file and its copy.

${pipelineBench()}`],
  [7, () => `## 7. A realistic app's pipeline

The jobs, the critical path and the downloads of a realistic app (bench/pipeline-app.js): Beta (a database stack;
a site stack with a Lambda function whose code is ajv's \`dist\` folder, a Docker image asset, and an output a smoke
test reads), then a Prod wave of two regions behind an approval with a role of its own, and a \`cdk diff\` per stage
in merge requests. Counts and bytes, the same in every run: one synth, no timing.

${pipelineAppBench()}`],
];

// BENCH_ONLY=7 (or 6,7) measures those sections and keeps the others as BENCHMARKS.md has them, with their dates.
const only = process.env.BENCH_ONLY?.split(',').map(Number);
const published = only && existsSync(join(root, 'BENCHMARKS.md')) ? readFileSync(join(root, 'BENCHMARKS.md'), 'utf8') : '';
/** A section as BENCHMARKS.md has it (sections 1 and 2 are measured together, so they are kept together). */
const keptSection = (n: number) => {
  const from = published.indexOf(`\n## ${n}. `);
  const next = published.slice(from + 1).search(/\n## (?!2\. )\d+\. /);
  if (from < 0) throw new Error(`BENCHMARKS.md has no section ${n} to keep: run the whole benchmark`);
  return published.slice(from + 1, next < 0 ? undefined : from + 1 + next).trimEnd();
};
/** The published header without its notes of earlier partial runs whose sections this run measures again. */
const keptHeader = () => published.slice(0, published.indexOf('\n## 1. ')).trimEnd().split('\n').filter((line) => {
  const measured = /^Sections? ([\d, ]+) measured again on /.exec(line)?.[1].split(', ').map(Number);
  return !measured?.every((n) => only!.includes(n));
}).join('\n');
const header = only
  ? keptHeader() + `\nSection${only.length > 1 ? 's' : ''} ${only.join(', ')} measured again on ${today} (\`BENCH_ONLY=${only.join(',')}\`).`
  : `# Benchmarks

Produced by \`npx projen bench\` (bench/run.ts) on ${today}${smoke ? ' (smoke run: tiny sizes, one sample)' : ''}.
Machine: ${machine}. Machines are noisy: compare medians and ratios, not single absolute times.`;
const report = [header, ...SECTIONS.map(([n, render]) => (!only || only.includes(n) ? render() : keptSection(n)).trimEnd())].join('\n\n') + '\n';

// A smoke run proves the benchmark works; only a full run (or a BENCH_ONLY one) replaces the published figures.
writeFileSync(smoke ? join(root, 'test-reports', 'bench-smoke.md') : join(root, 'BENCHMARKS.md'), report);
process.stdout.write(report);
