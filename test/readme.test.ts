// The README's samples are what the code prints, for the README's own app (## Example): the trust statement it shows
// is the one the role synthesizes, and the job `role.gitLabCiJob()` writes, as `cdk deploy` prints the output once
// CloudFormation has named the role, is the README's YAML, byte for byte.
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The provider's ARN once deployed in the README's account. */
const DEPLOYED_PROVIDER_ARN = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
/** The role's ARN once deployed in the README's account: CloudFormation names it from the stack and logical ID. */
const DEPLOYED_ROLE_ARN = 'arn:aws:iam::111122223333:role/GitLabDeploy-DeployRole885297C3-1A2B3C4D5E6F';

/** The first fenced block of `language` after the heading `heading`. */
function sampleAfter(heading: string, language: string): string {
  const section = README.slice(README.indexOf(`\n${heading}\n`));
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match) throw new Error(`no ${language} sample after ${heading}`);
  return match[1];
}

/** A CloudFormation value as it reads after deployment: Fn::Join of strings, the role's Arn, the provider's Ref. */
function deployed(value: unknown): string {
  if (typeof value === 'string') return value;
  const join_ = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join_) return join_[1].map(deployed).join(join_[0]);
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && getAtt[0].startsWith('DeployRole') && getAtt[1] === 'Arn') return DEPLOYED_ROLE_ARN;
  const ref = (value as { Ref?: string }).Ref;
  if (ref?.startsWith('GitLab')) return DEPLOYED_PROVIDER_ARN;
  throw new Error(`a value the README's deployment does not resolve: ${JSON.stringify(value)}`);
}

/** The README's example app (## Example). */
function readmeApp() {
  const app = new App();
  const stack = new Stack(app, 'GitLabDeploy');
  const provider = new GitLabOidcProvider(stack, 'GitLab');
  const role = new GitLabRunnerRole(stack, 'DeployRole', {
    provider,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
  });
  return { stack, role };
}

test('"Example": the trust statement the README shows is the one the role synthesizes', () => {
  const { stack } = readmeApp();
  const [statement] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0].Properties.AssumeRolePolicyDocument.Statement;
  const shown = JSON.parse(sampleAfter('## Example', 'json'));
  expect({ ...statement, Principal: { Federated: deployed(statement.Principal.Federated) } }).toEqual(shown);
});

test('"The job side": the job the README shows is the one its app prints', () => {
  // The output "The job side" adds to the README's example app.
  const { stack, role } = readmeApp();
  expect(sampleAfter('## The job side', 'ts')).toContain(
    "new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all'] }) });");
  new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all'] }) });

  const printed = deployed(Template.fromStack(stack).toJSON().Outputs.GitLabCiJob.Value);
  expect(sampleAfter('## The job side', 'yaml')).toBe(printed);
});
