// The claim conditions of a role or subject as claim name to allowed values: validated, and ANDed
// where the role's and a subject's constrain the same claim.
import { GitLabClaimConditions } from '../claim-conditions';
import { fail, show } from './errors';
import { gitLabIdProblem } from './rules/gitlab-paths';
import { isExactValue } from './rules/iam-strings';
import { isListToken, isLiteral } from './tokens';

/** The claims STS sets as `gitlab.com:<claim>` condition keys, in a fixed rendering order. */
export const EVALUATED_CLAIMS = [
  'namespace_id', 'pipeline_source', 'project_id', 'ref_protected', 'runner_environment',
  'user_access_level', 'user_email', 'user_id', 'user_login',
] as const;

/** The claims no IAM condition key exists for, with what to use instead. */
const UNEVALUATED_CLAIMS: Record<string, string> = {
  project_path: 'the sub claim (GitLabSubject.project())',
  namespace_path: 'the sub claim (GitLabSubject.group()) or namespaceIds',
  ref: 'the sub claim (branch()/tag())',
  ref_type: 'the sub claim (branch()/tag())',
  ref_path: 'the sub claim (branch()/tag())',
  environment: 'a sub claim layout with environment_protected or deployment_tier',
  environment_protected: 'a sub claim layout with environment_protected',
  deployment_tier: 'a sub claim layout with deployment_tier',
};

/** Claim name to allowed values; an absent claim is unconstrained. */
export type ClaimValues = Map<string, string[]>;

/**
 * The conditions as claim name to allowed values, validated.
 * @param what where the conditions come from, for messages
 */
export function claimValues(conditions: GitLabClaimConditions, what: string): ClaimValues {
  const values: ClaimValues = new Map();
  const set = (claim: string, list: readonly (string | number | boolean)[] | undefined) => {
    if (list === undefined) return;
    if (list.length === 0) fail(`${what}: ${claim} must list at least one value (an empty list admits no job), got: []`);
    // String() keeps a number token resolvable (CDK resolves a stringified number token to its reference).
    const strings = [...new Set(list.map(String))];
    for (const value of strings) {
      // Deploy-time values and lists (a parameter, Fn.split) are judged by IAM alone; a list token is one
      // unresolved element, so it passes here unchanged and intersect() refuses to combine it.
      if (isLiteral(value) && (value.length === 0 || !isExactValue(value))) {
        fail(`${what}: ${claim} values are compared with StringEquals and must not be empty or contain "*", "?" or "\${", got: ${show(value)}`);
      }
    }
    values.set(claim, previous(claim, strings));
  };
  const previous = (claim: string, list: string[]) => {
    const earlier = values.get(claim);
    return earlier ? intersect(earlier, list, claim, what) : list;
  };
  for (const id of [...conditions.projectIds ?? [], ...conditions.namespaceIds ?? [], ...conditions.userIds ?? []]) {
    const problem = gitLabIdProblem(id);
    if (problem) fail(`${what}: a GitLab ID ${problem}, got: ${show(id)}`);
  }
  set('project_id', conditions.projectIds);
  set('namespace_id', conditions.namespaceIds);
  set('ref_protected', conditions.refProtected === undefined ? undefined : [conditions.refProtected]);
  set('runner_environment', conditions.runnerEnvironment && [conditions.runnerEnvironment.value]);
  set('pipeline_source', conditions.pipelineSources?.map((s) => s.value));
  set('user_access_level', conditions.userAccessLevels?.map((l) => l.value));
  set('user_id', conditions.userIds);
  set('user_login', conditions.userLogins);
  set('user_email', conditions.userEmails);
  for (const [claim, list] of Object.entries(conditions.claims ?? {})) {
    if (!(EVALUATED_CLAIMS as readonly string[]).includes(claim)) {
      const instead = UNEVALUATED_CLAIMS[claim];
      fail(`${what}: IAM cannot evaluate a condition on the "${claim}" claim: STS sets no condition key for it, so the condition ` +
        `would never match and the role would be unusable${instead ? `; use ${instead} instead` : ''}. ` +
        `Claims IAM evaluates for gitlab.com: ${EVALUATED_CLAIMS.join(', ')}, got: ${show(claim)}`);
    }
    set(claim, list);
  }
  return values;
}

/** Both constraints on one claim at once: only values both allow. */
function intersect(a: readonly string[], b: readonly string[], claim: string, what: string): string[] {
  if (isListToken(a) || isListToken(b)) {
    // IAM ORs the values of one condition key, and a statement holds each key once: two lists on one claim
    // can only be ANDed by intersecting them, which needs both known at synth time.
    fail(`${what}: two conditions on ${claim} cannot be combined when one is a deploy-time list (its values are unknown until deploy); ` +
      `set ${claim} in one place, got: ${show(a)} and ${show(b)}`);
  }
  const both = a.filter((v) => b.includes(v));
  if (both.length === 0) {
    fail(`${what}: the role's and the subject's conditions on ${claim} have no value in common (${show(a)} and ${show(b)}), so no job could match`);
  }
  return both;
}

/** Two sets of claim constraints, ANDed. */
export function combineClaimValues(role: ClaimValues, subject: ClaimValues, what: string): ClaimValues {
  const combined: ClaimValues = new Map(role);
  for (const [claim, list] of subject) {
    const previous = combined.get(claim);
    combined.set(claim, previous ? intersect(previous, list, claim, what) : list);
  }
  return combined;
}
