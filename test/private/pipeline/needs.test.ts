// pipelineNeeds: when not every job runs in every pipeline, each job present in a pipeline still waits, through its
// needs present there, for exactly the jobs present there that the graph puts before it; a need is optional exactly
// where a pipeline the job runs in lacks it (GitLab then ignores it).
import * as fc from 'fast-check';
import { pipelineNeeds, reducedPredecessors } from '../../../src/private/pipeline/needs';

const KINDS = ['push', 'schedule', 'tag'];

/** A random graph of jobs in order, each after some earlier ones, each in some kinds of pipeline (or all). */
const graphs = fc.integer({ min: 1, max: 12 }).chain((n) => fc.record({
  after: fc.tuple(...Array.from({ length: n }, (_, i) => fc.subarray(Array.from({ length: i }, (__, j) => j)))),
  presence: fc.tuple(...Array.from({ length: n }, () => fc.option(fc.subarray(KINDS, { minLength: 1 }), { nil: undefined }))),
}));

test('property: in each kind of pipeline, every job present waits for exactly the jobs present that the graph puts before it', () => {
  fc.assert(fc.property(graphs, ({ after, presence }) => {
    const jobs = after.map((_, i) => `j${i}`);
    const afterMap = new Map(after.map((preds, i) => [jobs[i], new Set(preds.map((p) => jobs[p]))]));
    const presentIn = new Map<string, Set<string>>();
    presence.forEach((kinds, i) => kinds && presentIn.set(jobs[i], new Set(kinds)));
    const present = (job: string, kind: string) => presentIn.get(job)?.has(kind) ?? true;
    const needs = pipelineNeeds(jobs, afterMap, KINDS, presentIn);
    const closure = (job: string, edges: (j: string) => string[]): Set<string> => {
      const found = new Set<string>();
      const visit = (j: string) => edges(j).forEach((p) => { if (!found.has(p)) { found.add(p); visit(p); } });
      visit(job);
      return found;
    };
    for (const kind of KINDS) {
      for (const job of jobs.filter((j) => present(j, kind))) {
        const expected = [...closure(job, (j) => [...afterMap.get(j)!])].filter((p) => present(p, kind)).sort();
        // GitLab ignores an optional need whose job the pipeline lacks.
        const waited = [...closure(job, (j) => needs.get(j)!.filter((need) => present(need.job, kind)).map((need) => need.job))].sort();
        expect([kind, job, waited]).toEqual([kind, job, expected]);
      }
    }
    for (const job of jobs) {
      for (const need of needs.get(job)!) {
        const lacking = KINDS.some((kind) => present(job, kind) && !present(need.job, kind));
        expect([job, need.job, need.optional]).toEqual([job, need.job, lacking]);
      }
    }
  }), { numRuns: 300, seed: 20261203 });
});

test('with one kind of pipeline and every job in it, the needs are the reduced predecessors, none optional', () => {
  fc.assert(fc.property(graphs, ({ after }) => {
    const jobs = after.map((_, i) => `j${i}`);
    const afterMap = new Map(after.map((preds, i) => [jobs[i], new Set(preds.map((p) => jobs[p]))]));
    const needs = pipelineNeeds(jobs, afterMap, ['push'], new Map());
    const reduced = reducedPredecessors(jobs, afterMap);
    for (const job of jobs) expect(needs.get(job)).toEqual(reduced.get(job)!.map((name) => ({ job: name, optional: false })));
  }), { numRuns: 200, seed: 20261203 });
});

test('property: no need is one another need of the same job already waits for, however long the path between them', () => {
  fc.assert(fc.property(graphs, ({ after }) => {
    const jobs = after.map((_, i) => `j${i}`);
    const afterMap = new Map(after.map((preds, i) => [jobs[i], new Set(preds.map((p) => jobs[p]))]));
    const reduced = reducedPredecessors(jobs, afterMap);
    const ancestors = (job: string): Set<string> => new Set([...afterMap.get(job)!].flatMap((p) => [p, ...ancestors(p)]));
    for (const job of jobs) {
      const needs = reduced.get(job)!;
      for (const need of needs) expect([job, need, needs.filter((other) => ancestors(other).has(need))]).toEqual([job, need, []]);
    }
  }), { numRuns: 200, seed: 20261203 });
});

test('an edge a path of three jobs implies is dropped', () => {
  const after = new Map([['a', new Set<string>()], ['b', new Set(['a'])], ['c', new Set(['b'])], ['d', new Set(['a', 'c'])]]);
  expect(reducedPredecessors(['a', 'b', 'c', 'd'], after).get('d')).toEqual(['c']);
});

test('a job the map does not list has no predecessors', () => {
  const needs = pipelineNeeds(['a', 'b'], new Map([['b', new Set(['a'])]]), ['push'], new Map());
  expect(Object.fromEntries(needs)).toEqual({ a: [], b: [{ job: 'a', optional: false }] });
});

test('reducing: a job the map does not list has no predecessors', () => {
  expect(Object.fromEntries(reducedPredecessors(['a', 'b'], new Map([['b', new Set(['a'])]])))).toEqual({ a: [], b: ['a'] });
});

test('a need is listed once, however many kinds of pipeline give it', () => {
  const needs = pipelineNeeds(['a', 'b'], new Map([['a', new Set<string>()], ['b', new Set(['a'])]]), ['push', 'tag'], new Map());
  expect(Object.fromEntries(needs)).toEqual({ a: [], b: [{ job: 'a', optional: false }] });
});

test('a job gets only the needs of the kinds it runs in: what a kind it is absent from would give it is not added', () => {
  // t runs in tag pipelines only; m, which the graph puts before it, in push pipelines only: in a tag pipeline t waits
  // for check through m. Were t reduced in push pipelines too, it would also need m (optional).
  const after = new Map([['check', new Set<string>()], ['m', new Set(['check'])], ['t', new Set(['m'])]]);
  const needs = pipelineNeeds(['check', 'm', 't'], after, ['push', 'tag'], new Map([['m', new Set(['push'])], ['t', new Set(['tag'])]]));
  expect(needs.get('t')).toEqual([{ job: 'check', optional: false }]);
  expect(needs.get('m')).toEqual([{ job: 'check', optional: false }]);
});

test('a job listed before a job it waits for is an internal error that names both', () => {
  expect(() => reducedPredecessors(['b', 'a'], new Map([['b', new Set(['a'])], ['a', new Set<string>()]])))
    .toThrow('internal: a is not before b');
});
