// One benchmark sample: builds the same app one of four ways and synthesizes it, in a fresh process.
//   node bench/synth-app.js <library|hand|warned|subclass|custom> <roles> <rolesPerStack> [branch|mixed]
// Workloads: `branch`, each role trusts one project's main branch; `mixed`, each role trusts a project's main
// branch, the project's tags matching `v*` and any branch of a group's projects (the last two are legal but risky:
// the library warns about each, per role). `warned` is `hand` giving those two warnings itself, as the library does
// (Annotations.addWarningV2, no stack trace): what the warnings cost in aws-cdk-lib, apart from the library.
// Prints one JSON line: build+synth milliseconds, the whole process's CPU milliseconds (user + system, module
// loading included), and what the cloud assembly holds (its warnings counted from the manifest).
'use strict';
const { createHash } = require('crypto');
const { mkdtempSync, readFileSync, rmSync } = require('fs');
const { tmpdir } = require('os');
const { join } = require('path');
const cdk = require('aws-cdk-lib');
const { aws_iam: iam } = cdk;
const lib = require('../lib');

const [variant, roles, perStack, workload = 'branch'] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4]), process.argv[5]];
const URL = 'https://gitlab.com';
const subOf = (i) => `project_path:mygroup/project-${i}:ref_type:branch:ref:main`;
const tagPatternOf = (i) => `project_path:mygroup/project-${i}:ref_type:tag:ref:v*`;
const groupBranchesOf = (i) => `project_path:mygroup/team-${i}/*:ref_type:branch:ref:*`;
if (!['branch', 'mixed'].includes(workload)) throw new Error(`unknown workload ${workload}`);
// The library records its warnings without stack traces; so does the variant that gives the same warnings.
if (variant === 'warned') process.env.CDK_DISABLE_STACK_TRACE = '1';

const started = process.hrtime.bigint();
const outdir = mkdtempSync(join(tmpdir(), 'bench-'));
const app = new cdk.App({ outdir, analyticsReporting: false });

