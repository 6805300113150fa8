// cdk-nag's AwsSolutions pack and the compliance packs with IAM rules (HIPAA Security, NIST 800-53 R5,
// PCI DSS 3.2.1) over the example stack and over a stack that uses every feature of the library.
// The constructs must produce no finding: a finding here is a defect, not something to suppress.
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, HIPAASecurityChecks, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { GitLabDeployStack } from '../example/stack';
import { GitLabAccessLevel, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

function findings(stack: Stack): string[] {
  for (const pack of [new AwsSolutionsChecks(), new HIPAASecurityChecks(), new NIST80053R5Checks(), new PCIDSS321Checks()]) {
    Aspects.of(stack).add(pack);
  }
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.anyValue()), ...annotations.findWarning('*', Match.anyValue())]
    .map((m) => `${m.id}: ${String(m.entry.data).split(':')[0]}`);
}

test('the example stack has no cdk-nag finding', () => {
  expect(findings(new GitLabDeployStack(new App(), 'Example'))).toEqual([]);
});

test('every feature of the library together has no cdk-nag finding', () => {
  const stack = new Stack(new App(), 'AllFeatures', { env: { account: '111122223333', region: 'eu-west-1' } });
  const gitlab = new GitLabOidcProvider(stack, 'GitLab', { audiences: ['https://gitlab.com', 'sts.amazonaws.com'] });
  const selfManaged = new GitLabOidcProvider(stack, 'SelfManaged', { url: 'https://example.com/gitlab', thumbprints: ['a'.repeat(40)] });
  const imported = GitLabOidcProvider.fromAccount(stack, 'Imported', { url: 'https://gitlab.example.com' });
  const role = new GitLabRunnerRole(stack, 'Deploy', {
    provider: gitlab,
    audience: 'sts.amazonaws.com',
    subjects: [
      GitLabSubject.project('g/app').branch('main'),
      GitLabSubject.group('g').tag('v*').withClaimConditions({ userAccessLevels: [GitLabAccessLevel.MAINTAINER] }),
    ],
    claimConditions: { refProtected: true, namespaceIds: [77] },
  });
  role.allowCdkDeployments({ accounts: ['444455556666'], regions: ['eu-west-1', 'us-east-1'] });
  new GitLabRunnerRole(stack, 'SelfManagedRole', { provider: selfManaged, subjects: [GitLabSubject.projectId(42).tag('v1.0.0')] });
  new GitLabRunnerRole(stack, 'ImportedRole', { provider: imported, subjects: [GitLabSubject.project('g/p').branch('main')] });
  expect(findings(stack)).toEqual([]);
});
