import { App, CfnParameter, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import {
  GitLabAccessLevel, GitLabClaimConditions, GitLabOidcProvider, GitLabPipelineSource, GitLabRunnerEnvironment,
  GitLabRunnerRole, GitLabSubject,
} from '../src';

// Subjects are built inside each test (never at module or table scope), so Stryker's per-test coverage
// attributes the subject code they run to the tests that judge it.
const main = () => GitLabSubject.project('mygroup/myproject').branch('main');
const MAIN_SUB = 'project_path:mygroup/myproject:ref_type:branch:ref:main';

function roleStack(url?: string) {
  const stack = new Stack(new App(), 'Stack', { env: { account: '111122223333', region: 'eu-west-1' } });
  const provider = new GitLabOidcProvider(stack, 'GitLab', url ? { url } : {});
  return { stack, provider };
}

function statements(stack: Stack): any[] {
  const [role] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'));
  return role.Properties.AssumeRolePolicyDocument.Statement;
}

describe('gitlab.com claim conditions', () => {
  test('every typed field renders as a StringEquals condition IAM evaluates', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main()],
      claimConditions: {
        projectIds: [4211006],
        namespaceIds: [1024512, 77],
        refProtected: true,
        runnerEnvironment: GitLabRunnerEnvironment.GITLAB_HOSTED,
        pipelineSources: [GitLabPipelineSource.PUSH, GitLabPipelineSource.WEB],
        userAccessLevels: [GitLabAccessLevel.MAINTAINER, GitLabAccessLevel.OWNER],
        userIds: [31337],
        userLogins: ['alice'],
        userEmails: ['alice@example.com'],
      },
    });
    expect(statements(stack)).toEqual([expect.objectContaining({
      Condition: {
        StringEquals: {
          'gitlab.com:aud': 'https://gitlab.com',
          'gitlab.com:namespace_id': ['1024512', '77'],
          'gitlab.com:pipeline_source': ['push', 'web'],
          'gitlab.com:project_id': '4211006',
          'gitlab.com:ref_protected': 'true',
          'gitlab.com:runner_environment': 'gitlab-hosted',
          'gitlab.com:user_access_level': ['maintainer', 'owner'],
          'gitlab.com:user_email': 'alice@example.com',
          'gitlab.com:user_id': '31337',
          'gitlab.com:user_login': 'alice',
          'gitlab.com:sub': MAIN_SUB,
        },
      },
    })]);
  });

  test('claim conditions stay under StringEquals when the subjects are patterns', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [GitLabSubject.group('mygroup').anyBranch()],
      claimConditions: { refProtected: true, namespaceIds: [77] },
    });
    expect(statements(stack)[0].Condition).toEqual({
      StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:namespace_id': '77', 'gitlab.com:ref_protected': 'true' },
      StringLike: { 'gitlab.com:sub': 'project_path:mygroup/*:ref_type:branch:ref:*' },
    });
  });

  test('the claims map accepts the claims IAM evaluates', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], claimConditions: { claims: { user_login: ['bob', 'carol'] } } });
    expect(statements(stack)[0].Condition.StringEquals['gitlab.com:user_login']).toEqual(['bob', 'carol']);
  });

  // Every claim GitLab writes that STS sets no key for, with what to use instead; an unknown claim gets no hint.
  test.each([
    ['project_path', '; use the sub claim (GitLabSubject.project()) instead'],
    ['namespace_path', '; use the sub claim (GitLabSubject.group()) or namespaceIds instead'],
    ['ref', '; use the sub claim (branch()/tag()) instead'],
    ['ref_type', '; use the sub claim (branch()/tag()) instead'],
    ['ref_path', '; use the sub claim (branch()/tag()) instead'],
    ['environment', '; use a sub claim layout with environment_protected or deployment_tier instead'],
    ['environment_protected', '; use a sub claim layout with environment_protected instead'],
    ['deployment_tier', '; use a sub claim layout with deployment_tier instead'],
    ['job_id', ''],
  ])('a condition on %j is refused, with the claims IAM evaluates', (claim, hint) => {
    const { stack, provider } = roleStack();
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], claimConditions: { claims: { [claim]: ['x'] } } }))
      .toThrow(`claimConditions: IAM cannot evaluate a condition on the "${claim}" claim: STS sets no condition key for it, ` +
        `so the condition would never match and the role would be unusable${hint}. Claims IAM evaluates for gitlab.com: namespace_id, ` +
        `pipeline_source, project_id, ref_protected, runner_environment, user_access_level, user_email, user_id, user_login, got: "${claim}"`);
  });

  test('of() takes a value GitLab adds later, judged like any other', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main()],
      claimConditions: {
        runnerEnvironment: GitLabRunnerEnvironment.of('gitlab-dedicated'),
        pipelineSources: [GitLabPipelineSource.of('ondemand_dast_scan')],
        userAccessLevels: [GitLabAccessLevel.of('auditor')],
      },
    });
    expect(statements(stack)[0].Condition.StringEquals).toMatchObject({
      'gitlab.com:runner_environment': 'gitlab-dedicated',
      'gitlab.com:pipeline_source': 'ondemand_dast_scan',
      'gitlab.com:user_access_level': 'auditor',
    });
    expect(() => new GitLabRunnerRole(stack, 'Role2', {
      provider, subjects: [main()], claimConditions: { pipelineSources: [GitLabPipelineSource.of('merge_*')] },
    })).toThrow('pipeline_source values are compared with StringEquals and must not be empty or contain "*", "?" or "${", got: "merge_*"');
  });

  test.each<[string, GitLabClaimConditions, string]>([
    ['empty list', { projectIds: [] }, 'project_id must list at least one value'],
    ['zero ID', { projectIds: [0] }, 'a GitLab ID must be a positive integer, got: 0'],
    ['fractional ID', { userIds: [1.5] }, 'a GitLab ID must be a positive integer, got: 1.5'],
    ['wildcard login', { userLogins: ['ali*'] }, 'must not be empty or contain "*"'],
    ['empty email', { userEmails: [''] }, 'must not be empty'],
  ])('bad values are refused: %s', (_name, claimConditions, message) => {
    const { stack, provider } = roleStack();
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], claimConditions })).toThrow(message);
  });

  test('claim conditions on a self-managed instance are a synth-time error', () => {
    const { stack, provider } = roleStack('https://gitlab.example.com');
    expect(() => new GitLabRunnerRole(stack, 'Role', { provider, subjects: [main()], claimConditions: { refProtected: true } }))
      .toThrow('claim conditions work only with the gitlab.com provider');
    expect(() => new GitLabRunnerRole(stack, 'Role2', { provider, subjects: [main().withClaimConditions({ projectIds: [1] })] }))
      .toThrow('got: "gitlab.example.com"');
  });

  test('protected refs silence the any-branch warning', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', { provider, subjects: [GitLabSubject.project('g/p').anyBranch()], claimConditions: { refProtected: true } });
    Annotations.fromStack(stack).hasNoWarning('*', Match.anyValue());
  });
});

