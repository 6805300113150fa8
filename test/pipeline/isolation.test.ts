// Who can obtain which credentials from the README's pipeline: each actor's token judged against the
// synthesized roles by both evaluators (iam-simulate, the independent judge, and the package's own), the
// generated file checked for what each job holds, and every setting that would break isolation or a
// gate refused at synth. The same attacks run whole under gitlab-ci-local in run.test.ts.
import { App, CfnParameter, Fn, Stack, Stage, Token, aws_iam as iam, pipelines } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import {
  BETA_ACCOUNT, CDK_CLI_VERSION, DEPLOY_AUDIENCE, PIPELINE_ACCOUNT, PRODUCTION_AUDIENCE, REGION, ROLE, newApp, oneStageApp, synthesized, twoStageApp,
} from './support/apps';
import { needsOrder } from './support/graph';
import {
  GitLabCiPipeline, GitLabDeploymentTier, GitLabOidcProvider, GitLabPipelineRole, GitLabRunnerRole, GitLabShellStep, GitLabSubClaimComponent as C,
  GitLabSubClaimLayout, GitLabSubject, GitLabSubjectOptions,
} from '../../src';
import { gitLabClaims, JobSpec } from '../security/support/issuer';
import { EmulatedAccount } from '../security/support/sts';
import { parseCi } from '../support/gitlab-ci';
import { SYNTH_TEST_MS } from '../support/timeouts';

// Each test synthesizes one or more whole apps (roles, pipeline, stages) in this process.
jest.setTimeout(SYNTH_TEST_MS);

/** A project whose sub claim carries its environment's tier (ci_id_token_sub_claim_components). */
const TIER_SUBJECT = () => GitLabSubject.project('mygroup/myproject', {
  subClaimLayout: GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.DEPLOYMENT_TIER),
  subClaimDeploymentTier: GitLabDeploymentTier.PRODUCTION,
}).branch('main');

/**
 * The messages of one kind the app's constructs carry. The pipeline is a construct of the app, in no stack,
 * so its annotations are read from the construct tree rather than with Annotations.fromStack().
 */
function annotations(app: App, type: 'aws:cdk:warning' | 'aws:cdk:info'): string[] {
  return app.node.findAll().flatMap((c) => c.node.metadata.filter((m) => m.type === type).map((m) => String(m.data)));
}

const MAIN = { projectPath: 'mygroup/myproject', refType: 'branch', ref: 'main', refProtected: true } as const;

