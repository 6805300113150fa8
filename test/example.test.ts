// The example app, synthesized the way users do it: the real aws-cdk CLI, `cdk synth`.
import { execFileSync } from 'child_process';
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { gitLabCiValidator, parseCi } from './support/gitlab-ci';
import { CDK_SYNTH_MS, CDK_SYNTH_TEST_MS } from './support/timeouts';

const exampleDir = join(__dirname, '..', 'example');
let outdir: string;
let template: Template;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'cdk-gitlab-oidc-example-'));
  execFileSync(require.resolve('aws-cdk/bin/cdk'), ['synth', '--quiet', '--strict', '--output', outdir], {
    cwd: exampleDir,
    stdio: 'pipe',
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_CLI_NOTICES: 'false' },
    timeout: CDK_SYNTH_MS,
  });
  template = Template.fromJSON(JSON.parse(readFileSync(join(outdir, 'GitLabOidcExample.template.json'), 'utf8')));
}, CDK_SYNTH_TEST_MS);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

test('cdk synth writes a native gitlab.com provider and no custom resource', () => {
  template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
  template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://gitlab.com', ClientIdList: ['https://gitlab.com'] });
  template.resourceCountIs('AWS::Lambda::Function', 0);
});

test('cdk synth writes the role trust policy in the documented shape', () => {
  template.hasResourceProperties('AWS::IAM::Role', {
    AssumeRolePolicyDocument: {
      Statement: [{
        Effect: 'Allow',
        Action: 'sts:AssumeRoleWithWebIdentity',
        Principal: { Federated: { Ref: 'GitLabD9E696AC' } },
        Condition: {
          StringEquals: {
            'gitlab.com:aud': 'https://gitlab.com',
            'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:main',
          },
        },
      }],
    },
  });
});

test('the example lets the role deploy CDK apps and outputs the role ARN and its GitLab job', () => {
  template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
    Roles: [{ Ref: 'DeployRole885297C3' }],
    PolicyDocument: { Statement: [{ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: Match.arrayWith([{ 'Fn::Join': ['', Match.arrayWith([':role/cdk-hnb659fds-deploy-role-'])] }]) }] },
  });
  template.hasOutput('RoleArn', { Value: { 'Fn::GetAtt': ['DeployRole885297C3', 'Arn'] } });
  const job = JSON.stringify(template.findOutputs('GitLabCiJob').GitLabCiJob.Value);
  expect(job).toContain('id_tokens');
  expect(job).toContain('aud: \\"https://gitlab.com\\"');
});

describe('the example\'s pipeline', () => {
  const committed = () => readFileSync(join(exampleDir, '.gitlab-ci.yml'), 'utf8');

  test('cdk synth writes the pipeline file the repository holds (CI fails when synth changes a tracked file)', () => {
    expect(readFileSync(join(outdir, 'gitlab-ci-pipeline.yml'), 'utf8')).toEqual(committed());
  });

  test('the file is valid under GitLab\'s CI schema, and deploys Beta, then Prod after the approval', () => {
    const doc = parseCi(committed());
    const validate = gitLabCiValidator();
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(doc.stages).toEqual(['Build', 'Beta', 'Prod']);
    expect(doc['Prod-PromoteToProd']).toMatchObject({ allow_failure: false, rules: [{ if: '$CI_DEPLOY_FREEZE', when: 'never' }, { when: 'manual' }] });
    // Merge requests: a diff per stage with the read-only role, and one pipeline per push.
    expect(doc['Diff-Prod']).toMatchObject({
      extends: '.aws-oidc-synth', rules: [{ if: '$CI_PIPELINE_SOURCE == "merge_request_event" && $CI_PROJECT_PATH == "mygroup/myproject"' }],
    });
    expect(doc.workflow.rules[0]).toEqual({ if: '$CI_PIPELINE_SOURCE == "merge_request_event"' });
    expect(doc['Prod-Storage-Deploy'].needs.map((need: { job: string }) => need.job)).toContain('Prod-PromoteToProd');
    expect(doc['Prod-Storage-Deploy'].extends).toBe('.aws-oidc-Prod');
    expect(doc['.aws-oidc-Prod'].variables.AWS_ROLE_ARN).toBe('arn:aws:iam::111111111111:role/gitlab-production');
    // Each role's jobs request its own audience: a Beta job's token opens no production role.
    expect(doc['.aws-oidc'].id_tokens.GITLAB_OIDC_TOKEN.aud).toBe('gitlab-deploy');
    expect(doc['.aws-oidc-Prod'].id_tokens.GITLAB_OIDC_TOKEN.aud).toBe('gitlab-production');
    // Production's assets are published by production's role, in its environment, after the approval.
    const prodAssets = Object.keys(doc).filter((job) => job.startsWith('Assets-') && job.endsWith('-Prod'));
    expect(prodAssets.length).toBeGreaterThan(0);
    for (const job of prodAssets) {
      expect(doc[job]).toMatchObject({ extends: '.aws-oidc-Prod', environment: { name: 'production', action: 'prepare' } });
      expect(doc[job].needs.map((need: { job: string }) => need.job)).toContain('Prod-PromoteToProd');
    }
    // Beta deploys from main, production from protected release tags.
    expect(doc['Beta-Site-Deploy'].rules[1]).toEqual({ if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PROJECT_PATH == "mygroup/myproject"' });
    expect(doc['Prod-PromoteToProd'].rules[1])
      .toEqual({ if: '$CI_COMMIT_TAG =~ /^v\\d+\\.\\d+\\.\\d+$/ && $CI_PROJECT_PATH == "mygroup/myproject"', when: 'manual' });
    // The server's image is built once, without credentials, and each stage's asset job pushes that image.
    expect(doc['Build-DockerImages'].extends).toBeUndefined();
    for (const stage of ['Beta', 'Prod']) {
      const job = Object.keys(doc).find((name) => name.startsWith('Assets-DockerAsset') && name.endsWith(`-${stage}`))!;
      expect(doc[job].needs).toContainEqual({ job: 'Build-DockerImages', artifacts: true });
    }
    // Pinned to the CDK CLI the app is synthesized with.
    const cli = JSON.parse(readFileSync(require.resolve('aws-cdk/package.json'), 'utf8')).version;
    expect(doc['Beta-Site-Deploy'].script[1]).toContain(`--package=aws-cdk@${cli} -- cdk deploy`);
  });
});