describe('subjects with claim conditions of their own', () => {
  test('get a statement of their own, so they neither narrow nor widen the others', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [
        main(),
        GitLabSubject.project('mygroup/myproject').tag('v*').withClaimConditions({ refProtected: true }),
        GitLabSubject.project('mygroup/other').branch('main').withClaimConditions({ refProtected: true }),
        GitLabSubject.project('mygroup/ops').anyBranch().withClaimConditions({ userLogins: ['alice'] }),
      ],
    });
    const [plain, ...own] = statements(stack);
    expect(plain.Condition).toEqual({ StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': MAIN_SUB } });
    expect(own.map((s) => s.Condition)).toEqual([
      {
        StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:ref_protected': 'true', 'gitlab.com:sub': 'project_path:mygroup/other:ref_type:branch:ref:main' },
      },
      {
        StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:ref_protected': 'true' },
        StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:tag:ref:v*' },
      },
      {
        StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:user_login': 'alice' },
        StringLike: { 'gitlab.com:sub': 'project_path:mygroup/ops:ref_type:branch:ref:*' },
      },
    ]);
    for (const statement of [plain, ...own]) {
      expect(statement).toMatchObject({ Effect: 'Allow', Action: 'sts:AssumeRoleWithWebIdentity', Principal: { Federated: { Ref: expect.stringMatching(/^GitLab/) } } });
    }
  });

  test('the role\'s conditions apply to every statement, intersected with the subject\'s', () => {
    const { stack, provider } = roleStack();
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main(), GitLabSubject.project('g/p').branch('main').withClaimConditions({ userAccessLevels: [GitLabAccessLevel.OWNER] })],
      claimConditions: { userAccessLevels: [GitLabAccessLevel.MAINTAINER, GitLabAccessLevel.OWNER], refProtected: true },
    });
    expect(statements(stack).map((s) => s.Condition.StringEquals['gitlab.com:user_access_level'])).toEqual([['maintainer', 'owner'], 'owner']);
    expect(statements(stack).map((s) => s.Condition.StringEquals['gitlab.com:ref_protected'])).toEqual(['true', 'true']);
  });

  test('conditions with nothing in common with the role\'s are an error', () => {
    const { stack, provider } = roleStack();
    expect(() => new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [main().withClaimConditions({ refProtected: false })],
      claimConditions: { refProtected: true },
    })).toThrow('have no value in common (["true"] and ["false"])');
  });

  test('withClaimConditions returns a new subject and validates at once', () => {
    const conditioned = main().withClaimConditions({ projectIds: [7] });
    expect(conditioned).not.toBe(main());
    expect(main().claimConditions).toBeUndefined();
    expect(conditioned.sub).toBe(MAIN_SUB);
    expect(() => main().withClaimConditions({ claims: { environment: ['prod'] } })).toThrow('IAM cannot evaluate');
  });
});

