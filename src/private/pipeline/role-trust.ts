// What a pipeline role's trust policy does with the jobs the pipeline gives it, judged at synth by the
// package's own evaluator (the one `role.explain()` and the explain command use): whether it admits them
// at all, and whether it also admits them from an unprotected branch (a Developer's push, a fork's merge
// request), which a deploy role must not.
import { GitLabTokenClaims, GitLabTrustVerdict } from '../../explain';
import { GitLabRunnerRole } from '../../role';
import { instanceOf } from '../rules/iam-strings';
import { parseSub, renderSub, SubPart, subComponent } from '../rules/sub-claim';
import { isLiteral } from '../tokens';

/** What GitLab puts in the ID token of a pipeline job that assumes a role. */
export interface PipelineJobShape {
  /** The `aud` the job requests: its role's audience. */
  readonly audience: string;
  /** Whether the job runs for a branch or a tag. */
  readonly refType: 'branch' | 'tag';
  /** The branch or tag the job runs for; undefined for the project's default branch, whose name synth cannot know. */
  readonly ref?: string;
  /** The deployment tier of the job's environment, where the stage names one. */
  readonly deploymentTier?: string;
}

/** How a role's trust treats the pipeline's jobs. */
export interface RoleTrustVerdict {
  /** Whether it admits the pipeline's job (its branch, audience and tier) from a protected branch. */
  readonly admitsProtected: boolean;
  /**
   * A `sub` it admits from an unprotected ref: the pipeline's own job, or any ref one of its subjects names
   * (another branch, a tag pattern); undefined when it admits none.
   */
  readonly admitsUnprotected?: string;
  /** Why the first sample job was refused, when none was admitted. */
  readonly refusal?: string;
  /** Whether the verdict rests on values known only at deployment, or on no sample at all. */
  readonly undetermined: boolean;
  /** Whether the trust has statements the role did not plan (added by hand), which the samples do not cover. */
  readonly handWritten: boolean;
}

/**
 * Judges the role's trust policy (every statement, however added) against the tokens the pipeline's jobs
 * would carry, one sample job per subject: the subject's project (a wildcard stands for any one project),
 * the job's branch, audience and tier, and the values the subject's claim conditions ask for (those describe
 * the project and runner, which the pipeline does not choose). For unprotected refs, each subject's own refs
 * are sampled too: a role that also admits an unprotected tag or branch hands the same credentials out there.
 */
export function judgeRoleTrust(role: GitLabRunnerRole, job: PipelineJobShape): RoleTrustVerdict {
  const judge = (claims: Record<string, string>) => ({ claims, explanation: role.explain(GitLabTokenClaims.fromJson(JSON.stringify(claims))) });
  const protectedRuns = samples(role, job, { refProtected: true, subjectRefs: false }).map(judge);
  const unprotectedRuns = [
    ...samples(role, job, { refProtected: false, subjectRefs: false }),
    ...samples(role, job, { refProtected: false, subjectRefs: true }),
  ].map(judge);
  const allowed = (run: { explanation: { verdict: GitLabTrustVerdict } }) => run.explanation.verdict === GitLabTrustVerdict.ALLOWED;
  const admitsProtected = protectedRuns.some(allowed);
  const undetermined = [...protectedRuns, ...unprotectedRuns].some((run) => run.explanation.verdict === GitLabTrustVerdict.UNDETERMINED);
  return {
    admitsProtected,
    admitsUnprotected: unprotectedRuns.find(allowed)?.claims.sub,
    refusal: admitsProtected ? undefined : protectedRuns[0]?.explanation.causes[0] ?? 'no statement admits it',
    undetermined: undetermined || protectedRuns.length === 0,
    handWritten: role.assumeRolePolicy!.statementCount > role.jobsPrincipal._plan.statements.length,
  };
}

/** The sample's value of a claim the role compares with deploy-time values only. */
const DEPLOY_TIME_CLAIM = 'deploy-time value';

interface SampleKind {
  readonly refProtected: boolean;
  /** The subject's own ref type and ref (a pattern's instance), instead of the pipeline's branch. */
  readonly subjectRefs: boolean;
}

/** The sample tokens' claims, one per literal subject of the role. */
function samples(role: GitLabRunnerRole, job: PipelineJobShape, kind: SampleKind): Record<string, string>[] {
  const claims: Record<string, string>[] = [];
  for (const statement of role.jobsPrincipal._plan.statements) {
    const base: Record<string, string> = {};
    for (const [claim, values] of statement.claims) {
      // A claim compared with deploy-time values only is still in the job's token: the sample carries it with a
      // stand-in, which the evaluator cannot compare (undetermined) rather than find missing (denied).
      base[claim] = values.find(isLiteral) ?? DEPLOY_TIME_CLAIM;
    }
    for (const subject of statement.subjects) {
      const parts = isLiteral(subject.sub) ? parseSub(subject.sub) : undefined;
      if (!parts) continue;
      const sub = jobSub(parts, job, kind);
      claims.push({
        ...base,
        iss: role.provider.issuerUrl,
        aud: job.audience,
        sub: sub.claim,
        ref_type: sub.refType,
        ref: sub.ref,
        ref_protected: String(kind.refProtected),
      });
    }
  }
  return claims;
}

/** The job's `sub` in the subject's layout, and the ref it names. */
function jobSub(parts: readonly SubPart[], job: PipelineJobShape, kind: SampleKind): { claim: string; ref: string; refType: string } {
  // A wildcard stands for one character here: the sample is one job the pattern admits.
  const subjectRef = subComponent(parts, 'ref');
  const ownRef = subjectRef !== undefined ? instanceOf(subjectRef) : 'main';
  const ref = kind.subjectRefs ? ownRef : job.ref ?? ownRef;
  const refType = kind.subjectRefs ? instanceOf(subComponent(parts, 'ref_type') ?? 'branch') : job.refType;
  const rendered: SubPart[] = [];
  for (const { name, value } of parts) {
    switch (name) {
      case 'ref_type': rendered.push({ name, value: refType }); break;
      case 'ref': rendered.push({ name, value: ref }); break;
      case 'ref_protected': rendered.push({ name, value: String(kind.refProtected) }); break;
      // GitLab leaves the component out for a job whose environment has no tier.
      // Stryker disable next-line ConditionalExpression: a layout with deployment_tier requires a literal subClaimDeploymentTier, which neither a missing component nor "undefined" matches
      case 'deployment_tier': if (job.deploymentTier) rendered.push({ name, value: job.deploymentTier }); break;
      default: rendered.push({ name, value: instanceOf(value) });
    }
  }
  return { claim: renderSub(rendered), ref, refType };
}
