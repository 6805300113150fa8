// GitLabJobsPrincipal: the planned trust as an iam.IAssumeRolePrincipal, so it owns every statement of
// the trust policy, with a GitLabRunnerRole or with any iam.Role.
import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { GitLabAccessLevel, GitLabJobsPrincipal, GitLabJobsPrincipalProps, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

function setup(url?: string): { stack: Stack; provider: GitLabOidcProvider } {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
  return { stack, provider: new GitLabOidcProvider(stack, 'GitLab', url ? { url } : {}) };
}

/** Trust settings whose plan has three statements: exact subjects, patterns, and a conditioned subject. */
function threeStatements(provider: GitLabOidcProvider): GitLabJobsPrincipalProps {
  return {
    provider,
    subjects: [
      GitLabSubject.project('g/app').branch('main'),
      GitLabSubject.project('g/app').tag('v*'),
      GitLabSubject.project('g/ops').branch('main').withClaimConditions({ userAccessLevels: [GitLabAccessLevel.MAINTAINER] }),
    ],
  };
}

function trustPolicy(stack: Stack, roleId: string): unknown {
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  const [logicalId] = Object.keys(roles).filter((id) => id.startsWith(roleId));
  return roles[logicalId].Properties.AssumeRolePolicyDocument;
}

describe('as the assumedBy of a plain iam.Role', () => {
  test('renders the trust policy a GitLabRunnerRole renders, every statement included', () => {
    const { stack, provider } = setup();
    new iam.Role(stack, 'Plain', { assumedBy: new GitLabJobsPrincipal(threeStatements(provider)) });
    new GitLabRunnerRole(stack, 'Runner', threeStatements(provider));

    const plain = trustPolicy(stack, 'Plain') as { Statement: unknown[] };
    expect(plain.Statement).toHaveLength(3);
    expect(plain).toEqual(trustPolicy(stack, 'Runner'));
  });

  test('works inside a CompositePrincipal, beside another principal', () => {
    const { stack, provider } = setup();
    new iam.Role(stack, 'Role', {
      assumedBy: new iam.CompositePrincipal(
        new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] }),
        new iam.ServicePrincipal('codebuild.amazonaws.com'),
      ),
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          Match.objectLike({
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: { StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': 'project_path:g/app:ref_type:branch:ref:main' } },
          }),
          Match.objectLike({ Action: 'sts:AssumeRole', Principal: { Service: 'codebuild.amazonaws.com' } }),
        ],
      },
    });
  });

  test('says which subjects it admits: duplicates and covered subjects left out, in rendering order', () => {
    const { provider } = setup();
    const principal = new GitLabJobsPrincipal({
      provider,
      subjects: [
        GitLabSubject.project('g/app').tag('v1'),
        GitLabSubject.project('g/app').branch('main'),
        GitLabSubject.project('g/app').branch('main'),
        GitLabSubject.project('g/app').anyTag(),
      ],
    });
    expect(principal.subjects.map((s) => s.sub)).toEqual([
      'project_path:g/app:ref_type:branch:ref:main',
      'project_path:g/app:ref_type:tag:ref:*',
    ]);
    expect(principal.audience).toBe('https://gitlab.com');
    expect(principal.provider).toBe(provider);
    expect(principal.assumeRoleAction).toBe('sts:AssumeRoleWithWebIdentity');
    expect(principal.toString()).toBe('GitLabJobsPrincipal(https://gitlab.com: project_path:g/app:ref_type:branch:ref:main, project_path:g/app:ref_type:tag:ref:*)');
  });
});

describe('it belongs in trust policies only', () => {
  test('as the principal of any other policy it throws: no single principal can carry its conditions', () => {
    const { provider } = setup();
    const principal = new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] });
    expect(() => principal.policyFragment).toThrow(
      'GitLabJobsPrincipal can only be the assumedBy of a role: its trust needs conditions of its own per statement, ' +
      'got: a use as the principal of another policy (GitLabJobsPrincipal(https://gitlab.com: project_path:g/app:ref_type:branch:ref:main))');
    expect(() => new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ principals: [principal], actions: ['s3:GetObject'], resources: ['*'] })] }))
      .toThrow('GitLabJobsPrincipal can only be the assumedBy of a role');
    expect(principal.dedupeString()).toBeUndefined();
  });
});

