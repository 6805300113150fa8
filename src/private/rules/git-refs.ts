// Git's and GitLab's rules for branch and tag names.
import { fail, show } from '../errors';
import { isLiteral } from '../tokens';
import { hasPolicyVariable } from './iam-strings';

/**
 * A branch or tag short name as GitLab accepts it (lib/gitlab/git_ref_validator.rb: not `HEAD`, not
 * starting with `refs/heads/` or `refs/remotes/`, and `refs/heads/<name>` valid under
 * git-check-ref-format), where `*` is allowed as an explicit wildcard (git refs can never contain it,
 * so it cannot collide with a real name).
 * @param what the kind of ref, for the message ("branch", "tag", "ref")
 */
export function validateRefName(ref: string, what: string): void {
  if (!isLiteral(ref)) return;
  // Judge the name with each wildcard standing for one ordinary character.
  const problem = refNameProblem(ref.replace(/\*/g, 'x'));
  if (problem) fail(`${what} name ${problem}, got: ${show(ref)}`);
  if (hasPolicyVariable(ref)) fail(`${what} name must not contain "\${": IAM would read it as a policy variable, got: ${show(ref)}`);
}

/** The rule a branch or tag short name breaks, or undefined when GitLab accepts it. */
export function refNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'must not be empty';
  if (name === 'HEAD') return 'must not be "HEAD": GitLab refuses it as a branch or tag name';
  // lib/gitlab/git_ref_validator.rb: DISALLOWED_PREFIXES = %w[-] (git commands would read such a name as an option).
  if (name.startsWith('-')) return 'must not start with "-": GitLab refuses it (git would read it as an option)';
  if (/^refs\/(heads|remotes)\//.test(name)) return 'must be the short name ("main", not "refs/heads/main"): GitLab refuses names starting with refs/heads/ or refs/remotes/';
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?[\\]/.test(name)) return 'must not contain white space, control characters or any of ~ ^ : ? [ \\ (git-check-ref-format)';
  if (name.includes('..')) return 'must not contain ".." (git-check-ref-format)';
  if (name.includes('@{')) return 'must not contain "@{" (git-check-ref-format)';
  if (name.startsWith('/') || name.endsWith('/')) return 'must not start or end with "/" (git-check-ref-format)';
  if (name.includes('//')) return 'must not contain "//" (git-check-ref-format)';
  if (name.endsWith('.')) return 'must not end with "." (git-check-ref-format)';
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return 'must not have a component starting with "." (git-check-ref-format)';
    if (component.endsWith('.lock')) return 'must not have a component ending in ".lock" (git-check-ref-format)';
  }
  return undefined;
}
