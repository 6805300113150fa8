// The README's samples are what the code prints. For the README's own app (## Example): the trust statement it shows
// is the one the role synthesizes, and the job `role.gitLabCiJob()` writes, as `cdk deploy` prints the output once
// CloudFormation has named the role, is the README's YAML, byte for byte. The `audit` and `explain` outputs it shows
// are what those commands print when run with the arguments its samples show, on the inputs its prose describes.
// (Its TypeScript samples are compiled by jsii-rosetta in strict mode in every build.)
import { mkdtempSync, readFileSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { App, CfnOutput, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { GitLabDeployStack } from '../example/stack';
import { GitLabOidcProvider, GitLabRunnerRole, GitLabSubject } from '../src';
import { runCommand } from './support/command-run';
import { runAudit } from '../src/cli/audit-command';
import { runExplain } from '../src/cli/explain-command';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The provider's ARN once deployed in the README's account. */
const DEPLOYED_PROVIDER_ARN = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
/** The role's ARN once deployed in the README's account: CloudFormation names it from the stack and logical ID. */
const DEPLOYED_ROLE_ARN = 'arn:aws:iam::111122223333:role/GitLabDeploy-DeployRole885297C3-1A2B3C4D5E6F';

/** The fenced blocks of the section under `heading` (up to the next heading of any level), in order. */
function blocksUnder(heading: string): { language: string; body: string }[] {
  const start = README.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`no heading ${heading}`);
  const blocks: { language: string; body: string }[] = [];
  let open: { language: string; lines: string[] } | undefined;
  for (const line of README.slice(start + heading.length + 2).split('\n')) {
    const fence = line.trim().startsWith('```');
    if (open && fence) {
      blocks.push({ language: open.language, body: open.lines.join('\n') + '\n' });
      open = undefined;
    } else if (open) {
      open.lines.push(line);
    } else if (fence) {
      open = { language: line.trim().slice(3), lines: [] };
    } else if (line.startsWith('#')) {
      break;
    }
  }
  return blocks;
}

/** The arguments of a command line as the README writes it: words and single-quoted strings, as a POSIX shell splits them. */
function argumentsOf(commandLine: string, command: string): string[] {
  const rest = commandLine.slice(commandLine.indexOf(command) + command.length);
  return [...rest.matchAll(/'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2]);
}

/** An assume-role policy of one web-identity statement, as IAM returns it. */
function webIdentityPolicy(provider: string, conditions: Record<string, Record<string, string>>) {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${provider}` }, Action: 'sts:AssumeRoleWithWebIdentity', Condition: conditions }],
  };
}

/** The first fenced block of `language` in the section under `heading`. */
function sampleUnder(heading: string, language: string): string {
  const block = blocksUnder(heading).find((b) => b.language === language);
  if (!block) throw new Error(`no ${language} sample under ${heading}`);
  return block.body;
}

/** A CloudFormation value as it reads after deployment: Fn::Join of strings, the role's Arn, the provider's Ref. */
function deployed(value: unknown): string {
  if (typeof value === 'string') return value;
  const join_ = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join_) return join_[1].map(deployed).join(join_[0]);
  const getAtt = (value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
  if (getAtt && getAtt[0].startsWith('DeployRole') && getAtt[1] === 'Arn') return DEPLOYED_ROLE_ARN;
  const ref = (value as { Ref?: string }).Ref;
  if (ref?.startsWith('GitLab')) return DEPLOYED_PROVIDER_ARN;
  throw new Error(`a value the README's deployment does not resolve: ${JSON.stringify(value)}`);
}

/** The README's example app (## Example). */
function readmeApp() {
  const app = new App();
  const stack = new Stack(app, 'GitLabDeploy');
  const provider = new GitLabOidcProvider(stack, 'GitLab');
  const role = new GitLabRunnerRole(stack, 'DeployRole', {
    provider,
    subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
    claimConditions: { refProtected: true },
  });
  return { stack, role };
}

test('"Example": the trust statement the README shows is the one the role synthesizes', () => {
  const { stack } = readmeApp();
  const [statement] = Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role'))[0].Properties.AssumeRolePolicyDocument.Statement;
  const shown = JSON.parse(sampleUnder('## Example', 'json'));
  expect({ ...statement, Principal: { Federated: deployed(statement.Principal.Federated) } }).toEqual(shown);
});

test('"The job side": the job the README shows is the one its app prints', () => {
  // The output "The job side" adds to the README's example app.
  const { stack, role } = readmeApp();
  expect(sampleUnder('## The job side', 'ts')).toContain(
    "new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all'] }) });");
  new CfnOutput(stack, 'GitLabCiJob', { value: role.gitLabCiJob({ jobName: 'deploy', script: ['npx cdk deploy --all'] }) });

  const printed = deployed(Template.fromStack(stack).toJSON().Outputs.GitLabCiJob.Value);
  expect(sampleUnder('## The job side', 'yaml')).toBe(printed);
});

test('"Audit an account": the report the README shows is what its command prints for the account it describes', () => {
  const [commands, report] = blocksUnder('## Audit an account');
  const auditLine = commands.body.split('\n').find((line) => line.includes('cdk-gitlab-oidc audit'))!;
  // The account the README describes: three weak GitLab roles, a sound one (the project by ID, protected refs), and
  // a GitHub Actions role; as `aws iam get-account-authorization-details` prints it (policies URL-encoded).
  const AUD = { 'gitlab.com:aud': 'https://gitlab.com' };
  const role = (name: string, document: object) => ({
    RoleName: name,
    Path: '/',
    Arn: `arn:aws:iam::111122223333:role/${name}`,
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(document)),
  });
  const dir = mkdtempSync(join(tmpdir(), 'readme-audit-'));
  writeFileSync(join(dir, 'account.json'), JSON.stringify({
    RoleDetailList: [
      role('gitlab-anyone', webIdentityPolicy('gitlab.com', { StringEquals: AUD })),
      role('gitlab-group-prefix', webIdentityPolicy('gitlab.com', { StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup*:ref_type:branch:ref:main' } })),
      role('gitlab-any-branch', webIdentityPolicy('gitlab.com', { StringEquals: AUD, StringLike: { 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:*' } })),
      role('gitlab-sound', webIdentityPolicy('gitlab.com', { StringEquals: { ...AUD, 'gitlab.com:sub': 'project_id:4211006:ref_type:branch:ref:main', 'gitlab.com:ref_protected': 'true' } })),
      role('github-actions', webIdentityPolicy('token.actions.githubusercontent.com', {
        StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
        StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:mygroup/myproject:*' },
      })),
    ],
  }, undefined, 4));

  const result = runCommand(runAudit, argumentsOf(auditLine, 'cdk-gitlab-oidc audit'), dir);
  expect(result.stdout + result.stderr).toBe(report.body);
  expect(result.code).toBe(1);
});

describe('"From the command line": the explanations the README shows are what explain prints', () => {
  const blocks = blocksUnder('### From the command line');
  /** The block's command line (its first line, `$ ...`) and what it printed (the rest). */
  const session = (body: string) => {
    const [commandLine, ...printed] = body.split('\n');
    return { args: argumentsOf(commandLine, 'cdk-gitlab-oidc explain'), printed: printed.join('\n') };
  };

  test('the example app\'s role, and a tag pipeline\'s claims', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-explain-'));
    const app = new App({ outdir: join(dir, 'cdk.out'), context: { 'aws:cdk:enable-path-metadata': true } });
    new GitLabDeployStack(app, 'GitLabOidcExample');
    app.synth();
    const { args, printed } = session(blocks[0].body);

    const result = runCommand(runExplain, args, dir);
    expect(result.stdout + result.stderr).toBe(printed);
    expect(result.code).toBe(1);
  });

  test('a hand-written role read with aws iam get-role, whose sub pattern sits under StringEquals (the README elides with "...")', () => {
    const dir = mkdtempSync(join(tmpdir(), 'readme-explain-'));
    writeFileSync(join(dir, 'role.json'), JSON.stringify({
      Role: {
        RoleName: 'gitlab-deploy',
        Path: '/',
        Arn: 'arn:aws:iam::111122223333:role/gitlab-deploy',
        AssumeRolePolicyDocument: webIdentityPolicy('gitlab.com', {
          StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'gitlab.com:sub': 'project_path:mygroup/myproject:ref_type:branch:ref:release/*' },
        }),
      },
    }, undefined, 4));
    const { args, printed } = session(blocks[1].body);

    const result = runCommand(runExplain, args, dir);
    expect(result.code).toBe(1);
    // Each part between the README's "..." lines is printed as it stands, in order, the first at the start.
    const parts = printed.split('\n...\n');
    expect(result.stdout.startsWith(parts[0] + '\n')).toBe(true);
    let from = 0;
    for (const part of parts) {
      const at = result.stdout.indexOf(part, from);
      expect(at).toBeGreaterThanOrEqual(from);
      from = at + part.length;
    }
  });
});
