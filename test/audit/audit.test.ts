// `audit`: each finding class proven with a token the weak policy admits and the fixed one refuses, by the package's
// evaluator and by iam-simulate; a realistic account export (weak, sound and unrelated roles) through the command,
// its exit codes, --json and the GitLab Code Quality report; the public API; nothing reported on what the constructs
// generate.
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import Ajv from 'ajv';
import { App, Stack, aws_iam as iam } from 'aws-cdk-lib';
import * as fc from 'fast-check';
import { GitLabAuditSeverity, GitLabOidcProvider, GitLabRunnerRole, GitLabSubject, GitLabTrustAudit } from '../../src';
import { runAudit } from '../../src/cli/audit-command';
import { auditRole, trustsGitLab } from '../../src/private/audit/checks';
import { explainToken } from '../../src/private/explain/explain';
import { readTrustPolicy, Unknown } from '../../src/private/explain/policy';
import { webIdentityRoles } from '../../src/private/explain/template-roles';
import { judge, loadTrustPolicy } from '../security/support/judge';
import { runCommand } from '../support/command-run';
import { SYNTH_TEST_MS } from '../support/timeouts';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const ROLE = 'arn:aws:iam::111122223333:role/deploy';
const OWN = 'project_path:mygroup/myproject:ref_type:branch:ref:main';
const ATTACKER = 'project_path:attacker/evil:ref_type:branch:ref:main';

function policy(conditions: Record<string, Record<string, unknown>>, effect = 'Allow', principal = PROVIDER) {
  return { Version: '2012-10-17', Statement: [{ Effect: effect, Principal: { Federated: principal }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions }] };
}

/** What a token's claims become in the request context for gitlab.com. */
function context(claims: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(claims).filter(([k]) => k !== 'iss').map(([k, v]) => [`gitlab.com:${k}`, v]));
}

/** Both evaluators' verdict for a token on a policy: the package's and iam-simulate's. */
function verdicts(document: object, claims: Record<string, string>, clientIds = ['https://gitlab.com', 'gitlab-deploy', 'other-tool']) {
  const ours = explainToken({ policy: readTrustPolicy(document), claims: { iss: 'https://gitlab.com', ...claims }, providers: [{ url: 'https://gitlab.com', arn: PROVIDER, clientIds }] });
  const theirs = judge(loadTrustPolicy(document), PROVIDER, ROLE, context(claims));
  return [ours.decision, theirs === 'allow' ? 'allowed' : 'denied'];
}

const checksOf = (document: object, issuers: string[] = []) =>
  auditRole({ name: 'role', policy: readTrustPolicy(document), providers: [{ url: 'https://gitlab.com', arn: PROVIDER, clientIds: ['https://gitlab.com', 'gitlab-deploy', 'other-tool'] }] }, issuers)
    .map((f) => f.check);

const AUD = { 'gitlab.com:aud': 'gitlab-deploy' };

