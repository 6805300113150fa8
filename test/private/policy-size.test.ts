import { App, Aws, CfnParameter, Duration, Fn, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabOidcProvider, GitLabPipelineSource, GitLabRunnerRole, GitLabSubject } from '../../src';
import { trustPolicySizeBound } from '../../src/private/policy-size';

const LONGEST_ARN = 'arn:aws-us-gov:iam::123456789012:oidc-provider/gitlab.com';

/** `n` distinct projects whose paths are `pathLength` characters long, each on branch main. */
function projects(n: number, pathLength = 30): GitLabSubject[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `p${i}`.padEnd(pathLength - 'group/'.length, 'x');
    return GitLabSubject.project(`group/${name}`).branch('main');
  });
}

function trustDocument(stack: Stack): any {
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
  return role.Properties.AssumeRolePolicyDocument;
}

describe('the size estimate is what IAM counts', () => {
  test('for literal inputs it equals the length of the resolved, minified policy', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = GitLabOidcProvider.fromProviderAttributes(stack, 'GitLab', {
      providerArn: 'arn:aws:iam::111122223333:oidc-provider/gitlab.com',
    });
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(5) });
    expect(role.trustPolicySize()).toBe(JSON.stringify(trustDocument(stack)).length);
  });

  test('a provider ARN token counts at its longest: the longest partition and a 12-digit account', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [...projects(3), GitLabSubject.group('g').tag('v*').withClaimConditions({ refProtected: true })],
    });
    const document = trustDocument(stack);
    for (const statement of document.Statement) statement.Principal.Federated = LONGEST_ARN;
    expect(role.trustPolicySize()).toBe(JSON.stringify(document).length);
  });

  test.each<[string, () => GitLabSubject[], boolean]>([
    ['one exact subject', () => projects(1), false],
    ['several exact subjects', () => projects(7), false],
    ['patterns', () => [GitLabSubject.group('g').tag('v*'), ...projects(2)], false],
    ['per-subject statements', () => [...projects(2), GitLabSubject.group('g').anyBranch().withClaimConditions({ userLogins: ['a', 'b'] })], false],
    ['with the minimizePolicies feature flag', () => [...projects(3), GitLabSubject.group('g').anyBranch().withClaimConditions({ refProtected: true })], true],
  ])('the size equals the synthesized policy\'s: %s', (_name, subjects, minimize) => {
    const app = new App({ context: minimize ? { '@aws-cdk/aws-iam:minimizePolicies': true } : {} });
    const stack = new Stack(app, 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: subjects(), claimConditions: { projectIds: [1, 2] } });
    const document = trustDocument(stack);
    for (const statement of document.Statement) statement.Principal.Federated = LONGEST_ARN;
    expect(role.trustPolicySize()).toBe(JSON.stringify(document).length);
  });

  test.each([[false, false], [true, false], [false, true], [true, true]])('every role prop, and every API that adds trust statements or conditions: the estimate is the rendered policy\'s length (minimizePolicies: %s, statements added later: %s)', (minimize, later) => {
    const app = new App({ context: minimize ? { '@aws-cdk/aws-iam:minimizePolicies': true } : {} });
    const stack = new Stack(app, 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab', { audiences: ['https://gitlab.com', 'sts.amazonaws.com'] });
    const boundary = new iam.ManagedPolicy(stack, 'Boundary', { statements: [new iam.PolicyStatement({ actions: ['s3:*'], resources: ['*'] })] });
    const role = new GitLabRunnerRole(stack, 'Role', {
      provider,
      audience: 'sts.amazonaws.com',
      subjects: [
        ...projects(3),
        GitLabSubject.group('g').tag('v*'),
        GitLabSubject.project('g/ops').anyBranch().withClaimConditions({ userLogins: ['alice'], refProtected: true }),
      ],
      claimConditions: { projectIds: [1, 2], pipelineSources: [GitLabPipelineSource.PUSH] },
      trustPolicySizeLimit: 8192,
      roleName: 'gitlab-deploy',
      path: '/ci/',
      description: 'GitLab deployments',
      maxSessionDuration: Duration.hours(2),
      permissionsBoundary: boundary,
      managedPolicies: [iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess')],
      inlinePolicies: { Logs: new iam.PolicyDocument({ statements: [new iam.PolicyStatement({ actions: ['logs:*'], resources: ['*'] })] }) },
    });
    if (later) addStatementsLater(role, provider);
    role.allowCdkDeployments();
    role.gitLabCiJob();
    // The rendered policy with every deploy-time value at the longest it could be.
    const longest: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::AccountId': '123456789012', 'AWS::Region': 'ap-southeast-7' };
    const rendered = JSON.stringify(trustDocument(stack), (_key, value) => {
      if (value && typeof value === 'object' && 'Ref' in value) return value.Ref.startsWith('GitLab') ? LONGEST_ARN : longest[value.Ref];
      if (value && typeof value === 'object' && 'Fn::Join' in value) return value['Fn::Join'][1].map((v: any) => (typeof v === 'string' ? v : longest[v.Ref])).join('');
      return value;
    });
    expect(rendered).not.toContain('"Ref"');
    expect(role.trustPolicySize()).toBe(rendered.length);
    if (later) {
      expect(rendered).toContain('"aws:RequestedRegion":"ap-southeast-7"');
      expect(rendered).toContain('project_path:g/later:*');
    }
  });

  test.each<[string, (stack: Stack) => string[]]>([
    ['a CommaDelimitedList parameter', (stack) => new CfnParameter(stack, 'Logins', { type: 'CommaDelimitedList' }).valueAsList],
    ['Fn.split of an import', () => Fn.split(',', Fn.importValue('logins'))],
  ])('claim conditions held in %s: unknown, so counted as empty, as in any resolved policy', (_name, logins) => {
    const stack = new Stack(new App(), 'Stack');
    const role = new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: projects(2), claimConditions: { userLogins: logins(stack) },
    });
    const document = trustDocument(stack);
    for (const statement of document.Statement) {
      statement.Principal.Federated = LONGEST_ARN;
      statement.Condition.StringEquals['gitlab.com:user_login'] = '';
    }
    expect(role.trustPolicySize()).toBe(JSON.stringify(document).length);
  });

  /** Statements added after construction: another principal with a condition, and a second web-identity statement. */
  function addStatementsLater(role: GitLabRunnerRole, provider: GitLabOidcProvider) {
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      actions: ['sts:TagSession'],
      principals: [new iam.AccountRootPrincipal()],
      conditions: { StringEquals: { 'aws:RequestedRegion': Aws.REGION } },
    }));
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      actions: ['sts:AssumeRoleWithWebIdentity'],
      principals: [new iam.WebIdentityPrincipal(provider.oidcProviderArn, { StringEquals: { 'gitlab.com:aud': 'sts.amazonaws.com' } })],
      conditions: { StringLike: { 'gitlab.com:sub': 'project_path:g/later:*' } },
    }));
  }

  test('statements added later count too', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(1) });
    const before = role.trustPolicySize();
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({ actions: ['sts:TagSession'], principals: [new iam.AccountRootPrincipal()] }));
    expect(role.trustPolicySize()).toBeGreaterThan(before);
  });
});

