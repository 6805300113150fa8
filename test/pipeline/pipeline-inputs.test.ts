// GitLabCiPipeline's inputs: what each setting writes, and every value it refuses, literal or deploy-time.
import { mkdirSync, readFileSync, writeFileSync } from 'fs';
import { join } from 'path';
import { App, CfnOutput, CfnParameter, Duration, Fn, Stack, Stage, Token, pipelines } from 'aws-cdk-lib';
import { CDK_CLI_VERSION, FREEZE, REGION, ROLE, newApp, oneStageApp, synthesized } from './support/apps';
import {
  GitLabCiCredentials, GitLabCiPipeline, GitLabCiPipelineProps, GitLabDeploymentTier, GitLabJobSettings, GitLabOidcProvider, GitLabPipelineRole,
  GitLabRunnerRole, GitLabShellStep, GitLabSubject,
} from '../../src';
import { parseCi } from '../support/gitlab-ci';

const jobs = (props: Partial<GitLabCiPipelineProps> = {}, configure?: Parameters<typeof oneStageApp>[1]) =>
  parseCi(oneStageApp(props, configure).yaml);

/** A deploy-time value of each kind, made in a stack of `app`. */
const TOKENS: [string, (app: App) => string][] = [
  ['a CfnParameter', (app) => new CfnParameter(new Stack(app, 'Params'), 'P').valueAsString],
  ['an imported value', () => Fn.importValue('Exported')],
];
const LIST_TOKEN = () => Fn.split(',', Fn.importValue('ExportedList'));

