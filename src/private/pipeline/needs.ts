// The `needs:` of each job: the fewest predecessors that give exactly the graph's order.

/**
 * For each job, its direct predecessors without those another predecessor already waits for: GitLab
 * starts a job when all its `needs:` have finished, so an edge that a longer path implies changes
 * nothing but counts against GitLab's limit of 50 needs a job.
 * @param jobs the job names, each after every job it waits for
 * @param after each job's predecessors
 */
export function reducedPredecessors(jobs: readonly string[], after: ReadonlyMap<string, ReadonlySet<string>>): Map<string, string[]> {
  const ancestors = new Map<string, Set<string>>();
  const reduced = new Map<string, string[]>();
  for (const job of jobs) {
    const direct = [...after.get(job) ?? []];
    const all = new Set<string>();
    for (const predecessor of direct) {
      const above = ancestors.get(predecessor);
      if (!above) throw new Error(`internal: ${predecessor} is not before ${job}`);
      all.add(predecessor);
      above.forEach((name) => all.add(name));
    }
    ancestors.set(job, all);
    // A job is never its own ancestor, so `d` is never dropped for itself.
    reduced.set(job, direct.filter((d) => !direct.some((other) => ancestors.get(other)!.has(d))));
  }
  return reduced;
}

/** A job's `needs:` entry: the job, and whether it may be absent from a pipeline the needing job runs in. */
export interface Need {
  readonly job: string;
  readonly optional: boolean;
}

/**
 * The needs of each job when not every job runs in every pipeline (a stage deployed from tags, another from the
 * deploy branch): in each kind of pipeline, each job present waits for its predecessors present there, through
 * those absent (so no job loses a wait, the check's above all, when the job between is absent); the needs are
 * reduced there; a job's needs are those of every kind it runs in, optional where a kind it runs in lacks one.
 * With one kind of pipeline, these are `reducedPredecessors`, none optional.
 * @param jobs the job names, each after every job it waits for
 * @param after each job's predecessors
 * @param kinds the kinds of pipeline
 * @param presentIn the kinds each job runs in; a job not in the map runs in every kind
 */
export function pipelineNeeds(
  jobs: readonly string[],
  after: ReadonlyMap<string, ReadonlySet<string>>,
  kinds: readonly string[],
  presentIn: ReadonlyMap<string, ReadonlySet<string>>,
): Map<string, Need[]> {
  const present = (job: string, kind: string) => presentIn.get(job)?.has(kind) ?? true;
  const needed = new Map<string, string[]>(jobs.map((job) => [job, []]));
  for (const kind of kinds) {
    const inKind = jobs.filter((job) => present(job, kind));
    // A present job's predecessors in this kind: each present predecessor, and an absent one's, recursively.
    const bypassed = new Map<string, Set<string>>();
    for (const job of jobs) {
      const through = new Set<string>();
      for (const predecessor of after.get(job) ?? []) {
        if (present(predecessor, kind)) through.add(predecessor);
        else bypassed.get(predecessor)!.forEach((p) => through.add(p));
      }
      bypassed.set(job, through);
    }
    const reduced = reducedPredecessors(inKind, new Map(inKind.map((job) => [job, bypassed.get(job)!])));
    for (const [job, predecessors] of reduced) {
      const list = needed.get(job)!;
      for (const predecessor of predecessors) {
        if (!list.includes(predecessor)) list.push(predecessor);
      }
    }
  }
  // Optional where a kind the job runs in lacks the job it needs.
  const optional = (job: string, name: string) => kinds.some((kind) => present(job, kind) && !present(name, kind));
  return new Map([...needed].map(([job, list]) => [job, list.map((name) => ({ job: name, optional: optional(job, name) }))]));
}