// The provider lives in the first stack; stacks beyond it import it, as an account-wide singleton.
let providerStack;
function provider(stack) {
  const first = providerStack === undefined;
  if (first) providerStack = stack;
  switch (variant) {
    case 'library':
      return first ? new lib.GitLabOidcProvider(stack, 'GitLab') : lib.GitLabOidcProvider.fromAccount(stack, 'GitLab');
    case 'hand':
    case 'warned':
    case 'subclass':
      return first
        ? retained(new iam.OidcProviderNative(stack, 'GitLab', { url: URL, clientIds: [URL] }))
        : iam.OidcProviderNative.fromOidcProviderArn(stack, 'GitLab', accountProviderArn(stack));
    case 'custom':
      return first
        ? new iam.OpenIdConnectProvider(stack, 'GitLab', { url: URL, clientIds: [URL] })
        : iam.OpenIdConnectProvider.fromOpenIdConnectProviderArn(stack, 'GitLab', accountProviderArn(stack));
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

/** The ARN of the stack account's gitlab.com provider, as GitLabOidcProvider.fromAccount() builds it. */
function accountProviderArn(stack) {
  return stack.formatArn({
    service: 'iam', region: '', resource: 'oidc-provider', resourceName: 'gitlab.com', arnFormat: cdk.ArnFormat.SLASH_RESOURCE_NAME,
  });
}

/** The library keeps its provider when it leaves the stack; so does the hand-written twin. */
function retained(resource) {
  resource.applyRemovalPolicy(cdk.RemovalPolicy.RETAIN);
  return resource;
}

/** What extending iam.Role costs by itself, as GitLabRunnerRole must: the floor of the library's overhead. */
class EmptyRoleSubclass extends iam.Role {}

function role(stack, p, i) {
  const id = `Role${i}`;
  if (variant === 'library') {
    const project = lib.GitLabSubject.project(`mygroup/project-${i}`);
    const subjects = workload === 'branch' ? [project.branch('main')]
      : [project.branch('main'), project.tag('v*'), lib.GitLabSubject.group(`mygroup/team-${i}`).anyBranch()];
    new lib.GitLabRunnerRole(stack, id, { provider: p, subjects });
    return;
  }
  // Written by hand to render the library's template exactly: exact subjects under StringEquals, patterns under
  // StringLike, each in a statement of its own.
  const arn = variant === 'custom' ? p.openIdConnectProviderArn : p.oidcProviderArn;
  const principal = (conditions) => variant === 'custom' ? new iam.OpenIdConnectPrincipal(p, conditions) : new iam.WebIdentityPrincipal(arn, conditions);
  const RoleClass = variant === 'subclass' ? EmptyRoleSubclass : iam.Role;
  const exact = principal({ StringEquals: { 'gitlab.com:aud': URL, 'gitlab.com:sub': subOf(i) } });
  if (workload === 'branch') {
    new RoleClass(stack, id, { assumedBy: exact });
  } else {
    const patterns = principal({ StringEquals: { 'gitlab.com:aud': URL }, StringLike: { 'gitlab.com:sub': [tagPatternOf(i), groupBranchesOf(i)] } });
    const created = new RoleClass(stack, id, { assumedBy: new iam.CompositePrincipal(exact, patterns) });
    if (variant === 'warned') {
      // The library's two warnings for this trust, their IDs and about their length.
      cdk.Annotations.of(created).addWarningV2('cdk-gitlab-oidc:refPattern', `subject "${tagPatternOf(i)}" admits every branch or tag its ref pattern ` +
        'matches, unprotected ones included: anyone who can push one to the project can assume this role. Require protected refs ' +
        '(claimConditions.refProtected) and protect the pattern in GitLab, or acknowledge this warning.');
      cdk.Annotations.of(created).addWarningV2('cdk-gitlab-oidc:anyRef', `subject "${groupBranchesOf(i)}" admits jobs of any branch or tag: anyone who ` +
        'can push one to the project can assume this role. Prefer named branches or tags, require protected refs ' +
        '(claimConditions.refProtected), or acknowledge this warning.');
    }
  }
}

for (let s = 0; s * perStack < roles; s++) {
  const stack = new cdk.Stack(app, `GitLab${s}`, {
    synthesizer: new cdk.DefaultStackSynthesizer({ generateBootstrapVersionRule: false }),
  });
  const p = provider(stack);
  for (let i = s * perStack; i < Math.min(roles, (s + 1) * perStack); i++) role(stack, p, i);
}
const assembly = app.synth();
const ms = Number(process.hrtime.bigint() - started) / 1e6;

let resources = 0;
let bytes = 0;
let assets = 0;
const hash = createHash('sha256');
for (const stack of assembly.stacks) {
  const text = readFileSync(join(outdir, stack.templateFile), 'utf8');
  bytes += Buffer.byteLength(text);
  resources += Object.keys(JSON.parse(text).Resources).length;
  hash.update(text);
}
for (const artifact of assembly.artifacts) {
  if (artifact.constructor.name === 'AssetManifestArtifact') {
    const manifest = JSON.parse(readFileSync(artifact.file, 'utf8'));
    // The stack templates themselves are file assets too; count the others.
    assets += Object.values(manifest.files ?? {}).filter((f) => !String(f.source.path).endsWith('.template.json')).length;
    assets += Object.keys(manifest.dockerImages ?? {}).length;
  }
}
// The warnings the stacks carry, as the CLI reads them.
const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
const warnings = Object.values(manifest.artifacts).flatMap((artifact) => Object.values(artifact.metadata ?? {}).flat())
  .filter((entry) => entry.type === 'aws:cdk:warning').length;
rmSync(outdir, { recursive: true, force: true });
const { userCPUTime, systemCPUTime } = process.resourceUsage();
const cpu = (userCPUTime + systemCPUTime) / 1000;
process.stdout.write(JSON.stringify({ ms, cpu, resources, bytes, assets, warnings, stacks: assembly.stacks.length, templateHash: hash.digest('hex') }) + '\n');
