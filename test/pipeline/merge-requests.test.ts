// Merge request pipelines: a `cdk diff` per stage with the read-only synth role, never a deploy role; the security
// gate that stands in for ConfirmPermissionsBroadening; one pipeline per push (workflow rules).
import { CDK_CLI_VERSION, mergeRequestApp as appWith } from './support/apps';
import { gitLabCiValidator, parseCi, psych } from '../support/gitlab-ci';
import { PROCESS_TEST_MS } from '../support/timeouts';

// Tests read the file back with Ruby's Psych, a process each.
jest.setTimeout(PROCESS_TEST_MS);

const diff = `npx --yes --package=aws-cdk@${CDK_CLI_VERSION} -- cdk diff --app 'cdk.out' --exclusively --no-change-set`;

test('a diff job per stage, in merge request pipelines only, with the read-only role', () => {
  const built = appWith();
  const doc = parseCi(built.yaml);
  for (const stage of ['Beta', 'Prod']) {
    expect(doc[`Diff-${stage}`]).toEqual({
      stage,
      extends: '.aws-oidc-synth',
      // The cloud assembly without the assets' files, from the check job.
      needs: [{ job: 'Build-CheckPipelineFile', artifacts: true }],
      rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' }],
      script: [
        `${diff} '${stage}/Api' '${stage}/Web' 2>&1 | tee 'cdk-diff-${stage}.txt'`,
        `${diff} --security-only --fail '${stage}/Api' '${stage}/Web' || { printf '%s\\n' 'cdk-gitlab-oidc: stage ${stage} broadens IAM permissions or ` +
          'security group rules (above): review them; the merge request pipeline fails until they are accepted (failOnSecurityChanges)\' >&2; exit 1; }',
      ],
      artifacts: { when: 'always', expose_as: `cdk diff ${stage}`, paths: [`cdk-diff-${stage}.txt`], expire_in: '30 days' },
      interruptible: true,
    });
  }
  // No deploy role in a merge request pipeline: every job that extends a deploy role's hidden job runs on main only.
  const mergeRequestJobs = Object.entries<any>(doc).filter(([name, job]) => !name.startsWith('.') && job?.script
    && (!job.rules || job.rules.some((rule: any) => rule.if === '$CI_PIPELINE_SOURCE == "merge_request_event"')));
  expect(mergeRequestJobs.map(([name]) => name).sort()).toEqual(['Build-CheckPipelineFile', 'Build-Synth', 'Diff-Beta', 'Diff-Prod']);
  expect(mergeRequestJobs.filter(([, job]) => job.extends && job.extends !== '.aws-oidc-synth')).toEqual([]);
  expect(doc['.aws-oidc-synth'].id_tokens).toEqual({ GITLAB_OIDC_TOKEN: { aud: 'gitlab-lookup' } });
});

test('one pipeline per push: merge request pipelines, and branch pipelines only where no merge request is open', () => {
  const doc = parseCi(appWith().yaml);
  expect(doc.workflow).toEqual({
    rules: [
      { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
      // The deploy branch always: a merge request *from* it (any Developer can open one) must not stop deployments.
      { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' },
      { if: '$CI_COMMIT_BRANCH && $CI_OPEN_MERGE_REQUESTS', when: 'never' },
      { if: '$CI_COMMIT_BRANCH' },
      { if: '$CI_COMMIT_TAG' },
    ],
  });
  expect(parseCi(appWith({ mergeRequestDiffs: false }).yaml).workflow).toBeUndefined();
});

test('valid under GitLab\'s CI schema, and Psych reads what the yaml package reads', () => {
  const built = appWith();
  const validate = gitLabCiValidator();
  const doc = parseCi(built.yaml);
  expect(validate(doc) ? [] : validate.errors).toEqual([]);
  expect(psych(built.yaml)).toEqual(doc);
});

test('failOnSecurityChanges: false shows the diff and never fails on it', () => {
  const doc = parseCi(appWith({ failOnSecurityChanges: false }).yaml);
  expect(doc['Diff-Beta'].script).toEqual([`${diff} 'Beta/Api' 'Beta/Web' 2>&1 | tee 'cdk-diff-Beta.txt'`]);
});

test('a diff role that may deploy is refused: the diff jobs run for every merge request', () => {
  expect(() => appWith({}, false)).toThrow(/the synth job's role "Roles\/Lookup" may deploy and publish \(allowCdkDeployments\(\)\)/);
});

test('a stage name GitLab would refuse in expose_as is made safe there and in the report\'s file name', () => {
  const doc = parseCi(appWith({}, true, { stageName: 'Prod.EU' }).yaml);
  expect(doc['Diff-Prod.EU'].artifacts).toMatchObject({ expose_as: 'cdk diff Prod_EU', paths: ['cdk-diff-Prod_EU.txt'] });
  // GitLab's rule for expose_as (Gitlab::Ci::Config::Entry::Artifacts).
  for (const job of Object.values<any>(doc)) if (job?.artifacts?.expose_as) expect(job.artifacts.expose_as).toMatch(/^\w[-\w ]{0,99}$/);
});

test('the diff jobs use the pipeline\'s job settings, never a stage\'s (a production runner must not take merge request code)', () => {
  const built = appWith({ jobSettings: { tags: ['shared'] } }, true, { jobSettings: { tags: ['production-runner'] } });
  const doc = parseCi(built.yaml);
  expect(doc['Diff-Prod'].tags).toEqual(['shared']);
  expect(doc['Prod-Api-Deploy'].tags).toEqual(['production-runner']);
});
