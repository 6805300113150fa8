import { fail, gitLabPathProblem, isLiteral, show, validateGitLabPath, validateRefName } from './validation';

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
   */
  public static project(path: string): GitLabSubjectBuilder {
    validateGitLabPath(path, 'project', 2);
    return GitLabSubjectBuilder._create(path, false);
  }

  /**
   * Jobs of every project in a group and in all its subgroups, at any depth.
   *
   * Renders `project_path:{group}/*`: the `/` keeps groups whose name merely starts with
   * this one (`mygroup-evil`) out.
   * @param path the group's full path, e.g. `mygroup` or `mygroup/subgroup`
   */
  public static group(path: string): GitLabSubjectBuilder {
    validateGitLabPath(path, 'group', 1);
    return GitLabSubjectBuilder._create(path, true);
  }

  /**
   * A raw `sub` value, for layouts the typed factories do not cover.
   *
   * The value is validated: it must start with `project_path:` or `project_id:`, the project part
   * must not be a wildcard that admits other top-level groups or projects (`project_path:*`,
   * `project_path:mygroup*`, `project_id:12*`), and it must not contain white space or `${`.
   * @param sub the exact claim value or `StringLike` pattern
   */
  public static fromSub(sub: string): GitLabSubject {
    validateRawSub(sub);
    return GitLabSubject._create(sub);
  }

  /** @internal */
  public static _create(sub: string): GitLabSubject {
    return new GitLabSubject(sub);
  }

  /**
   * The `sub` claim value (or pattern) this subject renders into the trust policy.
   */
  public readonly sub: string;

  /**
   * Whether the subject is a `StringLike` pattern (contains `*` or `?`) rather than one exact value.
   */
  public readonly isPattern: boolean;

  private constructor(sub: string) {
    this.sub = sub;
    this.isPattern = isLiteral(sub) && /[*?]/.test(sub);
  }

  /**
   * The rendered `sub` value.
   */
  public toString(): string {
    return this.sub;
  }
}

/**
 * Chooses the refs (branches and tags) of a project or group whose jobs a subject admits.
 *
 * Obtain one from `GitLabSubject.project()` or `GitLabSubject.group()`.
 */
export class GitLabSubjectBuilder {
  /** @internal */
  public static _create(path: string, isGroup: boolean): GitLabSubjectBuilder {
    return new GitLabSubjectBuilder(path, isGroup);
  }

  /** The `project_path` value: the project's path, or `{group}/*` for every project of a group. */
  private readonly projectPath: string;

  private constructor(path: string, private readonly isGroup: boolean) {
    this.projectPath = isGroup ? `${path}/*` : path;
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
    // For a group the path's own `*` already runs to the end of the claim.
    return GitLabSubject._create(this.isGroup ? `project_path:${this.projectPath}` : `project_path:${this.projectPath}:*`);
  }

  private render(refType: string, ref: string): GitLabSubject {
    return GitLabSubject._create(`project_path:${this.projectPath}:ref_type:${refType}:ref:${ref}`);
  }
}

/**
 * Rules for a raw `sub`: it names a project (by path or ID) whose leading part is literal, so no
 * wildcard can reach into another top-level group or another project ID.
 */
function validateRawSub(sub: string): void {
  if (!isLiteral(sub)) return;
  const rule = (text: string) => fail(`GitLab sub ${text}, got: ${show(sub)}`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\x00-\x1f\x7f]/.test(sub)) rule('must not contain white space or control characters');
  if (sub.includes('${')) rule('must not contain "${": IAM would read it as a policy variable');
  const match = /^(project_path|project_id):([^:]*)(:.*)?$/.exec(sub);
  if (!match) rule('must start with "project_path:" or "project_id:" (GitLab always puts the project first)');
  const [, key, project] = match!;
  if (key === 'project_id') {
    if (!/^[1-9][0-9]*$/.test(project)) rule('must name one project ID, digits only and no wildcard');
    return;
  }
  if (!/[*?]/.test(project)) {
    const problem = gitLabPathProblem(project, 2);
    if (problem) rule(`project path ${problem}`);
    return;
  }
  const slash = project.indexOf('/');
  const top = slash < 0 ? project : project.slice(0, slash);
  if (slash < 0 || /[*?]/.test(top)) {
    rule('must name a literal top-level group before any wildcard ("project_path:mygroup/*"): otherwise it trusts projects of other groups');
  }
  const problem = gitLabPathProblem(top, 1);
  if (problem) rule(`top-level group ${problem}`);
}
