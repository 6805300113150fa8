// What a subject spec means, written from GitLab's semantics and independently of the library's
// rendering code, and generators of specs and of jobs that are mostly near misses of them.
import * as fc from 'fast-check';
import { JobSpec } from './issuer';
import { GitLabSubClaimComponent, GitLabSubClaimLayout, GitLabSubject } from '../../../src';

export type RefSpec =
  | { readonly kind: 'branch' | 'tag' | 'ref'; readonly name: string }
  | { readonly kind: 'anyBranch' | 'anyTag' | 'anyRef' };

/**
 * "Jobs of this project (or every project below this group) for these refs". The spec's project
 * declares the sub layout its top-level group uses (layoutOf), as a user would.
 */
export interface SubjectSpec {
  readonly scope: 'project' | 'group';
  readonly path: string;
  readonly ref: RefSpec;
  /** For a layout with ref_protected: only protected (true) or unprotected (false) refs. */
  readonly refProtected?: boolean;
}

// The generated world: every top-level group uses one sub layout for all its projects, and every
// project has one ID. Most groups keep GitLab's default layout.
const LAYOUTS: string[][] = [
  ['project_path', 'ref', 'ref_type'],
  ['project_path', 'ref'],
  ['project_path', 'ref_type'],
  ['project_path'],
  ['project_path', 'ref_type', 'ref', 'ref_protected'],
  ['project_id', 'ref_type', 'ref'],
  ['project_id', 'ref'],
];
const DEFAULT_LAYOUT = ['project_path', 'ref_type', 'ref'];

/** The sub layout of every project below a path's top-level group. */
export function layoutOf(path: string): string[] {
  const top = path.split('/')[0];
  const hash = [...top].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 1_000_003, 7);
  return hash % 3 === 0 ? LAYOUTS[Math.floor(hash / 3) % LAYOUTS.length] : DEFAULT_LAYOUT;
}

const projectIds = new Map<string, number>();
/** A project's ID: distinct for every path. */
export function idOf(path: string): number {
  if (!projectIds.has(path)) projectIds.set(path, 1000 + projectIds.size);
  return projectIds.get(path)!;
}

/** The library subject for a spec, through its public builder API. */
export function toSubject(spec: SubjectSpec): GitLabSubject {
  const components = layoutOf(spec.path);
  const options = components === DEFAULT_LAYOUT ? {} : {
    subClaimLayout: GitLabSubClaimLayout.of(...components.map((c) => COMPONENTS[c])),
    subClaimRefProtected: spec.refProtected,
  };
  const scope = components[0] === 'project_id' ? GitLabSubject.projectId(idOf(spec.path), options)
    : spec.scope === 'project' ? GitLabSubject.project(spec.path, options) : GitLabSubject.group(spec.path, options);
  switch (spec.ref.kind) {
    case 'branch': return scope.branch(spec.ref.name);
    case 'tag': return scope.tag(spec.ref.name);
    case 'ref': return scope.ref(spec.ref.name);
    case 'anyBranch': return scope.anyBranch();
    case 'anyTag': return scope.anyTag();
    case 'anyRef': return scope.anyRef();
  }
}

const COMPONENTS: Record<string, GitLabSubClaimComponent> = {
  project_path: GitLabSubClaimComponent.PROJECT_PATH,
  project_id: GitLabSubClaimComponent.PROJECT_ID,
  ref_type: GitLabSubClaimComponent.REF_TYPE,
  ref: GitLabSubClaimComponent.REF,
  ref_protected: GitLabSubClaimComponent.REF_PROTECTED,
};

/** Whether the spec admits a job: the oracle. */
export function admits(spec: SubjectSpec, job: Pick<JobSpec, 'projectPath' | 'refType' | 'ref' | 'refProtected'>): boolean {
  const inScope = spec.scope === 'project' ? job.projectPath === spec.path : job.projectPath.startsWith(`${spec.path}/`);
  if (!inScope) return false;
  if (spec.refProtected !== undefined && job.refProtected !== spec.refProtected) return false;
  switch (spec.ref.kind) {
    case 'anyRef': return true;
    case 'anyBranch': return job.refType === 'branch';
    case 'anyTag': return job.refType === 'tag';
    case 'ref': return wildcardMatch(spec.ref.name, job.ref);
    default: return job.refType === spec.ref.kind && wildcardMatch(spec.ref.name, job.ref);
  }
}

