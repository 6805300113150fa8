// The example app. Synthesize it with `npx projen synth:example` (cdk synth in this folder): it writes the
// role stack's template and this folder's .gitlab-ci.yml, the pipeline that deploys the app from GitLab.
import { App, pipelines } from 'aws-cdk-lib';
import { ServiceStage } from './service-stage';
import { GitLabDeployStack } from './stack';
import { GitLabCiPipeline, GitLabDeploymentTier, GitLabPipelineRole, GitLabStageTrigger } from '../src';

const app = new App();
// A role for one hand-written job (its .gitlab-ci.yml job is a stack output), apart from the pipeline below.
new GitLabDeployStack(app, 'GitLabOidcExample');

// The pipeline: synthesize, check the committed pipeline file, build the image, publish assets, deploy Beta and
// smoke-test it from main; deploy Prod from release tags after an approval, with a role only those tags can assume.
const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
  synth: new pipelines.ShellStep('Synth', { commands: ['npm ci', 'npx cdk synth'] }),
  // Roles made elsewhere (the README's sample makes them in the app). Each has an audience of its own, so a
  // Beta job's token opens no production role; Beta's trusts the protected main branch, production's protected tags.
  role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/gitlab-deploy', { audience: 'gitlab-deploy', region: 'eu-west-1' }),
  // This example lives in a folder of the library's repository; an app at its repository's root leaves this out.
  repositoryRoot: __dirname,
  // Merge requests get a `cdk diff` per stage, with a read-only role that trusts every branch (it may assume the
  // stages' bootstrap lookup roles only), and fail when a stage broadens IAM permissions or security groups.
  mergeRequestDiffs: true,
  synthRole: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/gitlab-lookup', { audience: 'gitlab-lookup', region: 'eu-west-1' }),
  // Forks run the same file: only this project's pipelines deploy.
  projectPath: 'mygroup/myproject',
  // Node.js and the AWS CLI, which the jobs need.
  jobSettings: { image: 'public.ecr.aws/sam/build-nodejs22.x:latest' },
});

const beta = new ServiceStage(app, 'Beta', { env: { account: '222222222222', region: 'eu-west-1' } });
pipeline.addStage(beta, {
  post: [new pipelines.ShellStep('SmokeTest', { envFromCfnOutputs: { SITE_URL: beta.siteUrl }, commands: ['curl --fail --silent "$SITE_URL"'] })],
});

pipeline.addStageWithGitLabOptions(new ServiceStage(app, 'Prod', { env: { account: '333333333333', region: 'eu-west-1' } }), {
  pre: [new pipelines.ManualApprovalStep('PromoteToProd', { comment: 'Deploy to production?' })],
  role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/gitlab-production', { audience: 'gitlab-production', region: 'eu-west-1' }),
  environment: { name: 'production', deploymentTier: GitLabDeploymentTier.PRODUCTION, url: 'https://prod.example.com' },
  // Release tags (protect them: Settings > Repository > Protected tags) deploy production; main deploys Beta.
  triggers: [GitLabStageTrigger.tags({ pattern: '^v\\d+\\.\\d+\\.\\d+$', example: 'v1.0.0' })],
});

app.synth();
