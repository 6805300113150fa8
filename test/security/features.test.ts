// Claim conditions, per-subject conditions and custom sub layouts, judged the same way as the attack
// matrix: tokens as GitLab issues them, STS's checks, the independent IAM evaluator.
import { App, DefaultStackSynthesizer, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { gitLabClaims, JobSpec } from './support/issuer';
import { ACCOUNT, EmulatedAccount } from './support/sts';
import { count, emptyCounts, recordVerdicts } from './support/verdicts';
import {
  GitLabAccessLevel, GitLabOidcProvider, GitLabRunnerRole, GitLabSubClaimComponent as C, GitLabSubClaimLayout, GitLabSubject,
} from '../../src';

const NOW_S = Math.floor(new Date('2026-11-25T12:00:00Z').getTime() / 1000);
const GITLAB = 'https://gitlab.com';
const SELF_MANAGED = 'https://gitlab.example.com';
const PROTECTED_LAYOUT = ['project_path', 'ref_type', 'ref', 'ref_protected'];

function accounts(): Record<string, EmulatedAccount> {
  const stack = new Stack(new App(), 'Stack', {
    env: { account: ACCOUNT, region: 'eu-west-1' },
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const gitlab = new GitLabOidcProvider(stack, 'GitLab');
  const selfManaged = new GitLabOidcProvider(stack, 'SelfManaged', { url: SELF_MANAGED });
  new GitLabRunnerRole(stack, 'Mixed', {
    roleName: 'Mixed',
    provider: gitlab,
    subjects: [
      GitLabSubject.project('g/app').branch('main'),
      GitLabSubject.group('g').anyBranch().withClaimConditions({ refProtected: true, userAccessLevels: [GitLabAccessLevel.MAINTAINER] }),
    ],
  });
  new GitLabRunnerRole(stack, 'PinnedId', {
    roleName: 'PinnedId', provider: gitlab, subjects: [GitLabSubject.project('g/app').anyRef()], claimConditions: { projectIds: [4211006] },
  });
  new GitLabRunnerRole(stack, 'IdLayout', { roleName: 'IdLayout', provider: gitlab, subjects: [GitLabSubject.projectId(4211006).branch('main')] });
  new GitLabRunnerRole(stack, 'RefFirst', {
    roleName: 'RefFirst', provider: gitlab, subjects: [GitLabSubject.project('g/app', { subClaimLayout: GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF, C.REF_TYPE) }).branch('main')],
  });
  new GitLabRunnerRole(stack, 'Protected', {
    roleName: 'Protected',
    provider: selfManaged,
    subjects: [GitLabSubject.project('g/app', {
      subClaimLayout: GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED), subClaimRefProtected: true,
    }).anyBranch()],
  });
  const account = EmulatedAccount.fromTemplate(Template.fromStack(stack).toJSON());
  return { account };
}

interface Case {
  readonly name: string;
  readonly role: string;
  readonly job: Partial<JobSpec>;
  readonly expected: 'allow' | 'deny';
  readonly issuer?: string;
}

const CASES: Case[] = [
  { name: 'plain subject: main, unprotected, developer', role: 'Mixed', job: { ref: 'main', refProtected: false, userAccessLevel: 'developer' }, expected: 'allow' },
  { name: 'conditioned subject: other project, protected branch, maintainer', role: 'Mixed', job: { projectPath: 'g/other', ref: 'feature', refProtected: true, userAccessLevel: 'maintainer' }, expected: 'allow' },
  { name: 'conditioned subject: unprotected branch', role: 'Mixed', job: { projectPath: 'g/other', ref: 'feature', refProtected: false, userAccessLevel: 'maintainer' }, expected: 'deny' },
  { name: 'conditioned subject: developer', role: 'Mixed', job: { projectPath: 'g/other', ref: 'feature', refProtected: true, userAccessLevel: 'developer' }, expected: 'deny' },
  { name: 'the plain subject is not widened: g/app feature, unprotected', role: 'Mixed', job: { ref: 'feature', refProtected: false, userAccessLevel: 'maintainer' }, expected: 'deny' },
  { name: 'the conditioned subject still admits g/app when its conditions hold', role: 'Mixed', job: { ref: 'feature', refProtected: true, userAccessLevel: 'maintainer' }, expected: 'allow' },
  { name: 'the conditioned subject does not narrow the plain one: main by a guest', role: 'Mixed', job: { ref: 'main', refProtected: false, userAccessLevel: 'guest' }, expected: 'allow' },
  { name: 'project ID pinned: the project itself', role: 'PinnedId', job: { ref: 'dev', projectId: 4211006 }, expected: 'allow' },
  { name: 'project ID pinned: a new project re-registered at the same path', role: 'PinnedId', job: { ref: 'dev', projectId: 5000001 }, expected: 'deny' },
  { name: 'project_id layout: the project on main', role: 'IdLayout', job: { subClaimComponents: ['project_id', 'ref_type', 'ref'] }, expected: 'allow' },
  { name: 'project_id layout: another project ID', role: 'IdLayout', job: { subClaimComponents: ['project_id', 'ref_type', 'ref'], projectId: 4211007 }, expected: 'deny' },
  { name: 'project_id layout: project still on the default layout', role: 'IdLayout', job: {}, expected: 'deny' },
  { name: 'ref-first layout: main branch', role: 'RefFirst', job: { subClaimComponents: ['project_path', 'ref', 'ref_type'] }, expected: 'allow' },
  { name: 'ref-first layout: tag named main', role: 'RefFirst', job: { subClaimComponents: ['project_path', 'ref', 'ref_type'], refType: 'tag' }, expected: 'deny' },
  { name: 'ref-first layout: project on the default layout', role: 'RefFirst', job: {}, expected: 'deny' },
  { name: 'self-managed ref_protected layout: protected branch', role: 'Protected', issuer: SELF_MANAGED, job: { subClaimComponents: PROTECTED_LAYOUT, ref: 'release', refProtected: true }, expected: 'allow' },
  { name: 'self-managed ref_protected layout: unprotected branch', role: 'Protected', issuer: SELF_MANAGED, job: { subClaimComponents: PROTECTED_LAYOUT, ref: 'release', refProtected: false }, expected: 'deny' },
  { name: 'self-managed ref_protected layout: protected tag', role: 'Protected', issuer: SELF_MANAGED, job: { subClaimComponents: PROTECTED_LAYOUT, ref: 'v1', refType: 'tag', refProtected: true }, expected: 'deny' },
];

describe('claim conditions and sub layouts, judged', () => {
  const counts = emptyCounts();

  afterAll(() => recordVerdicts('features', counts));

  test.each(CASES)('$expected: $name', (c) => {
    const issuer = c.issuer ?? GITLAB;
    const job: JobSpec = { projectPath: 'g/app', refType: 'branch', ref: 'main', aud: issuer, ...c.job };
    // The roles are built inside each test, so that mutation testing attributes the library code to it.
    const { account } = accounts();
    const outcome = account.evaluate(c.role, gitLabClaims(issuer, job, NOW_S));
    count(counts, c.expected, outcome);
    expect(outcome.verdict).toBe(c.expected);
  });
});