describe('the bound that spares rendering the policy at synth', () => {
  test.each<[string, () => GitLabSubject[], number]>([
    ['one exact subject', () => projects(1), 1],
    ['exact subjects and patterns', () => [GitLabSubject.group('g').tag('v*'), ...projects(3)], 2],
    ['per-subject statements', () => [...projects(2), GitLabSubject.group('g').tag('v*'), GitLabSubject.group('h').anyBranch().withClaimConditions({ refProtected: true })], 3],
  ])('%s: 19 characters a statement and one over the size (the second action, the last comma)', (_name, subjects, statements) => {
    const stack = new Stack(new App(), 'Stack');
    const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: subjects(), claimConditions: { projectIds: [1, 2] } });
    const { statements: planned } = role.jobsPrincipal._plan;
    expect(planned).toHaveLength(statements);
    expect(trustPolicySizeBound(planned.map((s) => s.conditions), LONGEST_ARN.length)).toBe(role.trustPolicySize() + 19 * statements + 1);
  });

  test('minimizePolicies: a statement added later that merges into a planned one is counted (the statement count hides it)', () => {
    const stack = new Stack(new App({ context: { '@aws-cdk/aws-iam:minimizePolicies': true } }), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(1) });
    const planned = role.trustPolicySize();
    const [conditions] = role.jobsPrincipal._statementConditions();
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      principals: [new iam.WebIdentityPrincipal(provider.oidcProviderArn)],
      actions: ['sts:AssumeRoleWithWebIdentity', 'sts:SetSourceIdentity', 'sts:TagSession'],
      conditions,
    }));
    Object.assign(role, { trustPolicySizeLimit: planned + 20 });
    expect(() => Template.fromStack(stack)).toThrow(/trust policy is \d+ characters, over the limit of /);
    expect(role.assumeRolePolicy!.statementCount).toBe(1);
    expect(role.trustPolicySize()).toBeGreaterThan(planned + 20);
  });

  test('minimizePolicies: a list of federated principals counts each at its longest', () => {
    const stack = new Stack(new App({ context: { '@aws-cdk/aws-iam:minimizePolicies': true } }), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const other = new GitLabOidcProvider(stack, 'Other', { url: 'https://gitlab.example.com' });
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(1) });
    const [conditions] = role.jobsPrincipal._statementConditions();
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      principals: [new iam.WebIdentityPrincipal(other.oidcProviderArn)], actions: ['sts:AssumeRoleWithWebIdentity'], conditions,
    }));
    const document = trustDocument(stack);
    expect(document.Statement).toHaveLength(1);
    expect(document.Statement[0].Principal.Federated).toHaveLength(2);
    document.Statement[0].Principal.Federated = [LONGEST_ARN, LONGEST_ARN];
    expect(role.trustPolicySize()).toBe(JSON.stringify(document).length);
  });

  test('a role far under its limit is judged by the bound, without rendering its policy', () => {
    const stack = new Stack(new App(), 'Stack');
    const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: projects(3) });
    const rendering = jest.spyOn(role, 'trustPolicySize');
    Template.fromStack(stack);
    expect(rendering).not.toHaveBeenCalled();
  });

  test.each<[string, (role: GitLabRunnerRole) => void]>([
    ['at its limit (the bound is over it)', (role) => Object.assign(role, { trustPolicySizeLimit: role.trustPolicySize() })],
    ['with a statement added later', (role) => role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.AccountRootPrincipal()] }))],
  ])('a role %s is measured exactly', (_name, change) => {
    const stack = new Stack(new App(), 'Stack');
    const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: projects(3) });
    change(role);
    const rendering = jest.spyOn(role, 'trustPolicySize');
    Template.fromStack(stack);
    expect(rendering).toHaveBeenCalled();
  });
});

