// GitLab's rules for project and group paths and for the numeric IDs of projects, groups and users.
//
// Paths (lib/gitlab/path_regex.rb, app/models/namespace.rb): each segment starts with a letter, digit,
// "_" or "." and continues with those or "-", and must not end in ".git" or ".atom"; a namespace (group
// or subgroup) segment must also not end in "." (NAMESPACE_FORMAT_REGEX), which a project's own segment
// may (PROJECT_PATH_FORMAT_REGEX). A namespace has at most 20 ancestors, so a project path has at most
// 22 segments.
import { fail, show } from '../errors';
import { isLiteral, isLiteralNumber } from '../tokens';
import { hasWildcard } from './iam-strings';

const MAX_PATH_SEGMENTS = 22;
const MAX_SEGMENT_LENGTH = 255;

/** What a path names: a project (`group/…/project`) or a group (`group/…/subgroup`). */
export type GitLabPathKind = 'project' | 'group';

/**
 * A GitLab project or group full path such as `mygroup/sub/project`, when it is a literal.
 * @param kind a project's path has at least 2 segments and its last is the project's; a group's are all namespaces
 */
export function validateGitLabPath(path: string, kind: GitLabPathKind): void {
  if (!isLiteral(path)) return;
  const problem = gitLabPathProblem(path, kind);
  if (problem) fail(`GitLab ${kind} path ${problem}, got: ${show(path)}`);
}

/** What breaks GitLab's path rules in a literal path, if anything. */
export function gitLabPathProblem(path: string, kind: GitLabPathKind): string | undefined {
  if (path.length === 0) return 'must not be empty';
  if (hasWildcard(path)) {
    return 'must not contain "*" or "?": GitLab paths never do, and in a policy they are wildcards (use GitLabSubject.group() for every project of a group)';
  }
  if (path.startsWith('/') || path.endsWith('/')) return 'must not start or end with "/"';
  if (path.includes('//')) return 'must not contain an empty segment ("//")';
  const segments = path.split('/');
  const minSegments = kind === 'project' ? 2 : 1;
  if (segments.length < minSegments) return `must have at least ${minSegments} segments ("group/project")`;
  if (segments.length > MAX_PATH_SEGMENTS) return `must have at most ${MAX_PATH_SEGMENTS} segments (GitLab allows 20 nested subgroups)`;
  const namespaces = kind === 'project' ? segments.length - 1 : segments.length;
  for (const [i, segment] of segments.entries()) {
    // Here, not a module constant, so that mutation testing measures the tests of it (see iam-strings.ts).
    if (!/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/.test(segment)) {
      return `segment ${show(segment)} must start with a letter, digit, "_" or "." and contain only letters, digits, "_", "." and "-"`;
    }
    if (/\.(git|atom)$/.test(segment)) return `segment ${show(segment)} must not end in ".git" or ".atom"`;
    if (i < namespaces && segment.endsWith('.')) return `group segment ${show(segment)} must not end in "." (GitLab's namespace rule)`;
    if (segment.length > MAX_SEGMENT_LENGTH) return `segment must be at most ${MAX_SEGMENT_LENGTH} characters`;
  }
  return undefined;
}

/**
 * What is wrong with a GitLab ID (project, namespace, user), if anything: it is a positive integer that
 * JavaScript holds exactly, so that it renders as its digits (`1e+21` is no ID).
 */
export function gitLabIdProblem(id: number): string | undefined {
  if (!isLiteralNumber(id)) return undefined;
  if (!Number.isInteger(id) || id <= 0) return 'must be a positive integer';
  if (!Number.isSafeInteger(id)) return `must be at most ${Number.MAX_SAFE_INTEGER}: larger numbers lose digits in JavaScript`;
  return undefined;
}
