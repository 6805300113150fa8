import { fail, show } from './private/errors';
import { DEPLOYMENT_TIERS } from './private/rules/gitlab-ci';
import { isLiteral } from './private/tokens';

// The components a GitLab project can put in its `sub` claim (project setting
// `ci_id_token_sub_claim_components`, GitLab 17.10+; REST API `PUT /projects/:id`).
// - gitlab-org/gitlab app/models/project_ci_cd_setting.rb: ALLOWED_SUB_CLAIM_COMPONENTS =
//   project_path, ref_type, ref; "project_path must be the first element of the sub claim".
// - gitlab-org/gitlab#477260 lists the supported layouts: project_path,ref_type,ref;
//   project_path,ref,ref_type; project_path,ref; project_path,ref_type.
// - doc/ci/secrets/id_token_authentication.md (newer releases): project_id may lead instead of
//   project_path (the fix for a "burned" path); GitLab 18.7 adds ref_protected,
//   environment_protected and deployment_tier. A component whose value is null is left out.
// Each component renders as `<name>:<value>`, joined with `:` (lib/gitlab/ci/jwt_v2.rb).

/**
 * One component of a GitLab `sub` claim; its value is the component's name, as it appears in the claim and in the
 * project setting.
 */
export enum GitLabSubClaimComponent {
  /** `project_path:{group}/{project}`: the project's full path. */
  PROJECT_PATH = 'project_path',
  /** `project_id:{id}`: the project's immutable numeric ID. */
  PROJECT_ID = 'project_id',
  /** `ref_type:{branch|tag}`. */
  REF_TYPE = 'ref_type',
  /** `ref:{name}`: the branch or tag name. */
  REF = 'ref',
  /** `ref_protected:{true|false}` (GitLab 18.7). */
  REF_PROTECTED = 'ref_protected',
  /** `environment_protected:{true|false}`, only for jobs with an environment (GitLab 18.7). */
  ENVIRONMENT_PROTECTED = 'environment_protected',
  /** `deployment_tier:{tier}`, only for jobs with an environment (GitLab 18.7). */
  DEPLOYMENT_TIER = 'deployment_tier',
}

const LEADING = [GitLabSubClaimComponent.PROJECT_PATH, GitLabSubClaimComponent.PROJECT_ID];

/**
 * The layout of a project's `sub` claim: the components it has chosen, in order.
 *
 * Declare it when the project changed `ci_id_token_sub_claim_components`; the default is GitLab's.
 */
export class GitLabSubClaimLayout {
  /** GitLab's default: `project_path:{path}:ref_type:{type}:ref:{name}`. */
  public static readonly DEFAULT = new GitLabSubClaimLayout([
    GitLabSubClaimComponent.PROJECT_PATH, GitLabSubClaimComponent.REF_TYPE, GitLabSubClaimComponent.REF,
  ]);

  /** The project-ID-first layout: `project_id:{id}:ref_type:{type}:ref:{name}`. */
  public static readonly PROJECT_ID = new GitLabSubClaimLayout([
    GitLabSubClaimComponent.PROJECT_ID, GitLabSubClaimComponent.REF_TYPE, GitLabSubClaimComponent.REF,
  ]);

  /**
   * A custom layout, exactly as the project's `ci_id_token_sub_claim_components` lists it.
   *
   * GitLab's rules apply: `project_path` or `project_id` first, and each component at most once.
   * @param components the components, in order
   */
  public static of(...components: GitLabSubClaimComponent[]): GitLabSubClaimLayout {
    const names: string[] = [...components];
    const rule = (text: string) => fail(`GitLab sub claim layout ${text}, got: ${show(names)}`);
    // Stryker disable next-line ConditionalExpression: a shortcut; with no components, components[0] is no leading component either
    if (components.length === 0 || !LEADING.includes(components[0])) rule('must start with project_path or project_id');
    if (components.slice(1).some((c) => LEADING.includes(c))) rule('must name the project once, first');
    if (new Set(names).size !== names.length) rule('must not repeat a component');
    return new GitLabSubClaimLayout(components);
  }

  private constructor(
    /** The components, in order. */
    public readonly components: GitLabSubClaimComponent[],
  ) {}

  /** Whether the layout has a component. */
  public includes(component: GitLabSubClaimComponent): boolean {
    return this.components.includes(component);
  }

  /** The layout as GitLab lists it, e.g. `project_path,ref_type,ref`. */
  public toString(): string {
    return this.components.join(',');
  }
}

/**
 * A job's environment tier: the `deployment_tier` claim.
 */
export class GitLabDeploymentTier {
  /** production */
  public static readonly PRODUCTION = new GitLabDeploymentTier('production');
  /** staging */
  public static readonly STAGING = new GitLabDeploymentTier('staging');
  /** testing */
  public static readonly TESTING = new GitLabDeploymentTier('testing');
  /** development */
  public static readonly DEVELOPMENT = new GitLabDeploymentTier('development');
  /** other */
  public static readonly OTHER = new GitLabDeploymentTier('other');

  /**
   * A tier by its name: one of GitLab's five (the constants above), or a deploy-time value that resolves to one.
   * GitLab has no other tiers: a subject or an environment naming another would never match a job.
   * @param value the tier's name
   */
  public static of(value: string): GitLabDeploymentTier {
    if (isLiteral(value) && !DEPLOYMENT_TIERS.includes(value)) {
      fail(`a deployment tier must be one of GitLab's tiers (${DEPLOYMENT_TIERS.join(', ')}), got: ${show(value)}`);
    }
    return new GitLabDeploymentTier(value);
  }

  private constructor(
    /** The claim value. */
    public readonly value: string,
  ) {}
}