describe('the trust-policy size budget', () => {
  test('a role over 2,048 characters fails at synth with the size, the limit, the subject count and what to do', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(40) });
    const size = role.trustPolicySize();
    expect(size).toBeGreaterThan(2048);
    expect(() => Template.fromStack(stack)).toThrow(
      `trust policy is ${size} characters, over the limit of 2048 (40 subjects)`);
    expect(() => Template.fromStack(stack)).toThrow(/GitLabSubject\.group\(\).*split the subjects over several roles.*raise the account's "Role trust policy length" quota/);
  });

  test('a raised quota lets the same role through', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(40), trustPolicySizeLimit: 4096 });
    expect(() => Template.fromStack(stack)).not.toThrow();
  });

  test('the budget is checked against the exact boundary', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(10) });
    const size = role.trustPolicySize();

    const atLimit = new Stack(new App(), 'AtLimit');
    new GitLabRunnerRole(atLimit, 'Role', { provider: new GitLabOidcProvider(atLimit, 'GitLab'), subjects: projects(10), trustPolicySizeLimit: size });
    expect(() => Template.fromStack(atLimit)).not.toThrow();

    const below = new Stack(new App(), 'Below');
    new GitLabRunnerRole(below, 'Role', { provider: new GitLabOidcProvider(below, 'GitLab'), subjects: projects(10), trustPolicySizeLimit: size - 1 });
    expect(() => Template.fromStack(below)).toThrow(`trust policy is ${size} characters, over the limit of ${size - 1}`);
  });

  test.each([0, -1, 1.5, 8193])('trustPolicySizeLimit %p is refused', (limit) => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(1), trustPolicySizeLimit: limit }))
      .toThrow(`trustPolicySizeLimit must be a whole number of characters up to IAM's maximum quota of 8192, got: ${limit}`);
  });

  test('a group subject is the way out: one subject instead of forty', () => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [...projects(40), GitLabSubject.group('group').branch('main')] });
    expect(role.subjects.map((s) => s.sub)).toEqual(['project_path:group/*:ref_type:branch:ref:main']);
    expect(role.trustPolicySize()).toBeLessThan(400);
    expect(() => Template.fromStack(stack)).not.toThrow();
  });
});

