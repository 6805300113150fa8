// A merge request's pipeline, run for real in gitlab-ci-local: the synth, the check and a diff per stage run with
// the lookup-only role's token (a merge request's source branch is unprotected); no job deploys or publishes; the
// security gate fails the pipeline when a stage broadens access.
import { pipelines } from 'aws-cdk-lib';
import { LoopbackSts } from '../job/loopback-sts';
import { LOOKUP_AUDIENCE, mergeRequestApp, PIPELINE_ACCOUNT, PipelineApp } from './support/apps';
import { runPipeline, startLoopbackAws, SYNTHESIZED_ASSEMBLY } from './support/run-pipeline';
import { FixtureIssuer, gitLabClaims } from '../security/support/issuer';
import { EMULATOR_PIPELINE_TEST_MS } from '../support/timeouts';

// Each test runs a pipeline in gitlab-ci-local.
jest.setTimeout(EMULATOR_PIPELINE_TEST_MS);

let issuer: FixtureIssuer;
let sts: LoopbackSts;
let built: PipelineApp;

beforeAll(async () => {
  built = mergeRequestApp({ synth: new pipelines.ShellStep('Synth', { commands: ['rm -rf cdk.out', `cp -R ${SYNTHESIZED_ASSEMBLY} cdk.out`] }) });
  ({ issuer, sts } = await startLoopbackAws(built, 'Roles'));
});

afterAll(async () => {
  await sts?.close();
  await issuer?.close();
});

/** The pipeline of a merge request from the unprotected branch "feature": every job gets the lookup role's token. */
async function mergeRequestPipeline(env: Record<string, string> = {}) {
  const now = Math.floor(Date.now() / 1000);
  const token = await issuer.sign(gitLabClaims('https://gitlab.com',
    { projectPath: 'mygroup/myproject', refType: 'branch', ref: 'feature', aud: LOOKUP_AUDIENCE, refProtected: false }, now));
  return runPipeline({
    yaml: built.yaml,
    assemblyDir: built.assemblyDir,
    // What GitLab sets in a merge request pipeline: its source, and no branch of its own.
    variables: { CI_PIPELINE_SOURCE: 'merge_request_event', CI_COMMIT_BRANCH: '', CI_MERGE_REQUEST_IID: '1', GITLAB_OIDC_TOKEN: token },
    env: { AWS_ENDPOINT_URL_STS: sts.url, ...env },
  });
}

test('the diff of each stage runs as the lookup-only role, and nothing deploys or publishes', async () => {
  const result = await mergeRequestPipeline();
  expect(result.exitCode).toBe(0);
  const calls = result.calls.map((c) => [c.job, c.target, c.identity.replace(/\/gitlab-\d+-\d+$/, '')]).sort();
  const lookup = `arn:aws:sts::${PIPELINE_ACCOUNT}:assumed-role/gitlab-lookup`;
  expect(calls).toEqual([
    ['Diff-Beta', 'diff --security-only Beta/Api Beta/Web', lookup],
    ['Diff-Beta', 'diff Beta/Api Beta/Web', lookup],
    ['Diff-Prod', 'diff --security-only Prod/Api Prod/Web', lookup],
    ['Diff-Prod', 'diff Prod/Api Prod/Web', lookup],
  ]);
  expect(result.output).toMatch(/PASS\s+Diff-Beta\s/);
  expect(result.output).not.toMatch(/Deploy|Assets-|Promote/);
});

test('a stage that broadens access fails its diff job, and the pipeline', async () => {
  const result = await mergeRequestPipeline({ STANDIN_SECURITY_CHANGES: 'Prod/Web' });
  expect(result.exitCode).not.toBe(0);
  expect(result.output).toContain('cdk-gitlab-oidc: stage Prod broadens IAM permissions or security group rules (above)');
  expect(result.output).toMatch(/FAIL\s+Diff-Prod\s/);
  expect(result.output).toMatch(/PASS\s+Diff-Beta\s/);
});
