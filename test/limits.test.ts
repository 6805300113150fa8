// Every limit is pinned from both sides: at the limit accepted, one over refused.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

const newStack = () => new Stack(new App(), 'Stack');
const hex = (i: number) => i.toString(16).padStart(40, '0');

describe('IAM provider limits', () => {
  test.each<[string, (n: number) => object, number, string]>([
    ['issuer URL length', (n) => ({ url: `https://gitlab.example.com/${'a'.repeat(n - 'https://gitlab.example.com/'.length)}` }), 255, 'must be at most 255 characters'],
    ['audiences', (n) => ({ audiences: Array.from({ length: n }, (_, i) => `aud-${i}`) }), 100, 'accepts at most 100 audiences'],
    ['audience length', (n) => ({ audiences: ['a'.repeat(n)] }), 255, 'must be at most 255 characters (IAM limit)'],
    ['thumbprints', (n) => ({ url: 'https://gitlab.example.com', thumbprints: Array.from({ length: n }, (_, i) => hex(i)) }), 5, 'accepts at most 5 thumbprints'],
  ])('%s: %# at the limit is accepted, one over is refused', (_name, props, limit, message) => {
    expect(() => new GitLabOidcProvider(newStack(), 'GitLab', props(limit))).not.toThrow();
    expect(() => new GitLabOidcProvider(newStack(), 'GitLab', props(limit + 1))).toThrow(message);
  });

  test.each(['https://g.example.com', 'https://a.b', 'https://x', 'https://gitlab.example.com/a/b'])('issuer %j is accepted', (url) => {
    const stack = newStack();
    new GitLabOidcProvider(stack, 'GitLab', { url });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', { Url: url });
  });
});

describe('GitLab path limits', () => {
  const path = (segments: number) => Array.from({ length: segments }, (_, i) => `s${i}`).join('/');
  test('22 segments (20 nested subgroups) are accepted, 23 refused', () => {
    expect(GitLabSubject.project(path(22)).branch('main').sub).toContain(path(22));
    expect(() => GitLabSubject.project(path(23))).toThrow('must have at most 22 segments');
  });

  test('a segment of 255 characters is accepted, 256 refused', () => {
    expect(GitLabSubject.project(`g/${'p'.repeat(255)}`).branch('main').sub).toContain('p'.repeat(255));
    expect(() => GitLabSubject.project(`g/${'p'.repeat(256)}`)).toThrow('segment must be at most 255 characters');
  });

  test('a group needs one segment, a project two', () => {
    expect(GitLabSubject.group('g').anyRef().sub).toBe('project_path:g/*');
    expect(() => GitLabSubject.project('g')).toThrow('must have at least 2 segments');
  });
});

describe('trust policy and session limits', () => {
  test('trustPolicySizeLimit: 1 and 8,192 are accepted, 0 and 8,193 refused', () => {
    const role = (limit: number) => {
      const stack = newStack();
      return () => new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: [GitLabSubject.project('g/p').branch('main')], trustPolicySizeLimit: limit });
    };
    expect(role(8192)).not.toThrow();
    expect(role(1)).not.toThrow();
    expect(role(8193)).toThrow('trustPolicySizeLimit must be a whole number of characters up to IAM\'s maximum quota of 8192, got: 8193');
    expect(role(0)).toThrow('got: 0');
  });

  test('a policy exactly at the limit passes synth, one character over fails', () => {
    const at = (delta: number) => {
      const stack = newStack();
      const provider = new GitLabOidcProvider(stack, 'GitLab');
      const probe = new GitLabRunnerRole(new Stack(new App(), 'Probe'), 'Role', {
        provider: new GitLabOidcProvider(new Stack(new App(), 'P'), 'GitLab'), subjects: [GitLabSubject.project('g/p').branch('main')],
      }).trustPolicySize();
      new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')], trustPolicySizeLimit: probe + delta });
      return () => Template.fromStack(stack);
    };
    expect(at(0)).not.toThrow();
    expect(at(-1)).toThrow('over the limit of');
  });
});

test('claim conditions on a self-managed provider are refused in every shape: a conditioned subject beside a plain one', () => {
  const stack = newStack();
  const provider = new GitLabOidcProvider(stack, 'GitLab', { url: 'https://gitlab.example.com' });
  expect(() => new GitLabRunnerRole(stack, 'Role', {
    provider,
    subjects: [GitLabSubject.project('g/p').branch('main'), GitLabSubject.project('g/q').branch('main').withClaimConditions({ refProtected: true })],
  })).toThrow('claim conditions work only with the gitlab.com provider');
});
