// The legal but risky choices in a planned trust, decided on what each subject's builder wrote (its
// SubjectScope) and on whether it holds a deploy-time value.
import { GitLabSubject } from '../subject';
import { show } from './errors';
import { isLiteral } from './tokens';
import { TrustPlan } from './trust-plan';
import { Warning } from './warnings';

/** Every warning the planned trust deserves, statement by statement, subject by subject. */
export function trustWarnings(plan: TrustPlan): Warning[] {
  const warnings: Warning[] = [];
  for (const statement of plan.statements) {
    // A protected-ref condition keeps "any branch" to the branches maintainers control.
    const protectedRefs = statement.claims.get('ref_protected')?.join() === 'true';
    for (const subject of statement.subjects) {
      if (!protectedRefs) warnings.push(...anyRef(subject), ...refPattern(subject));
      warnings.push(...deployTimePattern(subject), ...projectWildcard(subject));
    }
  }
  return warnings;
}

/**
 * A subject that admits any branch or tag name (`anyBranch()`, `branch('**')`, a layout without `ref`,
 * a raw pattern whose ref is a wildcard) lets anyone who can push a branch or tag to the project assume
 * the role: legal, but worth a conscious decision.
 */
function anyRef(subject: GitLabSubject): Warning[] {
  if (!subject._scope.anyRef || subject._scope.protectedOnly) return [];
  return [{
    id: 'cdk-gitlab-oidc:anyRef',
    message: `subject ${show(subject.sub)} admits jobs of any branch or tag: anyone who can push one to the project can assume this role. ` +
      'Prefer named branches or tags, require protected refs (claimConditions.refProtected), or acknowledge this warning.',
  }];
}

/**
 * A subject whose ref is a pattern (`branch('release/*')`, `tag('v*')`) admits every branch or tag that matches it,
 * pushed by anyone who may push one (a Developer, unless the pattern is protected): what `cdk-gitlab-oidc audit` reports
 * as `any-ref`.
 */
function refPattern(subject: GitLabSubject): Warning[] {
  if (!subject._scope.refPattern || subject._scope.protectedOnly) return [];
  return [{
    id: 'cdk-gitlab-oidc:refPattern',
    message: `subject ${show(subject.sub)} admits every branch or tag its ref pattern matches, unprotected ones included: anyone who can push one ` +
      'to the project can assume this role. Require protected refs (claimConditions.refProtected) and protect the pattern in GitLab, or ' +
      'acknowledge this warning.',
  }];
}

/**
 * A pattern subject (matched with `StringLike`) that holds a deploy-time value: IAM would read a `*` or
 * `?` in that value as a wildcard, and no synth-time check can see it.
 */
function deployTimePattern(subject: GitLabSubject): Warning[] {
  if (!subject.isPattern || isLiteral(subject.sub)) return [];
  return [{
    id: 'cdk-gitlab-oidc:deployTimeValueInPattern',
    message: `subject ${show(subject.sub)} is a pattern (StringLike) that holds a deploy-time value: a "*" or "?" in that value would ` +
      'widen it to other projects or refs. Make sure the parameter or import can only hold a GitLab path, ID or ref name ' +
      '(e.g. an allowedPattern on the parameter), or acknowledge this warning.',
  }];
}

/** A raw subject that opted into a project pattern (`allowProjectWildcards`) admits projects it does not name. */
function projectWildcard(subject: GitLabSubject): Warning[] {
  if (!subject._scope.projectWildcard) return [];
  return [{
    id: 'cdk-gitlab-oidc:projectWildcard',
    message: `subject ${show(subject.sub)} admits every project whose path matches its pattern, including projects created later ` +
      'in the group by anyone allowed to. Prefer GitLabSubject.project() for each project, or acknowledge this warning.',
  }];
}
