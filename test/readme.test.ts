// The README's samples are what the code prints: the job `role.gitLabCiJob()` writes for the README's own app, as
// `cdk deploy` prints the output once CloudFormation has named the role, is the README's YAML, byte for byte.
import { readFileSync } from 'fs';
import { join } from 'path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The role's ARN once deployed in the README's account: CloudFormation names it from the stack and logical ID. */
const DEPLOYED_ROLE_ARN = 'arn:aws:iam::111122223333:role/GitLabDeploy-DeployRole885297C3-1A2B3C4D5E6F';

/** The first fenced block of `language` after the heading `heading`. */
function sampleAfter(heading: string, language: string): string {
  const section = README.slice(README.indexOf(`\n${heading}\n`));
  const match = new RegExp(`\`\`\`${language}\\n([\\s\\S]*?)\`\`\``).exec(section);
  if (!match) throw new Error(`no ${language} sample after ${heading}`);
  return match[1];
}

/** A CloudFormation value as it reads after deployment: Fn::Join of strings and the role's Arn attribute. */
function deployed(value: unknown): string {
  if (typeof value === 'string') return value;
  const join_ = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join_) return join_[1].map(deployed).join(join_[0]);
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && getAtt[0].startsWith('DeployRole') && getAtt[1] === 'Arn') return DEPLOYED_ROLE_ARN;
  throw new Error(`a value the README's deployment does not resolve: ${JSON.stringify(value)}`);
}

test('"The job side": the job the README shows is the one its app prints', () => {
  // The README's example app (## Example), with the output "The job side" adds.
  const app = new App();
  const stack = new Stack(app, 'GitLabDeploy');
  const provider = new GitLabOidcProvider(stack, 'GitLab');
  const role = new GitLabRunnerRole(stack, 'DeployRole', {
    provider,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
  });
  expect(sampleAfter('## The job side', 'ts')).toContain(
    "new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all'] }) });");
  new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all'] }) });

  const printed = deployed(Template.fromStack(stack).toJSON().Outputs.GitLabCiJob.Value);
  expect(sampleAfter('## The job side', 'yaml')).toBe(printed);
});
