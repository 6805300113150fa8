import { claimValues, GitLabClaimConditions } from './claim-conditions';
import { SubjectScope } from './private/subject-scope';
import { GitLabDeploymentTier, GitLabSubClaimComponent, GitLabSubClaimLayout } from './sub-claim';
import { fail, gitLabIdProblem, gitLabPathProblem, isLiteral, numberText, show, validateGitLabPath, validateRefName } from './validation';

/**
 * Options of a subject's project: the `sub` layout it uses, and values for the layout's optional
 * components.
 */
export interface GitLabSubjectOptions {
  /**
   * The layout of the project's `sub` claim, if the project changed `ci_id_token_sub_claim_components`.
   *
   * @default - GitLab's default (`GitLabSubClaimLayout.DEFAULT`), or `GitLabSubClaimLayout.PROJECT_ID`
   * for `GitLabSubject.projectId()`
   */
  readonly subClaimLayout?: GitLabSubClaimLayout;

  /**
   * For a layout with `ref_protected`: `true` admits only protected branches and tags, `false` only
   * unprotected ones. Works on every GitLab instance, unlike the gitlab.com-only claim condition.
   *
   * @default - protected or not
   */
  readonly refProtected?: boolean;

  /**
   * For a layout with `environment_protected`: only jobs whose environment is (or is not) protected.
   * Required when the layout has the component: GitLab leaves it out of jobs without an environment.
   *
   * @default - the layout must not have `environment_protected`
   */
  readonly environmentProtected?: boolean;

  /**
   * For a layout with `deployment_tier`: only jobs whose environment has this tier.
   * Required when the layout has the component: GitLab leaves it out of jobs without an environment.
   *
   * @default - the layout must not have `deployment_tier`
   */
  readonly deploymentTier?: GitLabDeploymentTier;
}

/**
 * Which GitLab jobs may assume a role, as a value of the ID token's `sub` claim.
 *
 * GitLab's default `sub` is `project_path:{group}/{project}:ref_type:{branch|tag}:ref:{name}`.
 * Build subjects with the typed factories, which validate every part and render the exact claim:
 *
 * ```ts
 * GitLabSubject.project('mygroup/myproject').branch('main');
 * GitLabSubject.project('mygroup/myproject').tag('v*');
 * GitLabSubject.group('mygroup').anyRef();
 * GitLabSubject.projectId(4211006).branch('main');
 * ```
 *
 * A subject that contains `*` is a pattern and is matched with IAM's `StringLike`. IAM's `*` also
 * matches `/` and `:`, so the factories only ever put it where GitLab's own syntax bounds it.
 */
export class GitLabSubject {
  /**
   * Jobs of one project, identified by its full path (`group/subgroup/project`).
   *
   * The path must be the project's canonical path, in its canonical case: IAM compares it
   * case-sensitively.
   * @param path the project's full path, e.g. `mygroup/myproject`
   * @param options the project's `sub` layout
   */
  public static project(path: string, options: GitLabSubjectOptions = {}): GitLabSubjectBuilder {
    validateGitLabPath(path, 'project');
    return GitLabSubjectBuilder._create(path, options, GitLabSubClaimComponent.PROJECT_PATH, 'GitLabSubject.project()');
  }

  /**
   * Jobs of every project in a group and in all its subgroups, at any depth.
   *
   * Renders `project_path:{group}/*`: the `/` keeps groups whose name merely starts with
   * this one (`mygroup-evil`) out.
   * @param path the group's full path, e.g. `mygroup` or `mygroup/subgroup`
   * @param options the `sub` layout the group's projects use
   */
  public static group(path: string, options: GitLabSubjectOptions = {}): GitLabSubjectBuilder {
    validateGitLabPath(path, 'group');
    return GitLabSubjectBuilder._create(`${path}/*`, options, GitLabSubClaimComponent.PROJECT_PATH, 'GitLabSubject.group()');
  }