describe('settings', () => {
  test('the deploy branch: the project\'s default branch, or the one given', () => {
    const freeze = { if: '$CI_DEPLOY_FREEZE', when: 'never' };
    expect(jobs()['Beta-Api-Deploy'].rules).toEqual([freeze, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH' }]);
    expect(jobs({ deployBranch: 'release/v2' })['Beta-Api-Deploy'].rules).toEqual([freeze, { if: '$CI_COMMIT_BRANCH == "release/v2"' }]);
    // A fork runs the same file: with projectPath, only the project's own pipelines deploy.
    expect(jobs({ projectPath: 'mygroup/myproject' })['Beta-Api-Deploy'].rules)
      .toEqual([freeze, { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PROJECT_PATH == "mygroup/myproject"' }]);
  });

  test('job settings: the pipeline\'s, then the stage\'s, then the step\'s; variables and raw keys merged key by key', () => {
    const doc = jobs({
      jobSettings: { image: 'node:20', tags: ['shared'], variables: { A: 'pipeline', B: 'pipeline' }, rawKeys: { timeout: '1h' } },
    }, (pipeline, _app, stage) => pipeline.addStageWithGitLabOptions(stage, {
      jobSettings: { image: 'node:22', variables: { B: 'stage' }, rawKeys: { retry: { max: 2, when: ['runner_system_failure'] } } },
      post: [new GitLabShellStep('Check', { commands: ['true'], env: { C: 'step' }, jobSettings: { tags: ['big'], cache: { paths: ['x/'] } } })],
    }));
    expect(doc['Build-Synth']).toMatchObject({ image: 'node:20', tags: ['shared'], variables: { A: 'pipeline', B: 'pipeline' }, timeout: '1h' });
    expect(doc['Beta-Api-Deploy']).toMatchObject({
      image: 'node:22', tags: ['shared'], variables: { A: 'pipeline', B: 'stage' }, timeout: '1h', retry: { max: 2, when: ['runner_system_failure'] },
    });
    expect(doc['Beta-Check']).toMatchObject({ image: 'node:22', tags: ['big'], variables: { A: 'pipeline', B: 'stage', C: 'step' }, cache: { paths: ['x/'] } });
  });

  test('a GitLabShellStep with awsCredentials extends the stage\'s role; a plain ShellStep gets none', () => {
    const doc = jobs({}, (pipeline, _app, stage) => pipeline.addStageWithGitLabOptions(stage, {
      role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::222222222222:role/beta'),
      pre: [new GitLabShellStep('WithAws', { commands: ['aws s3 ls'], awsCredentials: true }), new pipelines.ShellStep('Without', { commands: ['true'] })],
    }));
    expect(doc['Beta-WithAws'].extends).toBe('.aws-oidc-Beta');
    expect(doc['Beta-Without'].extends).toBeUndefined();
    expect(doc['.aws-oidc-Beta'].variables.AWS_ROLE_ARN).toBe('arn:aws:iam::222222222222:role/beta');
    // No job extends the pipeline's role, so its hidden job is not written.
    expect(doc['.aws-oidc']).toBeUndefined();
  });

  test('a file the root .gitlab-ci.yml includes: written in its folder, and that is the file the check compares', () => {
    const built = oneStageApp({ outputFile: 'ci/cdk-pipeline.yml' });
    expect(readFileSync(join(built.root, 'ci', 'cdk-pipeline.yml'), 'utf8')).toEqual(built.yaml);
    expect(parseCi(built.yaml)['Build-CheckPipelineFile'].script[0]).toMatch(/^diff -u 'ci\/cdk-pipeline.yml' 'cdk.out\/gitlab-ci-pipeline.yml' >&2 \|\| /);
  });

  test('credentials: the assume-role CLI exchange, chosen by the role\'s variables (the script is the same for both)', () => {
    const doc = jobs({ credentials: GitLabCiCredentials.ASSUME_ROLE_CLI });
    expect(doc['.aws-oidc'].variables.GITLAB_OIDC_CREDENTIALS).toBe('assume-role-cli');
    expect(doc['.aws-oidc-exchange'].before_script.join('\n')).toContain('aws sts assume-role-with-web-identity');
  });

  test('a role known by ARN: no expectations, so the failed exchange tells how to fetch its policy for the explain command', () => {
    const doc = jobs();
    expect(doc['.aws-oidc'].before_script).toEqual(["_oidc_expects=''; _oidc_role_path=''", ['.aws-oidc-exchange', 'before_script']]);
    // The role's name is the ARN's last part, taken when the job runs (the component has only the ARN, too).
    expect(doc['.aws-oidc-exchange'].before_script.join('\n')).toContain('aws iam get-role --role-name ${AWS_ROLE_ARN##*/} > role.json && npx cdk-gitlab-oidc explain --policy-file role.json');
  });

  test('a step\'s input from another step is downloaded and put where the step reads it', () => {
    const doc = jobs({}, (pipeline, _app, stage) => {
      const build = new pipelines.ShellStep('Build', { commands: ['make'], primaryOutputDirectory: 'dist' });
      const test = new pipelines.ShellStep('Test', { input: build, commands: ['ls'] });
      const test2 = new pipelines.ShellStep('Test2', { additionalInputs: { dist: build }, commands: ['ls dist'] });
      pipeline.addStage(stage, { pre: [build], post: [test, test2] });
    });
    expect(doc['Beta-Build'].artifacts).toEqual({ paths: ['dist'], expire_in: '30 days' });
    expect(doc['Beta-Test'].needs).toEqual([{ job: 'Beta-Api-Deploy', artifacts: false }, { job: 'Beta-Build', artifacts: true }]);
    expect(doc['Beta-Test'].script).toEqual([FREEZE, "mkdir -p '.' && cp -R 'dist'/. '.'/", 'ls']);
    expect(doc['Beta-Test2'].script).toEqual([FREEZE, 'ls dist']);
  });

  test('the CDK CLI version defaults to the app\'s installed aws-cdk', () => {
    const { app, root } = newApp();
    const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'] }), role: ROLE, repositoryRoot: root,
    });
    pipeline.addStage(new (class extends Stage {
      constructor() { super(app, 'Beta'); new Stack(this, 'Api'); }
    })());
    expect(() => app.synth()).toThrow(/Pipeline: GitLabCiPipeline pins the CDK CLI of the deploy jobs to the app's: install aws-cdk .* or set cdkCliVersion, got: no aws-cdk package found from/);
    // An app with aws-cdk installed: the version is read from its package.
    const installed = newApp();
    mkdirSync(join(installed.root, 'node_modules', 'aws-cdk'), { recursive: true });
    writeFileSync(join(installed.root, 'node_modules', 'aws-cdk', 'package.json'), JSON.stringify({ name: 'aws-cdk', version: '2.1234.5' }));
    const withCli = new GitLabCiPipeline(installed.app, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'] }), role: ROLE, repositoryRoot: installed.root,
    });
    const stage = new Stage(installed.app, 'Beta');
    new Stack(stage, 'Api');
    withCli.addStage(stage);
    const doc = parseCi(synthesized(installed.app, withCli, installed.root).yaml);
    expect(doc['Beta-Api-Deploy'].script[1]).toContain('--package=aws-cdk@2.1234.5 --');
  });
});

test('a stack output read by a step must have an alphanumeric name: it is written into the step\'s script', () => {
  expect(() => oneStageApp({}, (pipeline, _app, stage) => {
    const output = new CfnOutput(new Stack(stage, 'Site'), 'Url', { value: 'https://x' });
    output.overrideLogicalId('Url}$(id)');
    pipeline.addStage(stage, { post: [new pipelines.ShellStep('Smoke', { envFromCfnOutputs: { URL: output }, commands: ['true'] })] });
  })).toThrow('a stack output that a step reads must have an alphanumeric name (CloudFormation\'s rule), got: "Url}$(id)"');
});

test.each<[Duration, string]>([
  [Duration.days(7), '7 days'], [Duration.hours(36), '36 hours'], [Duration.minutes(90), '90 minutes'], [Duration.hours(1), '1 hours'],
])('artifactsExpireIn %s is written as GitLab reads it: %s', (duration, text) => {
  const doc = jobs({ artifactsExpireIn: duration });
  expect(doc['Build-Synth'].artifacts.expire_in).toBe(text);
});

describe('refused at synth', () => {
  test.each<[string, Partial<GitLabCiPipelineProps>, Parameters<typeof oneStageApp>[1] | undefined, RegExp]>([
    ['a CodeBuildStep as the synth step', { synth: new pipelines.CodeBuildStep('Synth', { commands: ['x'] }) }, undefined,
      /cannot run a CodeBuildStep: .* use a ShellStep, or a GitLabShellStep with jobSettings .*, got: CodeBuildStep "Synth"$/],
    ['a CodeBuildStep as a post step', {}, (p, _a, s) => p.addStage(s, { post: [new pipelines.CodeBuildStep('Test', { commands: ['x'] })] }),
      /cannot run a CodeBuildStep: .*got: CodeBuildStep "Test"$/],
    ['ConfirmPermissionsBroadening', {}, (p, _a, s) => p.addStage(s, { pre: [new pipelines.ConfirmPermissionsBroadening('Check', { stage: s })] }),
      /cannot run ConfirmPermissionsBroadening: .* use a ManualApprovalStep .* or a ShellStep that runs `cdk diff --security-only --fail`, got: ConfirmPermissionsBroadening "Check"$/],
    ['a CodePipelineSource as the synth step\'s input', {
      synth: new pipelines.ShellStep('Synth', { input: pipelines.CodePipelineSource.gitHub('owner/repo', 'main'), commands: ['x'] }),
    }, undefined, /starts every job from the repository's checkout and has no source steps: .*, got: source "owner\/repo"$/],
    ['a changeSet step', {}, (p, _a, s) => p.addStage(s, { stackSteps: [{ stack: s.node.findChild('Api') as Stack, changeSet: [new pipelines.ManualApprovalStep('Review')] }] }),
      /cannot run changeSet steps: .* use the stack's pre steps instead \(stack "Beta-Api"\), got: "Review"$/],
    ['a step of another kind', {}, (p, _a, s) => p.addStage(s, { pre: [new (class Custom extends pipelines.Step {})('Mine')] }),
      /runs ShellStep, GitLabShellStep and ManualApprovalStep steps only, got: Custom "Mine"$/],
  ])('%s', (_title, props, configure, message) => {
    expect(() => oneStageApp(props, configure)).toThrow(message);
  });

  test.each<[string, Partial<GitLabCiPipelineProps>, RegExp]>([
    ['an absolute outputFile', { outputFile: '/etc/gitlab-ci.yml' }, /outputFile must be a path inside the repository, .*, got: "\/etc\/gitlab-ci.yml"$/],
    ['an outputFile outside the repository', { outputFile: '../.gitlab-ci.yml' }, /outputFile must be a path inside the repository.*, got: "..\/.gitlab-ci.yml"$/],
    ['an outputFile that is not YAML', { outputFile: 'pipeline.txt' }, /outputFile must be .* ending in .yml or .yaml, .*got: "pipeline.txt"$/],
    ['an outputFile with a space', { outputFile: 'ci file.yml' }, /outputFile must be .*, with no white space, .*got: "ci file.yml"$/],
    ['a deploy branch git refuses', { deployBranch: 'refs/heads/main' }, /deployBranch name must be the short name .*, got: "refs\/heads\/main"$/],
    ['a deploy branch with a quote', { deployBranch: 'feat"x' }, /deployBranch must not contain '"' or '\*' .*, got: "feat\\"x"$/],
    ['a deploy branch with a wildcard', { deployBranch: 'release/*' }, /deployBranch must not contain '"' or '\*' .*, got: "release\/\*"$/],
    ['a project path with a quote', { projectPath: 'mygroup/my"project' }, /projectPath segment "my\\"project" must start with a letter, .*, got: "mygroup\/my\\"project"$/],
    ['a project path without a group', { projectPath: 'myproject' }, /projectPath must have at least 2 segments .*, got: "myproject"$/],
    ['merge request diffs without a read-only role', { mergeRequestDiffs: true }, /mergeRequestDiffs needs a synthRole: .*, got: synthRole undefined$/],
    ['a CDK CLI version range', { cdkCliVersion: '^2.1100.0' }, /cdkCliVersion must be an exact version such as "2.1100.0" \(the jobs pin it\), got: "\^2.1100.0"$/],
    ['a cdk-assets tag', { cdkAssetsVersion: 'latest' }, /cdkAssetsVersion must be an exact version .*, got: "latest"$/],
    ['a variable the exchange sets', { jobSettings: { variables: { AWS_REGION: 'us-east-1' } } },
      /jobSettings.variables name must not be a variable that GitLab, the runner, the shell or the AWS clients use \(the AWS_\* names\), got: "AWS_REGION"$/],
    ['a variable the credential job reads', { jobSettings: { variables: { GITLAB_OIDC_CREDENTIALS: 'assume-role-cli' } } },
      /jobSettings.variables name must not be a GITLAB_\* name: GitLab and the credential job set those, got: "GITLAB_OIDC_CREDENTIALS"$/],
    ['a proxy for every AWS call', { jobSettings: { variables: { HTTPS_PROXY: 'http://evil.example.com' } } }, /\(HTTPS_PROXY\), got: "HTTPS_PROXY"$/],
    ['another registry for every npx', { jobSettings: { variables: { npm_config_registry: 'https://evil.example.com' } } },
      /\(the NPM_CONFIG_\* names\), got: "npm_config_registry"$/],
    ['a variable name GitLab refuses', { jobSettings: { variables: { '1X': 'y' } } }, /jobSettings.variables name must be letters, digits and "_", .*, got: "1X"$/],
    ['a raw key with a value that is not data', { jobSettings: { rawKeys: { timeout: new Date(0) } } },
      /jobSettings.rawKeys.timeout must be a literal: strings, numbers, booleans, and lists and maps of them, got: "1970-01-01T00:00:00.000Z"$/],
    ['a raw key with a lone surrogate', { jobSettings: { rawKeys: { timeout: '\ud800' } } }, /jobSettings.rawKeys.timeout must be a literal/],
    ['a role ARN that is not a role\'s', { role: GitLabPipelineRole.fromRoleArn('arn:aws:s3:::bucket') },
      /GitLabPipelineRole.fromRoleArn needs the literal ARN of an IAM role \(arn:<partition>:iam::<account>:role\/<name>\), got: "arn:aws:s3:::bucket"$/],
    ['a role ARN with a short account', { role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::1234:role/x') }, /needs the literal ARN of an IAM role .*, got: "arn:aws:iam::1234:role\/x"$/],
    ['an empty audience', { role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/x', { audience: '' }) },
      /GitLabPipelineRole.fromRoleArn needs a literal, non-empty audience, got: ""$/],
    ['a bad region', { role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/x', { region: 'Europe' }) },
      /region must be an AWS region name such as "eu-west-1", got: "Europe"$/],
    ['artifacts kept under an hour', { artifactsExpireIn: Duration.minutes(30) },
      /artifactsExpireIn must be a literal duration of at least an hour, in whole minutes, got: Duration.minutes\(30\)$/],
    ['artifacts kept a fraction of a minute', { artifactsExpireIn: Duration.seconds(3630) }, /got: Duration.seconds\(3630\)$/],
    ['artifacts kept for a deploy-time number', { artifactsExpireIn: Duration.days(Token.asNumber(Fn.importValue('days'))) }, /artifactsExpireIn must be a literal/],
  ])('%s', (_title, props, message) => {
    expect(() => oneStageApp(props)).toThrow(message);
  });

  test.each(['script', 'before_script', 'after_script', 'id_tokens', 'needs', 'dependencies', 'extends', 'stage', 'rules', 'only', 'except', 'when',
    'environment', 'resource_group', 'artifacts', 'image', 'tags', 'variables', 'cache', 'trigger', 'inherit'])('the raw key %s, which the pipeline writes', (key) => {
    expect(() => oneStageApp({ jobSettings: { rawKeys: { [key]: 'x' } } }))
      .toThrow(new RegExp(`jobSettings.rawKeys must not set "${key}": the pipeline writes it; use .+ instead, got: "${key}"$`));
  });

  test.each<[string, GitLabJobSettings | undefined, Partial<{ name: string; url: string; tier: GitLabDeploymentTier }>, RegExp]>([
    ['an environment name with a variable', undefined, { name: 'review/$CI_COMMIT_REF_SLUG' },
      /environment name must be 1 to 255 letters, digits, spaces and "-", "_", "\/", ".", not starting or ending with "\/" \(GitLab's rule\), got: "review\/\$CI_COMMIT_REF_SLUG"$/],
    ['an environment name ending in /', undefined, { name: 'prod/' }, /environment name must be .*, got: "prod\/"$/],
    ['an environment URL that is not http(s)', undefined, { url: 'ftp://x' }, /environment url must be an http:\/\/ or https:\/\/ URL, got: "ftp:\/\/x"$/],
    ['a stage raw key the pipeline writes', { rawKeys: { needs: [] } }, {}, /jobSettings.rawKeys must not set "needs": .*use the pipeline's graph \(step dependencies\) instead/],
  ])('%s', (_title, jobSettings, environment, message) => {
    expect(() => oneStageApp({}, (p, _a, s) => p.addStageWithGitLabOptions(s, {
      jobSettings, environment: { name: environment.name, url: environment.url, deploymentTier: environment.tier },
    }))).toThrow(message);
  });

  test.each<[string, pipelines.ShellStepProps, RegExp]>([
    ['a step variable the exchange sets', { commands: ['x'], env: { AWS_PROFILE: 'x' } }, /ShellStep "Step" env name must not be .*\(the AWS_\* names\), got: "AWS_PROFILE"$/],
    ...['LD_PRELOAD', 'BASH_ENV', 'NODE_OPTIONS', 'PATH', 'JAVA_TOOL_OPTIONS'].map((name): [string, pipelines.ShellStepProps, RegExp] =>
      [`a step variable a loader or runtime runs code from (${name})`, { commands: ['x'], env: { [name]: 'x' } }, new RegExp(`got: "${name}"$`)]),
    ['a step with no commands', { commands: [] }, /ShellStep "Step" has no commands: a GitLab job needs at least one, got: \[\]$/],
    ['an approval-free output variable name', { commands: ['x'], env: { 'A-B': 'x' } }, /ShellStep "Step" env name must be letters, digits and "_", .*, got: "A-B"$/],
  ])('%s', (_title, stepProps, message) => {
    expect(() => oneStageApp({}, (p, _a, s) => p.addStage(s, { pre: [new pipelines.ShellStep('Step', stepProps)] }))).toThrow(message);
  });

  test('two jobs with one name', () => {
    expect(() => oneStageApp({}, (p, app, s) => {
      p.addStage(s);
      const other = new Stage(app, 'Beta-Api');
      new Stack(other, 'Web');
      p.addStage(other, { post: [new pipelines.ShellStep('Deploy', { commands: ['true'] })] });
    })).toThrow(/GitLabCiPipeline would write two jobs named "Beta-Api-Deploy": rename a step or stage$/);
  });

  test('a job that would wait for more than 50 jobs', () => {
    expect(() => oneStageApp({}, (p, app) => {
      const wide = new Stage(app, 'Wide', { env: { account: '222222222222', region: REGION } });
      for (let i = 0; i < 51; i++) new Stack(wide, `S${i}`);
      p.addStage(wide, { post: [new pipelines.ShellStep('After', { commands: ['true'] })] });
    })).toThrow(/GitLab lets a job wait for at most 50 jobs \(needs:\): job "Wide-After" would wait for 51; split the stage or wave before it into smaller ones$/);
  });

  test('a role of the app without a literal name, account or region', () => {
    const { app, root } = newApp();
    const stack = new Stack(app, 'Oidc');
    const role = new GitLabRunnerRole(stack, 'Role', { provider: new GitLabOidcProvider(stack, 'GitLab'), subjects: [GitLabSubject.project('g/p').branch('main')] });
    const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', { commands: ['x'] }), role: GitLabPipelineRole.fromRole(role), repositoryRoot: root, cdkCliVersion: CDK_CLI_VERSION,
    });
    const stage = new Stage(app, 'Beta');
    new Stack(stage, 'Api');
    pipeline.addStage(stage);
    expect(() => synthesized(app, pipeline, root)).toThrow(/Oidc\/Role: a pipeline file holds the role's ARN as a literal: give the role a literal roleName and its stack a literal account and region \(or use GitLabPipelineRole.fromRoleArn\(\)\), got: roleName null, account "\$\{Token\[AWS.AccountId.\d+\]\}", region "\$\{Token\[AWS.Region.\d+\]\}"$/);
  });
});

describe('deploy-time values are refused: a pipeline file holds literals only', () => {
  const scalarInputs: [string, (token: string) => Partial<GitLabCiPipelineProps>, RegExp][] = [
    ['outputFile', (t) => ({ outputFile: t }), /outputFile holds a deploy-time value, but a pipeline file holds literals only/],
    ['deployBranch', (t) => ({ deployBranch: t }), /deployBranch holds a deploy-time value/],
    ['projectPath', (t) => ({ projectPath: t }), /projectPath holds a deploy-time value/],
    ['cdkCliVersion', (t) => ({ cdkCliVersion: t }), /cdkCliVersion holds a deploy-time value/],
    ['cdkAssetsVersion', (t) => ({ cdkAssetsVersion: t }), /cdkAssetsVersion holds a deploy-time value/],
    ['jobSettings.image', (t) => ({ jobSettings: { image: t } }), /jobSettings.image holds a deploy-time value/],
    ['jobSettings.variables', (t) => ({ jobSettings: { variables: { X: t } } }), /jobSettings.variables X holds a deploy-time value/],
    ['jobSettings.cache.key', (t) => ({ jobSettings: { cache: { key: t, paths: ['x'] } } }), /jobSettings.cache.key holds a deploy-time value/],
    ['jobSettings.rawKeys', (t) => ({ jobSettings: { rawKeys: { timeout: t } } }), /jobSettings.rawKeys.timeout must be a literal/],
    ['a synth command', (t) => ({ synth: new pipelines.ShellStep('Synth', { commands: [t] }) }), /ShellStep "Synth" commands\[0\] holds a deploy-time value/],
    ['a synth step variable', (t) => ({ synth: new pipelines.ShellStep('Synth', { commands: ['x'], env: { X: t } }) }), /ShellStep "Synth" env X holds a deploy-time value/],
    ['the role ARN', (t) => ({ role: GitLabPipelineRole.fromRoleArn(t) }), /GitLabPipelineRole.fromRoleArn needs the literal ARN of an IAM role/],
    ['the audience', (t) => ({ role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/x', { audience: t }) }),
      /GitLabPipelineRole.fromRoleArn needs a literal, non-empty audience/],
    ['the region', (t) => ({ role: GitLabPipelineRole.fromRoleArn('arn:aws:iam::111111111111:role/x', { region: t }) }),
      /GitLabPipelineRole.fromRoleArn needs a literal region/],
  ];
  const rows = scalarInputs.flatMap(([input, props, message]) => TOKENS.map(([kind, token]) => [input, kind, props, token, message] as const));
  test.each(rows)('%s: %s', (_input, _kind, props, token, message) => {
    const { app } = newApp();
    expect(() => oneStageApp(props(token(app)))).toThrow(message);
  });

  test.each<[string, (list: string[]) => Partial<GitLabCiPipelineProps>, RegExp]>([
    ['jobSettings.tags', (l) => ({ jobSettings: { tags: l } }), /jobSettings.tags is a deploy-time list, but a pipeline file holds literals only/],
    ['jobSettings.cache.paths', (l) => ({ jobSettings: { cache: { paths: l } } }), /jobSettings.cache.paths is a deploy-time list/],
    ['the synth commands', (l) => ({ synth: new pipelines.ShellStep('Synth', { commands: l }) }), /ShellStep "Synth" commands is a deploy-time list/],
    ['the synth install commands', (l) => ({ synth: new pipelines.ShellStep('Synth', { installCommands: l, commands: ['x'] }) }),
      /ShellStep "Synth" installCommands is a deploy-time list/],
  ])('%s: a deploy-time list', (_input, props, message) => {
    expect(() => oneStageApp(props(LIST_TOKEN()))).toThrow(message);
  });

  test.each(TOKENS)('a stage\'s environment name: %s', (_kind, token) => {
    expect(() => oneStageApp({}, (p, app, s) => p.addStageWithGitLabOptions(s, { environment: { name: token(app) } })))
      .toThrow(/environment name holds a deploy-time value/);
  });

  test.each(TOKENS)('a manual approval\'s comment: %s', (_kind, token) => {
    expect(() => oneStageApp({}, (p, app, s) => p.addStage(s, { pre: [new pipelines.ManualApprovalStep('Go', { comment: token(app) })] })))
      .toThrow(/ManualApprovalStep "Go" comment holds a deploy-time value/);
  });
});
