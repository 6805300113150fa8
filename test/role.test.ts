import { App, CfnParameter, Duration, Stack, Token, aws_iam as iam } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabRunnerRoleProps, GitLabSubject, IGitLabOidcProvider } from '../src';

// Subjects are built inside each test (never at module or table scope), so Stryker's per-test coverage
// attributes the subject code they run to the tests that judge it.
const main = () => GitLabSubject.project('mygroup/myproject').branch('main');
const MAIN_SUB = 'project_path:mygroup/myproject:ref_type:branch:ref:main';

function setup(url?: string): { stack: Stack; provider: GitLabOidcProvider } {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
  return { stack, provider: new GitLabOidcProvider(stack, 'GitLab', url ? { url } : {}) };
}

/** The one trust statement of the only role in the stack. */
function trustStatement(stack: Stack): any {
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  const [role] = Object.values(roles);
  expect(role.Properties.AssumeRolePolicyDocument.Statement).toHaveLength(1);
  return role.Properties.AssumeRolePolicyDocument.Statement[0];
}

describe('the trust policy', () => {
  test('one exact subject: the documented shape, StringEquals on aud and sub', () => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()] });

    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Version: '2012-10-17',
        Statement: [{
          Effect: 'Allow',
          Action: 'sts:AssumeRoleWithWebIdentity',
          Principal: { Federated: { Ref: Match.stringLikeRegexp('^GitLab') } },
          Condition: {
            StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': MAIN_SUB },
          },
        }],
      },
    });
  });

  test('several exact subjects stay under StringEquals as one list', () => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main(), GitLabSubject.project('mygroup/myproject').tag('v1.0.0')],
    });
    expect(trustStatement(stack).Condition).toEqual({
      StringEquals: {
        'gitlab.com:aud': 'https://gitlab.com',
        'gitlab.com:sub': [MAIN_SUB, 'project_path:mygroup/myproject:ref_type:tag:ref:v1.0.0'],
      },
    });
  });

  test('exact subjects stay under StringEquals and patterns go under StringLike, each in a statement of its own', () => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main(), GitLabSubject.group('mygroup').tag('v*')],
    });
    const statements = Template.fromStack(stack).toJSON().Resources.Role1ABCC5F0.Properties.AssumeRolePolicyDocument.Statement;
    expect(statements.map((s: any) => s.Condition)).toEqual([
      { StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': MAIN_SUB } },
      { StringEquals: { 'gitlab.com:aud': 'https://gitlab.com' }, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/*:ref_type:tag:ref:v*' } },
    ]);
  });

  test('a subject\'s operator does not depend on the other subjects of the role', () => {
    const conditionsOf = (subjects: GitLabSubject[]) => {
      const { stack, provider } = setup();
      new GitLabRunnerRole(stack, 'Role', { provider, subjects });
      const statements = Template.fromStack(stack).toJSON().Resources.Role1ABCC5F0.Properties.AssumeRolePolicyDocument.Statement;
      return statements.map((s: any) => s.Condition);
    };
    const alone = conditionsOf([main()]);
    const withPattern = conditionsOf([main(), GitLabSubject.project('mygroup/myproject').tag('v*')]);
    expect(withPattern[0]).toEqual(alone[0]);
  });

  test('duplicates are dropped and the order does not depend on the order given', () => {
    const a = GitLabSubject.project('g/b').branch('main');
    const b = GitLabSubject.project('g/a').branch('main');
    const render = (subjects: GitLabSubject[]) => {
      const { stack, provider } = setup();
      new GitLabRunnerRole(stack, 'Role', { provider, subjects });
      return trustStatement(stack).Condition;
    };
    const expected = {
      StringEquals: {
        'gitlab.com:aud': 'https://gitlab.com',
        'gitlab.com:sub': ['project_path:g/a:ref_type:branch:ref:main', 'project_path:g/b:ref_type:branch:ref:main'],
      },
    };
    expect(render([a, b, a])).toEqual(expected);
    expect(render([b, a])).toEqual(expected);
  });

  test('role.subjects lists the distinct subjects in rendered order', () => {
    const { stack, provider } = setup();
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main(), GitLabSubject.fromSub(MAIN_SUB)] });
    expect(role.subjects.map((s) => s.sub)).toEqual([MAIN_SUB]);
  });

  test('a self-managed instance under a relative path uses its own condition keys', () => {
    const { stack, provider } = setup('https://example.com/gitlab');
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()] });
    expect(trustStatement(stack).Condition).toEqual({
      StringEquals: { 'example.com/gitlab:aud': 'https://example.com/gitlab', 'example.com/gitlab:sub': MAIN_SUB },
    });
  });

  test('an audience other than the default must be one of the provider client IDs', () => {
    const stack = new Stack();
    const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: ['https://gitlab.com', 'sts.amazonaws.com'] });
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], audience: 'sts.amazonaws.com' });
    expect(role.audience).toBe('sts.amazonaws.com');
    expect(trustStatement(stack).Condition.StringEquals['gitlab.com:aud']).toBe('sts.amazonaws.com');
  });

  test('the role trusts an imported provider through a partition-aware ARN', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = GitLabOidcProvider.fromAccount(stack, 'GitLab');
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()] });
    expect(trustStatement(stack).Principal).toEqual({
      Federated: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/gitlab.com']] },
    });
    Template.fromStack(stack).resourceCountIs('AWS::IAM::OIDCProvider', 0);
  });

  test('a token subject is rendered as a CloudFormation expression', () => {
    const { stack, provider } = setup();
    const path = new CfnParameter(stack, 'ProjectPath').valueAsString;
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project(path).branch('main')] });
    expect(trustStatement(stack).Condition.StringEquals['gitlab.com:sub']).toEqual({
      'Fn::Join': ['', ['project_path:', { Ref: 'ProjectPath' }, ':ref_type:branch:ref:main']],
    });
  });
});

describe('the role is an iam.Role', () => {
  test('every iam.RoleProps field but assumedBy passes through', () => {
    const { stack, provider } = setup();
    const boundary = iam.ManagedPolicy.fromAwsManagedPolicyName('PowerUserAccess');
    const role = new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main()],
      roleName: 'gitlab-deploy',
      path: '/ci/',
      description: 'deploys',
      maxSessionDuration: Duration.hours(2),
      permissionsBoundary: boundary,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: ['*'] }));

    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'gitlab-deploy',
      Path: '/ci/',
      Description: 'deploys',
      MaxSessionDuration: 7200,
      PermissionsBoundary: Match.anyValue(),
      ManagedPolicyArns: [Match.anyValue()],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: [Match.objectLike({ Action: 's3:GetObject' })] },
    });
    expect(role.provider).toBe(provider);
  });

  test('the props it is given are not mutated', () => {
    const { stack, provider } = setup();
    const subjects = Object.freeze([main(), main()]) as unknown as GitLabSubject[];
    const props: GitLabRunnerRoleProps = Object.freeze({ provider, subjects, roleName: 'r' });
    new GitLabRunnerRole(stack, 'Role', props);
    expect(props).toEqual({ provider, subjects: [main(), main()], roleName: 'r' });
    expect(Object.keys(props)).not.toContain('assumedBy');
  });
});

describe('bad trust settings fail at synth with a clear error', () => {
  test('an empty subject list', () => {
    const { stack, provider } = setup();
    let error: unknown;
    try {
      new GitLabRunnerRole(stack, 'Role', { provider, subjects: [] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('Stack: subjects must hold at least one subject: with none, no job could assume the role, got: []');
  });

  test.each([
    ['sts.amazonaws.com', 'audience must be one of the provider\'s client IDs ["https://gitlab.com"]'],
    ['https://gitlab.com/', 'got: "https://gitlab.com/"'],
    ['', 'an audience must not be empty'],
    ['a'.repeat(256), 'must be at most 255 characters'],
  ])('audience %j', (audience, message) => {
    const { stack, provider } = setup();
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], audience })).toThrow(message);
  });

  test('an imported provider whose audiences do not include the role audience', () => {
    const stack = new Stack();
    const provider = GitLabOidcProvider.fromAccount(stack, 'GitLab');
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], audience: 'sts.amazonaws.com' }))
      .toThrow('Incorrect token audience');
  });

  test('a provider with a token condition-key prefix', () => {
    const stack = new Stack();
    const provider: IGitLabOidcProvider = {
      ...GitLabOidcProvider.fromAccount(stack, 'GitLab'),
      conditionKeyPrefix: Token.asString({ Ref: 'Prefix' }),
      audiences: ['https://gitlab.com'],
    } as IGitLabOidcProvider;
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()] })).toThrow('provider needs a literal issuer URL');
  });
});

describe('warnings for legal but risky choices', () => {
  test.each([
    ['any ref of a project', () => GitLabSubject.project('g/p').anyRef()],
    ['any branch of a project', () => GitLabSubject.project('g/p').anyBranch()],
    ['any tag of a project', () => GitLabSubject.project('g/p').anyTag()],
    ['any ref of a group', () => GitLabSubject.group('g').anyRef()],
    ['a raw sub whose ref is wildcards only', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:**')],
    ['a raw sub without a ref', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch')],
    ['a raw sub whose wildcard stands for the rest', () => GitLabSubject.fromSub('project_path:g/p:*')],
  ])('%s is warned about', (_name, subject) => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [subject()] });
    Annotations.fromStack(stack).hasWarning('/Stack/Role', Match.stringLikeRegexp('admits jobs of any branch or tag'));
  });

  // A ref pattern admits every branch or tag it matches, pushed by anyone who may push one: what the audit calls any-ref.
  test.each([
    ['a branch pattern', () => GitLabSubject.project('g/p').branch('release/*')],
    ['a branch pattern that starts with a wildcard', () => GitLabSubject.project('g/p').branch('*-rc')],
    ['a tag pattern', () => GitLabSubject.project('g/p').tag('v*')],
    ['a raw sub whose ref starts with a wildcard', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:*-rc')],
    ['a raw sub whose ref ends with a wildcard', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:release-*')],
  ])('%s is warned about, unless protected refs are required', (_name, subject) => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [subject()] });
    Annotations.fromStack(stack).hasWarning('/Stack/Role', Match.stringLikeRegexp('admits every branch or tag its ref pattern matches.*\\[ack: cdk-gitlab-oidc:refPattern\\]'));
    const guarded = setup();
    new GitLabRunnerRole(guarded.stack, 'Role', { provider: guarded.provider, subjects: [subject()], claimConditions: { refProtected: true } });
    Annotations.fromStack(guarded.stack).hasNoWarning('*', Match.anyValue());
  });

  test.each([
    ['a named branch', main],
    ['a group branch', () => GitLabSubject.group('g').branch('main')],
    ['a raw sub with a named ref and more components after it', () => GitLabSubject.fromSub('project_path:g/p:ref_type:branch:ref:main:*')],
    ['a raw sub by project ID', () => GitLabSubject.fromSub('project_id:42:ref_type:branch:ref:main')],
    ['a raw sub held by a deploy-time value', () => GitLabSubject.fromSub(Token.asString({ Ref: 'Sub' }))],
  ])('%s is not warned about', (_name, subject) => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [subject()] });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

// Every warning and error of the role, whole: users search for these texts and acknowledge warnings by ID.
describe('the role\'s messages, whole', () => {
  test.each([
    ['cdk-gitlab-oidc:anyRef', () => GitLabSubject.project('g/p').anyBranch(),
      'subject "project_path:g/p:ref_type:branch:ref:*" admits jobs of any branch or tag: anyone who can push one to the project can assume this role. ' +
      'Prefer named branches or tags, require protected refs (claimConditions.refProtected), or acknowledge this warning.'],
    ['cdk-gitlab-oidc:deployTimeValueInPattern', () => GitLabSubject.group(Token.asString({ Ref: 'Group' })).branch('main'),
      'subject "project_path:${Token[TOKEN.*]}/*:ref_type:branch:ref:main" is a pattern (StringLike) that holds a deploy-time value: a "*" or "?" in that value would ' +
      'widen it to other projects or refs. Make sure the parameter or import can only hold a GitLab path, ID or ref name ' +
      '(e.g. an allowedPattern on the parameter), or acknowledge this warning.'],
    ['cdk-gitlab-oidc:projectWildcard', () => GitLabSubject.fromSub('project_path:g/api-*:ref_type:branch:ref:main', { allowProjectWildcards: true }),
      'subject "project_path:g/api-*:ref_type:branch:ref:main" admits every project whose path matches its pattern, including projects created later ' +
      'in the group by anyone allowed to. Prefer GitLabSubject.project() for each project, or acknowledge this warning.'],
  ])('%s', (id, subject, message) => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [subject()] });
    const warnings = Annotations.fromStack(stack).findWarning('/Stack/Role', Match.stringLikeRegexp(id)).map((w) => w.entry.data);
    const pattern = new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('TOKEN\\.\\*', 'TOKEN\\.\\d+')} \\[ack: ${id}\\]$`);
    expect(warnings).toEqual([expect.stringMatching(pattern)]);
  });

  test('a trust policy over the limit: the whole error', () => {
    const { stack, provider } = setup();
    const subjects = Array.from({ length: 40 }, (_, i) => GitLabSubject.project(`mygroup/project-${i}`).branch('main'));
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects });
    const size = role.trustPolicySize();
    expect(() => Template.fromStack(stack)).toThrow(
      `trust policy is ${size} characters, over the limit of 2048 (40 subjects); IAM would reject it at deploy with "Cannot exceed quota for ACLSizePerRole". ` +
      'Cover projects with a group subject (GitLabSubject.group()), split the subjects over several roles, or raise the account\'s ' +
      '"Role trust policy length" quota (up to 8192) and set trustPolicySizeLimit.');
  });

  test('a literal maxSessionDuration is still judged by iam.Role', () => {
    const { stack, provider } = setup();
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], maxSessionDuration: Duration.minutes(30) }))
      .toThrow(/maxSessionDuration is set to 1800, but must be >= 3600sec/);
  });

  test('an audience may be one the provider holds as a deploy-time value beside literal ones', () => {
    const { stack } = setup();
    const provider = new GitLabOidcProvider(stack, 'Mixed', { audiences: [new CfnParameter(stack, 'Audience').valueAsString, 'https://gitlab.com'] });
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], audience: 'sts.amazonaws.com' })).not.toThrow();
  });

  test('a provider imported for another account is refused', () => {
    const { stack } = setup();
    const provider = GitLabOidcProvider.fromAccount(stack, 'Other', { account: '444455556666' });
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()] })).toThrow(
      'Stack: GitLabRunnerRole must trust a provider in its own account 111122223333: STS looks the provider up in the role\'s account, ' +
      'so no job could assume it, got: a provider in account 444455556666');
  });

  test('allowCdkDeployments describes its managed policy', () => {
    const { stack, provider } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()] }).allowCdkDeployments();
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Description: 'Lets GitLab CI/CD jobs run cdk deploy: assume the CDK bootstrap roles',
    });
  });
});
