// Git's and GitLab's rules for branch and tag names.
import { fail, show } from '../errors';
import { isLiteral } from '../tokens';

/**
 * A branch or tag short name as GitLab accepts it (lib/gitlab/git_ref_validator.rb: not `HEAD`, not
 * starting with `refs/heads/` or `refs/remotes/`, and `refs/heads/<name>` valid under
 * git-check-ref-format), where `*` is allowed as an explicit wildcard (git refs can never contain it,
 * so it cannot collide with a real name).
 * @param what the kind of ref, for the message ("branch", "tag", "ref")
 */
export function validateRefName(ref: string, what: string): void {
  if (!isLiteral(ref)) return;
  const rule = (text: string) => fail(`${what} name ${text}, got: ${show(ref)}`);
  if (ref.length === 0) rule('must not be empty');
  if (ref === 'HEAD') rule('must not be "HEAD": GitLab refuses it as a branch or tag name');
  if (/^refs\/(heads|remotes)\//.test(ref)) rule('must be the short name ("main", not "refs/heads/main"): GitLab refuses names starting with refs/heads/ or refs/remotes/');
  // Judge the name with each wildcard standing for one ordinary character.
  const name = ref.replace(/\*/g, 'x');
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x20\x7f~^:?[\\]/.test(name)) {
    rule('must not contain white space, control characters or any of ~ ^ : ? [ \\ (git-check-ref-format)');
  }
  if (name.includes('..')) rule('must not contain ".." (git-check-ref-format)');
  if (name.includes('@{')) rule('must not contain "@{" (git-check-ref-format)');
  if (name.startsWith('/') || name.endsWith('/')) rule('must not start or end with "/" (git-check-ref-format)');
  if (name.includes('//')) rule('must not contain "//" (git-check-ref-format)');
  if (name.endsWith('.')) rule('must not end with "." (git-check-ref-format)');
  for (const component of name.split('/')) {
    if (component.startsWith('.')) rule('must not have a component starting with "." (git-check-ref-format)');
    if (component.endsWith('.lock')) rule('must not have a component ending in ".lock" (git-check-ref-format)');
  }
  if (ref.includes('${')) rule('must not contain "${": IAM would read it as a policy variable');
}
