// The pipeline graph as CDK Pipelines builds it, and the order a pipeline file's `needs:` give its jobs:
// the reference the generated file is checked against.
import { PipelineGraph } from 'aws-cdk-lib/pipelines/lib/helpers-internal';
import { GitLabCiPipeline } from '../../../src';

type Node = ReturnType<PipelineGraph['graph']['allLeaves']>['nodes'][number];

export interface GraphOrder {
  /** Each leaf's unique ID, with the IDs of the leaves it waits for, directly or not. */
  readonly ancestors: Map<string, Set<string>>;
  /** Each leaf's unique ID, with the leaves it waits for directly (groups as their leaves). */
  readonly direct: Map<string, Set<string>>;
  /** Each leaf's node. */
  readonly nodes: Map<string, Node>;
  /** The number of leaves on the longest chain. */
  readonly longestChain: number;
}

/** The graph the engine renders, built again from the same pipeline and the same options. */
export function graphOrder(pipeline: GitLabCiPipeline): GraphOrder {
  const graph = new PipelineGraph(pipeline, { selfMutation: false, publishTemplate: false, prepareStep: false });
  const leaves = graph.graph.sortedLeaves().flat();
  const direct = new Map<string, Set<string>>();
  const nodes = new Map<string, Node>();
  for (const leaf of leaves) {
    nodes.set(leaf.uniqueId, leaf);
    direct.set(leaf.uniqueId, new Set(leaf.allDeps.flatMap((dep) => 'allLeaves' in dep ? (dep as any).allLeaves().nodes : [dep]).map((d: Node) => d.uniqueId)));
  }
  return { direct, nodes, ...closure(leaves.map((leaf) => leaf.uniqueId), direct) };
}

/** Jobs and what they wait for, as `needs:` say. */
export function needsOrder(doc: Record<string, any>): Omit<GraphOrder, 'nodes'> {
  const jobs = Object.keys(doc).filter((name) => !name.startsWith('.') && name !== 'stages');
  const direct = new Map(jobs.map((name) => [name, new Set<string>((doc[name].needs ?? []).map((need: { job: string }) => need.job))]));
  return { direct, ...closure(topological(jobs, direct), direct) };
}

function closure(order: string[], direct: Map<string, Set<string>>): { ancestors: Map<string, Set<string>>; longestChain: number } {
  const ancestors = new Map<string, Set<string>>();
  const depth = new Map<string, number>();
  for (const id of order) {
    const all = new Set<string>();
    let deepest = 0;
    for (const dep of direct.get(id)!) {
      all.add(dep);
      ancestors.get(dep)!.forEach((a) => all.add(a));
      deepest = Math.max(deepest, depth.get(dep)!);
    }
    ancestors.set(id, all);
    depth.set(id, deepest + 1);
  }
  return { ancestors, longestChain: Math.max(0, ...depth.values()) };
}

function topological(jobs: string[], direct: Map<string, Set<string>>): string[] {
  const order: string[] = [];
  const done = new Set<string>();
  const visit = (job: string, path: string[]) => {
    if (done.has(job)) return;
    if (path.includes(job)) throw new Error(`needs: form a cycle: ${[...path, job].join(' -> ')}`);
    const deps = direct.get(job);
    if (!deps) throw new Error(`needs: names a job that does not exist: ${job}`);
    deps.forEach((dep) => visit(dep, [...path, job]));
    done.add(job);
    order.push(job);
  };
  jobs.forEach((job) => visit(job, []));
  return order;
}