describe('statements added later: every kind of deploy-time value is counted as the estimate promises', () => {
  const LONGEST: Record<string, string> = { 'AWS::Partition': 'aws-us-gov', 'AWS::AccountId': '123456789012', 'AWS::Region': 'ap-southeast-7', 'AWS::URLSuffix': 'amazonaws.com.cn' };
  test.each<[string, (stack: Stack) => string]>([
    ['AWS::Region', () => Aws.REGION],
    ['AWS::URLSuffix', () => Aws.URL_SUFFIX],
    ['AWS::Partition', () => Aws.PARTITION],
    ['AWS::AccountId', () => Aws.ACCOUNT_ID],
    ['a join of pseudo parameters and text', () => `arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:root-${Aws.REGION}`],
    ['a parameter (unknown: counts as empty)', (stack) => new CfnParameter(stack, 'Value').valueAsString],
    ['a join with a parameter', (stack) => `x-${new CfnParameter(stack, 'Value').valueAsString}-${Aws.REGION}`],
    ['an import (unknown: counts as empty)', () => Fn.importValue('shared')],
  ])('%s', (_name, value) => {
    const stack = new Stack(new App(), 'Stack');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: projects(2) });
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
      actions: ['sts:TagSession'], principals: [new iam.AccountRootPrincipal()], conditions: { StringEquals: { 'aws:PrincipalTag/x': value(stack) } },
    }));
    const substitute = (v: any): any => {
      if (Array.isArray(v)) return v.map(substitute);
      if (v === null || typeof v !== 'object') return v;
      if ('Ref' in v) return v.Ref.startsWith('GitLab') ? LONGEST_ARN : LONGEST[v.Ref] ?? '';
      if ('Fn::Join' in v) return (substitute(v['Fn::Join'][1]) as string[]).join(v['Fn::Join'][0]);
      if ('Fn::ImportValue' in v) return '';
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, substitute(x)]));
    };
    expect(role.trustPolicySize()).toBe(JSON.stringify(substitute(trustDocument(stack))).length);
  });
});

test('a statement added later for another provider counts its own ARN, not this provider\'s longest', () => {
  const stack = new Stack(new App(), 'Stack');
  const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: projects(1) });
  role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
    actions: ['sts:AssumeRoleWithWebIdentity'],
    principals: [new iam.WebIdentityPrincipal('arn:aws:iam::111122223333:oidc-provider/gitlab.example.com/a/much/longer/path')],
  }));
  const document = trustDocument(stack);
  document.Statement[0].Principal.Federated = LONGEST_ARN;
  expect(role.trustPolicySize()).toBe(JSON.stringify(document).length);
});