describe('the README\'s pipeline: who can obtain which credentials', () => {
  const built = twoStageApp();
  const account = EmulatedAccount.fromTemplate(Template.fromJSON(built.app.synth().getStackByName('GitLabOidc').template).toJSON() as any);
  const now = Math.floor(Date.now() / 1000);

  test.each<[string, 'gitlab-deploy' | 'gitlab-production', 'allow' | 'deny', JobSpec]>([
    ['a Beta job, with its own token', 'gitlab-deploy', 'allow', { ...MAIN, aud: DEPLOY_AUDIENCE }],
    ['code inside a Beta job (a test\'s dependency), with the Beta token', 'gitlab-production', 'deny', { ...MAIN, aud: DEPLOY_AUDIENCE }],
    ['a production job, with its own token', 'gitlab-production', 'allow', { ...MAIN, aud: PRODUCTION_AUDIENCE, deploymentTier: 'production' }],
    ['code inside a production job, with the production token', 'gitlab-deploy', 'deny', { ...MAIN, aud: PRODUCTION_AUDIENCE }],
    ['a fork\'s merge request from its branch main, run in the project', 'gitlab-deploy', 'deny', { ...MAIN, refProtected: false, aud: DEPLOY_AUDIENCE }],
    ['a fork\'s merge request asking for production\'s audience', 'gitlab-production', 'deny', { ...MAIN, refProtected: false, aud: PRODUCTION_AUDIENCE }],
    ['a fork\'s merge request whose claims name the fork', 'gitlab-deploy', 'deny', { ...MAIN, projectPath: 'attacker/myproject', refProtected: false, aud: DEPLOY_AUDIENCE }],
    ['a Developer\'s push to an unprotected branch', 'gitlab-deploy', 'deny', { ...MAIN, ref: 'feature', refProtected: false, aud: DEPLOY_AUDIENCE }],
    ['a Developer\'s unprotected branch asking for production\'s audience', 'gitlab-production', 'deny', { ...MAIN, ref: 'feature', refProtected: false, aud: PRODUCTION_AUDIENCE }],
    ['a Developer\'s protected tag (no branch subject admits a tag)', 'gitlab-deploy', 'deny', { ...MAIN, refType: 'tag', ref: 'v1', aud: DEPLOY_AUDIENCE }],
    // A Maintainer can push to main and edit the pipeline: the roles trust main, so they are as trusted as
    // main itself. Protected environments limit who may run production's jobs; a role whose sub pins the
    // environment (below) closes the rest.
    ['a Maintainer\'s job on protected main, outside any environment, asking for production\'s audience', 'gitlab-production', 'allow', { ...MAIN, aud: PRODUCTION_AUDIENCE }],
  ])('%s → %s: %s', (_actor, role, verdict, job) => {
    const outcome = account.evaluate(role, gitLabClaims('https://gitlab.com', job, now));
    expect({ judge: outcome.verdict, ownEvaluator: outcome.explained }).toEqual({ judge: verdict, ownEvaluator: verdict === 'allow' ? 'allowed' : 'denied' });
  });

  test('control: with one audience for both roles (as the README had it), Beta\'s token opens production', () => {
    const app = new App();
    const stack = new Stack(app, 'Roles', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    const subjects = [GitLabSubject.project('mygroup/myproject').branch('main')];
    new GitLabRunnerRole(stack, 'Deploy', { provider, roleName: 'gitlab-deploy', subjects, claimConditions: { refProtected: true } });
    new GitLabRunnerRole(stack, 'Production', { provider, roleName: 'gitlab-production', subjects, claimConditions: { refProtected: true } });
    const shared = EmulatedAccount.fromTemplate(Template.fromStack(stack).toJSON() as any);
    const betaToken = gitLabClaims('https://gitlab.com', { ...MAIN, aud: 'https://gitlab.com' }, now);
    expect(shared.evaluate('gitlab-production', betaToken)).toMatchObject({ verdict: 'allow', explained: 'allowed' });
  });

  test('a production role whose sub pins the protected production environment refuses a Maintainer\'s job outside it', () => {
    const app = new App();
    const stack = new Stack(app, 'Roles', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
    const options: GitLabSubjectOptions = {
      subClaimLayout: GitLabSubClaimLayout.of(C.PROJECT_PATH, C.REF_TYPE, C.REF, C.REF_PROTECTED, C.ENVIRONMENT_PROTECTED, C.DEPLOYMENT_TIER),
      subClaimRefProtected: true,
      subClaimEnvironmentProtected: true,
      subClaimDeploymentTier: GitLabDeploymentTier.PRODUCTION,
    };
    new GitLabRunnerRole(stack, 'Production', {
      provider: new GitLabOidcProvider(stack, 'GitLab', { audiences: [PRODUCTION_AUDIENCE] }),
      roleName: 'gitlab-production',
      audience: PRODUCTION_AUDIENCE,
      subjects: [GitLabSubject.project('mygroup/myproject', options).branch('main')],
      claimConditions: { refProtected: true },
    });
    const hardened = EmulatedAccount.fromTemplate(Template.fromStack(stack).toJSON() as any);
    const components = ['project_path', 'ref_type', 'ref', 'ref_protected', 'environment_protected', 'deployment_tier'];
    const judged = (job: Partial<JobSpec>) => hardened.evaluate('gitlab-production', gitLabClaims('https://gitlab.com', {
      ...MAIN, aud: PRODUCTION_AUDIENCE, subClaimComponents: components, ...job,
    }, now));
    expect(judged({ environmentProtected: true, deploymentTier: 'production' })).toMatchObject({ verdict: 'allow', explained: 'allowed' });
    expect(judged({})).toMatchObject({ verdict: 'deny', explained: 'denied' });
    expect(judged({ environmentProtected: false, deploymentTier: 'production' })).toMatchObject({ verdict: 'deny', explained: 'denied' });
  });

  test('each job holds its own stage\'s token only: the role\'s audience, in the stage\'s environment; no other job has an id_tokens entry', () => {
    const doc = parseCi(built.yaml);
    const hidden = (name: string) => doc[name];
    const holders: string[] = [];
    for (const [name, job] of Object.entries<any>(doc)) {
      if (name === 'stages' || name.startsWith('.')) continue;
      expect([name, job.id_tokens]).toEqual([name, undefined]);
      if (!job.extends) continue;
      holders.push(name);
      const aud = hidden(job.extends).id_tokens.GITLAB_OIDC_TOKEN.aud;
      const production = job.stage === 'Prod';
      expect([name, aud, job.environment?.name]).toEqual([name, production ? PRODUCTION_AUDIENCE : DEPLOY_AUDIENCE, production ? 'production' : 'Beta']);
    }
    // Six deployments and six asset jobs (a file and an image per stage); the image build holds no token.
    expect(holders).toHaveLength(12);
    expect(holders).not.toContain('Build-DockerImages');
  });

  test('every job with production\'s role runs after the approval, its asset publishing included', () => {
    const doc = parseCi(built.yaml);
    const order = needsOrder(doc);
    const production = Object.keys(doc).filter((name) => doc[name]?.extends === '.aws-oidc-Prod-eu-west-1');
    expect(production.filter((name) => name.startsWith('Assets-'))).toHaveLength(4);
    for (const job of production) expect([job, order.ancestors.get(job)!.has('Prod-PromoteToProd')]).toEqual([job, true]);
  });
});

describe('refused at synth: what would break isolation', () => {
  /** The README's roles, with changes; the pipeline deploys Beta with `deploy` and Prod with `production`. */
  function appWith(changes: {
    deploy?: Partial<ConstructorParameters<typeof GitLabRunnerRole>[2]>;
    production?: Partial<ConstructorParameters<typeof GitLabRunnerRole>[2]>;
    provider?: { url?: string; audiences?: string[] };
    pipeline?: Partial<ConstructorParameters<typeof GitLabCiPipeline>[2]>;
    productionTier?: GitLabDeploymentTier;
    allowUnprotectedRefs?: boolean;
    /** A synth step with credentials, whose role (Lookup) was given allowCdkDeployments() in full or lookups only. */
    synthDeploys?: boolean;
  } = {}) {
    const { app, root } = newApp();
    const stack = new Stack(app, 'Roles', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
    const provider = new GitLabOidcProvider(stack, 'GitLab', changes.provider ?? { audiences: [DEPLOY_AUDIENCE, PRODUCTION_AUDIENCE] });
    const subjects = [GitLabSubject.project('mygroup/myproject').branch('main')];
    const deploy = new GitLabRunnerRole(stack, 'Deploy', {
      provider, roleName: 'gitlab-deploy', audience: DEPLOY_AUDIENCE, subjects, claimConditions: { refProtected: true }, ...changes.deploy,
    });
    const production = new GitLabRunnerRole(stack, 'Production', {
      provider, roleName: 'gitlab-production', audience: PRODUCTION_AUDIENCE, subjects, claimConditions: { refProtected: true }, ...changes.production,
    });
    let synthRole: GitLabPipelineRole | undefined;
    if (changes.synthDeploys !== undefined) {
      provider.addAudience('gitlab-lookup');
      const lookup = new GitLabRunnerRole(stack, 'Lookup', {
        provider, roleName: 'gitlab-lookup', audience: 'gitlab-lookup', subjects: [GitLabSubject.project('mygroup/myproject').anyBranch()],
      });
      lookup.allowCdkDeployments({ accounts: [BETA_ACCOUNT], lookupOnly: !changes.synthDeploys });
      synthRole = GitLabPipelineRole.fromRole(lookup);
    }
    const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
      synth: synthRole
        ? new GitLabShellStep('Synth', { commands: ['npx cdk synth'], awsCredentials: true })
        : new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'] }),
      synthRole,
      role: GitLabPipelineRole.fromRole(deploy, { allowUnprotectedRefs: changes.allowUnprotectedRefs }),
      repositoryRoot: root,
      cdkCliVersion: CDK_CLI_VERSION,
      ...changes.pipeline,
    });
    for (const [name, role, tier] of [['Beta', undefined, undefined], ['Prod', production, changes.productionTier]] as const) {
      const stage = new Stage(app, name, { env: { account: BETA_ACCOUNT, region: REGION } });
      new Stack(stage, 'Api');
      pipeline.addStageWithGitLabOptions(stage, { role: role && GitLabPipelineRole.fromRole(role), environment: { deploymentTier: tier } });
    }
    return synthesized(app, pipeline, root);
  }

  test('the README\'s roles synthesize without a warning', () => {
    const built = appWith();
    for (const stack of built.app.node.findAll().filter((c): c is Stack => c instanceof Stack)) {
      Annotations.fromStack(stack).hasNoWarning('*', '*');
    }
  });

  test.each<[string, Parameters<typeof appWith>[0], RegExp]>([
    ['two roles with one audience', { provider: {}, deploy: { audience: undefined }, production: { audience: undefined } },
      /each role of a pipeline needs an audience of its own: a job's ID token for one role would open the others, got: audience "https:\/\/gitlab.com" for arn:aws:iam::111122223333:role\/gitlab-deploy \(jobs "Beta-Api-Deploy"\) and arn:aws:iam::111122223333:role\/gitlab-production \(jobs "Prod-Api-Deploy"\)/],
    ['a deploy role that admits unprotected branches', { deploy: { claimConditions: undefined } },
      /role "Roles\/Deploy", which job "Beta-Api-Deploy" \(stage "Beta": the default branch, audience "gitlab-deploy"\) assumes, admits "project_path:mygroup\/myproject:ref_type:branch:ref:main" from an unprotected ref: a Developer's push .* Give the role claimConditions: \{ refProtected: true \}/],
    ['a production role that admits unprotected branches', { production: { claimConditions: undefined } },
      /role "Roles\/Production", which job "Prod-Api-Deploy" .* assumes, admits .* from an unprotected ref/],
    ['a role for another branch than the deploy branch', { pipeline: { deployBranch: 'release' } },
      /role "Roles\/Deploy" would refuse job "Beta-Api-Deploy" \(stage "Beta": branch "release", audience "gitlab-deploy"\) from a protected ref: STS would deny it at the first run\. .*the evaluator's reason: /],
    ['a role for tags only', { deploy: { subjects: [GitLabSubject.project('mygroup/myproject').tag('v*')] } },
      /role "Roles\/Deploy" would refuse job "Beta-Api-Deploy" .*STS would deny it at the first run/],
    ['a role that pins a deployment tier the stage does not name',
      { production: { subjects: [TIER_SUBJECT()] } },
      /role "Roles\/Production" would refuse job "Prod-Api-Deploy" \(stage "Prod": the default branch, audience "gitlab-production"\) from a protected ref: .*\(the stage's environment names no deploymentTier: GitLab would guess one from its name, which synth does not; set it so that the role and the job agree\)/],
    ['a role whose protected branch has a condition of its own, beside an unprotected tag pattern', {
      deploy: {
        claimConditions: undefined,
        subjects: [GitLabSubject.project('mygroup/myproject').branch('main').withClaimConditions({ refProtected: true }), GitLabSubject.project('mygroup/myproject').tag('v*')],
      },
    }, /role "Roles\/Deploy", which job "Beta-Api-Deploy" .* assumes, admits "project_path:mygroup\/myproject:ref_type:tag:ref:vx" from an unprotected ref/],
    ['a role that also admits an unprotected branch pattern', {
      deploy: {
        claimConditions: undefined,
        subjects: [GitLabSubject.project('mygroup/myproject').branch('main').withClaimConditions({ refProtected: true }), GitLabSubject.project('mygroup/myproject').branch('release/*')],
      },
    }, /admits "project_path:mygroup\/myproject:ref_type:branch:ref:release\/x" from an unprotected ref/],
    ['a synthRole that may deploy (allowCdkDeployments)', {
      synthDeploys: true,
    }, /the synth job's role "Roles\/Lookup" may deploy and publish \(allowCdkDeployments\(\)\): .* grant it allowCdkDeployments\(\{ lookupOnly: true \}\) instead, got: a role that deploys$/],
  ])('%s', (_title, changes, message) => {
    expect(() => appWith(changes)).toThrow(message);
  });

  test('a synthRole with lookups only: accepted, extended by the synth job, and allowed only the lookup role', () => {
    const built = appWith({ synthDeploys: false });
    expect(parseCi(built.yaml)['Build-Synth'].extends).toBe('.aws-oidc-synth');
    const template = Template.fromJSON(built.app.synth().getStackByName('Roles').template);
    const lookupPolicy = Object.values<any>(template.findResources('AWS::IAM::ManagedPolicy'))
      .find((policy) => JSON.stringify(policy.Properties.Roles).includes('Lookup'));
    expect(JSON.stringify(lookupPolicy.Properties.PolicyDocument)).toMatch(/cdk-hnb659fds-lookup-role-/);
    expect(JSON.stringify(lookupPolicy.Properties.PolicyDocument)).not.toMatch(/deploy-role|publishing-role/);
  });

  test('warnings where synth cannot judge, or where stages share a role', () => {
    const warnings = (built: { app: App }) => annotations(built.app, 'aws:cdk:warning');
    // A subject with a deploy-time project path.
    const deployTime = appWith({ deploy: { subjects: [GitLabSubject.fromSub(Fn.join('', ['project_path:', Fn.importValue('Project'), ':ref_type:branch:ref:main']))] } });
    expect(warnings(deployTime).join('\n')).toMatch(/role "Roles\/Deploy" could not be judged against job "Beta-Api-Deploy" .*: its subjects or conditions hold deploy-time values/);
    // A claim condition with a deploy-time value (an imported project ID): judged undetermined, not refused
    // as if the job's token lacked the claim.
    const withParameter = appWith({
      deploy: { claimConditions: { refProtected: true, projectIds: [Token.asNumber(Fn.importValue('ProjectId'))] } },
    });
    expect(warnings(withParameter).join('\n')).toMatch(/role "Roles\/Deploy" could not be judged against job "Beta-Api-Deploy" .*: its subjects or conditions hold deploy-time values/);
    // Statements added by hand.
    const { app, root } = newApp();
    const stack = new Stack(app, 'Roles', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
    const role = new GitLabRunnerRole(stack, 'Deploy', {
      provider: new GitLabOidcProvider(stack, 'GitLab', { audiences: [DEPLOY_AUDIENCE] }),
      roleName: 'gitlab-deploy',
      audience: DEPLOY_AUDIENCE,
      subjects: [GitLabSubject.project('mygroup/myproject').branch('main')],
      claimConditions: { refProtected: true },
    });
    role.assumeRolePolicy!.addStatements(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], principals: [new iam.AccountRootPrincipal()] }));
    const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
      synth: new pipelines.ShellStep('Synth', { commands: ['x'] }), role: GitLabPipelineRole.fromRole(role), repositoryRoot: root, cdkCliVersion: CDK_CLI_VERSION,
    });
    for (const name of ['Beta', 'Gamma']) {
      const stage = new Stage(app, name, { env: { account: BETA_ACCOUNT, region: REGION } });
      new Stack(stage, 'Api');
      pipeline.addStage(stage);
    }
    const handWritten = synthesized(app, pipeline, root);
    expect(warnings(handWritten).join('\n')).toMatch(/role "Roles\/Deploy" has trust statements added by hand, which synth judges only for the samples of its subjects/);
    // Two stages, two environments, one role.
    expect(warnings(handWritten).join('\n')).toMatch(/role arn:aws:iam::111122223333:role\/gitlab-deploy is assumed in environments "Beta", "Gamma": a job of one .* holds the credentials that deploy the others/);
    // A role by ARN: not judged, and said so.
    expect(annotations(oneStageApp().app, 'aws:cdk:info').join('\n')).toMatch(/role arn:aws:iam::111122223333:role\/gitlab-deploy is known by its ARN: its trust policy is not in the app/);
  });

  test('a role that pins the stage\'s tier is accepted when the stage names that tier', () => {
    expect(() => appWith({
      production: { subjects: [TIER_SUBJECT()] },
      productionTier: GitLabDeploymentTier.PRODUCTION,
    })).not.toThrow();
  });

  test('allowUnprotectedRefs lets a role that admits unprotected branches through, by name', () => {
    expect(() => appWith({ deploy: { claimConditions: undefined }, allowUnprotectedRefs: true })).not.toThrow();
  });

  test('on a self-managed instance, where STS checks sub and aud alone, a role admitting unprotected branches is a warning', () => {
    const url = 'https://gitlab.example.com';
    const built = appWith({
      provider: { url, audiences: [DEPLOY_AUDIENCE, PRODUCTION_AUDIENCE] },
      deploy: { claimConditions: undefined },
      production: { claimConditions: undefined },
    });
    const warnings = annotations(built.app, 'aws:cdk:warning');
    expect(warnings.filter((w) => w.includes('from an unprotected ref'))).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(/STS checks only sub and aud for https:\/\/gitlab.example.com: use a sub claim layout with ref_protected \(subClaimRefProtected: true\)/);
  });

  test('a synth step with AWS credentials and no synthRole', () => {
    expect(() => appWith({ pipeline: { synth: new GitLabShellStep('Synth', { commands: ['npx cdk synth'], awsCredentials: true }) } }))
      .toThrow(/the synth step has awsCredentials, but the pipeline has no synthRole: .* got: synthRole undefined$/);
  });

  test('a synthRole that also deploys', () => {
    const synthRole = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/gitlab-deploy`, { audience: DEPLOY_AUDIENCE });
    expect(() => appWith({ pipeline: { synth: new GitLabShellStep('Synth', { commands: ['x'], awsCredentials: true }), synthRole } }))
      .toThrow(/the synth job's role also publishes or deploys \(job "Beta-Api-Deploy"\): .* got: arn:aws:iam::111122223333:role\/gitlab-deploy$/);
  });

  test('a synthRole of its own: the synth job extends it, on every branch; the deploy jobs do not', () => {
    const synthRole = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/gitlab-lookup`, { audience: 'gitlab-lookup' });
    const doc = parseCi(appWith({ pipeline: { synth: new GitLabShellStep('Synth', { commands: ['x'], awsCredentials: true }), synthRole } }).yaml);
    expect(doc['Build-Synth']).toMatchObject({ extends: '.aws-oidc-synth' });
    expect(doc['Build-Synth'].rules).toBeUndefined();
    expect(doc['.aws-oidc-synth'].id_tokens.GITLAB_OIDC_TOKEN.aud).toBe('gitlab-lookup');
    expect(doc['Beta-Api-Deploy'].extends).toBe('.aws-oidc');
  });

  test('a step with AWS credentials beside the stage\'s approval, not after it', () => {
    const approve = new pipelines.ManualApprovalStep('Approve');
    const migrate = new GitLabShellStep('Migrate', { commands: ['x'], awsCredentials: true });
    expect(() => oneStageApp({}, (p, _a, s) => p.addStage(s, { pre: [approve, migrate] })))
      .toThrow(/step "Migrate" has awsCredentials but does not wait for the approval "Beta-Approve" of stage "Beta": it would hold the stage's role before the approval; .*, got: "Migrate"$/);
    const after = new GitLabShellStep('Migrate', { commands: ['x'], awsCredentials: true });
    const gate = new pipelines.ManualApprovalStep('Approve');
    after.addStepDependency(gate);
    const doc = parseCi(oneStageApp({}, (p, _a, s) => p.addStage(s, { pre: [gate, after] })).yaml);
    expect(doc['Beta-Migrate']).toMatchObject({ extends: '.aws-oidc', environment: { name: 'Beta', action: 'prepare' }, needs: [{ job: 'Beta-Approve', artifacts: false }] });
  });

  test('a stage named like the synth job\'s role keeps its own hidden job', () => {
    const synthRole = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/gitlab-lookup`, { audience: 'gitlab-lookup' });
    const stageRole = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/gitlab-synth-stage`, { audience: 'gitlab-synth-stage' });
    const { app, root } = newApp();
    const pipeline = new GitLabCiPipeline(app, 'Pipeline', {
      synth: new GitLabShellStep('Synth', { commands: ['x'], awsCredentials: true }), synthRole, role: ROLE, repositoryRoot: root, cdkCliVersion: CDK_CLI_VERSION,
    });
    const stage = new Stage(app, 'synth', { env: { account: BETA_ACCOUNT, region: REGION } });
    new Stack(stage, 'Api');
    pipeline.addStageWithGitLabOptions(stage, { role: stageRole });
    const doc = parseCi(synthesized(app, pipeline, root).yaml);
    expect(doc['Build-Synth'].extends).toBe('.aws-oidc-synth');
    expect(doc['.aws-oidc-synth'].variables.AWS_ROLE_ARN).toMatch(/gitlab-lookup$/);
    expect(doc['synth-Api-Deploy'].extends).toBe('.aws-oidc-synth-2');
    expect(doc['.aws-oidc-synth-2'].variables.AWS_ROLE_ARN).toMatch(/gitlab-synth-stage$/);
  });

  test('a stage named "exchange" does not take the hidden job that holds the token exchange', () => {
    const stageRole = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/gitlab-exchange-stage`, { audience: 'gitlab-exchange-stage' });
    const { app, root } = newApp();
    const pipeline = new GitLabCiPipeline(app, 'Pipeline', { synth: new GitLabShellStep('Synth', { commands: ['x'] }), role: ROLE, repositoryRoot: root, cdkCliVersion: CDK_CLI_VERSION });
    const stage = new Stage(app, 'exchange', { env: { account: BETA_ACCOUNT, region: REGION } });
    new Stack(stage, 'Api');
    pipeline.addStageWithGitLabOptions(stage, { role: stageRole });
    const doc = parseCi(synthesized(app, pipeline, root).yaml);
    expect(doc['exchange-Api-Deploy'].extends).toBe('.aws-oidc-exchange-2');
    expect(doc['.aws-oidc-exchange-2'].variables.AWS_ROLE_ARN).toMatch(/gitlab-exchange-stage$/);
    expect(doc['.aws-oidc-exchange'].variables).toBeUndefined();
    expect(doc['.aws-oidc-exchange'].before_script.join('\n')).toContain('cdk_gitlab_oidc_sts() {');
  });

  test('a stage\'s jobs use a cache of their environment\'s own; the synth job the pipeline\'s', () => {
    const doc = parseCi(oneStageApp({ jobSettings: { cache: { key: 'npm', paths: ['.npm/'] } } }, (p, _a, s) => p.addStageWithGitLabOptions(s, {
      environment: { name: 'prod/eu 1' },
    })).yaml);
    expect(doc['Build-Synth'].cache.key).toBe('npm');
    expect(doc['Beta-Api-Deploy'].cache.key).toBe('npm-prod_eu_1');
  });

  test('a cache in jobs that hold a role is legal but warned of: any protected ref\'s pipeline can write it', () => {
    const built = oneStageApp({}, (p, _a, s) => p.addStageWithGitLabOptions(s, { jobSettings: { cache: { key: 'tools', paths: ['.tools/'] } } }));
    expect(annotations(built.app, 'aws:cdk:warning')).toContainEqual(expect.stringMatching(/^jobs "Beta-Api-Deploy" hold a role and restore a cache \(jobSettings\.cache\): any protected ref's pipeline can write that cache.*\[ack: cdk-gitlab-oidc:cacheInRoleJob\]$/));
    // The synth job's cache is no such case: it holds no role.
    const synthOnly = oneStageApp({ synth: new GitLabShellStep('Synth', { commands: ['x'], jobSettings: { cache: { key: 'npm', paths: ['.npm/'] } } }) });
    expect(annotations(synthOnly.app, 'aws:cdk:warning').filter((w) => w.includes('cacheInRoleJob'))).toEqual([]);
  });

  test('no job that holds a role restores a cache the pipeline adds: any protected ref\'s pipeline can write any cache key', () => {
    // npx runs what npm's cache holds for a package (its _npx folder) without checking it: a job of any protected ref
    // (a release branch Developers may push to) could plant a CDK CLI there that production's deploy job then runs.
    const doc = parseCi(twoStageApp({ jobSettings: { tags: ['aws'] } }).yaml);
    for (const [name, job] of Object.entries<any>(doc)) {
      if (name.startsWith('.') || !job?.extends) continue;
      expect([name, job.cache, job.variables?.npm_config_cache]).toEqual([name, undefined, undefined]);
    }
  });

  test('a step with AWS credentials that belongs to no stage', () => {
    expect(() => oneStageApp({}, (p, app, stage) => {
      const wave = p.addWave('W', { post: [new GitLabShellStep('Check', { commands: ['x'], awsCredentials: true })] });
      wave.addStage(stage);
      const other = new Stage(app, 'Gamma', { env: { account: BETA_ACCOUNT, region: REGION } });
      new Stack(other, 'Api');
      wave.addStage(other);
    }))
      .toThrow(/step "Check" has awsCredentials but belongs to no stage \(a wave's pre or post step\): .* add the step to a stage/);
  });
});

describe('refused at synth: what would switch a gate off', () => {
  test.each<[string, Record<string, unknown>, RegExp]>([
    ['allow_failure', { allow_failure: true }, /jobSettings.rawKeys must not set "allow_failure": it lets the pipeline go on after the job fails .*, got: "allow_failure"$/],
    ['allow_failure:exit_codes', { allow_failure: { exit_codes: [1] } }, /must not set "allow_failure"/],
    ['exit_codes', { exit_codes: [1] }, /must not set "exit_codes": it is how allow_failure names the failures it lets through/],
    ['when', { when: 'always' }, /must not set "when": the pipeline writes it; use a ManualApprovalStep instead/],
    ['needs', { needs: [] }, /must not set "needs": the pipeline writes it/],
    ['rules', { rules: [{ when: 'always' }] }, /must not set "rules": the pipeline writes it/],
    ['extends', { extends: '.aws-oidc-Prod' }, /must not set "extends": the pipeline writes it/],
    ['dependencies', { dependencies: [] }, /must not set "dependencies": the pipeline writes it/],
    ['start_in', { start_in: '1 hour' }, /must not set "start_in": it delays a job by a timer/],
    ['parallel', { parallel: 2 }, /must not set "parallel": it runs the job several times at once/],
    ['a merge key', { '<<': { allow_failure: true } }, /must not set "<<": GitLab's YAML parser reads it as a merge key, even when quoted/],
    ['a merge key inside an allowed key', { hooks: { '<<': { x: 1 } } }, /must hold no "<<" key: .*, got: "hooks.<<"$/],
    ['a merge key in a list', { services: [{ 'name': 'x', '<<': {} }] }, /must hold no "<<" key: .*, got: "services\[0\].<<"$/],
    ['a keyword GitLab may add later', { future_gate: true }, /jobSettings.rawKeys may set only timeout, retry, services, hooks, coverage .*, got: "future_gate"$/],
    ['interruptible', { interruptible: true }, /must not set "interruptible": the pipeline writes it: the build jobs are interruptible, and no job that deploys/],
    ['identity', { identity: 'google_cloud' }, /must not set "identity": it hands the job cloud credentials other than its stage's role/],
    ['a prototype name', { constructor: 'x' }, /jobSettings.rawKeys may set only .*, got: "constructor"$/],
  ])('rawKeys %s', (_title, rawKeys, message) => {
    expect(() => oneStageApp({ jobSettings: { rawKeys } })).toThrow(message);
    // The same at a stage and a step.
    expect(() => oneStageApp({}, (p, _a, s) => p.addStageWithGitLabOptions(s, { jobSettings: { rawKeys } }))).toThrow(message);
    expect(() => oneStageApp({}, (p, _a, s) => p.addStage(s, { pre: [new GitLabShellStep('Step', { commands: ['x'], jobSettings: { rawKeys } })] }))).toThrow(message);
  });

  test.each<[string, string, string | undefined]>([
    ['the whole repository', '.', undefined],
    ['the folder of an included pipeline file', 'ci', 'ci/pipeline.yml'],
    ['the pipeline file itself', 'ci/pipeline.yml', 'ci/pipeline.yml'],
    ['the repository, with a trailing slash', './', undefined],
    ['the folder, with a trailing slash', 'ci/', 'ci/pipeline.yml'],
  ])('a synth output that holds the pipeline file: %s', (_title, directory, outputFile) => {
    const synth = new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'], primaryOutputDirectory: directory });
    expect(() => oneStageApp({ synth, outputFile })).toThrow(new RegExp(
      `the synth step's output "${directory.replace('.', '\\.')}" holds the pipeline file "${(outputFile ?? '.gitlab-ci.yml').replace(/\./g, '\\.')}": the check job would compare .*, got: "${directory.replace('.', '\\.')}"$`));
  });

  test('a synth output beside the pipeline file is fine', () => {
    const synth = new pipelines.ShellStep('Synth', { commands: ['npx cdk synth'], primaryOutputDirectory: 'cdk.out' });
    expect(() => oneStageApp({ synth, outputFile: 'cdk.out.yml' })).not.toThrow();
  });

  test('allowed raw keys reach every job, the approval still blocks and nothing is optional', () => {
    const doc = parseCi(oneStageApp({ jobSettings: { rawKeys: { timeout: '1h', retry: 1 } } }, (p, _a, s) => p.addStage(s, {
      pre: [new pipelines.ManualApprovalStep('Approve')],
    })).yaml);
    expect(doc['Beta-Approve']).toMatchObject({ allow_failure: false, timeout: '1h', retry: 1 });
    expect(Object.values<any>(doc).filter((job) => job?.allow_failure === true)).toEqual([]);
  });

  test('only the build jobs are interruptible: a newer pipeline never cancels a deployment, a publish, an approval or a step', () => {
    const doc = parseCi(oneStageApp({}, (p, _a, s) => p.addStage(s, {
      pre: [new pipelines.ManualApprovalStep('Approve')], post: [new pipelines.ShellStep('Test', { commands: ['true'] })],
    })).yaml);
    const jobs = Object.entries<any>(doc).filter(([name, job]) => !name.startsWith('.') && job?.script);
    expect(Object.fromEntries(jobs.map(([name, job]) => [name, job.interruptible]))).toEqual({
      'Build-Synth': true, 'Build-CheckPipelineFile': true, 'Beta-Approve': false, 'Beta-Api-Deploy': false, 'Beta-Test': false,
    });
  });
});

describe('a provider takes a role\'s audience', () => {
  test('addAudience: listed once, in the client IDs at synth', () => {
    const stack = new Stack(new App(), 'S', { env: { account: PIPELINE_ACCOUNT, region: REGION } });
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    provider.addAudience(DEPLOY_AUDIENCE);
    provider.addAudience(DEPLOY_AUDIENCE);
    new GitLabRunnerRole(stack, 'Role', { provider, audience: DEPLOY_AUDIENCE, subjects: [GitLabSubject.project('g/p').branch('main')] });
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: ['https://gitlab.com', DEPLOY_AUDIENCE] });
    expect(provider.audiences).toEqual(['https://gitlab.com', DEPLOY_AUDIENCE]);
  });

  test.each<[string, string, RegExp]>([
    ['an empty audience', '', /an audience must not be empty, got: ""$/],
    ['a pattern', 'gitlab-*', /an audience must not contain white space, "\*", "\?" or "\$" .*, got: "gitlab-\*"$/],
  ])('addAudience refuses %s', (_title, audience, message) => {
    const provider = new GitLabOidcProvider(new Stack(new App(), 'S'), 'GitLab');
    expect(() => provider.addAudience(audience)).toThrow(message);
  });

  test('more than 100 audiences fail at synth', () => {
    const stack = new Stack(new App(), 'S');
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    for (let i = 0; i < 100; i++) provider.addAudience(`aud-${i}`);
    expect(() => Template.fromStack(stack)).toThrow(/GitLab OIDC provider accepts at most 100 audiences \(IAM limit\), got: 101/);
  });

  test('addAudience takes a deploy-time value as it is; a provider with a deploy-time list of audiences refuses it', () => {
    const stack = new Stack(new App(), 'S');
    const param = new CfnParameter(stack, 'Aud').valueAsString;
    const provider = new GitLabOidcProvider(stack, 'GitLab');
    provider.addAudience(param);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::OIDCProvider', { ClientIdList: ['https://gitlab.com', { Ref: 'Aud' }] });
    const listed = new GitLabOidcProvider(stack, 'Listed', { url: 'https://gitlab.example.com', audiences: Fn.split(',', Fn.importValue('Auds')) });
    expect(() => listed.addAudience('x')).toThrow(/cannot add audience "x": the provider's audiences are a deploy-time list; list every audience there$/);
  });
});

test('the pipeline\'s role by ARN (ROLE) and a stage role by ARN with its own audience work together', () => {
  const stageRole = GitLabPipelineRole.fromRoleArn(`arn:aws:iam::${PIPELINE_ACCOUNT}:role/other`, { audience: 'other' });
  expect(() => oneStageApp({ role: ROLE }, (p, _a, s) => p.addStageWithGitLabOptions(s, { role: stageRole }))).not.toThrow();
});
