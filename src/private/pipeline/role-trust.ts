// What a pipeline role's trust policy does with the jobs the pipeline gives it, judged at synth by the
// package's own evaluator (the one `role.explain()` and the explain command use): whether it admits them
// at all, and whether it also admits them from an unprotected branch (a Developer's push, a fork's merge
// request), which a deploy role must not.
import { GitLabTokenClaims, GitLabTrustVerdict } from '../../explain';
import { GitLabRunnerRole } from '../../role';
import { subParts } from '../explain/sub-claim-parts';
import { isLiteral } from '../tokens';

/** What GitLab puts in the ID token of a pipeline job that assumes a role. */
export interface PipelineJobShape {
  /** The `aud` the job requests: its role's audience. */
  readonly audience: string;
  /** The branch the job runs for; undefined for the project's default branch, whose name synth cannot know. */
  readonly branch?: string;
  /** The deployment tier of the job's environment, where the stage names one. */
  readonly deploymentTier?: string;
}

/** How a role's trust treats the pipeline's jobs. */
export interface RoleTrustVerdict {
  /** Whether it admits the job on a protected branch. */
  readonly admitsProtected: boolean;
  /** Whether it admits the same job on an unprotected branch. */
  readonly admitsUnprotected: boolean;
  /** Why the first sample job was refused, when none was admitted. */
  readonly refusal?: string;
  /** Whether the verdict rests on values known only at deployment. */
  readonly undetermined: boolean;
}

/**
 * Judges the role's trust policy (every statement, however added) against the tokens the pipeline's jobs
 * would carry, one sample job per subject: the subject's project (a wildcard stands for any one
 * project), the job's branch, audience and tier, and the values the subject's claim conditions ask for
 * (those describe the project and runner, which the pipeline does not choose).
 */
export function judgeRoleTrust(role: GitLabRunnerRole, job: PipelineJobShape): RoleTrustVerdict {
  const judge = (refProtected: boolean) => samples(role, job, refProtected)
    .map((claims) => role.explain(GitLabTokenClaims.fromJson(JSON.stringify(claims))));
  const protectedRuns = judge(true);
  const unprotectedRuns = judge(false);
  const admitted = (runs: typeof protectedRuns) => runs.some((e) => e.verdict === GitLabTrustVerdict.ALLOWED);
  const undetermined = [...protectedRuns, ...unprotectedRuns].some((e) => e.verdict === GitLabTrustVerdict.UNDETERMINED);
  const admitsProtected = admitted(protectedRuns);
  return {
    admitsProtected,
    admitsUnprotected: admitted(unprotectedRuns),
    refusal: admitsProtected ? undefined : protectedRuns[0]?.causes[0],
    undetermined: undetermined || protectedRuns.length === 0,
  };
}

/** The sample tokens' claims, one per literal subject of the role. */
function samples(role: GitLabRunnerRole, job: PipelineJobShape, refProtected: boolean): Record<string, string>[] {
  const claims: Record<string, string>[] = [];
  for (const statement of role.jobsPrincipal._plan.statements) {
    const base: Record<string, string> = {};
    for (const [claim, values] of statement.claims) {
      const value = values.find(isLiteral);
      if (value !== undefined) base[claim] = value;
    }
    for (const subject of statement.subjects) {
      const parts = isLiteral(subject.sub) ? subParts(subject.sub) : undefined;
      if (!parts) continue;
      const sub = jobSub(parts, job, refProtected);
      claims.push({
        ...base,
        iss: role.provider.issuerUrl,
        aud: job.audience,
        sub: sub.claim,
        ref_type: 'branch',
        ref: sub.ref,
        ref_protected: String(refProtected),
        ...(job.deploymentTier ? { deployment_tier: job.deploymentTier } : {}),
      });
    }
  }
  return claims;
}

/** The job's `sub` in the subject's layout, and the branch it names. */
function jobSub(parts: readonly { name: string; value: string }[], job: PipelineJobShape, refProtected: boolean): { claim: string; ref: string } {
  // A wildcard stands for one character here: the sample is one job the pattern admits.
  const instance = (value: string) => value.replace(/[*?]/g, 'x');
  const subjectRef = parts.find((p) => p.name === 'ref')?.value;
  const ref = job.branch ?? (subjectRef !== undefined ? instance(subjectRef) : 'main');
  const rendered: string[] = [];
  for (const { name, value } of parts) {
    switch (name) {
      case 'ref_type': rendered.push(name, 'branch'); break;
      case 'ref': rendered.push(name, ref); break;
      case 'ref_protected': rendered.push(name, String(refProtected)); break;
      // GitLab leaves the component out for a job whose environment has no tier.
      case 'deployment_tier': if (job.deploymentTier) rendered.push(name, job.deploymentTier); break;
      default: rendered.push(name, instance(value));
    }
  }
  return { claim: rendered.join(':'), ref };
}
