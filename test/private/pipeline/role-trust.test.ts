// judgeRoleTrust: the synth-time judgement of a pipeline role's trust against the jobs the pipeline gives it,
// case by case (the pipeline suites reach it through whole apps; these pin each rule on its own).
import { App, CfnParameter, Stack, aws_iam as iam } from 'aws-cdk-lib';
import {
  GitLabDeploymentTier, GitLabOidcProvider, GitLabRunnerRole, GitLabRunnerRoleProps, GitLabSubClaimComponent as C, GitLabSubClaimLayout,
  GitLabSubject,
} from '../../../src';
import { judgeRoleTrust, PipelineJobShape } from '../../../src/private/pipeline/role-trust';

const MAIN: PipelineJobShape = { audience: 'https://gitlab.com', refType: 'branch', ref: 'main' };

/** A role of `props` with a provider of its own (gitlab.com unless `providerUrl`). */
function roleWith(props: Omit<GitLabRunnerRoleProps, 'provider'>, providerUrl?: string): GitLabRunnerRole {
  const stack = new Stack(new App(), 'Roles', { env: { account: '111111111111', region: 'eu-west-1' } });
  const provider = new GitLabOidcProvider(stack, 'GitLab', providerUrl ? { url: providerUrl } : {});
  return new GitLabRunnerRole(stack, 'Role', { provider, ...props });
}

describe('a role for the protected main branch', () => {
  test('admits the pipeline\'s job, from a protected ref only, decided by its own plan', () => {
    const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('main')], claimConditions: { refProtected: true } });
    expect(judgeRoleTrust(role, MAIN)).toEqual({
      admitsProtected: true, admitsUnprotected: undefined, refusal: undefined, undetermined: false, handWritten: false,
    });
  });

  test('without refProtected it also admits the job from an unprotected main, and names that sub', () => {
    const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('main')] });
    expect(judgeRoleTrust(role, MAIN)).toMatchObject({ admitsProtected: true, admitsUnprotected: 'project_path:g/p:ref_type:branch:ref:main' });
  });

  test('a job for another branch: refused, with the evaluator\'s reason', () => {
    const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('main')], claimConditions: { refProtected: true } });
    const verdict = judgeRoleTrust(role, { ...MAIN, ref: 'release' });
    expect(verdict).toMatchObject({ admitsProtected: false, undetermined: false });
    expect(verdict.refusal).toContain('"release"');
  });

  test('the project\'s default branch (no ref known): sampled as the subject\'s own branch', () => {
    const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('trunk')], claimConditions: { refProtected: true } });
    expect(judgeRoleTrust(role, { ...MAIN, ref: undefined })).toMatchObject({ admitsProtected: true });
  });
});

test('a pattern subject: the pipeline\'s own job is the unprotected sample named first, before the subject\'s own instance', () => {
  const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('release/*')] });
  expect(judgeRoleTrust(role, { ...MAIN, ref: 'release/1.0' })).toMatchObject({
    admitsProtected: true, admitsUnprotected: 'project_path:g/p:ref_type:branch:ref:release/1.0',
  });
});

test('each subject\'s own refs are sampled unprotected too: a tag pattern without protection is named', () => {
  const role = roleWith({
    subjects: [GitLabSubject.project('g/p').branch('main').withClaimConditions({ refProtected: true }), GitLabSubject.project('g/p').tag('v*')],
  });
  expect(judgeRoleTrust(role, MAIN)).toMatchObject({ admitsProtected: true, admitsUnprotected: 'project_path:g/p:ref_type:tag:ref:vx' });
});

test('a group subject: one project of the group stands for any', () => {
  const role = roleWith({ subjects: [GitLabSubject.group('g').branch('main')], claimConditions: { refProtected: true } });
  expect(judgeRoleTrust(role, MAIN)).toMatchObject({ admitsProtected: true, admitsUnprotected: undefined });
});