/** Whether `value` matches `pattern`, where each `*` stands for any run of characters (even none). */
export function wildcardMatch(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const [first, ...rest] = parts;
  const last = rest.pop()!;
  if (!value.startsWith(first) || value.length < first.length + last.length || !value.endsWith(last)) return false;
  let at = first.length;
  const end = value.length - last.length;
  for (const middle of rest) {
    const found = value.indexOf(middle, at);
    if (found < 0 || found + middle.length > end) return false;
    at = found + middle.length;
  }
  return true;
}

// Real values, by GitLab's and git's rules (checked here, not by the library's validators):
// lib/gitlab/path_regex.rb (a namespace segment may not end in "."; a project's may) and
// lib/gitlab/git_ref_validator.rb (not HEAD, not refs/heads/… or refs/remotes/…, git-check-ref-format).
const SEGMENT = /^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/;
const NAMESPACE_SEGMENT = /^(?:[A-Za-z0-9_.][A-Za-z0-9_.-]*[A-Za-z0-9_-]|[A-Za-z0-9_])$/;
const segmentOk = (segment: string, pattern: RegExp) => pattern.test(segment) && !/\.(git|atom)$/.test(segment);
export function isGitLabGroupPath(path: string): boolean {
  return path.split('/').every((s) => segmentOk(s, NAMESPACE_SEGMENT));
}
export function isGitLabPath(path: string): boolean {
  const segments = path.split('/');
  return isGitLabGroupPath(segments.slice(0, -1).join('/')) && segmentOk(segments[segments.length - 1], SEGMENT);
}
export function isRefName(ref: string): boolean {
  return ref.length > 0 && ref !== 'HEAD' && !/^refs\/(heads|remotes)\//.test(ref) && !/[\s~^:?*[\\]|\.\.|@\{|\/\/|^\/|\/$|\.$/.test(ref) &&
    ref.split('/').every((c) => !c.startsWith('.') && !c.endsWith('.lock'));
}

// Small alphabets, so that generated values often collide with, or nearly match, each other.
const segmentArb = fc.stringMatching(/^[ab1_.][abA1_.-]{0,3}$/);
const refComponentArb = fc.stringMatching(/^[abM1_][abM1_.-]{0,3}$/);
const refNameArb = fc.array(refComponentArb, { minLength: 1, maxLength: 3 }).map((c) => c.join('/')).filter(isRefName);
const groupPathArb = fc.array(segmentArb, { minLength: 1, maxLength: 3 }).map((s) => s.join('/')).filter(isGitLabGroupPath);

/** A ref name with one or two runs replaced by the explicit `*` wildcard. */
const refPatternArb = fc.tuple(refNameArb, fc.nat(), fc.nat(), fc.boolean()).map(([name, a, b, twice]) => {
  const cut = (s: string, i: number, j: number) => {
    const from = i % (s.length + 1);
    const to = from + (j % (s.length - from + 1));
    return `${s.slice(0, from)}*${s.slice(to)}`;
  };
  const once = cut(name, a, b);
  return twice ? cut(once, b, a) : once;
}).map((p) => p.replace(/\*{2,}/g, '*')).filter((p) => isRefName(p.replace(/\*/g, 'x')));

const refSpecArb: fc.Arbitrary<RefSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constantFrom('branch' as const, 'tag' as const, 'ref' as const), name: refNameArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constantFrom('branch' as const, 'tag' as const, 'ref' as const), name: refPatternArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('anyBranch' as const, 'anyTag' as const, 'anyRef' as const) }) },
);

/** A spec the declared layout can express: ref names need `ref`, branch/tag need `ref_type`. */
function expressible(spec: SubjectSpec): SubjectSpec {
  const layout = layoutOf(spec.path);
  const scope = layout[0] === 'project_id' ? 'project' : spec.scope;
  const path = scope === 'project' && spec.scope === 'group' ? `${spec.path}/p` : spec.path;
  const refProtected = layout.includes('ref_protected') ? spec.refProtected : undefined;
  const { kind } = spec.ref;
  const needsType = kind === 'branch' || kind === 'tag' || kind === 'anyBranch' || kind === 'anyTag';
  const needsName = kind === 'branch' || kind === 'tag' || kind === 'ref';
  const ref: RefSpec = (needsType && !layout.includes('ref_type')) || (needsName && !layout.includes('ref'))
    ? { kind: 'anyRef' } : spec.ref;
  return { scope, path, ref, refProtected };
}

