// The roles of a pipeline, checked together at synth: each job's token must open its own role and no
// other, deploy roles must admit only protected branches (on gitlab.com), and each role must admit the
// jobs the pipeline gives it. Who can reach what is in the README ("Who can obtain which credentials").
import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { judgeRoleTrust } from './role-trust';
import { GitLabPipelineRole } from '../../pipeline/pipeline-role';
import { GitLabRunnerRole } from '../../role';
import { fail, show } from '../errors';
import { CiJobRole } from '../job/ci-job';
import { GITLAB_COM } from '../rules/iam-limits';

/** A job that assumes a role. */
export interface RoleUse {
  readonly role: GitLabPipelineRole;
  readonly job: string;
  /** The stage it assumes the role for; undefined for the synth job. */
  readonly stage?: string;
  readonly synth: boolean;
  /** The deployment tier of the stage's environment, where it names one. */
  readonly deploymentTier?: string;
  /** The name of the stage's environment; undefined for the synth job. */
  readonly environment?: string;
  /** The refs the job runs for (its stage's triggers): the deploy branch (undefined: the default branch), or a tag. */
  readonly refs: readonly JobRef[];
}

/** A ref a job runs for. */
export interface JobRef {
  readonly refType: 'branch' | 'tag';
  /** The branch or tag; undefined for the project's default branch, whose name synth cannot know. */
  readonly ref?: string;
}

/**
 * Checks the roles the pipeline's jobs assume.
 * @param uses every job that assumes a role
 */
export function checkPipelineRoles(uses: readonly RoleUse[], scope: IConstruct): void {
  const roles = new Map<GitLabPipelineRole, CiJobRole>();
  for (const use of uses) if (!roles.has(use.role)) roles.set(use.role, use.role._jobRole(scope));
  refuseSharedAudiences(uses, roles, scope);
  refuseSynthDeployRole(uses, roles, scope);
  warnSharedStageRoles(uses, roles, scope);
  const byArnOnly = new Set([...roles].filter(([role]) => !role._runnerRole).map(([, jobRole]) => jobRole.roleArn));
  for (const arn of byArnOnly) {
    Annotations.of(scope).addInfo(`role ${arn} is known by its ARN: its trust policy is not in the app, so synth cannot check ` +
      'that it admits only protected refs and this pipeline\'s jobs; GitLabPipelineRole.fromRole() lets it');
  }
  const judged = new Set<string>();
  for (const use of uses) {
    const runner = use.role._runnerRole;
    // The synth job runs for every branch and merge request: its role is meant to admit them all.
    if (!runner || use.synth) continue;
    for (const ref of use.refs) {
      const key = `${runner.node.path}\n${use.deploymentTier}\n${ref.refType}\n${ref.ref}`;
      if (judged.has(key)) continue;
      judged.add(key);
      judgeStageRole(use, runner, ref, scope);
    }
  }
}

/** One stage's role against the jobs the stage gives it. */
function judgeStageRole(use: RoleUse, runner: GitLabRunnerRole, ref: JobRef, scope: IConstruct): void {
  const job = { audience: runner.audience, refType: ref.refType, ref: ref.ref, deploymentTier: use.deploymentTier };
  const verdict = judgeRoleTrust(runner, job);
  const role = `role ${show(runner.node.path)}`;
  const refText = ref.ref === undefined ? 'the default branch' : `${ref.refType} ${show(ref.ref)}`;
  const jobText = `job ${show(use.job)} (stage ${show(use.stage)}: ${refText}, ` +
    `audience ${show(job.audience)}${use.deploymentTier ? `, deployment tier ${show(use.deploymentTier)}` : ''})`;
  if (verdict.undetermined) {
    Annotations.of(scope).addWarningV2('cdk-gitlab-oidc:pipelineRoleUndetermined', `${role} could not be judged against ${jobText}: its subjects or ` +
      'conditions hold deploy-time values. Make sure it admits this job, and protected refs only.');
  } else if (!verdict.admitsProtected) {
    const tierHint = use.deploymentTier ? '' : ' (the stage\'s environment names no deploymentTier: GitLab would guess one from its name, which synth ' +
      'does not; set it so that the role and the job agree)';
    fail(`${role} would refuse ${jobText} from a protected ref: STS would deny it at the first run. Change the role's subjects, the pipeline's ` +
      `deployBranch or triggers, or the stage's environment deploymentTier${tierHint}; the evaluator's reason: ${verdict.refusal}`, scope);
  }
  if (verdict.handWritten) {
    Annotations.of(scope).addWarningV2('cdk-gitlab-oidc:pipelineRoleHandWritten', `${role} has trust statements added by hand, which synth ` +
      'judges only for the samples of its subjects: make sure they admit protected refs only.');
  }
  if (verdict.admitsUnprotected !== undefined && !use.role._allowUnprotectedRefs) {
    const risk = `${role}, which ${jobText} assumes, admits ${show(verdict.admitsUnprotected)} from an unprotected ref: a Developer's push to such a ` +
      'branch or tag, or a fork\'s merge request run in the project, could obtain its credentials';
    if (runner.provider.issuerUrl === GITLAB_COM) {
      fail(`${risk}. Give the role claimConditions: { refProtected: true } (and protect the refs), or pass ` +
        'GitLabPipelineRole.fromRole(role, { allowUnprotectedRefs: true }) for a role that deploys nothing of value', scope);
    }
    // Other instances: STS evaluates sub and aud alone, so only a sub layout with ref_protected (GitLab 18.7+)
    // can require it; refusing would break every instance older than that.
    Annotations.of(scope).addWarningV2('cdk-gitlab-oidc:pipelineRoleUnprotectedRefs', `${risk}. STS checks only sub and aud for ` +
      `${runner.provider.issuerUrl}: use a sub claim layout with ref_protected (subClaimRefProtected: true) where your GitLab has it.`);
  }
}