test('the subject\'s literal claim conditions are in the sample: a role pinned to a project ID admits its job', () => {
  const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('main')], claimConditions: { refProtected: true, projectIds: [4211006] } });
  expect(judgeRoleTrust(role, MAIN)).toMatchObject({ admitsProtected: true, undetermined: false });
});

describe('undetermined', () => {
  test('a claim condition known only at deployment: the sample carries the claim, which the evaluator cannot compare', () => {
    const stack = new Stack(new App(), 'Roles');
    const projectId = new CfnParameter(stack, 'ProjectId', { type: 'Number' });
    const role = new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'GitLab'),
      subjects: [GitLabSubject.project('g/p').branch('main')],
      claimConditions: { refProtected: true, projectIds: [projectId.valueAsNumber] },
    });
    expect(judgeRoleTrust(role, MAIN)).toMatchObject({ admitsProtected: false, undetermined: true });
  });

  test('no literal subject: nothing to sample, nothing admitted', () => {
    const stack = new Stack(new App(), 'Roles');
    const path = new CfnParameter(stack, 'ProjectPath').valueAsString;
    const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: [GitLabSubject.project(path).branch('main')] });
    expect(judgeRoleTrust(role, MAIN)).toEqual({
      admitsProtected: false, admitsUnprotected: undefined, refusal: 'no statement admits it', undetermined: true, handWritten: false,
    });
  });
});

test('a statement added by hand is reported, and judged with the samples: this one, without ref_protected, admits the unprotected job', () => {
  const role = roleWith({ subjects: [GitLabSubject.project('g/p').branch('main')], claimConditions: { refProtected: true } });
  role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({
    actions: ['sts:AssumeRoleWithWebIdentity'],
    principals: [new iam.FederatedPrincipal(role.provider.oidcProviderArn)],
    conditions: { StringLike: { 'gitlab.com:sub': 'project_path:g/*' } },
  }));
  expect(judgeRoleTrust(role, MAIN)).toMatchObject({ handWritten: true, admitsUnprotected: 'project_path:g/p:ref_type:branch:ref:main' });
});

describe('sub layouts', () => {
  const project = (layout: GitLabSubClaimLayout, extra: object = {}) => GitLabSubject.project('g/p', { subClaimLayout: layout, ...extra });

  test('ref_protected in the sub: protected jobs only, on any instance', () => {
    const role = roleWith({
      subjects: [project(GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED), { subClaimRefProtected: true }).branch('main')],
    }, 'https://gitlab.example.com');
    expect(judgeRoleTrust(role, { ...MAIN, audience: 'https://gitlab.example.com' })).toMatchObject({ admitsProtected: true, admitsUnprotected: undefined });
  });

  test('ref_protected:false in the sub: unprotected jobs only; the pipeline\'s own job is sampled with ref_protected false', () => {
    const role = roleWith({
      subjects: [project(GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED), { subClaimRefProtected: false }).branch('release/*')],
    }, 'https://gitlab.example.com');
    expect(judgeRoleTrust(role, { ...MAIN, audience: 'https://gitlab.example.com', ref: 'release/1.0' })).toMatchObject({
      admitsProtected: false, admitsUnprotected: 'project_path:g/p:ref_type:branch:ref:release/1.0:ref_protected:false',
    });
  });

  test('deployment_tier in the sub: the stage\'s tier is admitted; a job without a tier is not', () => {
    const role = roleWith({
      subjects: [project(GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.DEPLOYMENT_TIER), { subClaimDeploymentTier: GitLabDeploymentTier.PRODUCTION }).branch('main')],
      claimConditions: { refProtected: true },
    });
    expect(judgeRoleTrust(role, { ...MAIN, deploymentTier: 'production' })).toMatchObject({ admitsProtected: true });
    expect(judgeRoleTrust(role, { ...MAIN, deploymentTier: 'staging' })).toMatchObject({ admitsProtected: false });
    expect(judgeRoleTrust(role, MAIN)).toMatchObject({ admitsProtected: false });
  });
});
