// Every public input may be a deploy-time value (a token): a scalar parameter or import, a Number
// parameter, or a list (a CommaDelimitedList parameter, Fn.split). Literal parts are validated, tokens
// pass through, and a token never changes what a value means: a subject's operator follows from what its
// builder wrote, and a deploy-time list stays a list.
import { App, CfnParameter, Duration, Fn, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';

function setup() {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const text = () => new CfnParameter(stack, `Text${stack.node.children.length}`).valueAsString;
  return {
    stack,
    provider: new GitLabOidcProvider(stack, 'GitLab'),
    tokens: {
      parameter: text,
      import: () => Fn.importValue(`shared-${stack.node.children.length}`),
      number: () => new CfnParameter(stack, `Number${stack.node.children.length}`, { type: 'Number' }).valueAsNumber,
      list: () => new CfnParameter(stack, `List${stack.node.children.length}`, { type: 'CommaDelimitedList' }).valueAsList,
      split: () => Fn.split(',', Fn.importValue(`list-${stack.node.children.length}`)),
    },
  };
}
type Tokens = ReturnType<typeof setup>['tokens'];

/** The conditions of each trust statement, resolved. */
function trust(stack: Stack): any[] {
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
  return role.Properties.AssumeRolePolicyDocument.Statement.map((s: any) => s.Condition);
}

describe('subjects with deploy-time values', () => {
  test.each<[string, (t: Tokens) => GitLabSubject, 'StringLike' | 'StringEquals']>([
    ['project(parameter).anyBranch()', (t) => GitLabSubject.project(t.parameter()).anyBranch(), 'StringLike'],
    ['project(import).branch("release/*")', (t) => GitLabSubject.project(t.import()).branch('release/*'), 'StringLike'],
    ['group(parameter).branch("main")', (t) => GitLabSubject.group(t.parameter()).branch('main'), 'StringLike'],
    ['projectId(Number parameter).tag("v*")', (t) => GitLabSubject.projectId(t.number()).tag('v*'), 'StringLike'],
    ['project(parameter).branch("main")', (t) => GitLabSubject.project(t.parameter()).branch('main'), 'StringEquals'],
    ['project(import).tag("v1")', (t) => GitLabSubject.project(t.import()).tag('v1'), 'StringEquals'],
    ['projectId(Number parameter).branch("main")', (t) => GitLabSubject.projectId(t.number()).branch('main'), 'StringEquals'],
    ['project("g/p").branch(parameter)', (t) => GitLabSubject.project('g/p').branch(t.parameter()), 'StringEquals'],
    ['project("g/p").tag(import)', (t) => GitLabSubject.project('g/p').tag(t.import()), 'StringEquals'],
    ['project("g/p").ref(import): any ref type is a wildcard', (t) => GitLabSubject.project('g/p').ref(t.import()), 'StringLike'],
    ['fromSub(parameter)', (t) => GitLabSubject.fromSub(t.parameter()), 'StringEquals'],
  ])('%s renders under %s, as its builder wrote it', (_name, subject, operator) => {
    const { stack, provider, tokens } = setup();
    const built = subject(tokens);
    expect(built.isPattern).toBe(operator === 'StringLike');
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [built] });
    const [conditions] = trust(stack);
    expect(JSON.stringify(conditions[operator]['gitlab.com:sub'])).toMatch(/"Ref":"(Text|Number)\d+"|"Fn::ImportValue"/);
    if (operator === 'StringLike') expect(conditions.StringEquals['gitlab.com:sub']).toBeUndefined();
    else expect(conditions.StringLike).toBeUndefined();
  });

  test('the number token of a project ID renders as a reference, not as the number that encodes it', () => {
    const { stack, provider, tokens } = setup();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.projectId(tokens.number()).tag('v*')] });
    const [conditions] = trust(stack);
    expect(conditions.StringLike['gitlab.com:sub']).toEqual({ 'Fn::Join': ['', ['project_id:', { Ref: expect.stringMatching(/^Number\d+$/) }, ':ref_type:tag:ref:v*']] });
  });

  test('a pattern holding a deploy-time value is warned about; an exact subject holding one is not', () => {
    const { stack, provider, tokens } = setup();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [GitLabSubject.group(tokens.parameter()).branch('main'), GitLabSubject.project(tokens.import()).branch('main')],
    });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('deployTimeValueInPattern'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/is a pattern \(StringLike\) that holds a deploy-time value: a "\*" or "\?" in that value would widen it/);
  });
});

