// Integration test: deploys a GitLab provider and runner role, then reads both back from IAM.
// CI runs it in snapshot mode (no AWS account): `npx projen integ` fails if the committed snapshot
// differs from what the library synthesizes now. Against a real account:
//   npx integ-runner --directory test --language typescript --update-on-failed --parallel-regions eu-west-1
import { ExpectedResult, IntegTest, Match } from '@aws-cdk/integ-tests-alpha';
import { App, RemovalPolicy, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const app = new App();
const stack = new Stack(app, 'GitLabOidcInteg');

// A self-managed host name that no real account uses, so the test never collides with the account's
// own gitlab.com provider (one provider per URL per account).
const provider = new GitLabOidcProvider(stack, 'GitLab', {
  url: 'https://gitlab.integ-test.cdk-gitlab-oidc.example',
  removalPolicy: RemovalPolicy.DESTROY,
});
const role = new GitLabRunnerRole(stack, 'Role', {
  provider,
  subjects: [
    GitLabSubject.project('mygroup/myproject').branch('main'),
    GitLabSubject.project('mygroup/myproject').tag('v*'),
  ],
  description: 'cdk-gitlab-oidc integration test',
});
role.addToPolicy(new iam.PolicyStatement({ actions: ['sts:GetCallerIdentity'], resources: ['*'] }));

const integ = new IntegTest(app, 'GitLabOidcIntegTest', { testCases: [stack] });

integ.assertions.awsApiCall('IAM', 'getRole', { RoleName: role.roleName })
  .expect(ExpectedResult.objectLike({
    Role: {
      AssumeRolePolicyDocument: Match.stringLikeRegexp('project_path%3Amygroup%2Fmyproject%3Aref_type%3Atag%3Aref%3Av%2A'),
    },
  }));

integ.assertions.awsApiCall('IAM', 'getOpenIDConnectProvider', { OpenIDConnectProviderArn: provider.oidcProviderArn })
  .expect(ExpectedResult.objectLike({
    Url: 'gitlab.integ-test.cdk-gitlab-oidc.example',
    ClientIDList: ['https://gitlab.integ-test.cdk-gitlab-oidc.example'],
  }));
