// One benchmark sample of the pipeline engine: an app of <stages> stages of <stacks> stacks each, synthesized
// in a fresh process with a GitLabCiPipeline over its stages (pipeline) or without one (plain).
//   node bench/synth-pipeline.js <pipeline|plain> <stages> <stacks>
// Prints one JSON line: build + synth milliseconds; for the pipeline, its jobs, the longest chain of
// `needs:` and the pipeline graph's longest chain of nodes.
'use strict';
const { mkdtempSync, readFileSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const cdk = require('aws-cdk-lib');
const { pipelines } = cdk;
const { PipelineGraph } = require('aws-cdk-lib/pipelines/lib/helpers-internal');
const { parse } = require('yaml');
const lib = require('../lib');

const [variant, stageCount, stackCount] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const SITE = join(__dirname, '..', 'test', 'fixtures', 'pipeline-site');

const started = process.hrtime.bigint();
const root = mkdtempSync(join(tmpdir(), 'bench-pipeline-'));
const app = new cdk.App({ outdir: join(root, 'cdk.out'), analyticsReporting: false });
const pipeline = variant === 'pipeline'
  ? new lib.GitLabCiPipeline(app, 'Pipeline', {
    synth: new pipelines.ShellStep('Synth', { commands: ['npm ci', 'npx cdk synth'] }),
    role: lib.GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/gitlab-deploy', { region: 'eu-west-1' }),
    repositoryRoot: root,
    cdkCliVersion: '2.1100.0',
  })
  : undefined;
for (let s = 0; s < stageCount; s++) {
  const stage = new cdk.Stage(app, `Stage${s}`, { env: { account: '222222222222', region: 'eu-west-1' } });
  // Stacks in a shape with both chains and parallel branches: k depends on floor((k - 1) / 2), a binary tree.
  const stacks = [];
  for (let k = 0; k < stackCount; k++) {
    const stack = new cdk.Stack(stage, `Stack${k}`);
    if (k > 0) stack.addDependency(stacks[Math.floor((k - 1) / 2)]);
    if (k === 0) new cdk.aws_s3_assets.Asset(stack, 'Content', { path: SITE });
    new cdk.CfnOutput(stack, 'Out', { value: `value-${k}` });
    stacks.push(stack);
  }
  if (pipeline) pipeline.addStage(stage, { post: [new pipelines.ShellStep('Test', { commands: ['npm test'] })] });
}
app.synth();
const ms = Number(process.hrtime.bigint() - started) / 1e6;

const result = { ms };
if (pipeline) {
  const doc = parse(readFileSync(join(root, '.gitlab-ci.yml'), 'utf8'));
  const jobs = Object.keys(doc).filter((name) => !name.startsWith('.') && name !== 'stages');
  result.jobs = jobs.length;
  result.criticalPath = longest(jobs, (job) => (doc[job].needs || []).map((need) => need.job));
  const graph = new PipelineGraph(pipeline, { selfMutation: false, publishTemplate: false, prepareStep: false });
  const leaves = graph.graph.sortedLeaves().flat();
  const deps = new Map(leaves.map((leaf) => [leaf.uniqueId, leaf.allDeps.flatMap((d) => (d.allLeaves ? d.allLeaves().nodes : [d])).map((d) => d.uniqueId)]));
  result.graphChain = longest(leaves.map((leaf) => leaf.uniqueId), (id) => deps.get(id));
  result.graphNodes = leaves.length;
}
rmSync(root, { recursive: true, force: true });
process.stdout.write(JSON.stringify(result) + '\n');

/** The number of nodes on the longest chain, where `before(x)` lists what x waits for. */
function longest(names, before) {
  const depth = new Map();
  const visit = (name) => {
    if (!depth.has(name)) depth.set(name, 1 + Math.max(0, ...before(name).map(visit)));
    return depth.get(name);
  };
  return Math.max(...names.map(visit));
}