describe('subjects another subject already covers are left out', () => {
  test.each([
    ['a project branch under its group\'s any ref', () => [GitLabSubject.group('mygroup').anyRef(), main()], ['project_path:mygroup/*']],
    ['a tag under the same project\'s tag pattern', () => [GitLabSubject.project('g/p').tag('v*'), GitLabSubject.project('g/p').tag('v1.2')], ['project_path:g/p:ref_type:tag:ref:v*']],
    ['a branch pattern under any branch', () => [GitLabSubject.project('g/p').anyBranch(), GitLabSubject.project('g/p').branch('release/*')], ['project_path:g/p:ref_type:branch:ref:*']],
    ['a subgroup under its group', () => [GitLabSubject.group('g').branch('main'), GitLabSubject.group('g/sub').branch('main')], ['project_path:g/*:ref_type:branch:ref:main']],
    ['equivalent patterns keep one', () => [GitLabSubject.fromSub('project_path:g/**'), GitLabSubject.group('g').anyRef()], ['project_path:g/*']],
    ['nothing when neither covers the other', () => [GitLabSubject.project('g/p').tag('v*'), GitLabSubject.project('g/p').branch('v1')],
      ['project_path:g/p:ref_type:branch:ref:v1', 'project_path:g/p:ref_type:tag:ref:v*']],
    ['not a group-prefixed sibling', () => [GitLabSubject.group('g').anyRef(), GitLabSubject.project('g-evil/p').branch('main')],
      ['project_path:g-evil/p:ref_type:branch:ref:main', 'project_path:g/*']],
  ])('%s', (_name, subjects, kept) => {
    const { stack, provider } = roleStack();
    const given = subjects();
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: given });
    expect(role.subjects.map((s) => s.sub)).toEqual(kept);
    if (kept.length < given.length) {
      Annotations.fromStack(stack).hasInfo('/Stack/Role', Match.stringLikeRegexp('is left out: .* already admits every job it admits'));
    }
  });

  test('a subject with stricter conditions is covered by the same subject without them, not the other way round', () => {
    const { stack, provider } = roleStack();
    const strict = main().withClaimConditions({ refProtected: true });
    const role = new GitLabRunnerRole(stack, 'Role', { provider, subjects: [strict, main()] });
    expect(role.subjects).toEqual([main()]);
    expect(statements(stack)).toHaveLength(1);

    const { stack: other, provider: otherProvider } = roleStack();
    const kept = new GitLabRunnerRole(other, 'Role', {
      provider: otherProvider,
      subjects: [GitLabSubject.group('mygroup').anyRef().withClaimConditions({ refProtected: true }), main()],
    });
    expect(kept.subjects.map((s) => s.sub)).toEqual([MAIN_SUB, 'project_path:mygroup/*']);
  });
});