  /**
   * Jobs of one project, identified by its immutable ID, for projects whose `sub` starts with
   * `project_id` (the fix GitLab documents when a project's path was used by another project before).
   * @param id the project's numeric ID
   * @param options the project's `sub` layout
   */
  public static projectId(id: number, options: GitLabSubjectOptions = {}): GitLabSubjectBuilder {
    const problem = gitLabIdProblem(id);
    if (problem) fail(`GitLab project ID ${problem}, got: ${show(id)}`);
    const layout = options.subClaimLayout ?? GitLabSubClaimLayout.PROJECT_ID;
    return GitLabSubjectBuilder._create(numberText(id), { ...options, subClaimLayout: layout }, GitLabSubClaimComponent.PROJECT_ID, 'GitLabSubject.projectId()');
  }

  /**
   * A raw `sub` value, for layouts the typed factories do not cover.
   *
   * The value is validated: it must start with `project_path:` or `project_id:` and must not contain
   * white space or `${`. Its project part names one project (`project_path:g/p:…`, `project_id:42:…`)
   * or every project of a group (`project_path:g/*…`, as `GitLabSubject.group()`); any other wildcard
   * there (`project_path:g/api*:…`, which also admits `g/api-evil`) is refused unless
   * `allowProjectWildcards` says so, and even then it must start with a literal top-level group.
   * @param sub the exact claim value or `StringLike` pattern
   * @param options whether the project part may be a wider pattern
   */
  public static fromSub(sub: string, options: GitLabRawSubjectOptions = {}): GitLabSubject {
    const projectWildcard = validateRawSub(sub, options.allowProjectWildcards ?? false);
    return new GitLabSubject(sub, { ...rawRefScope(sub), projectWildcard });
  }

  /** @internal */
  public static _create(sub: string, scope: SubjectScope): GitLabSubject {
    return new GitLabSubject(sub, scope);
  }

  /**
   * The `sub` claim value (or pattern) this subject renders into the trust policy.
   */
  public readonly sub: string;

  /**
   * Whether the subject is a `StringLike` pattern rather than one exact value: whether the code that
   * built it wrote a `*` or `?`. A deploy-time value inside a subject never makes it a pattern: under
   * `StringEquals` it is compared as it is.
   */
  public readonly isPattern: boolean;

  /**
   * Conditions on gitlab.com's extra claims that apply to this subject only.
   *
   * @default - only the role's claim conditions
   */
  public readonly claimConditions?: GitLabClaimConditions;

  /**
   * What the subject admits, as the code that built it wrote it.
   * @internal
   */
  public readonly _scope: SubjectScope;

  private constructor(sub: string, scope: SubjectScope, claimConditions?: GitLabClaimConditions) {
    this.sub = sub;
    this._scope = scope;
    // A deploy-time value's placeholder holds neither wildcard: only the literal text is judged.
    this.isPattern = /[*?]/.test(sub);
    this.claimConditions = claimConditions;
  }

  /**
   * The same subject, admitted only when these gitlab.com claim conditions hold too.
   *
   * The role renders such a subject in a trust statement of its own, so its conditions neither
   * narrow nor widen what the role's other subjects admit.
   * @param conditions the conditions, ANDed with the role's own `claimConditions`
   */
  public withClaimConditions(conditions: GitLabClaimConditions): GitLabSubject {
    claimValues(conditions, `subject ${show(this.sub)}`);
    return new GitLabSubject(this.sub, this._scope, conditions);
  }

  /**
   * The rendered `sub` value.
   */
  public toString(): string {
    return this.sub;
  }
}

/**
 * What a raw `sub` admits of refs, read from the value the user wrote (`name:value` components): any ref
 * when it has no `ref` component (a wildcard standing for the rest included) or its `ref` is wildcards only.
 * A deploy-time `sub` is judged by IAM alone.
 */
