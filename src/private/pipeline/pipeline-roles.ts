// The roles of a pipeline, checked together at synth: each job's token must open its own role and no
// other, deploy roles must admit only protected branches (on gitlab.com), and each role must admit the
// jobs the pipeline gives it. Who can reach what is in the README ("Who can obtain which credentials").
import { Annotations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { judgeRoleTrust } from './role-trust';
import { GitLabPipelineRole } from '../../pipeline/pipeline-role';
import { CiJobRole } from '../ci-job-yaml';
import { fail, show } from '../errors';
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
}

/**
 * Checks the roles the pipeline's jobs assume.
 * @param uses every job that assumes a role
 * @param deployBranch the branch that deploys; undefined for the project's default branch
 */
export function checkPipelineRoles(uses: readonly RoleUse[], deployBranch: string | undefined, scope: IConstruct): void {
  const roles = new Map<GitLabPipelineRole, CiJobRole>();
  for (const use of uses) if (!roles.has(use.role)) roles.set(use.role, use.role._jobRole(scope));
  refuseSharedAudiences(uses, roles, scope);
  refuseSynthDeployRole(uses, roles, scope);
  const judged = new Set<string>();
  for (const use of uses) {
    const runner = use.role._runnerRole;
    // The synth job runs for every branch and merge request: its role is meant to admit them all.
    if (!runner || use.synth) continue;
    const key = `${runner.node.path}\n${use.deploymentTier}`;
    if (judged.has(key)) continue;
    judged.add(key);
    const job = { audience: runner.audience, branch: deployBranch, deploymentTier: use.deploymentTier };
    const verdict = judgeRoleTrust(runner, job);
    const jobText = `job ${show(use.job)} (stage ${show(use.stage)}: branch ${deployBranch === undefined ? 'the default branch' : show(deployBranch)}, ` +
      `audience ${show(job.audience)}${use.deploymentTier ? `, deployment tier ${show(use.deploymentTier)}` : ''}, a protected ref)`;
    if (!verdict.admitsProtected && !verdict.undetermined) {
      fail(`role ${show(runner.node.path)} would refuse ${jobText}: STS would deny it at the first run. Change the role's subjects, ` +
        `the pipeline's deployBranch or the stage's environment deploymentTier; the evaluator's reason: ${verdict.refusal}`, scope);
    }
    if (verdict.admitsUnprotected && !use.role._allowUnprotectedRefs) {
      const risk = `role ${show(runner.node.path)} admits ${jobText.replace(', a protected ref)', ')')} from an unprotected branch too: a Developer's push ` +
        'to a branch of that name, or a fork\'s merge request run in the project, could obtain its credentials';
      if (runner.provider.issuerUrl === GITLAB_COM) {
        fail(`${risk}. Give the role claimConditions: { refProtected: true } (and protect the branch), or pass ` +
          'GitLabPipelineRole.fromRole(role, { allowUnprotectedRefs: true }) for a role that deploys nothing of value', scope);
      }
      // Other instances: STS evaluates sub and aud alone, so only a sub layout with ref_protected (GitLab 18.7+)
      // can require it; refusing would break every instance older than that.
      Annotations.of(scope).addWarningV2('cdk-gitlab-oidc:pipelineRoleUnprotectedRefs', `${risk}. STS checks only sub and aud for ` +
        `${runner.provider.issuerUrl}: use a sub claim layout with ref_protected (subClaimRefProtected: true) where your GitLab has it.`);
    }
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
      `for ${described.join(' and ')}. Give each GitLabRunnerRole its own audience (the provider adds it to its client IDs), or pass ` +
      'fromRoleArn\'s audience option', scope);
  }
}

/** A synth job's credentials must not be a role that publishes or deploys: the synth job runs for every branch. */
function refuseSynthDeployRole(uses: readonly RoleUse[], roles: ReadonlyMap<GitLabPipelineRole, CiJobRole>, scope: IConstruct): void {
  const synthArns = new Set(uses.filter((u) => u.synth).map((u) => roles.get(u.role)!.roleArn));
  const shared = uses.find((u) => !u.synth && synthArns.has(roles.get(u.role)!.roleArn));
  if (shared) {
    fail(`the synth job's role also publishes or deploys (job ${show(shared.job)}): the synth job runs for every branch and merge request, so its ` +
      `role must trust them all and would let any branch deploy; give synthRole a read-only role of its own, got: ${roles.get(shared.role)!.roleArn}`, scope);
  }
}
