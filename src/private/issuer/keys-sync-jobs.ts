// The keys sync as GitLab jobs. Code fetched at run time never runs beside the credentials that write the keys:
//   read     (the role's credentials, the AWS CLI alone, no checkout): the published keys and the sightings;
//   decide   (no credentials): the instance's keys over HTTPS, checked by `cdk-gitlab-oidc issuer-keys` as the ops
//            project's lock file pins it (npm ci: integrity-checked, no install scripts);
//   publish  (the role's credentials, the AWS CLI alone, no checkout): the keys when they changed, the sightings.
// The jobs are the model's (gitlab-ci/model.ts), written by its one emitter: no value can change the document's structure.
import { JWKS_PATH } from './discovery-document';
import { CiJob, CiNamedJob } from '../gitlab-ci/model';
import { documentYaml } from '../gitlab-ci/yaml-file';

/** The private record of when the sync last saw each published key, beside the keys. */
export const SIGHTINGS_PATH = `${JWKS_PATH}.sightings.json`;

/** What the jobs are made of. */
export interface KeysSyncJobsInput {
  /** The hidden job that assumes the keys sync role (the credential job's model). */
  readonly credentialJob: CiNamedJob;
  /** The prefix of the three jobs' names. */
  readonly jobName: string;
  readonly image: string;
  readonly bucket: string;
  readonly graceHours: number;
  readonly cacheControl: string;
  /** The instance's URL, or `${CI_SERVER_URL}`. */
  readonly instanceUrl: string;
}

/** The commands of the credential-holding jobs: the AWS CLI with literal S3 names. */
export function readScript(bucket: string): string[] {
  const get = (key: string, out: string) => `aws s3api get-object --bucket ${bucket} --key ${key} ${out} > /dev/null`;
  return [
    get(JWKS_PATH, 'published-keys.json'),
    // No sightings yet (the first run): every published key counts as seen now. Any other failure stops the job.
    `if ${get(SIGHTINGS_PATH, 'sightings.json')} 2> sightings.err; then :; ` +
      'elif grep -q NoSuchKey sightings.err; then echo \'{"lastSeen":{}}\' > sightings.json; else cat sightings.err >&2; exit 1; fi',
  ];
}

export function publishScript(bucket: string, cacheControl: string): string[] {
  const put = (key: string, body: string, extra = '') => `aws s3api put-object --bucket ${bucket} --key ${key} --body ${body} --content-type application/json${extra} > /dev/null`;
  return [
    // Unchanged keys are not written again: every write of the keys reaches changesTopic, and should mean something.
    `if cmp -s keys.json published-keys.json; then echo 'cdk-gitlab-oidc: the published keys are current'; else ${put(JWKS_PATH, 'keys.json', ` --cache-control ${cacheControl}`)}; fi`,
    put(SIGHTINGS_PATH, 'next-sightings.json'),
  ];
}

/** The hidden credential job and the three jobs after it. */
export function keysSyncJobs(input: KeysSyncJobsInput): string {
  const rules = [{ if: '$CI_PIPELINE_SOURCE == "schedule"' }];
  const artifacts = (paths: string[]) => ({ paths, expire_in: '1 day' });
  const needs = (jobs: string[]) => jobs.map((job) => ({ job, artifacts: true }));
  // No checkout where the credentials are: nothing from the repository runs there.
  const noCheckout = { GIT_STRATEGY: 'none' };
  const read = `${input.jobName}-read`;
  const decide = `${input.jobName}-decide`;
  const publish = `${input.jobName}-publish`;
  const jobs: [string, CiJob][] = [
    [read, {
      extends: input.credentialJob.name,
      variables: noCheckout,
      rules,
      script: readScript(input.bucket),
      artifacts: artifacts(['published-keys.json', 'sightings.json']),
    }],
    [decide, {
      image: input.image,
      needs: needs([read]),
      rules,
      script: [
        // HTTPS alone: whoever could change the keys in transit could mint tokens.
        `curl --proto '=https' --fail --silent --show-error --max-time 30 --output instance-keys.json "${input.instanceUrl}/oauth/discovery/keys"`,
        'npm ci --ignore-scripts --no-audit --no-fund',
        'npx --no-install cdk-gitlab-oidc issuer-keys --instance instance-keys.json --published published-keys.json --sightings sightings.json ' +
          `--grace-hours ${input.graceHours} --out keys.json --sightings-out next-sightings.json`,
      ],
      artifacts: artifacts(['keys.json', 'next-sightings.json']),
    }],
    [publish, {
      extends: input.credentialJob.name,
      variables: noCheckout,
      needs: needs([read, decide]),
      rules,
      // One publication at a time: two would race on the sightings.
      resource_group: input.jobName,
      script: publishScript(input.bucket, input.cacheControl),
    }],
  ];
  return documentYaml({ jobs: [input.credentialJob, ...jobs.map(([name, job]) => ({ name, job }))] });
}