function rawRefScope(sub: string): Pick<SubjectScope, 'anyRef' | 'protectedOnly'> {
  if (!isLiteral(sub)) {
    // Stryker disable next-line ObjectLiteral: an absent anyRef reads as false
    return {
      anyRef: false,
      // Stryker disable next-line BooleanLiteral: protectedOnly only matters when anyRef is true
      protectedOnly: false,
    };
  }
  const parts = sub.split(':');
  const components = new Map<string, string>();
  // Stryker disable next-line EqualityOperator,ArithmeticOperator: reading past the end maps a trailing name to undefined, as if absent
  for (let i = 0; i + 1 < parts.length; i += 2) components.set(parts[i], parts[i + 1]);
  const ref = components.get('ref');
  return {
    anyRef: ref === undefined || /^\*+$/.test(ref),
    protectedOnly: components.get('ref_protected') === 'true',
  };
}

/** Components GitLab leaves out of the claim for jobs without an environment. */
const ENVIRONMENT_ONLY = new Set(['environment_protected', 'deployment_tier']);

/**
 * Chooses the refs (branches and tags) of a project or group whose jobs a subject admits.
 *
 * Obtain one from `GitLabSubject.project()`, `GitLabSubject.group()` or `GitLabSubject.projectId()`.
 */
export class GitLabSubjectBuilder {
  /** @internal */
  public static _create(project: string, options: GitLabSubjectOptions, leading: GitLabSubClaimComponent, factory: string): GitLabSubjectBuilder {
    return new GitLabSubjectBuilder(project, options, leading, factory);
  }

  private readonly layout: GitLabSubClaimLayout;

  private constructor(
    /** The value of the leading component: a path, `{group}/*`, or a project ID. */
    private readonly project: string,
    private readonly options: GitLabSubjectOptions,
    leading: GitLabSubClaimComponent,
    factory: string,
  ) {
    this.layout = options.subClaimLayout ?? GitLabSubClaimLayout.DEFAULT;
    if (this.layout.components[0] !== leading) {
      fail(`${factory} needs a sub claim layout that starts with ${leading.name}, got: ${show(this.layout.toString())}`);
    }
    const missing = (option: keyof GitLabSubjectOptions, component: GitLabSubClaimComponent) => {
      if (options[option] !== undefined && !this.layout.includes(component)) {
        fail(`${option} needs a sub claim layout with ${component.name}, got: ${show(this.layout.toString())}`);
      }
      if (options[option] === undefined && this.layout.includes(component) && ENVIRONMENT_ONLY.has(component.name)) {
        fail(`a sub claim layout with ${component.name} needs ${option}: GitLab leaves ${component.name} out of jobs without an environment, ` +
          `so no single pattern can admit both, got: ${show(this.layout.toString())}`);
      }
    };
    missing('refProtected', GitLabSubClaimComponent.REF_PROTECTED);
    missing('environmentProtected', GitLabSubClaimComponent.ENVIRONMENT_PROTECTED);
    missing('deploymentTier', GitLabSubClaimComponent.DEPLOYMENT_TIER);
  }

  /**
   * Jobs that run for one branch, or for the branches a `*` pattern matches (`release/*`).
   *
   * Merge request pipelines carry their source branch here.
   * @param name the branch's short name (`main`, not `refs/heads/main`)
   */
  public branch(name: string): GitLabSubject {
    validateRefName(name, 'branch');
    return this.render('branch', name);
  }

  /**
   * Jobs that run for one tag, or for the tags a `*` pattern matches (`v*`).
   * @param name the tag's short name (`v1.2.3`, not `refs/tags/v1.2.3`)
   */
  public tag(name: string): GitLabSubject {
    validateRefName(name, 'tag');
    return this.render('tag', name);
  }

  /**
   * Jobs that run for a branch or a tag of this name (or `*` pattern).
   * @param name the branch or tag short name
   */
  public ref(name: string): GitLabSubject {
    validateRefName(name, 'ref');
    return this.render('*', name);
  }

  /**
   * Jobs that run for any branch (but no tag).
   *
   * Anyone who can push a branch can then assume the role.
   */
  public anyBranch(): GitLabSubject {
    return this.render('branch', '*');
  }