describe('deploy-time lists', () => {
  test.each<[string, keyof Tokens]>([['a CommaDelimitedList parameter', 'list'], ['Fn.split', 'split']])(
    'provider audiences as %s: the list goes to the provider, and the role reads its first with Fn::Select', (_name, kind) => {
      const stack = new Stack(new App(), 'Stack');
      const list = kind === 'list'
        ? new CfnParameter(stack, 'Audiences', { type: 'CommaDelimitedList' }).valueAsList
        : Fn.split(',', Fn.importValue('audiences'));
      const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: list });
      new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')] });
      const template = Template.fromStack(stack);
      const resolved = stack.resolve(list);
      template.hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: resolved });
      expect(trust(stack)[0].StringEquals['gitlab.com:aud']).toEqual({ 'Fn::Select': [0, resolved] });
    });

  test('provider audiences as a list, with the role\'s audience named: no membership check is made at synth', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: new CfnParameter(stack, 'Audiences', { type: 'CommaDelimitedList' }).valueAsList });
    new GitLabRunnerRole(stack, 'Role', { provider, audience: 'sts.amazonaws.com', subjects: [GitLabSubject.project('g/p').branch('main')] });
    expect(trust(stack)[0].StringEquals['gitlab.com:aud']).toBe('sts.amazonaws.com');
  });

  test.each<[string, keyof Tokens]>([['a CommaDelimitedList parameter', 'list'], ['Fn.split', 'split']])('thumbprints as %s go to the provider as they are', (_name, kind) => {
    const stack = new Stack(new App(), 'Stack');
    const tokens = { list: () => new CfnParameter(stack, 'Thumbprints', { type: 'CommaDelimitedList' }).valueAsList, split: () => Fn.split(',', Fn.importValue('thumbprints')) } as any;
    const thumbprints = tokens[kind]();
    new GitLabOidcProvider(stack, 'GitLab', { url: 'https://gitlab.example.com', thumbprints });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', { ThumbprintList: stack.resolve(thumbprints) });
  });

  test.each<[string, (l: string[]) => object]>([
    ['userLogins', (l) => ({ userLogins: l })],
    ['userEmails', (l) => ({ userEmails: l })],
    ['claims.user_login', (l) => ({ claims: { user_login: l } })],
  ])('claimConditions.%s as a list renders the list itself under StringEquals', (_name, conditions) => {
    for (const kind of ['list', 'split'] as const) {
      const { stack, provider, tokens } = setup();
      const list = tokens[kind]();
      new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')], claimConditions: conditions(list) });
      const equals = trust(stack)[0].StringEquals;
      const key = Object.keys(equals).find((k) => /user_(login|email)$/.test(k))!;
      expect(equals[key]).toEqual(stack.resolve(list));
    }
  });

  test('a deploy-time list on a claim cannot be intersected with another condition on the same claim: a clear error', () => {
    const { stack, provider, tokens } = setup();
    expect(() => new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [GitLabSubject.project('g/p').branch('main').withClaimConditions({ userLogins: ['alice'] })],
      claimConditions: { userLogins: tokens.list() },
    })).toThrow(/two conditions on user_login cannot be combined when one is a deploy-time list .*got: \["#\{Token\[TOKEN\.\d+\]\}"\] and \["alice"\]/);
  });

  test.each<[string, (t: Tokens) => object]>([
    ['regions', (t) => ({ regions: t.list() })],
    ['accounts', (t) => ({ accounts: t.split() })],
  ])('allowCdkDeployments with %s as a deploy-time list is refused with the reason', (name, options) => {
    const { stack, provider, tokens } = setup();
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')] });
    expect(() => role.allowCdkDeployments(options(tokens))).toThrow(
      new RegExp(`allowCdkDeployments needs ${name} as a list written in the app \\(each element may be a deploy-time value\\): a deploy-time list cannot be expanded`));
  });

  test('allowCdkDeployments with scalar tokens in literal lists builds one ARN per account and region', () => {
    const { stack, provider, tokens } = setup();
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').branch('main')] });
    role.allowCdkDeployments({ accounts: [tokens.parameter()], regions: [tokens.import(), 'us-east-1'] });
    const [policy] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'));
    expect(policy.Properties.PolicyDocument.Statement[0].Resource).toHaveLength(8);
  });
});

describe('scalar deploy-time values in the other inputs pass through to the template', () => {
  test.each<[string, (t: Tokens, stack: Stack) => void, RegExp]>([
    ['role audience (parameter)', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'Provider'), audience: t.parameter(), subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"gitlab.com:aud":\{"Ref":"Text\d+"\}/],
    ['trustPolicySizeLimit (Number parameter): not checked', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'Provider'), trustPolicySizeLimit: t.number(), subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"AssumeRolePolicyDocument"/],
    ['maxSessionDuration (Number parameter)', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'Provider'), maxSessionDuration: Duration.seconds(t.number()), subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"MaxSessionDuration":\{"Ref":"Number\d+"\}/],
    ['fromAccount account (import)', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: GitLabOidcProvider.fromAccount(stack, 'Provider', { account: t.import() }), subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"Fn::ImportValue":"shared-\d+"/],
    ['fromProviderAttributes providerArn (parameter), with its url', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: GitLabOidcProvider.fromProviderAttributes(stack, 'Provider', { providerArn: t.parameter(), url: 'https://gitlab.com' }),
      subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"Federated":\{"Ref":"Text\d+"\}/],
    ['claimConditions.projectIds (Number parameter)', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'Provider'), claimConditions: { projectIds: [t.number()] }, subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"gitlab.com:project_id":\{"Ref":"Number\d+"\}/],
    ['provider audiences element (import)', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'Provider', { audiences: [t.import()] }), subjects: [GitLabSubject.project('g/p').branch('main')],
    }), /"ClientIdList":\[\{"Fn::ImportValue":"shared-\d+"\}\]/],
    ['allowCdkDeployments qualifier (parameter)', (t, stack) => new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'Provider'), subjects: [GitLabSubject.project('g/p').branch('main')],
    }).allowCdkDeployments({ qualifier: t.parameter() }), /cdk-",\{"Ref":"Text\d+"\},"-deploy-role-/],
  ])('%s', (_name, build, rendered) => {
    const { stack, tokens } = setup();
    build(tokens, stack);
    expect(JSON.stringify(Template.fromStack(stack).toJSON())).toMatch(rendered);
  });

  test('the provider url must be a literal: IAM condition keys are derived from it', () => {
    const { stack, tokens } = setup();
    expect(() => new GitLabOidcProvider(stack, 'Other', { url: tokens.parameter() })).toThrow('GitLabOidcProvider needs a literal url');
  });
});
