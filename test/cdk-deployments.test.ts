import { App, aws_iam as iam, CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabCdkDeploymentOptions, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';
import { ManagedPolicyGrantee } from '../src/private/managed-policy-grantee';

function newRole(env?: { account: string; region: string }) {
  const stack = new Stack(new App(), 'Stack', { env });
  const role = new GitLabRunnerRole(stack, 'Role', {
    provider: new GitLabOidcProvider(stack, 'GitLab'),
    subjects: [GitLabSubject.project('mygroup/infra').branch('main')],
  });
  return { stack, role };
}

const kinds = (account: string, region: string, qualifier = 'hnb659fds') =>
  ['deploy', 'file-publishing', 'image-publishing', 'lookup'].map((kind) =>
    ({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::${account}:role/cdk-${qualifier}-${kind}-role-${account}-${region}`]] }));

describe('allowCdkDeployments', () => {
  test('returns the iam.Grant of its statement, in the role\'s managed policy: a resource can depend on it', () => {
    const { stack, role } = newRole({ account: '111122223333', region: 'eu-west-1' });
    const grant = role.allowCdkDeployments();
    expect(grant.success).toBe(true);
    expect(grant.principalStatements).toHaveLength(1);
    expect(stack.resolve(grant.principalStatements[0].toStatementJson().Action)).toEqual(['sts:AssumeRole', 'sts:TagSession']);
    const consumer = new CfnResource(stack, 'Consumer', { type: 'AWS::SNS::Topic' });
    grant.applyBefore(consumer);
    const template = Template.fromStack(stack);
    const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
    template.hasResource('AWS::SNS::Topic', { DependsOn: [policyId] });
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('the grant\'s grantee is the role itself to whatever reads it as a principal; its statements go to the managed policy', () => {
    const { stack, role } = newRole({ account: '111122223333', region: 'eu-west-1' });
    const policy = new iam.ManagedPolicy(stack, 'Policy');
    const grantee = new ManagedPolicyGrantee(role, policy);
    expect(stack.resolve(grantee.policyFragment.principalJson)).toEqual({ AWS: [{ 'Fn::GetAtt': ['Role1ABCC5F0', 'Arn'] }] });
    expect([grantee.principalAccount, grantee.assumeRoleAction]).toEqual([role.principalAccount, role.assumeRoleAction]);
    const added = grantee.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: ['*'] }));
    expect(added).toEqual({ statementAdded: true, policyDependable: policy });
    expect(stack.resolve(policy.document.toJSON())).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole', Resource: '*' }] });
  });

  test('by default: the four bootstrap roles of the role\'s own environment', () => {
    const { stack, role } = newRole({ account: '111122223333', region: 'eu-west-1' });
    role.allowCdkDeployments();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: 'Role1ABCC5F0' }],
      PolicyDocument: {
        Statement: [{
          Effect: 'Allow',
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Resource: kinds('111122223333', 'eu-west-1'),
        }],
      },
    });
  });

  test('a qualifier, several accounts and regions: every combination, nothing more', () => {
    const { stack, role } = newRole({ account: '111122223333', region: 'eu-west-1' });
    role.allowCdkDeployments({ qualifier: 'team1', accounts: ['444455556666', '777788889999'], regions: ['us-east-1', 'eu-central-1'] });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    const resources = policy.Properties.PolicyDocument.Statement[0].Resource;
    expect(resources).toHaveLength(16);
    expect(resources).toEqual([
      ...kinds('444455556666', 'us-east-1', 'team1'), ...kinds('444455556666', 'eu-central-1', 'team1'),
      ...kinds('777788889999', 'us-east-1', 'team1'), ...kinds('777788889999', 'eu-central-1', 'team1'),
    ]);
  });

  test('an env-agnostic stack targets its own account and region through pseudo parameters', () => {
    const { stack, role } = newRole();
    role.allowCdkDeployments();
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policy.Properties.PolicyDocument.Statement[0].Resource[0]).toEqual({
      'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':role/cdk-hnb659fds-deploy-role-',
        { Ref: 'AWS::AccountId' }, '-', { Ref: 'AWS::Region' }]],
    });
  });

  test('calling it again adds to the same policy', () => {
    const { stack, role } = newRole({ account: '111122223333', region: 'eu-west-1' });
    role.allowCdkDeployments();
    role.allowCdkDeployments({ regions: ['us-east-1'] });
    const policies = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policies).toHaveLength(1);
    expect(policies[0].Properties.PolicyDocument.Statement.map((s: any) => s.Resource)).toEqual([
      kinds('111122223333', 'eu-west-1'), kinds('111122223333', 'us-east-1'),
    ]);
  });

  test.each<[GitLabCdkDeploymentOptions, string]>([
    [{ qualifier: 'way-too-long-qualifier' }, 'CDK bootstrap qualifier must be 1 to 10 letters'],
    [{ qualifier: 'a b' }, 'got: "a b"'],
    [{ accounts: [] }, 'needs at least one account'],
    [{ accounts: ['12345'] }, 'allowCdkDeployments accounts must be a 12-digit AWS account ID, got: "12345"'],
    [{ accounts: ['x111122223333'] }, 'got: "x111122223333"'],
    [{ accounts: ['1111222233334'] }, 'got: "1111222233334"'],
    [{ regions: [] }, 'needs at least one region'],
    [{ regions: ['eu-west'] }, 'allowCdkDeployments regions must be an AWS region name such as "eu-west-1", got: "eu-west"'],
    [{ regions: ['Eu-west-1'] }, 'got: "Eu-west-1"'],
    [{ regions: ['Xeu-west-1'] }, 'got: "Xeu-west-1"'],
    [{ regions: ['eu-west-1x'] }, 'got: "eu-west-1x"'],
  ])('bad options are refused: %#, %s', (options, message) => {
    const { role } = newRole({ account: '111122223333', region: 'eu-west-1' });
    expect(() => role.allowCdkDeployments(options)).toThrow(message);
  });
});

test('every region form AWS uses is accepted: two-part and three-part names, one- and two-digit numbers', () => {
  const { role } = newRole({ account: '111122223333', region: 'eu-west-1' });
  expect(() => role.allowCdkDeployments({ regions: ['us-east-1', 'us-gov-west-1', 'ap-southeast-12', 'cn-north-1'] })).not.toThrow();
});
