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
    reduced.set(job, direct.filter((d) => !direct.some((other) => other !== d && ancestors.get(other)!.has(d))));
  }
  return reduced;
}
