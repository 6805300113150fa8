// The committed pipeline file changes only when the app's shape does: an asset's contents (a Lambda function's
// code, a Dockerfile) change the asset list in the cloud assembly, never the file (issue: every code change
// needed a re-synth and a second commit).
import { spawnSync } from 'child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Stack, aws_ecr_assets as ecrAssets, aws_lambda as lambda, aws_s3_assets as s3assets, pipelines } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { oneStageApp, PipelineApp, SITE } from './support/apps';
import { parseCi } from '../support/gitlab-ci';
import { PROCESS_MS, SYNTH_TEST_MS } from '../support/timeouts';

// Each case synthesizes a whole app.
jest.setTimeout(SYNTH_TEST_MS);

interface Sources {
  readonly handler: string;
  readonly dockerfile: string;
}

/** An app whose stage has a Lambda function (a file asset) and a Docker image asset, built from `sources`. */
function appWith(sources: Sources): PipelineApp {
  const dir = mkdtempSync(join(tmpdir(), 'asset-sources-'));
  mkdirSync(join(dir, 'handler'));
  writeFileSync(join(dir, 'handler', 'index.js'), sources.handler);
  mkdirSync(join(dir, 'image'));
  writeFileSync(join(dir, 'image', 'Dockerfile'), sources.dockerfile);
  return oneStageApp({}, (pipeline, _app, stage) => {
    const service = new Stack(stage, 'Service');
    new lambda.Function(service, 'Handler', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(join(dir, 'handler')) });
    new ecrAssets.DockerImageAsset(service, 'Image', { directory: join(dir, 'image') });
    pipeline.addStage(stage);
  });
}

const assetList = (app: PipelineApp) => readFileSync(join(app.assemblyDir, 'gitlab-ci-assets.tsv'), 'utf8');

const BEFORE: Sources = { handler: 'exports.handler = async () => "v1";\n', dockerfile: 'FROM public.ecr.aws/docker/library/alpine:3.20\n' };
const AFTER: Sources = { handler: 'exports.handler = async () => "v2";\n', dockerfile: 'FROM public.ecr.aws/docker/library/alpine:3.21\nRUN true\n' };

test('editing a Lambda function\'s code and a Dockerfile leaves the pipeline file byte-identical; the asset list follows', () => {
  const before = appWith(BEFORE);
  const after = appWith(AFTER);
  expect(after.yaml).toBe(before.yaml);
  expect(assetList(after)).not.toBe(assetList(before));
  // Both assets are published by the stage's asset jobs, named in the list with their new hashes.
  const jobs = assetList(after).split('\n').filter(Boolean).map((line) => line.split('\t')[0]);
  expect(new Set(jobs)).toEqual(new Set(['Assets-FileAsset1-Beta', 'Assets-DockerAsset1-Beta']));
  expect(after.yaml).not.toMatch(/[0-9a-f]{64}/);
});

test('property: whatever the assets hold, the pipeline file is the same', () => {
  const reference = appWith(BEFORE).yaml;
  fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.string({ maxLength: 200 }), (handler, extra) => {
    expect(appWith({ handler, dockerfile: `FROM alpine\n# ${extra.replace(/\n/g, ' ')}\n` }).yaml).toBe(reference);
  }), { numRuns: 15, seed: 20261202 });
});

test('a synth output folder whose name holds a tab is refused: the asset list is tab-separated', () => {
  expect(() => oneStageApp({ synth: new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'], primaryOutputDirectory: 'cdk\tout' }) }, (pipeline, _app, stage) => {
    new s3assets.Asset(new Stack(stage, 'Site'), 'Content', { path: SITE });
    pipeline.addStage(stage);
  })).toThrow(/an asset's manifest path and ID must not contain tabs or line breaks \(the asset list is one asset a line\), got: "cdk\\tout\/assembly-Beta\/BetaSite[0-9A-F]{8}\.assets\.json"/);
});

describe('an asset job\'s command, run in bash as the runner runs it (set -eo pipefail)', () => {
  const app = appWith(BEFORE);
  const script: string = parseCi(app.yaml)['Assets-FileAsset1-Beta'].script[1];

  /** Runs the command beside `list` as cdk.out/gitlab-ci-assets.tsv, with an `npx` that prints its arguments a line each. */
  function run(list: string, npx = 'printf "npx"; printf " [%s]" "$@"; echo') {
    const dir = mkdtempSync(join(tmpdir(), 'asset-job-'));
    mkdirSync(join(dir, 'cdk.out'));
    writeFileSync(join(dir, 'cdk.out', 'gitlab-ci-assets.tsv'), list);
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'npx'), `#!/bin/sh\n${npx}\n`, { mode: 0o755 });
    return spawnSync('/bin/bash', ['-eo', 'pipefail', '-c', script], { cwd: dir, encoding: 'utf8', env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin` }, timeout: PROCESS_MS });
  }

  test('publishes the job\'s entries, each as one argument, and nothing of other jobs', () => {
    const result = run('Assets-FileAsset1-Beta\tcdk.out/a b.assets.json\tabc:111122223333-eu-west-1\nAssets-FileAsset1-Prod\tcdk.out/p.json\tdef:1\n');
    expect(result.status).toBe(0);
    expect(result.stdout.trim().split('\n')).toEqual([
      'npx [--yes] [--package=cdk-assets@4.7.3] [--] [cdk-assets] [--path] [cdk.out/a b.assets.json] [--verbose] [publish] [abc:111122223333-eu-west-1]',
    ]);
  });

  test('an entry holding shell syntax is an argument, never a command', () => {
    const result = run('Assets-FileAsset1-Beta\tcdk.out/$(id).json\t`id`;id\n');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('[cdk.out/$(id).json] [--verbose] [publish] [`id`;id]');
  });

  test.each([
    ['a list without the job', 'Assets-Other\tcdk.out/x.json\tabc:1\n', 'names 0 assets for this job, not 1'],
    ['a list with one asset too many', 'Assets-FileAsset1-Beta\tm\ta:1\nAssets-FileAsset1-Beta\tm\tb:1\n', 'names 2 assets for this job, not 1'],
  ])('%s fails the job', (_name, list, message) => {
    const result = run(list);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`the asset list cdk.out/gitlab-ci-assets.tsv ${message}: it is not from this pipeline's synth`);
  });

  test('a failed publish fails the job at once, before the next asset', () => {
    const result = run('Assets-FileAsset1-Beta\tm\ta:1\nAssets-FileAsset1-Beta\tm\tb:1\n', 'echo "publishing $9"; exit 3');
    expect(result.status).toBe(1);
    expect(result.stdout.trim()).toBe('publishing a:1');
  });
});
