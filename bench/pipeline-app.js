// The shape and downloads of a realistic app's pipeline: Beta (a database stack; a site stack with a Lambda-sized
// file asset and a Docker image asset, and a stack output a smoke test reads), then a Prod wave of two regions behind
// an approval with a role of its own, and a cdk diff per stage in merge requests. Synthesized once (no timing: the
// figures are counts and bytes, which do not vary between runs).
//   node bench/pipeline-app.js
// Prints one JSON line: the jobs and the longest chain of `needs:` of each kind of pipeline, the pipeline graph's
// longest chain, and the bytes of the cloud assembly each kind of job downloads, raw and deflated (GitLab's artifact
// archives are zip files: deflate, file by file).
'use strict';
const { readdirSync, readFileSync, rmSync, statSync, mkdtempSync } = require('fs');
const { tmpdir } = require('os');
const { join, relative } = require('path');
const { deflateRawSync } = require('zlib');
const cdk = require('aws-cdk-lib');
const { pipelines } = cdk;
const { PipelineGraph } = require('aws-cdk-lib/pipelines/lib/helpers-internal');
const { parse } = require('yaml');
const lib = require('../lib');

const ROOT = join(__dirname, '..');
// Real JavaScript as the assets' contents: a bundled function's size and compressibility, the same in every run.
const FUNCTION_CODE = join(ROOT, 'node_modules', 'ajv', 'dist');
const IMAGE = join(ROOT, 'test', 'fixtures', 'pipeline-image');

const root = mkdtempSync(join(tmpdir(), 'bench-pipeline-app-'));
const app = new cdk.App({ outdir: join(root, 'cdk.out'), analyticsReporting: false });
const role = (name) => lib.GitLabPipelineRole.fromRoleArn(`arn:aws:iam::111111111111:role/${name}`, { audience: name, region: 'eu-west-1' });
const pipeline = new lib.GitLabCiPipeline(app, 'Pipeline', {
  synth: new pipelines.ShellStep('Synth', { commands: ['npm ci', 'npx cdk synth'] }),
  role: role('gitlab-deploy'),
  synthRole: role('gitlab-lookup'),
  mergeRequestDiffs: true,
  repositoryRoot: root,
  cdkCliVersion: '2.1100.0',
  cdkAssetsVersion: '4.7.3',
});

class Service extends cdk.Stage {
  constructor(scope, id, props) {
    super(scope, id, props);
    const database = new cdk.Stack(this, 'Database');
    const site = new cdk.Stack(this, 'Site');
    site.addDependency(database);
    new cdk.aws_lambda.Function(site, 'Handler', {
      runtime: cdk.aws_lambda.Runtime.NODEJS_22_X, handler: '2019.handler', code: cdk.aws_lambda.Code.fromAsset(FUNCTION_CODE),
    });
    new cdk.aws_ecr_assets.DockerImageAsset(site, 'Server', { directory: IMAGE });
    this.url = new cdk.CfnOutput(site, 'Url', { value: `https://${id.toLowerCase()}.example.com` });
  }
}

const beta = new Service(app, 'Beta', { env: { account: '222222222222', region: 'eu-west-1' } });
pipeline.addStage(beta, { post: [new pipelines.ShellStep('SmokeTest', { envFromCfnOutputs: { URL: beta.url }, commands: ['curl --fail "$URL"'] })] });
const prod = pipeline.addWave('Prod', { pre: [new pipelines.ManualApprovalStep('PromoteToProd')] });
for (const region of ['eu-west-1', 'us-east-1']) {
  pipeline.configureStage(prod.addStage(new Service(app, `Prod-${region}`, { env: { account: '333333333333', region } })), {
    role: role('gitlab-production'),
    environment: { name: 'production', deploymentTier: lib.GitLabDeploymentTier.PRODUCTION },
  });
}
app.synth();

const doc = parse(readFileSync(join(root, '.gitlab-ci.yml'), 'utf8'), { customTags: [{ tag: '!reference', collection: 'seq', default: false, resolve: (s) => s }] });
const jobs = Object.keys(doc).filter((name) => !name.startsWith('.') && !['stages', 'workflow'].includes(name));
const mergeRequestOnly = (job) => (doc[job].rules || []).some((rule) => rule.if && rule.if.startsWith('$CI_PIPELINE_SOURCE == "merge_request_event"'));
const deployOnly = (job) => (doc[job].rules || []).some((rule) => rule.if === '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH');
const kinds = {
  deploy: jobs.filter((job) => !mergeRequestOnly(job)),
  mergeRequest: jobs.filter((job) => !deployOnly(job)),
};

/** The longest chain of `needs:` among `names`, in jobs. */
function longest(names, needsOf) {
  const memo = new Map();
  const depth = (name) => {
    if (!memo.has(name)) memo.set(name, 1 + Math.max(0, ...needsOf(name).filter((n) => names.includes(n)).map(depth)));
    return memo.get(name);
  };
  return Math.max(...names.map(depth));
}

/** The files under the cloud assembly, but those `exclude` matches, with their raw and deflated bytes. */
function assemblyBytes(exclude) {
  const dir = join(root, 'cdk.out');
  let raw = 0;
  let deflated = 0;
  let files = 0;
  const visit = (d) => readdirSync(d).forEach((name) => {
    const path = join(d, name);
    if (exclude(relative(dir, path))) return;
    if (statSync(path).isDirectory()) return visit(path);
    const data = readFileSync(path);
    raw += data.length;
    deflated += deflateRawSync(data).length;
    files++;
  });
  visit(dir);
  return { files, raw, deflated };
}

const graph = new PipelineGraph(pipeline, { selfMutation: false, publishTemplate: false, prepareStep: false });
const leaves = graph.graph.sortedLeaves().flat();
const deps = new Map(leaves.map((leaf) => [leaf.uniqueId, leaf.allDeps.flatMap((d) => (d.allLeaves ? d.allLeaves().nodes : [d])).map((d) => d.uniqueId)]));
const ids = leaves.map((leaf) => leaf.uniqueId);
const needsOf = (job) => (doc[job].needs || []).map((need) => need.job);
process.stdout.write(JSON.stringify({
  jobs: { deploy: kinds.deploy.length, mergeRequest: kinds.mergeRequest.length },
  chain: { deploy: longest(kinds.deploy, needsOf), mergeRequest: longest(kinds.mergeRequest, needsOf), graph: longest(ids, (id) => deps.get(id)) },
  deployJobs: jobs.filter((job) => job.endsWith('-Deploy')).length,
  // What the synth job keeps (every job that read the assembly downloaded it before), and what the check job passes on.
  whole: assemblyBytes(() => false),
  templates: assemblyBytes((path) => /^asset\./.test(path)),
  needsFrom: Object.fromEntries(jobs.filter((job) => job.endsWith('-Deploy')).slice(0, 1).map((job) =>
    [job, (doc[job].needs || []).filter((need) => need.artifacts).map((need) => need.job)])),
}) + '\n');
rmSync(root, { recursive: true, force: true });