describe('numeric IDs held in tokens', () => {
  test('a project ID parameter renders as its reference, in the sub and in the claim condition', () => {
    const { stack, provider } = roleStack();
    const projectId = new CfnParameter(stack, 'ProjectId', { type: 'Number' }).valueAsNumber;
    new GitLabRunnerRole(stack, 'Role', {
      provider,
      subjects: [GitLabSubject.projectId(projectId).branch('main')],
      claimConditions: { projectIds: [projectId] },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({
          Condition: {
            StringEquals: {
              'gitlab.com:aud': 'https://gitlab.com',
              'gitlab.com:project_id': { Ref: 'ProjectId' },
              'gitlab.com:sub': { 'Fn::Join': ['', ['project_id:', { Ref: 'ProjectId' }, ':ref_type:branch:ref:main']] },
            },
          },
        })],
      },
    });
  });
});

test('a subject\'s conditions are judged where they are given, and the error names the subject', () => {
  expect(() => main().withClaimConditions({ projectIds: [] }))
    .toThrow(`subject "${MAIN_SUB}": project_id must list at least one value (an empty list admits no job), got: []`);
});

// The values GitLab writes in the token's claims (doc/ci/secrets/id_token_authentication.md; pipeline_source
// as CI_PIPELINE_SOURCE): a constant with another value would make its condition match no job.
test.each<[string, { value: string }, string]>([
  ['GitLabRunnerEnvironment.GITLAB_HOSTED', GitLabRunnerEnvironment.GITLAB_HOSTED, 'gitlab-hosted'],
  ['GitLabRunnerEnvironment.SELF_HOSTED', GitLabRunnerEnvironment.SELF_HOSTED, 'self-hosted'],
  ['GitLabPipelineSource.PUSH', GitLabPipelineSource.PUSH, 'push'],
  ['GitLabPipelineSource.WEB', GitLabPipelineSource.WEB, 'web'],
  ['GitLabPipelineSource.SCHEDULE', GitLabPipelineSource.SCHEDULE, 'schedule'],
  ['GitLabPipelineSource.API', GitLabPipelineSource.API, 'api'],
  ['GitLabPipelineSource.TRIGGER', GitLabPipelineSource.TRIGGER, 'trigger'],
  ['GitLabPipelineSource.MERGE_REQUEST_EVENT', GitLabPipelineSource.MERGE_REQUEST_EVENT, 'merge_request_event'],
  ['GitLabPipelineSource.PIPELINE', GitLabPipelineSource.PIPELINE, 'pipeline'],
  ['GitLabPipelineSource.PARENT_PIPELINE', GitLabPipelineSource.PARENT_PIPELINE, 'parent_pipeline'],
  ['GitLabPipelineSource.EXTERNAL', GitLabPipelineSource.EXTERNAL, 'external'],
  ['GitLabPipelineSource.EXTERNAL_PULL_REQUEST_EVENT', GitLabPipelineSource.EXTERNAL_PULL_REQUEST_EVENT, 'external_pull_request_event'],
  ['GitLabPipelineSource.CHAT', GitLabPipelineSource.CHAT, 'chat'],
  ['GitLabPipelineSource.WEBIDE', GitLabPipelineSource.WEBIDE, 'webide'],
  ['GitLabAccessLevel.GUEST', GitLabAccessLevel.GUEST, 'guest'],
  ['GitLabAccessLevel.PLANNER', GitLabAccessLevel.PLANNER, 'planner'],
  ['GitLabAccessLevel.REPORTER', GitLabAccessLevel.REPORTER, 'reporter'],
  ['GitLabAccessLevel.DEVELOPER', GitLabAccessLevel.DEVELOPER, 'developer'],
  ['GitLabAccessLevel.MAINTAINER', GitLabAccessLevel.MAINTAINER, 'maintainer'],
  ['GitLabAccessLevel.OWNER', GitLabAccessLevel.OWNER, 'owner'],
])('%s is the claim value %j', (_name, constant, value) => {
  expect(constant.value).toBe(value);
});
