// What the suites that run generated jobs share: a loopback GitLab issuer, a role that trusts
// mygroup/myproject's main branch, and a loopback STS that judges the role's trust policy.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LoopbackSts } from './loopback-sts';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../../src';
import { FixtureIssuer, gitLabClaims, JobSpec } from '../security/support/issuer';
import { ACCOUNT, EmulatedAccount } from '../security/support/sts';

export const ROLE_NAME = 'gitlab-deploy';
export const ROLE_ARN = `arn:aws:iam::${ACCOUNT}:role/${ROLE_NAME}`;

export class JobFixture {
  public static async start(): Promise<JobFixture> {
    const issuer = await FixtureIssuer.start('https://gitlab.com');
    // Path metadata, as `cdk synth` writes it: the explain command finds roles by construct path.
    const stack = new Stack(new App({ context: { 'aws:cdk:enable-path-metadata': true } }), 'Stack', { env: { account: ACCOUNT, region: 'eu-west-1' } });
    const role = new GitLabRunnerRole(stack, 'Role', {
      provider: new GitLabOidcProvider(stack, 'GitLab'),
      roleName: ROLE_NAME,
      subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
    });
    const account = EmulatedAccount.fromTemplate(Template.fromStack(stack).toJSON() as any, [], { 'https://gitlab.com': issuer.loopbackUrl });
    return new JobFixture(issuer, stack, role, await LoopbackSts.start(account));
  }

  private constructor(
    public readonly issuer: FixtureIssuer,
    public readonly stack: Stack,
    public readonly role: GitLabRunnerRole,
    public readonly sts: LoopbackSts,
  ) {}

  /** A token of mygroup/myproject's main branch for gitlab.com's audience, changed by `job`. */
  public async token(job: Partial<JobSpec> = {}): Promise<string> {
    const spec = { projectPath: 'mygroup/myproject', refType: 'branch', ref: 'main', aud: 'https://gitlab.com', ...job } as JobSpec;
    return this.issuer.sign(gitLabClaims('https://gitlab.com', spec, Math.floor(Date.now() / 1000)));
  }

  public async close(): Promise<void> {
    await this.sts.close();
    await this.issuer.close();
  }
}
