// The example: gitlab.com jobs of mygroup/myproject on branch main may run `cdk deploy` into this
// account and region. The stack is in its own module so tests (cdk-nag) can build it without the app.
import { CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

export class GitLabDeployStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    // One per AWS account: https://gitlab.com, audience https://gitlab.com.
    const provider = new GitLabOidcProvider(this, 'GitLab');

    // Jobs of mygroup/myproject that run for branch main, and nothing else; protected main only (a fork's merge
    // request from a branch named main runs with an unprotected ref).
    const role = new GitLabRunnerRole(this, 'DeployRole', {
      provider,
      subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
      claimConditions: { refProtected: true },
      description: 'Assumed by GitLab CI/CD jobs of mygroup/myproject on main',
    });

    // The grant: assume the CDK bootstrap roles, which is what `cdk deploy` needs.
    role.allowCdkDeployments();

    new CfnOutput(this, 'RoleArn', { value: role.roleArn, description: 'AWS_ROLE_ARN for the GitLab job' });
    new CfnOutput(this, 'GitLabCiJob', {
      value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all --require-approval never'] }),
      description: 'The .gitlab-ci.yml job that assumes the role',
    });
  }
}
