// Property: for pipeline apps of random shapes, the generated `needs:` order the jobs exactly as CDK
// Pipelines' graph orders its nodes: every job waits for what its node waits for, nothing else (but the
// check of the pipeline file), so the critical path is the graph's longest chain plus that check.
// Seeded and reproducible: FC_SEED and FC_RUNS override the defaults.
import { CfnOutput, Stack, Stage, aws_s3_assets as s3assets, pipelines } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { REGION, SITE, newApp, newPipeline, synthesized } from './support/apps';
import { graphOrder, needsOrder } from './support/graph';
import { GitLabPipelineRole } from '../../src';
import { gitLabCiValidator, parseCi } from '../support/gitlab-ci';

const SEED = Number(process.env.FC_SEED ?? 20261126);
const RUNS = Number(process.env.FC_RUNS ?? 30);
const CHECK_JOB = 'Build-CheckPipelineFile';

interface StackShape { readonly dependsOn: number[]; readonly asset: boolean; readonly output: boolean; readonly pre: number; readonly post: number }
interface StageShape { readonly stacks: StackShape[]; readonly pre: ('shell' | 'approval')[]; readonly post: number; readonly readsOutput: boolean; readonly ownRole: boolean }
interface WaveShape { readonly stages: StageShape[]; readonly pre: number; readonly post: number }

const stackShape = (index: number) => fc.record({
  dependsOn: fc.subarray([...Array(index).keys()]),
  asset: fc.boolean(),
  output: fc.boolean(),
  pre: fc.nat(1),
  post: fc.nat(1),
});
const stageShape = fc.integer({ min: 1, max: 4 }).chain((count) => fc.record({
  stacks: fc.tuple(...[...Array(count).keys()].map(stackShape)),
  pre: fc.array(fc.constantFrom<'shell' | 'approval'>('shell', 'approval'), { maxLength: 2 }),
  post: fc.nat(2),
  readsOutput: fc.boolean(),
  ownRole: fc.boolean(),
}));
const waveShape = fc.record({ stages: fc.array(stageShape, { minLength: 1, maxLength: 3 }), pre: fc.nat(1), post: fc.nat(1) });
const appShape = fc.array(waveShape, { minLength: 1, maxLength: 3 });

/** Builds and synthesizes an app of the given shape. */
function build(shape: WaveShape[]) {
  const { app, root } = newApp();
  const pipeline = newPipeline(app, root);
  const shell = (id: string) => new pipelines.ShellStep(id, { commands: ['true'] });
  shape.forEach((waveShapeI, w) => {
    const wave = pipeline.addWave(`W${w}`, {
      pre: [...Array(waveShapeI.pre).keys()].map((i) => shell(`WavePre${i}`)),
      post: [...Array(waveShapeI.post).keys()].map((i) => shell(`WavePost${i}`)),
    });
    waveShapeI.stages.forEach((stageShapeI, s) => {
      const stage = new Stage(app, `W${w}S${s}`, { env: { account: '222222222222', region: REGION } });
      const outputs: CfnOutput[] = [];
      const stacks: Stack[] = [];
      stageShapeI.stacks.forEach((stackShapeI, k) => {
        const stack = new Stack(stage, `K${k}`);
        stackShapeI.dependsOn.forEach((d) => stack.addDependency(stacks[d]));
        if (stackShapeI.asset) new s3assets.Asset(stack, 'Content', { path: SITE });
        if (stackShapeI.output) outputs.push(new CfnOutput(stack, 'Out', { value: `v${k}` }));
        stacks.push(stack);
      });
      const post = [...Array(stageShapeI.post).keys()].map((i) => shell(`Post${i}`));
      if (stageShapeI.readsOutput && outputs.length > 0) {
        post.push(new pipelines.ShellStep('ReadsOutput', { envFromCfnOutputs: { VALUE: outputs[0] }, commands: ['echo "$VALUE"'] }));
      }
      const deployment = wave.addStage(stage, {
        pre: stageShapeI.pre.map((kind, i) => kind === 'shell' ? shell(`Pre${i}`) : new pipelines.ManualApprovalStep(`Approve${i}`)),
        post,
        stackSteps: stacks.map((stack, k) => ({
          stack,
          pre: [...Array(stageShapeI.stacks[k].pre).keys()].map((i) => shell(`StackPre${i}`)),
          post: [...Array(stageShapeI.stacks[k].post).keys()].map((i) => shell(`StackPost${i}`)),
        })),
      });
      if (stageShapeI.ownRole) pipeline.configureStage(deployment, { role: GitLabPipelineRole.fromRoleArn(`arn:aws:iam::222222222222:role/w${w}s${s}`, { audience: `w${w}s${s}` }) });
    });
  });
  return { pipeline, yaml: synthesized(app, pipeline, root).yaml };
}

test('needs: mirror the pipeline graph, for apps of random shapes', () => {
  const validate = gitLabCiValidator();
  fc.assert(fc.property(appShape, (shape) => {
    const { pipeline, yaml } = build(shape);
    const doc = parseCi(yaml);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    const graph = graphOrder(pipeline);
    const jobs = needsOrder(doc);
    // Each job is the node of its name (an asset node's publication for a stage is `<node>-<stage>`).
    const nodeOf = (job: string) => graph.nodes.has(job) ? job : undefined;
    const jobsOf = (node: string) => [...jobs.direct.keys()].filter((job) => nodeOf(job) === node);
    const stages: string[] = doc.stages;

    for (const [job, deps] of jobs.direct) {
      const node = nodeOf(job);
      if (job === CHECK_JOB) {
        expect(deps).toEqual(new Set(['Build-Synth']));
        continue;
      }
      expect(node).toBeDefined();
      expect(deps.size).toBeLessThanOrEqual(50);
      for (const dep of deps) {
        // GitLab's rule: a job needs jobs of its own stage or of earlier ones.
        expect(stages.indexOf(doc[dep].stage)).toBeLessThanOrEqual(stages.indexOf(doc[job].stage));
      }
      // Nothing waited for that the graph does not wait for, but the check of the pipeline file.
      for (const ancestor of jobs.ancestors.get(job)!) {
        if (ancestor === CHECK_JOB) continue;
        expect([job, ancestor, graph.ancestors.get(node!)!.has(nodeOf(ancestor)!)]).toEqual([job, ancestor, true]);
      }
      // Everything the graph waits for: a job of each node it depends on (for a stack, each job that publishes its assets).
      for (const depNode of graph.direct.get(node!)!) {
        const candidates = jobsOf(depNode);
        expect(candidates).toEqual([depNode]);
        expect([job, depNode, jobs.ancestors.get(job)!.has(depNode)]).toEqual([job, depNode, true]);
      }
      // Anything that touches AWS or deploys starts after the check.
      if (job !== 'Build-Synth') expect([job, jobs.ancestors.get(job)!.has(CHECK_JOB)]).toEqual([job, true]);
    }
    // The critical path: the graph's longest chain, plus the check job.
    expect(jobs.longestChain).toBe(graph.longestChain + (jobs.direct.size > 2 ? 1 : 0));
  }), { seed: SEED, numRuns: RUNS });
});
