// Whole-template snapshots of the two reference setups. A change here changes what users deploy:
// review the diff, then accept it with `npx projen test:update`.
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

/** A stack whose template holds only what the library renders (no bootstrap rule, which varies by CDK version). */
function newStack(id: string): Stack {
  return new Stack(new App(), id, { synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }) });
}

test('gitlab.com: provider and a role for mygroup/myproject on main (the founding write-up)', () => {
  const stack = newStack('GitLabCom');
  const provider = new GitLabOidcProvider(stack, 'GitLab');
  new GitLabRunnerRole(stack, 'DeployRole', {
    provider,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
  });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});

test('self-managed GitLab under a relative URL root, with a thumbprint and tag releases', () => {
  const stack = newStack('SelfManaged');
  const provider = new GitLabOidcProvider(stack, 'GitLab', {
    url: 'https://example.com/gitlab',
    thumbprints: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
  });
  new GitLabRunnerRole(stack, 'ReleaseRole', {
    provider,
    subjects: [
      GitLabSubject.project('platform/infra/deployer').branch('main'),
      GitLabSubject.project('platform/infra/deployer').tag('v*'),
    ],
  });
  expect(Template.fromStack(stack).toJSON()).toMatchSnapshot();
});
