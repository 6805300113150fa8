import { GitLabClaimConditions } from './claim-conditions';
import { claimValues } from './private/claim-values';
import { fail, show } from './private/errors';
import { rawRefScope, validateRawSub } from './private/raw-sub';
import { validateRefName } from './private/rules/git-refs';
import { gitLabIdProblem, validateGitLabPath } from './private/rules/gitlab-paths';
import { hasWildcard } from './private/rules/iam-strings';
import { renderSub } from './private/rules/sub-claim';
import { refScope, SubjectScope } from './private/subject-scope';
import { numberText } from './private/tokens';
import { GitLabDeploymentTier, GitLabSubClaimComponent, GitLabSubClaimLayout } from './sub-claim';

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
   * The value of the layout's `ref_protected` component: `true` admits only protected branches and
   * tags, `false` only unprotected ones. Works on every GitLab instance, unlike the gitlab.com-only
   * claim condition `GitLabClaimConditions.refProtected`.
   *
   * @default - protected or not
   */
  readonly subClaimRefProtected?: boolean;

  /**
   * The value of the layout's `environment_protected` component: only jobs whose environment is (or is
   * not) protected.
   * Required when the layout has the component: GitLab leaves it out of jobs without an environment.
   *
   * @default - the layout must not have `environment_protected`
   */
  readonly subClaimEnvironmentProtected?: boolean;

  /**
   * The value of the layout's `deployment_tier` component: only jobs whose environment has this tier.
   * Required when the layout has the component: GitLab leaves it out of jobs without an environment.
   *
   * @default - the layout must not have `deployment_tier`
   */
  readonly subClaimDeploymentTier?: GitLabDeploymentTier;
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
    this.isPattern = hasWildcard(sub);
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

/** Components GitLab leaves out of the claim for jobs without an environment. */
const ENVIRONMENT_ONLY = new Set([GitLabSubClaimComponent.ENVIRONMENT_PROTECTED, GitLabSubClaimComponent.DEPLOYMENT_TIER]);

/** Each option that gives a layout component its value, with that component. */
const OPTION_COMPONENTS: readonly [keyof GitLabSubjectOptions, GitLabSubClaimComponent][] = [
  ['subClaimRefProtected', GitLabSubClaimComponent.REF_PROTECTED],
  ['subClaimEnvironmentProtected', GitLabSubClaimComponent.ENVIRONMENT_PROTECTED],
  ['subClaimDeploymentTier', GitLabSubClaimComponent.DEPLOYMENT_TIER],
];

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
      fail(`${factory} needs a sub claim layout that starts with ${leading}, got: ${show(this.layout.toString())}`);
    }
    for (const [option, component] of OPTION_COMPONENTS) {
      const given = options[option] !== undefined;
      const inLayout = this.layout.includes(component);
      // A value for a component the layout lacks would never be checked.
      if (given && !inLayout) fail(`${option} needs a sub claim layout with ${component}, got: ${show(this.layout.toString())}`);
      // Without a value the component would be a wildcard, and GitLab leaves these out of jobs without an environment.
      if (!given && inLayout && ENVIRONMENT_ONLY.has(component)) {
        fail(`a sub claim layout with ${component} needs ${option}: GitLab leaves ${component} out of jobs without an environment, ` +
          `so no single pattern can admit both, got: ${show(this.layout.toString())}`);
      }
    }
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
    const value: Record<GitLabSubClaimComponent, string> = {
      project_path: this.project,
      project_id: this.project,
      ref_type: refType,
      ref,
      ref_protected: this.options.subClaimRefProtected === undefined ? '*' : String(this.options.subClaimRefProtected),
      environment_protected: String(this.options.subClaimEnvironmentProtected),
      // Stryker disable next-line StringLiteral: a layout with deployment_tier requires subClaimDeploymentTier (the constructor's check)
      deployment_tier: this.options.subClaimDeploymentTier?.value ?? '',
    };
    const [leading, ...rest] = this.layout.components.map((name) => ({ name, value: value[name] }));
    // When everything after the project is "any value", fold it into one `*`: `project_path:g/p:*`,
    // `project_path:g/*` (a group's own `*` already runs to the end of the claim).
    const folded = rest.length > 0 && rest.every((p) => p.value === '*');
    const sub = folded ? renderSub([leading]) : renderSub([leading, ...rest]);
    return GitLabSubject._create(folded && !sub.endsWith('*') ? `${sub}:*` : sub, {
      ...refScope(this.layout.includes(GitLabSubClaimComponent.REF) ? ref : undefined),
      protectedOnly: this.options.subClaimRefProtected === true,
      projectWildcard: false,
    });
  }
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
