// The pipeline graph as CDK Pipelines builds it, and the order a pipeline file's `needs:` give its jobs:
// the reference the generated file is checked against.
import { pipelines } from 'aws-cdk-lib';
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

/**
 * The graph the engine renders, built again from the same pipeline and the same options, with the one
 * thing the engine adds: each asset node is published once per stage whose stacks use it (`<node>-<stage>`),
 * after the manual approvals that every deployment of that stage waits for.
 */
export function graphOrder(pipeline: GitLabCiPipeline): GraphOrder {
  const graph = new PipelineGraph(pipeline, { selfMutation: false, publishTemplate: false, prepareStep: false });
  const leaves = graph.graph.sortedLeaves().flat();
  const direct = new Map<string, Set<string>>();
  const nodes = new Map<string, Node>();
  for (const leaf of leaves) {
    nodes.set(leaf.uniqueId, leaf);
    direct.set(leaf.uniqueId, new Set(leaf.allDeps.flatMap((dep) => 'allLeaves' in dep ? (dep as any).allLeaves().nodes : [dep]).map((d: Node) => d.uniqueId)));
  }
  const order = leaves.map((leaf) => leaf.uniqueId);
  const { ancestors } = closure(order, direct);
  const stageOf = (stack: pipelines.StackDeployment) => pipeline.waves.flatMap((w) => w.stages).find((s) => s.stacks.includes(stack))!;
  const stages = pipeline.waves.flatMap((w) => w.stages);
  // A step's stage: the nearest enclosing group named after a stage.
  const stepStage = (leaf: Node) => {
    for (let group = leaf.parentGraph; group; group = group.parentGraph) {
      const found = stages.find((s) => s.stageName === group!.id);
      if (found) return found;
    }
    return undefined;
  };
  const deploysOf = new Map<pipelines.StageDeployment, string[]>();
  const usersOf = new Map<pipelines.StageDeployment, string[]>();
  for (const leaf of leaves) {
    const stage = leaf.data?.type === 'execute' ? stageOf(leaf.data.stack) : stepStage(leaf);
    if (!stage) continue;
    if (leaf.data?.type === 'execute') deploysOf.set(stage, [...deploysOf.get(stage) ?? [], leaf.uniqueId]);
    usersOf.set(stage, [...usersOf.get(stage) ?? [], leaf.uniqueId]);
  }
  const isApproval = (id: string) => nodes.get(id)!.data?.type === 'step' && (nodes.get(id)!.data as any).step instanceof pipelines.ManualApprovalStep;
  const perStage: string[] = [];
  for (const [stage, deploys] of deploysOf) {
    const gates = [...ancestors.get(deploys[0])!].filter((id) => isApproval(id) && deploys.every((d) => ancestors.get(d)!.has(id)));
    const users = usersOf.get(stage)!;
    for (const asset of new Set(users.flatMap((d) => [...direct.get(d)!].filter((id) => nodes.get(id)!.data?.type === 'publish-assets')))) {
      const id = `${asset}-${stage.stageName}`;
      nodes.set(id, nodes.get(asset)!);
      direct.set(id, new Set([...direct.get(asset)!, ...gates]));
      perStage.push(id);
      for (const d of users) {
        if (direct.get(d)!.delete(asset)) direct.get(d)!.add(id);
      }
    }
  }
  for (const id of order.filter((i) => nodes.get(i)!.data?.type === 'publish-assets')) {
    nodes.delete(id);
    direct.delete(id);
  }
  const withAssets = order.filter((id) => direct.has(id));
  return { direct, nodes, ...closure(topological([...withAssets, ...perStage], direct), direct) };
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

function topological(jobs: string[], direct: ReadonlyMap<string, ReadonlySet<string>>): string[] {
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
