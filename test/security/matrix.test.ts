// The attack matrix: real RS256 tokens from a loopback GitLab issuer, verified as STS verifies them,
// against trust policies synthesized by the library and judged by an independent IAM evaluator.
// Every attack must be denied and every intended job allowed.
import { App, DefaultStackSynthesizer, Stack, aws_iam as iam } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { FixtureIssuer, gitLabClaims, JobSpec, Signing } from './support/issuer';
import { count, emptyCounts, recordVerdicts } from './support/verdicts';
import { markdownTable } from '../support/markdown';
import { ISSUER_START_TEST_MS } from '../support/timeouts';
import { ACCOUNT, EmulatedAccount } from './support/sts';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../../src';

const GITLAB = 'https://gitlab.com';
const OTHER_HOST = 'https://gitlab.example.com';
const NOW = new Date('2026-11-25T12:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

interface Case {
  readonly name: string;
  readonly account: 'library' | 'trailingSlash' | 'audienceMismatch';
  readonly role: string;
  readonly job: JobSpec;
  readonly expected: 'allow' | 'deny';
  readonly issuer?: string;
  readonly signing?: Signing;
  /** Seconds to shift the token's iat/nbf/exp by. */
  readonly shift?: number;
  /** Seconds to move only nbf forward. */
  readonly nbfAhead?: number;
}

const job = (projectPath: string, ref = 'main', refType: 'branch' | 'tag' = 'branch', aud = GITLAB): JobSpec =>
  ({ projectPath, ref, refType, aud });

const CASES: Case[] = [
  { name: 'intended job: mygroup/myproject, branch main', account: 'library', role: 'Project', job: job('mygroup/myproject'), expected: 'allow' },
  { name: 'another project in the group', account: 'library', role: 'Project', job: job('mygroup/other'), expected: 'deny' },
  { name: 'project path extending the allowed one (myproject-evil)', account: 'library', role: 'Project', job: job('mygroup/myproject-evil'), expected: 'deny' },
  { name: 'project below the allowed path (mygroup/myproject/x)', account: 'library', role: 'Project', job: job('mygroup/myproject/x'), expected: 'deny' },
  { name: 'top-level group with the allowed group as prefix', account: 'library', role: 'Project', job: job('mygroup-evil/myproject'), expected: 'deny' },
  { name: 'subgroup project when the direct project was meant', account: 'library', role: 'Project', job: job('mygroup/sub/myproject'), expected: 'deny' },
  { name: 'another branch', account: 'library', role: 'Project', job: job('mygroup/myproject', 'develop'), expected: 'deny' },
  { name: 'branch with the allowed branch as prefix (main-evil)', account: 'library', role: 'Project', job: job('mygroup/myproject', 'main-evil'), expected: 'deny' },
  { name: 'branch below the allowed one (main/x)', account: 'library', role: 'Project', job: job('mygroup/myproject', 'main/x'), expected: 'deny' },
  { name: 'tag named like the allowed branch', account: 'library', role: 'Project', job: job('mygroup/myproject', 'main', 'tag'), expected: 'deny' },
  { name: 'group path in other case (MyGroup)', account: 'library', role: 'Project', job: job('MyGroup/myproject'), expected: 'deny' },
  { name: 'project path in other case (MyProject)', account: 'library', role: 'Project', job: job('mygroup/MyProject'), expected: 'deny' },
  { name: 'branch in other case (Main)', account: 'library', role: 'Project', job: job('mygroup/myproject', 'Main'), expected: 'deny' },
  { name: 'token from another GitLab host', account: 'library', role: 'Project', job: job('mygroup/myproject', 'main', 'branch', OTHER_HOST), issuer: OTHER_HOST, expected: 'deny' },
  { name: 'wrong audience', account: 'library', role: 'Project', job: job('mygroup/myproject', 'main', 'branch', 'sts.amazonaws.com'), expected: 'deny' },
  { name: 'audience with trailing slash', account: 'library', role: 'Project', job: job('mygroup/myproject', 'main', 'branch', `${GITLAB}/`), expected: 'deny' },
  { name: 'expired token', account: 'library', role: 'Project', job: job('mygroup/myproject'), shift: -3600, expected: 'deny' },
  { name: 'token not yet valid (nbf in the future)', account: 'library', role: 'Project', job: job('mygroup/myproject'), nbfAhead: 600, expected: 'deny' },
  { name: 'unsigned token (alg: none)', account: 'library', role: 'Project', job: job('mygroup/myproject'), signing: 'none', expected: 'deny' },
  { name: 'HS256 signed with the public key', account: 'library', role: 'Project', job: job('mygroup/myproject'), signing: 'hs256-public-key', expected: 'deny' },
  { name: 'signed with a foreign key', account: 'library', role: 'Project', job: job('mygroup/myproject'), signing: 'foreign-key', expected: 'deny' },
  { name: 'group role: project in a subgroup, branch main', account: 'library', role: 'Group', job: job('mygroup/sub/app'), expected: 'allow' },
  { name: 'group role: direct project, branch main', account: 'library', role: 'Group', job: job('mygroup/app'), expected: 'allow' },
  { name: 'group role: group with the allowed group as prefix', account: 'library', role: 'Group', job: job('mygroup-evil/app'), expected: 'deny' },
  { name: 'group role: another branch', account: 'library', role: 'Group', job: job('mygroup/app', 'dev'), expected: 'deny' },
  { name: 'release role: tag v1.2.3', account: 'library', role: 'Release', job: job('mygroup/myproject', 'v1.2.3', 'tag'), expected: 'allow' },
  { name: 'release role: branch v1.2.3', account: 'library', role: 'Release', job: job('mygroup/myproject', 'v1.2.3', 'branch'), expected: 'deny' },
  { name: 'release role: branch main (exact subject beside the pattern)', account: 'library', role: 'Release', job: job('mygroup/myproject'), expected: 'allow' },
  { name: 'release role: tag in another project', account: 'library', role: 'Release', job: job('mygroup/other', 'v1.2.3', 'tag'), expected: 'deny' },
  { name: 'classic mistake: provider URL with a trailing slash (hand-written)', account: 'trailingSlash', role: 'Role', job: job('mygroup/myproject'), expected: 'deny' },
  { name: 'classic mistake: job audience not in the client IDs (hand-written)', account: 'audienceMismatch', role: 'Role', job: job('mygroup/myproject', 'main', 'branch', 'sts.amazonaws.com'), expected: 'deny' },
];

function newStack(): Stack {
  return new Stack(new App(), 'Stack', {
    env: { account: ACCOUNT, region: 'eu-west-1' },
    synthesizer: new DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
}

/** The library's setup: one provider, a project role, a group role and a release role. */
function libraryTemplate(): any {
  const stack = newStack();
  const provider = new GitLabOidcProvider(stack, 'GitLab');
  const project = GitLabSubject.project('mygroup/myproject');
  new GitLabRunnerRole(stack, 'Project', { provider, subjects: [project.branch('main')], roleName: 'Project' });
  new GitLabRunnerRole(stack, 'Group', { provider, subjects: [GitLabSubject.group('mygroup').branch('main')], roleName: 'Group' });
  new GitLabRunnerRole(stack, 'Release', { provider, subjects: [project.branch('main'), project.tag('v*')], roleName: 'Release' });
  return Template.fromStack(stack).toJSON();
}

/** The seed's setup written by hand with plain aws-cdk-lib, with one of its two classic mistakes. */
function handWrittenTemplate(mistake: 'trailingSlash' | 'audienceMismatch'): any {
  const stack = newStack();
  const url = mistake === 'trailingSlash' ? `${GITLAB}/` : GITLAB;
  const provider = new iam.OidcProviderNative(stack, 'GitLab', { url, clientIds: [GITLAB] });
  new iam.Role(stack, 'Role', {
    roleName: 'Role',
    assumedBy: new iam.WebIdentityPrincipal(provider.oidcProviderArn, {
      StringEquals: {
        'gitlab.com:aud': mistake === 'audienceMismatch' ? 'sts.amazonaws.com' : GITLAB,
        'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:main',
      },
    }),
  });
  return Template.fromStack(stack).toJSON();
}

describe('attack matrix', () => {
  const issuers: Record<string, FixtureIssuer> = {};
  let loopback: Record<string, string> = {};
  const rows: string[][] = [];
  const counts = emptyCounts();

  beforeAll(async () => {
    issuers[GITLAB] = await FixtureIssuer.start(GITLAB);
    issuers[OTHER_HOST] = await FixtureIssuer.start(OTHER_HOST);
    loopback = Object.fromEntries(Object.values(issuers).map((i) => [i.issuer, i.loopbackUrl]));
    // The seed's provider URL "https://gitlab.com/" would be looked up at the same host.
    loopback[`${GITLAB}/`] = issuers[GITLAB].loopbackUrl;
  }, ISSUER_START_TEST_MS);

  /**
   * The account after deploying one setup, built inside the test that uses it, so that mutation testing
   * attributes the library code to that test.
   */
  const accountFor = (setup: Case['account']) =>
    EmulatedAccount.fromTemplate(setup === 'library' ? libraryTemplate() : handWrittenTemplate(setup), [], loopback);

  afterAll(async () => {
    await Promise.all(Object.values(issuers).map((i) => i.close()));
    const markdown = markdownTable(['case', 'expected', 'got', 'reason'], rows);
    recordVerdicts('matrix', counts);
    process.stdout.write(`\nattack matrix (${counts.cases} cases):\n${markdown}\n`);
  });

  test.each(CASES)('$expected: $name', async (c) => {
    const issuer = issuers[c.issuer ?? GITLAB];
    const claims = gitLabClaims(issuer.issuer, c.job, NOW_S + (c.shift ?? 0));
    if (c.nbfAhead) claims.nbf = NOW_S + c.nbfAhead;
    const token = await issuer.sign(claims, c.signing);
    const outcome = await accountFor(c.account).assumeRoleWithWebIdentity(c.role, token, NOW);
    count(counts, c.expected, outcome);
    rows.push([c.name, c.expected, outcome.verdict, outcome.reason]);
    expect(outcome.verdict).toBe(c.expected);
  });

  test('the reasons are the ones STS gives for each classic mistake', async () => {
    const issuer = issuers[GITLAB];
    const sign = (j: JobSpec) => issuer.sign(gitLabClaims(GITLAB, j, NOW_S));
    expect((await accountFor('trailingSlash').assumeRoleWithWebIdentity('Role', await sign(job('mygroup/myproject')), NOW)).reason)
      .toBe('InvalidIdentityToken: No OpenIDConnect provider found in your account for https://gitlab.com');
    expect((await accountFor('audienceMismatch').assumeRoleWithWebIdentity('Role', await sign(job('mygroup/myproject', 'main', 'branch', 'sts.amazonaws.com')), NOW)).reason)
      .toBe('InvalidIdentityToken: Incorrect token audience');
  });

  test('the library refuses both classic mistakes at synth time', () => {
    expect(() => new GitLabOidcProvider(newStack(), 'GitLab', { url: `${GITLAB}/` })).toThrow('must not end with "/"');
    const stack = newStack();
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    expect(() => new GitLabRunnerRole(stack, 'Role', {
      provider, subjects: [GitLabSubject.project('mygroup/myproject').branch('main')], audience: 'sts.amazonaws.com',
    })).toThrow('Incorrect token audience');
  });
});
