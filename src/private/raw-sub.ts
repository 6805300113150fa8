// A raw `sub` (GitLabSubject.fromSub()): the rules it must follow, and what it admits of refs, read
// from the value the user wrote.
import { fail, show } from './errors';
import { gitLabPathProblem } from './rules/gitlab-paths';
import { hasPolicyVariable, hasWildcard } from './rules/iam-strings';
import { parseSub, subComponent } from './rules/sub-claim';
import { refScope, SubjectScope } from './subject-scope';
import { isLiteral } from './tokens';

/**
 * Rules for a raw `sub`: it names a project (by path or ID) or every project of a group. A wider
 * project pattern needs `allowProjectWildcards` and a literal top-level group, so no wildcard can
 * reach into another top-level group or another project ID. Returns whether the project part is such
 * a wider pattern.
 */
export function validateRawSub(sub: string, allowProjectWildcards: boolean): boolean {
  if (!isLiteral(sub)) return false;
  const rule = (text: string) => fail(`GitLab sub ${text}, got: ${show(sub)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(sub)) rule('must not contain white space or control characters');
  if (hasPolicyVariable(sub)) rule('must not contain "${": IAM would read it as a policy variable');
  // Stryker disable next-line Regex: the "$" is implied; "." matches all but line terminators, which the check above refused
  const match = /^(project_path|project_id):([^:]*)(:.*)?$/.exec(sub);
  if (!match) rule('must start with "project_path:" or "project_id:" (GitLab always puts the project first)');
  const [, key, project] = match!;
  if (key === 'project_id') {
    if (!/^[1-9][0-9]*$/.test(project)) rule('must name one project ID, digits only and no wildcard');
    return false;
  }
  if (!hasWildcard(project)) {
    const problem = gitLabPathProblem(project, 'project');
    if (problem) rule(`project path ${problem}`);
    return false;
  }
  // Every project of a group, as GitLabSubject.group() writes it: a literal group path, then "/*".
  const group = /^([^*?]+)\/\*+$/.exec(project)?.[1];
  if (group !== undefined) {
    // Stryker disable next-line StringLiteral: any kind but 'project' reads as a group
    const problem = gitLabPathProblem(group, 'group');
    if (problem) rule(`group path ${problem}`);
    return false;
  }
  const slash = project.indexOf('/');
  const top = slash < 0 ? project : project.slice(0, slash);
  if (hasWildcard(top)) {
    rule('must name a literal top-level group before any wildcard ("project_path:mygroup/*"): otherwise it trusts projects of other groups');
  }
  // Stryker disable next-line StringLiteral: any kind but 'project' reads as a group
  const problem = gitLabPathProblem(top, 'group');
  if (problem) rule(`top-level group ${problem}`);
  if (!allowProjectWildcards) {
    rule('must name one project or every project of a group ("project_path:mygroup/*"): a wildcard inside a project path ' +
      '("mygroup/api*") also admits other projects ("mygroup/api-evil"); pass allowProjectWildcards: true if that is intended');
  }
  return true;
}


/**
 * What a raw `sub` admits of refs, read from the value the user wrote (`name:value` components): any ref
 * when it has no `ref` component (a wildcard standing for the rest included) or its `ref` is wildcards only.
 * A deploy-time `sub` is judged by IAM alone.
 */
export function rawRefScope(sub: string): Pick<SubjectScope, 'anyRef' | 'refPattern' | 'protectedOnly'> {
  if (!isLiteral(sub)) {
    // Stryker disable next-line ObjectLiteral: an absent anyRef reads as false
    return {
      anyRef: false,
      refPattern: false,
      // Stryker disable next-line BooleanLiteral: protectedOnly only matters when anyRef is true
      protectedOnly: false,
    };
  }
  // validateRawSub() made sure the sub starts with its project: it parses.
  const parts = parseSub(sub);
  return { ...refScope(subComponent(parts, 'ref')), protectedOnly: subComponent(parts, 'ref_protected') === 'true' };
}
