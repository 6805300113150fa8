// What the stand-in `cdk` and `cdk-assets` share: the record of each call (the job, the command, when
// it started and ended, the AWS identity its credentials resolve to) and a per-call sleep and failure.
'use strict';
const { appendFileSync } = require('fs');
const { STSClient, GetCallerIdentityCommand } = require('@aws-sdk/client-sts');

/** The identity the SDK's default credential chain resolves to in this job (the role's, through the token). */
async function identity() {
  try {
    const client = new STSClient({ region: process.env.AWS_REGION || 'us-east-1' });
    return (await client.send(new GetCallerIdentityCommand({}))).Arn;
  } catch (e) {
    return `no credentials: ${e.name}: ${e.message}`;
  }
}

/** Runs `work` as one recorded call: it sleeps STANDIN_SLEEP_MS, and fails when STANDIN_FAIL names `target`. */
async function recorded(tool, args, target, work) {
  const start = Date.now();
  const arn = await identity();
  if (!arn.startsWith('arn:')) {
    process.stderr.write(`${tool} stand-in: ${arn}\n`);
    process.exit(1);
  }
  work();
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.STANDIN_SLEEP_MS || 0)));
  const failed = (process.env.STANDIN_FAIL || '').split(',').includes(target);
  appendFileSync(process.env.STANDIN_LOG, JSON.stringify({
    job: process.env.CI_JOB_NAME, tool, package: process.env.STANDIN_PACKAGE, args, target, identity: arn, start, end: Date.now(), failed,
  }) + '\n');
  if (failed) {
    process.stderr.write(`${tool} stand-in: ${target} fails, as the test asked\n`);
    process.exit(1);
  }
}

function fail(tool, message) {
  process.stderr.write(`${tool} stand-in: ${message}\n`);
  process.exit(2);
}

module.exports = { recorded, fail };