  /**
   * Jobs that run for any tag (but no branch).
   */
  public anyTag(): GitLabSubject {
    return this.render('tag', '*');
  }

  /**
   * Jobs that run for any branch or tag.
   */
  public anyRef(): GitLabSubject {
    return this.render('*', '*');
  }

  /** The claim in the project's layout, with `*` for "any value". */
  private render(refType: string, ref: string): GitLabSubject {
    if (refType !== '*' && !this.layout.includes(GitLabSubClaimComponent.REF_TYPE)) {
      fail(`sub claim layout ${show(this.layout.toString())} has no ref_type, so a ${refType} cannot be told from a ` +
        `${refType === 'branch' ? 'tag' : 'branch'} of the same name: use ref() or anyRef()`);
    }
    if (ref !== '*' && !this.layout.includes(GitLabSubClaimComponent.REF)) {
      fail(`sub claim layout ${show(this.layout.toString())} has no ref, so a ref name cannot be checked, got: ${show(ref)}`);
    }
    const value: Record<string, string> = {
      project_path: this.project,
      project_id: this.project,
      ref_type: refType,
      ref,
      ref_protected: this.options.refProtected === undefined ? '*' : String(this.options.refProtected),
      environment_protected: String(this.options.environmentProtected),
      // Stryker disable next-line StringLiteral: a layout with deployment_tier requires deploymentTier (the constructor's check)
      deployment_tier: this.options.deploymentTier?.value ?? '',
    };
    const parts = this.layout.components.map((c) => `${c.name}:${value[c.name]}`);
    // When everything after the project is "any value", fold it into one `*`: `project_path:g/p:*`,
    // `project_path:g/*` (a group's own `*` already runs to the end of the claim).
    const folded = parts.length > 1 && this.layout.components.slice(1).every((c) => value[c.name] === '*');
    const sub = folded ? parts[0] : parts.join(':');
    return GitLabSubject._create(folded && !sub.endsWith('*') ? `${sub}:*` : sub, {
      // Without a ref component, or with a ref of wildcards only, any branch or tag name matches, new ones too.
      anyRef: !this.layout.includes(GitLabSubClaimComponent.REF) || (isLiteral(ref) && /^\*+$/.test(ref)),
      protectedOnly: this.options.refProtected === true,
      projectWildcard: false,
    });
  }
}

/**
 * Rules for a raw `sub`: it names a project (by path or ID) or every project of a group. A wider
 * project pattern needs `allowProjectWildcards` and a literal top-level group, so no wildcard can
 * reach into another top-level group or another project ID. Returns whether the project part is such
 * a wider pattern.
 */
function validateRawSub(sub: string, allowProjectWildcards: boolean): boolean {
  if (!isLiteral(sub)) return false;
  const rule = (text: string) => fail(`GitLab sub ${text}, got: ${show(sub)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(sub)) rule('must not contain white space or control characters');
  if (sub.includes('${')) rule('must not contain "${": IAM would read it as a policy variable');
  // Stryker disable next-line Regex: the "$" is implied; "." matches all but line terminators, which the check above refused
  const match = /^(project_path|project_id):([^:]*)(:.*)?$/.exec(sub);
  if (!match) rule('must start with "project_path:" or "project_id:" (GitLab always puts the project first)');
  const [, key, project] = match!;
  if (key === 'project_id') {
    if (!/^[1-9][0-9]*$/.test(project)) rule('must name one project ID, digits only and no wildcard');
    return false;
  }
  if (!/[*?]/.test(project)) {
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
  if (/[*?]/.test(top)) {
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
 * Options for `GitLabSubject.fromSub()`.
 */
export interface GitLabRawSubjectOptions {
  /**
   * Let the project part be a pattern that admits projects it does not name (`project_path:mygroup/api-*`),
   * within a literal top-level group. The role warns about such a subject (`cdk-gitlab-oidc:projectWildcard`).
   *
   * @default false
   */
  readonly allowProjectWildcards?: boolean;
}