describe('its trust settings are judged where it is built', () => {
  test.each<[string, (provider: GitLabOidcProvider) => GitLabJobsPrincipalProps, string]>([
    ['no subject', (provider) => ({ provider, subjects: [] }),
      'subjects must hold at least one subject: with none, no job could assume the role, got: []'],
    ['an audience the provider does not accept', (provider) => ({ provider, subjects: [GitLabSubject.project('g/p').branch('main')], audience: 'sts.amazonaws.com' }),
      'audience must be one of the provider\'s client IDs ["https://gitlab.com"], or STS rejects every token with "Incorrect token audience", got: "sts.amazonaws.com"'],
    ['an audience with a wildcard', (provider) => ({ provider, subjects: [GitLabSubject.project('g/p').branch('main')], audience: 'https://gitlab.*' }),
      'an audience must not contain white space, "*", "?" or "$" (it is compared with StringEquals, and GitLab expands "$" in id_tokens), got: "https://gitlab.*"'],
  ])('%s', (_name, props, message) => {
    const { provider } = setup();
    expect(() => new GitLabJobsPrincipal(props(provider))).toThrow(message);
  });

  test('claim conditions on a self-managed instance, whether the role\'s or a subject\'s', () => {
    const { provider } = setup('https://gitlab.example.com');
    const message = 'claim conditions work only with the gitlab.com provider: STS sets gitlab.com:namespace_id and the other claim keys ' +
      'for gitlab.com tokens alone, so on any other instance they would never match and no job could assume the role, got: "gitlab.example.com"';
    const subject = () => GitLabSubject.project('g/p').branch('main');
    expect(() => new GitLabJobsPrincipal({ provider, subjects: [subject()], claimConditions: { refProtected: false } })).toThrow(message);
    expect(() => new GitLabJobsPrincipal({ provider, subjects: [subject(), subject().withClaimConditions({ userLogins: ['alice'] })] })).toThrow(message);
    // Conditions that constrain nothing are fine anywhere.
    const unconstrained = new GitLabJobsPrincipal({ provider, subjects: [subject().withClaimConditions({})], claimConditions: { claims: {} } });
    expect(unconstrained.subjects).toHaveLength(1);
  });

  test('a GitLabRunnerRole names itself in the errors of the principal it builds', () => {
    const { stack, provider } = setup();
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [] }))
      .toThrow('Stack: subjects must hold at least one subject: with none, no job could assume the role, got: []');
  });

  test('warnings stay with the role: a principal alone reports nothing', () => {
    const { stack, provider } = setup();
    new iam.Role(stack, 'Role', { assumedBy: new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/p').anyBranch()] }) });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
    new GitLabRunnerRole(stack, 'Runner', { provider, subjects: [GitLabSubject.project('g/p').anyBranch()] });
    Annotations.fromStack(stack).hasWarning('/Stack/Runner', Match.stringLikeRegexp('admits jobs of any branch or tag'));
  });
});

describe('its inherited principal API works', () => {
  const trustOf = (stack: Stack) => Template.fromStack(stack).findResources('AWS::IAM::Role');

  test('withConditions() ANDs conditions into every statement of the trust', () => {
    const { stack, provider } = setup();
    const principal = new GitLabJobsPrincipal({
      provider,
      subjects: [GitLabSubject.project('g/app').branch('main'), GitLabSubject.project('g/app').tag('v*')],
    });
    new iam.Role(stack, 'Role', { assumedBy: principal.withConditions({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }) });
    const [role] = Object.values(trustOf(stack)) as any[];
    const statements = role.Properties.AssumeRolePolicyDocument.Statement;
    expect(statements).toHaveLength(2);
    for (const statement of statements) {
      expect(statement.Condition.IpAddress).toEqual({ 'aws:SourceIp': '203.0.113.0/24' });
      expect(statement.Condition.StringEquals['gitlab.com:aud']).toBe('https://gitlab.com');
    }
    // The original is unchanged: withConditions() returns another principal.
    expect(principal.toString()).toContain('project_path:g/app:ref_type:branch:ref:main');
  });

  test('withConditions() may add keys beside the trust\'s own under the same operator', () => {
    const { stack, provider } = setup();
    const principal = new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] });
    new iam.Role(stack, 'Role', { assumedBy: principal.withConditions({ StringEquals: { 'aws:RequestedRegion': 'eu-west-1' } }) });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Condition: { StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': 'project_path:g/app:ref_type:branch:ref:main', 'aws:RequestedRegion': 'eu-west-1' } },
        })],
      },
    });
  });

  test.each([
    ['the audience', { StringEquals: { 'gitlab.com:aud': ['https://gitlab.com', 'other'] } }, 'StringEquals gitlab.com:aud'],
    ['the subjects', { StringEquals: { 'gitlab.com:sub': 'project_path:evil/app:ref_type:branch:ref:main' } }, 'StringEquals gitlab.com:sub'],
  ])('withConditions() refuses to replace %s', (_what, conditions, named) => {
    const { provider } = setup();
    const principal = new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] });
    expect(() => principal.withConditions(conditions)).toThrow(`withConditions must not replace a condition the trust already has (${named})`);
  });

  test('withConditions() refuses to replace its own earlier condition, and an operator without keys', () => {
    const { provider } = setup();
    const principal = new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] })
      .withConditions({ IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } });
    expect(() => principal.withConditions({ IpAddress: { 'aws:SourceIp': '0.0.0.0/0' } }))
      .toThrow('withConditions must not replace a condition the trust already has (IpAddress aws:SourceIp): the replacement could widen what the trust admits, got: "0.0.0.0/0"');
    expect(() => principal.withConditions({ Bool: 'true' })).toThrow('withConditions needs each operator to map condition keys to values, got: "Bool" -> "true"');
  });

  test('withSessionTags() allows sts:TagSession beside the web-identity action', () => {
    const { stack, provider } = setup();
    const principal = new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] });
    new iam.Role(stack, 'Role', { assumedBy: principal.withSessionTags() });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'] })] },
    });
  });

  test('JSON.stringify() renders the federated principal', () => {
    const { stack, provider } = setup();
    const principal = new GitLabJobsPrincipal({ provider, subjects: [GitLabSubject.project('g/app').branch('main')] });
    expect(stack.resolve(JSON.parse(JSON.stringify(principal)))).toEqual({ Federated: [stack.resolve(provider.oidcProviderArn)] });
  });
});