/** Stages in different environments that share one role: a job of one holds the credentials that deploy the other. */
function warnSharedStageRoles(uses: readonly RoleUse[], roles: ReadonlyMap<GitLabPipelineRole, CiJobRole>, scope: IConstruct): void {
  const environmentsOf = new Map<string, Set<string>>();
  for (const use of uses) {
    if (use.synth || use.environment === undefined) continue;
    const arn = roles.get(use.role)!.roleArn;
    environmentsOf.set(arn, (environmentsOf.get(arn) ?? new Set()).add(use.environment));
  }
  for (const [arn, environments] of environmentsOf) {
    if (environments.size < 2) continue;
    Annotations.of(scope).addWarningV2('cdk-gitlab-oidc:pipelineRoleShared', `role ${arn} is assumed in environments ${[...environments].map((e) => show(e)).join(', ')}: ` +
      'a job of one (a test step\'s dependency) holds the credentials that deploy the others. Give each stage a role of its own (GitLabStageSettings.role) ' +
      'where the stages must not reach each other.');
  }
}

/** Two roles with one audience: a token a job of one requests opens the other. */
function refuseSharedAudiences(uses: readonly RoleUse[], roles: ReadonlyMap<GitLabPipelineRole, CiJobRole>, scope: IConstruct): void {
  const byAudience = new Map<string, Map<string, string[]>>();
  for (const use of uses) {
    const { audience, roleArn } = roles.get(use.role)!;
    const arns = byAudience.get(audience) ?? new Map<string, string[]>();
    const jobs = arns.get(roleArn) ?? [];
    jobs.push(use.job);
    arns.set(roleArn, jobs);
    byAudience.set(audience, arns);
  }
  for (const [audience, arns] of byAudience) {
    if (arns.size < 2) continue;
    const described = [...arns].map(([arn, jobs]) => `${arn} (jobs ${jobs.slice(0, 3).map((j) => show(j)).join(', ')}${jobs.length > 3 ? ', ...' : ''})`);
    fail(`each role of a pipeline needs an audience of its own: a job's ID token for one role would open the others, got: audience ${show(audience)} ` +
      `for ${described.join(' and ')}. Give each GitLabRunnerRole its own audience (and list it in the provider's audiences, or ` +
      'provider.addAudience() it), or pass fromRoleArn\'s audience option', scope);
  }
}

/** A synth job's credentials must not be a role that publishes or deploys: the synth job runs for every branch. */
function refuseSynthDeployRole(uses: readonly RoleUse[], roles: ReadonlyMap<GitLabPipelineRole, CiJobRole>, scope: IConstruct): void {
  for (const use of uses.filter((u) => u.synth && u.role._runnerRole?._deploysWithCdk)) {
    fail(`the synth job's role ${show(use.role._runnerRole!.node.path)} may deploy and publish (allowCdkDeployments()): the synth job runs for every ` +
      'branch and merge request, so any of them could deploy; grant it allowCdkDeployments({ lookupOnly: true }) instead, got: a role that deploys', scope);
  }
  const synthArns = new Set(uses.filter((u) => u.synth).map((u) => roles.get(u.role)!.roleArn));
  const shared = uses.find((u) => !u.synth && synthArns.has(roles.get(u.role)!.roleArn));
  if (shared) {
    fail(`the synth job's role also publishes or deploys (job ${show(shared.job)}): the synth job runs for every branch and merge request, so its ` +
      `role must trust them all and would let any branch deploy; give synthRole a read-only role of its own, got: ${roles.get(shared.role)!.roleArn}`, scope);
  }
}