export const subjectSpecArb: fc.Arbitrary<SubjectSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ scope: fc.constant('project' as const), path: fc.tuple(groupPathArb, segmentArb).map(([g, p]) => `${g}/${p}`), ref: refSpecArb, refProtected: fc.option(fc.boolean(), { nil: undefined }) }) },
  { weight: 1, arbitrary: fc.record({ scope: fc.constant('group' as const), path: groupPathArb, ref: refSpecArb, refProtected: fc.option(fc.boolean(), { nil: undefined }) }) },
).map(expressible);

/** Edits that turn a real value into a near miss of it. */
const nearMissArb = (value: string, alphabet: string): fc.Arbitrary<string> => value.length === 0 ? fc.constant(alphabet[0]) : fc.oneof(
  fc.constantFrom(...alphabet.split('')).map((c) => `${value}${c}`),
  fc.constantFrom(...alphabet.split('')).map((c) => `${c}${value}`),
  fc.nat().map((i) => {
    const at = i % value.length;
    const c = value[at];
    const flipped = c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase();
    return `${value.slice(0, at)}${flipped}${value.slice(at + 1)}`;
  }),
  fc.nat().map((i) => value.length > 1 ? value.slice(0, i % value.length) + value.slice((i % value.length) + 1) : `${value}a`),
  fc.constant(`${value}/a`),
  fc.constant(value.includes('/') ? value.slice(0, value.lastIndexOf('/')) : `${value}-evil`),
);

/** A project path that a spec admits, or a near miss of one. */
function projectPathArb(spec: SubjectSpec): fc.Arbitrary<string> {
  const admitted = spec.scope === 'project'
    ? fc.constant(spec.path)
    : fc.array(segmentArb, { minLength: 1, maxLength: 2 }).map((s) => `${spec.path}/${s.join('/')}`);
  return fc.oneof({ weight: 3, arbitrary: admitted }, { weight: 2, arbitrary: admitted.chain((p) => nearMissArb(p, 'aA1-./')) })
    .filter((p) => p.includes('/') && isGitLabPath(p));
}

/** A ref a spec admits, or a near miss of one. */
function refArb(ref: RefSpec): fc.Arbitrary<string> {
  if (!('name' in ref)) return refNameArb;
  const filled = fc.array(fc.stringMatching(/^[abM1/_.-]{0,3}$/), { minLength: 2, maxLength: 2 })
    .map(([x, y]) => ref.name.replace('*', x).replace('*', y));
  return fc.oneof({ weight: 3, arbitrary: filled }, { weight: 2, arbitrary: filled.chain((r) => nearMissArb(r, 'aM1-./')) }, { weight: 1, arbitrary: refNameArb })
    .filter(isRefName);
}

/** A job near one of the role's subjects, or an unrelated one. */
export function jobArb(specs: readonly SubjectSpec[], audiences: readonly string[]): fc.Arbitrary<JobSpec> {
  const near = fc.constantFrom(...specs).chain((spec) => fc.record({
    projectPath: projectPathArb(spec),
    refType: spec.ref.kind === 'tag' || spec.ref.kind === 'anyTag'
      ? fc.constantFrom('tag' as const, 'tag' as const, 'branch' as const)
      : fc.constantFrom('branch' as const, 'branch' as const, 'tag' as const),
    ref: refArb(spec.ref),
    aud: fc.constantFrom(...audiences),
    refProtected: fc.boolean(),
  }));
  const unrelated = fc.record({
    projectPath: fc.tuple(groupPathArb, segmentArb).map(([g, p]) => `${g}/${p}`).filter(isGitLabPath),
    refType: fc.constantFrom('branch' as const, 'tag' as const),
    ref: refNameArb,
    aud: fc.constantFrom(...audiences),
    refProtected: fc.boolean(),
  });
  // Every job carries its project's real ID and sub layout, as GitLab would issue it.
  return fc.oneof({ weight: 9, arbitrary: near }, { weight: 1, arbitrary: unrelated })
    .map((job) => ({ ...job, projectId: idOf(job.projectPath), subClaimComponents: layoutOf(job.projectPath) }));
}