describe('each finding class: a token the weak policy admits and the fixed one refuses (the package\'s evaluator and iam-simulate agree)', () => {
  test.each<[string, string, object, object, Record<string, string>]>([
    ['no-sub', 'critical', policy({ StringEquals: AUD }), policy({ StringEquals: { ...AUD, 'gitlab.com:sub': OWN } }), { aud: 'gitlab-deploy', sub: ATTACKER }],
    ['any-project', 'critical', policy({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:*:ref_type:branch:ref:main' } }),
      policy({ StringEquals: { ...AUD, 'gitlab.com:sub': OWN } }), { aud: 'gitlab-deploy', sub: ATTACKER }],
    ['group-prefix', 'high', policy({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup*:ref_type:branch:ref:main' } }),
      policy({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/*:ref_type:branch:ref:main' } }),
      { aud: 'gitlab-deploy', sub: 'project_path:mygroup-evil/x:ref_type:branch:ref:main' }],
    ['any-ref', 'medium', policy({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:*:ref:*' } }),
      policy({ StringEquals: { ...AUD, 'gitlab.com:ref_protected': 'true' }, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:*:ref:*' } }),
      { aud: 'gitlab-deploy', sub: 'project_path:mygroup/myproject:ref_type:branch:ref:feature', ref_protected: 'false' }],
    ['no-aud', 'medium', policy({ StringEquals: { 'gitlab.com:sub': OWN } }), policy({ StringEquals: { ...AUD, 'gitlab.com:sub': OWN } }),
      // A token requested for another tool's audience, which the provider also lists.
      { aud: 'other-tool', sub: OWN }],
    ['path-based-sub', 'info', policy({ StringEquals: { ...AUD, 'gitlab.com:sub': OWN } }),
      policy({ StringEquals: { ...AUD, 'gitlab.com:sub': 'project_id:4211006:ref_type:branch:ref:main' } }),
      // A new project that took the path after the old one was renamed or transferred: same path, another ID.
      { aud: 'gitlab-deploy', sub: OWN, project_id: '999' }],
  ])('%s (%s)', (check, severity, weak, fixed, attacker) => {
    expect(verdicts(weak, attacker)).toEqual(['allowed', 'allowed']);
    expect(verdicts(fixed, attacker)).toEqual(['denied', 'denied']);
    const found = auditRole({ name: 'role', policy: readTrustPolicy(weak), providers: [] }, []).filter((f) => f.check === check);
    expect(found.map((f) => f.severity)).toEqual([severity]);
    expect(checksOf(fixed)).not.toContain(check);
  });

  test('deny-never-applies (high): a self-managed instance\'s Deny on ref_protected, a key STS never sets there, lets an unprotected job in', () => {
    const host = 'gitlab.example.com';
    const provider = `arn:aws:iam::111122223333:oidc-provider/${host}`;
    const weak = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:aud`]: 'gitlab-deploy' }, StringLike: { [`${host}:sub`]: 'project_path:mygroup/myproject:ref_type:branch:ref:*' } } },
        { Effect: 'Deny', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { [`${host}:ref_protected`]: 'false' } } },
      ],
    };
    const request = { [`${host}:aud`]: 'gitlab-deploy', [`${host}:sub`]: 'project_path:mygroup/myproject:ref_type:branch:ref:feature' };
    // STS sets only sub and aud for this issuer: the Deny's key is absent, so it never applies.
    expect(judge(loadTrustPolicy(weak), provider, ROLE, request)).toBe('allow');
    const ours = explainToken({
      policy: readTrustPolicy(weak),
      claims: { iss: `https://${host}`, aud: 'gitlab-deploy', sub: request[`${host}:sub`], ref_protected: 'false' },
      providers: [{ url: `https://${host}`, arn: provider, clientIds: ['gitlab-deploy'] }],
    });
    expect(ours.decision).toBe('allowed');
    const findings = auditRole({ name: 'role', policy: readTrustPolicy(weak), providers: [] }, [`https://${host}`]);
    expect(findings.filter((f) => f.check === 'deny-never-applies').map((f) => [f.severity, f.statement])).toEqual([['high', 1]]);
  });

  test.each<[string, object, Record<string, string>]>([
    // Fail closed: the intended job is refused, and the audit says why.
    ['key-never-set', policy({ StringEquals: { ...AUD, 'gitlab.com:sub': OWN, 'gitlab.com:project_path': 'mygroup/myproject' } }), { aud: 'gitlab-deploy', sub: OWN }],
    ['wildcard-under-stringequals', policy({ StringEquals: { ...AUD, 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:*' } }), { aud: 'gitlab-deploy', sub: OWN }],
  ])('%s (low): the job the policy was written for is refused', (check, weak, job) => {
    expect(verdicts(weak, job)).toEqual(['denied', 'denied']);
    expect(checksOf(weak)).toContain(check);
  });

  test('audience-not-listed (low): an aud the provider does not list; STS refuses every token before the policy', () => {
    const weak = policy({ StringEquals: { 'gitlab.com:aud': 'not-listed', 'gitlab.com:sub': OWN } });
    const ours = explainToken({ policy: readTrustPolicy(weak), claims: { iss: 'https://gitlab.com', aud: 'not-listed', sub: OWN }, providers: [{ url: 'https://gitlab.com', arn: PROVIDER, clientIds: ['https://gitlab.com'] }] });
    expect(ours.decision).toBe('denied');
    expect(auditRole({ name: 'r', policy: readTrustPolicy(weak), providers: [{ url: 'https://gitlab.com', arn: PROVIDER, clientIds: ['https://gitlab.com'] }] }, [])
      .map((f) => f.check)).toContain('audience-not-listed');
  });
});

describe('a realistic account export, through the command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  const role = (name: string, document: object, encode = false) => ({
    RoleName: name,
    Arn: `arn:aws:iam::111122223333:role/${name}`,
    Path: '/',
    // IAM returns policy documents URL-encoded.
    AssumeRolePolicyDocument: encode ? encodeURIComponent(JSON.stringify(document)) : document,
  });
  const account = {
    RoleDetailList: [
      role('gitlab-anyone', policy({ StringEquals: { 'gitlab.com:aud': 'https://gitlab.com' } }), true),
      role('gitlab-group-prefix', policy({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup*:ref_type:branch:ref:main' } })),
      role('gitlab-any-branch', policy({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:*' } })),
      role('gitlab-sound', policy({ StringEquals: { ...AUD, 'gitlab.com:sub': 'project_id:4211006:ref_type:branch:ref:main', 'gitlab.com:ref_protected': 'true' } })),
      role('gitlab-self-managed', policy({ StringEquals: { 'gitlab.example.com:aud': 'gitlab-deploy' } }, 'Allow', 'arn:aws:iam::111122223333:oidc-provider/gitlab.example.com')),
      role('github-actions', policy({ StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:org/*' } },
        'Allow', 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com')),
      role('lambda', { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
    ],
  };
  const accountFile = join(dir, 'account.json');
  // Indented as the AWS CLI prints it.
  writeFileSync(accountFile, JSON.stringify(account, undefined, 4));
  const run = (args: string[], stdin?: string) => runCommand(runAudit, args, dir, { stdin: stdin === undefined ? undefined : () => stdin });

  test('names every weak role, with the issuer of the self-managed one; silent on the sound, GitHub and service roles', () => {
    const result = run(['--account-file', 'account.json', '--issuer', 'https://gitlab.example.com', '--json']);
    expect(result.code).toBe(1);
    const findings = JSON.parse(result.stdout);
    const byRole = (name: string) => findings.filter((f: any) => f.role === `arn:aws:iam::111122223333:role/${name}`).map((f: any) => `${f.severity} ${f.check}`).sort();
    expect(byRole('gitlab-anyone')).toEqual(['critical no-sub']);
    expect(byRole('gitlab-group-prefix')).toEqual(['high group-prefix', 'info path-based-sub']);
    expect(byRole('gitlab-any-branch')).toEqual(['info path-based-sub', 'medium any-ref']);
    expect(byRole('gitlab-sound')).toEqual([]);
    expect(byRole('gitlab-self-managed')).toEqual(['critical no-sub']);
    expect(byRole('github-actions')).toEqual([]);
    expect(byRole('lambda')).toEqual([]);
  });

  test('text: each role\'s findings worst first with the fix, and a summary that counts the GitLab roles', () => {
    const result = run(['--account-file', 'account.json', '--issuer', 'https://gitlab.example.com']);
    expect(result.stdout).toContain('arn:aws:iam::111122223333:role/gitlab-anyone\n  CRITICAL no-sub (statement 0): no condition on gitlab.com:sub: any job of any project on https://gitlab.com can assume the role\n    fix: ');
    expect(result.stdout.trim().split('\n').slice(-2)).toEqual([
      '5 roles trust a GitLab issuer; 6 findings (2 critical, 1 high, 1 medium, 2 info)',
      // A provider not taken for GitLab is named, so an unnamed self-managed instance is not passed over in silence.
      'not audited: roles trusting token.actions.githubusercontent.com (not taken for GitLab: name a self-managed instance with --issuer)',
    ]);
  });

  test.each<[string, number]>([['critical', 1], ['high', 1], ['low', 1]])('--fail-on %s exits %i', (threshold, code) => {
    expect(run(['--account-file', 'account.json', '--fail-on', threshold]).code).toBe(code);
  });

  test('exit 0 when nothing is at or above the threshold; standard input as the file', () => {
    const sound = JSON.stringify({ Roles: [account.RoleDetailList[3], account.RoleDetailList[5]] });
    expect(run(['--account-file', '-'], sound)).toMatchObject({ code: 0, stdout: expect.stringMatching(/^1 role trusts a GitLab issuer; 0 findings\n/) });
    expect(run(['--account-file', '-', '--fail-on', 'critical'], JSON.stringify({ Roles: [account.RoleDetailList[2]] })).code).toBe(0);
  });

  test('a GitLab Code Quality report, valid under the format GitLab documents, with stable fingerprints', () => {
    run(['--account-file', 'account.json', '--code-quality', 'gl-code-quality-report.json']);
    const report = JSON.parse(readFileSync(join(dir, 'gl-code-quality-report.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true }).compile(JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'gitlab-code-quality', 'schema.json'), 'utf8')));
    expect([validate(report), validate.errors]).toEqual([true, null]);
    // Each finding points at its role's line: where the export writes its ARN.
    const arnLine = (name: string) => readFileSync(accountFile, 'utf8').split('\n').findIndex((line) => line.includes(`"Arn": "arn:aws:iam::111122223333:role/${name}"`)) + 1;
    expect(arnLine('gitlab-anyone')).toBeGreaterThan(1);
    expect(report.find((issue: any) => issue.check_name === 'no-sub')).toMatchObject({ severity: 'blocker', location: { path: 'account.json', lines: { begin: arnLine('gitlab-anyone') } } });
    expect(report.find((issue: any) => issue.check_name === 'group-prefix')).toMatchObject({ location: { lines: { begin: arnLine('gitlab-group-prefix') } } });
    run(['--account-file', 'account.json', '--code-quality', 'again.json']);
    expect(JSON.parse(readFileSync(join(dir, 'again.json'), 'utf8')).map((i: any) => i.fingerprint)).toEqual(report.map((i: any) => i.fingerprint));
    expect(new Set(report.map((i: any) => i.fingerprint)).size).toBe(report.length);
  });

  test.each<[string, string[], string | undefined]>([
    ['not JSON', ['--account-file', '-'], 'not json'],
    ['neither an export nor a policy', ['--account-file', '-'], '{"Users":[]}'],
    ['a role that is not an object', ['--account-file', '-'], '{"Roles":[null]}'],
    ['a policy that is no policy', ['--account-file', '-'], '{"Roles":[{"Arn":"a","AssumeRolePolicyDocument":"%7Bbroken"}]}'],
    ['an unknown severity', ['--account-file', 'account.json', '--fail-on', 'severe'], undefined],
    ['an issuer with a trailing slash', ['--account-file', 'account.json', '--issuer', 'https://gitlab.example.com/'], undefined],
    ['a missing file', ['--account-file', 'missing.json'], undefined],
  ])('bad input (%s) exits 2 with one line, never 1', (_title, args, stdin) => {
    const result = run(args, stdin);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^cdk-gitlab-oidc audit: [^\n]+\nRun 'cdk-gitlab-oidc audit --help' for usage\.\n$/);
  });
});

test('the public API: the same findings from JSON text, severities as the enum', () => {
  const getRole = { Role: { Arn: ROLE, AssumeRolePolicyDocument: policy({ StringEquals: AUD }) } };
  const findings = GitLabTrustAudit.auditTrustPolicies(JSON.stringify(getRole));
  expect(findings).toEqual([expect.objectContaining({ role: ROLE, check: 'no-sub', severity: GitLabAuditSeverity.CRITICAL, statement: 0 })]);
  expect(() => GitLabTrustAudit.auditTrustPolicies('{')).toThrow(/needs an account export, a get-role output or a policy document as JSON/);
  expect(() => GitLabTrustAudit.auditTrustPolicies('{}', { issuers: ['http://gitlab.example.com'] })).toThrow('issuers must be https:// URLs');
});

test('property: on every role the constructs generate (refs named or protected refs required), nothing above info', () => {
  const project = fc.constantFrom('mygroup/myproject', 'a/b/c', 'team-1/svc.api');
  const subject = fc.oneof(
    fc.tuple(project, fc.constantFrom('main', 'release/v1')).map(([p, b]) => GitLabSubject.project(p).branch(b)),
    project.map((p) => GitLabSubject.project(p).tag('v1.0.0')),
    project.map((p) => GitLabSubject.project(p).tag('v*').withClaimConditions({ refProtected: true })),
    project.map((p) => GitLabSubject.project(p).anyBranch().withClaimConditions({ refProtected: true })),
    fc.constantFrom('mygroup', 'org/team').map((g) => GitLabSubject.group(g).anyBranch().withClaimConditions({ refProtected: true })),
  );
  fc.assert(fc.property(fc.array(subject, { minLength: 1, maxLength: 4 }), (subjects) => {
    const stack = new Stack(new App(), 'Roles', { env: { account: '111122223333', region: 'eu-west-1' } });
    new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab', { audiences: ['gitlab-deploy'] }), audience: 'gitlab-deploy', subjects });
    const template = JSON.parse(JSON.stringify(stack.resolve((stack as any)._toCloudFormation())));
    const roles = webIdentityRoles(template, 'Roles.template.json');
    expect(roles).toHaveLength(1);
    expect(trustsGitLab({ name: 'Role', policy: roles[0].policy, providers: roles[0].providers }, [])).toBe(true);
    for (const role of roles) {
      const findings = auditRole({ name: role.logicalId, policy: role.policy, providers: role.providers }, []);
      expect(findings.filter((f) => f.severity !== 'info')).toEqual([]);
    }
  }), { numRuns: 40, seed: 20261203 });
}, SYNTH_TEST_MS);

describe('an attacker\'s review: trusts the first audit missed, and sound ones it flagged', () => {
  const stmt = (conditions: Record<string, Record<string, unknown>>, extra: Record<string, unknown> = {}) =>
    ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Federated: PROVIDER }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions, ...extra }] });
  const audited = (document: object) => auditRole({ name: 'r', policy: readTrustPolicy(document), providers: [] }, []).map((f) => `${f.severity} ${f.check}`);

  test.each<[string, object, string, Record<string, string>]>([
    ['a wildcard inside project_id', stmt({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_id:4*:ref_type:branch:ref:main' } }), 'critical any-project',
      { aud: 'gitlab-deploy', sub: 'project_id:4999999:ref_type:branch:ref:main' }],
    ['a wildcard in the component name', stmt({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_*:ref_type:branch:ref:main' } }), 'critical any-project',
      { aud: 'gitlab-deploy', sub: 'project_path:attacker/evil:ref_type:branch:ref:main' }],
    ['a pattern that is no sub layout', stmt({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'p*' } }), 'critical any-project', { aud: 'gitlab-deploy', sub: ATTACKER }],
    ['an aud that is a wildcard', stmt({ StringLike: { 'gitlab.com:aud': '*' }, StringEquals: { 'gitlab.com:sub': OWN } }), 'medium no-aud', { aud: 'other-tool', sub: OWN }],
    ['ref_protected "true" or "false"', stmt({ StringEquals: { ...AUD, 'gitlab.com:ref_protected': ['true', 'false'] }, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:*' } }),
      'medium any-ref', { aud: 'gitlab-deploy', sub: 'project_path:mygroup/myproject:ref_type:branch:ref:feature', ref_protected: 'false' }],
    ['a ref compared without case (branch "MAIN")', stmt({ StringEquals: AUD, StringEqualsIgnoreCase: { 'gitlab.com:sub': OWN } }), 'medium any-ref',
      { aud: 'gitlab-deploy', sub: 'project_path:mygroup/myproject:ref_type:branch:ref:MAIN', ref_protected: 'false' }],
  ])('missed no longer: %s (both evaluators admit the attacker\'s token)', (_title, document, finding, attacker) => {
    expect(verdicts(document, attacker)).toEqual(['allowed', 'allowed']);
    expect(audited(document)).toContain(finding);
  });

  test('a policy variable in the sub, filled from the token itself: critical (iam-simulate admits another user\'s project)', () => {
    const document = stmt({ StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:${gitlab.com:user_login}/*' } });
    expect(judge(loadTrustPolicy(document), PROVIDER, ROLE, {
      'gitlab.com:aud': 'gitlab-deploy',
      'gitlab.com:user_login': 'mallory',
      'gitlab.com:sub': 'project_path:mallory/x:ref_type:branch:ref:main',
    })).toBe('allow');
    expect(audited(document)).toContain('critical policy-variable-in-sub');
  });

  test('a self-managed host named like GitLab is audited without --issuer; a Deny whose ForAllValues passes on a missing key is not called dead', () => {
    const provider = 'arn:aws:iam::111122223333:oidc-provider/gitlab.corp.example';
    const document = {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'gitlab.corp.example:aud': 'x' } } },
        { Effect: 'Deny', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { 'ForAllValues:StringEquals': { 'gitlab.corp.example:environment': 'prod' } } },
      ],
    };
    expect(audited(document)).toEqual(['critical no-sub']);
  });

  test.each<[string, object, string[]]>([
    ['the project pinned by project_id, protected refs required', stmt({ StringEquals: { ...AUD, 'gitlab.com:project_id': '42', 'gitlab.com:ref_protected': 'true' } }), []],
    ['a statement for GitHub\'s and GitLab\'s providers that compares GitHub\'s sub only', {
      Version: '2012-10-17',
      Statement: [{
        Effect: 'Allow',
        Principal: { Federated: [PROVIDER, 'arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com'] },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:org/app:*' } },
      }],
    }, []],
    ['a path followed by any components (paths hold no ":")', stmt({ StringEquals: { ...AUD, 'gitlab.com:ref_protected': 'true' }, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:*' } }),
      ['info path-based-sub']],
    ['a statement that only allows sts:TagSession', stmt({}, { Action: 'sts:TagSession' }), []],
    ['ref_protected "TRUE" compared without case', stmt({ StringEquals: AUD, StringEqualsIgnoreCase: { 'gitlab.com:ref_protected': 'TRUE' }, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:*' } }),
      ['info path-based-sub']],
  ])('no false alarm: %s', (_title, document, findings) => {
    expect(audited(document)).toEqual(findings);
  });

  describe('a statement for every principal ("*" or {"AWS": "*"}): IAM matches a web-identity request to it', () => {
    const anyone = (principal: unknown, conditions: Record<string, Record<string, unknown>> = {}, effect = 'Allow') =>
      ({ Version: '2012-10-17', Statement: [{ Effect: effect, Principal: principal, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions }] });

    test.each<[string, unknown]>([['"*"', '*'], ['{"AWS": "*"}', { AWS: '*' }]])('%s with no condition: critical any-provider; both evaluators admit any project', (_title, principal) => {
      const weak = anyone(principal);
      expect(verdicts(weak, { aud: 'other-tool', sub: ATTACKER })).toEqual(['allowed', 'allowed']);
      expect(verdicts(stmt({ StringEquals: { ...AUD, 'gitlab.com:sub': OWN } }), { aud: 'other-tool', sub: ATTACKER })).toEqual(['denied', 'denied']);
      expect(audited(weak)).toEqual(['critical any-provider']);
      expect(trustsGitLab({ name: 'r', policy: readTrustPolicy(weak), providers: [] }, [])).toBe(true);
    });

    test('"*" with conditions on request keys only: medium any-provider (they name no issuer)', () => {
      expect(audited(anyone('*', { IpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }))).toEqual(['medium any-provider']);
    });

    test('"*" whose conditions compare gitlab.com\'s claims is audited as a gitlab.com trust, and told to name the provider', () => {
      const document = anyone('*', { StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:*:ref_type:branch:ref:main' } });
      expect(verdicts(document, { aud: 'gitlab-deploy', sub: ATTACKER })).toEqual(['allowed', 'allowed']);
      expect(audited(document)).toEqual(['low wildcard-principal', 'critical any-project']);
    });

    test('a Deny for every principal on a key a self-managed instance never sets: deny-never-applies', () => {
      const provider = 'arn:aws:iam::111122223333:oidc-provider/gitlab.corp.example';
      const document = {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Federated: provider }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'gitlab.corp.example:aud': 'x' }, StringLike: { 'gitlab.corp.example:sub': 'project_path:g/p:ref_type:branch:ref:*' } } },
          { Effect: 'Deny', Principal: '*', Action: 'sts:AssumeRoleWithWebIdentity', Condition: { StringEquals: { 'gitlab.corp.example:ref_protected': 'false' } } },
        ],
      };
      expect(audited(document)).toContain('high deny-never-applies');
    });

    test('a role trusting GitHub by "*" and GitHub\'s claims is not taken for GitLab', () => {
      const document = anyone('*', { StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' }, StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:org/app:*' } });
      const role = { name: 'r', policy: readTrustPolicy(document), providers: [] };
      expect([trustsGitLab(role, []), auditRole(role, [])]).toEqual([false, []]);
    });
  });

  test('conditions decided at deployment (a parameter, CDK\'s CfnJson) are reported as undetermined, not judged', () => {
    const document = stmt({ StringLike: { 'Fn::GetAtt': ['CfnJson', 'Value'] } });
    const policyWithToken = readTrustPolicy(document, (v) => typeof v === 'string' ? v : new Unknown(JSON.stringify(v)));
    expect(auditRole({ name: 'r', policy: policyWithToken, providers: [] }, []).map((f) => `${f.severity} ${f.check}`)).toEqual(['medium undetermined']);
  });

  test('--app: a role an app synthesizes with aws-cdk-lib\'s OpenIdConnectPrincipal and no sub is found (the template writes the ARN with placeholders)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'audit-app-'));
    const app = new App({ outdir: join(dir, 'cdk.out') });
    const stack = new Stack(app, 'Weak');
    const provider = new iam.OpenIdConnectProvider(stack, 'GitLab', { url: 'https://gitlab.com', clientIds: ['https://gitlab.com'] });
    new iam.Role(stack, 'Anyone', { assumedBy: new iam.OpenIdConnectPrincipal(provider) });
    app.synth();
    const { code, stdout } = runCommand(runAudit, ['--app', 'cdk.out', '--json', '--code-quality', 'cq.json'], dir);
    expect([code, JSON.parse(stdout).map((f: any) => `${f.severity} ${f.check}`)]).toEqual([1, ['critical no-sub', 'medium no-aud']]);
    // The report points at the role's definition in its template.
    const [issue] = JSON.parse(readFileSync(join(dir, 'cq.json'), 'utf8'));
    const template = readFileSync(join(dir, 'cdk.out', 'Weak.template.json'), 'utf8').split('\n');
    expect(issue.location.path).toBe(join('cdk.out', 'Weak.template.json'));
    expect(template[issue.location.lines.begin - 1]).toMatch(/^\s*"Anyone[0-9A-F]{8}": \{$/);
  });
});
