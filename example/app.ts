// The example app: gitlab.com jobs of mygroup/myproject on branch main may write build artifacts
// to one bucket. Synthesize it with `npx projen synth:example`.
import { App, CfnOutput, RemovalPolicy, Stack, StackProps, aws_s3 as s3 } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

export class GitLabDeployStack extends Stack {
  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, props);

    const provider = new GitLabOidcProvider(this, 'GitLab');

    const role = new GitLabRunnerRole(this, 'DeployRole', {
      provider,
      subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
      description: 'Assumed by GitLab CI/CD jobs of mygroup/myproject on main',
    });

    const artifacts = new s3.Bucket(this, 'Artifacts', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    artifacts.grantReadWrite(role);

    new CfnOutput(this, 'RoleArn', { value: role.roleArn, description: 'AWS_ROLE_ARN for the GitLab job' });
  }
}

const app = new App();
new GitLabDeployStack(app, 'GitLabOidcExample');
app.synth();
