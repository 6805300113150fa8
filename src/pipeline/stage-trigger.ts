import { fail, show } from '../private/errors';
import { refNameProblem } from '../private/rules/git-refs';
import { isLiteral } from '../private/tokens';

/**
 * A tag pattern that deploys a stage, and a tag it admits.
 */
export interface GitLabTagTriggerOptions {
  /**
   * The tags whose pipelines deploy the stage: a regular expression in RE2's syntax (GitLab's), such as
   * `^v\d+\.\d+\.\d+$`. Protect the tags it matches (Settings > Repository > Protected tags): on gitlab.com the
   * stage's role must admit protected refs only.
   */
  readonly pattern: string;

  /**
   * A tag the pattern matches, such as `v1.2.3`: synth checks the pattern matches it and that the stage's role admits
   * a job of that tag, as it checks the deploy branch's.
   */
  readonly example: string;
}

/** What GitLab's regular expressions (RE2) lack: lookaround and back-references. */
const NOT_RE2 = /\(\?<?[=!]|\\[1-9]|\\k</;

/**
 * Which pipelines deploy a stage of a `GitLabCiPipeline`: written as the GitLab `rules` of the stage's jobs (its asset
 * publishing, deployments, steps and approvals), so that a stage deploys from release tags, on a schedule or when
 * someone runs the pipeline, while others deploy from every push to the deploy branch.
 */
export class GitLabStageTrigger {
  /**
   * Every pipeline of the pipeline's deploy branch: pushes, schedules and pipelines run by hand. The default.
   */
  public static readonly DEPLOY_BRANCH = new GitLabStageTrigger('branch', 'the deploy branch');

  /**
   * The deploy branch's scheduled pipelines only (Build > Pipeline schedules): a stage deployed nightly, say.
   */
  public static readonly SCHEDULE = new GitLabStageTrigger('schedule', 'the deploy branch\'s scheduled pipelines');

  /**
   * The deploy branch's pipelines that someone runs by hand (Build > Pipelines > Run pipeline) only.
   */
  public static readonly MANUAL_RUN = new GitLabStageTrigger('web', 'the deploy branch\'s pipelines run by hand');

  /**
   * Pipelines of the tags that match a pattern: a production stage deployed from release tags.
   * @param options the pattern, and a tag it matches
   */
  public static tags(options: GitLabTagTriggerOptions): GitLabStageTrigger {
    const { pattern, example } = options;
    if (!isLiteral(pattern) || !isLiteral(example)) {
      fail(`GitLabStageTrigger.tags needs a literal pattern and example: GitLab reads the rules before anything is deployed, got: ${show(pattern)}, ${show(example)}`);
    }
    let regex: RegExp;
    try {
      regex = new RegExp(pattern);
    } catch (e) {
      fail(`GitLabStageTrigger.tags pattern must be a regular expression, got: ${show(pattern)} (${(e as Error).message})`);
    }
    if (pattern === '' || NOT_RE2.test(pattern) || /[\r\n]/.test(pattern) || pattern.endsWith('\\')) {
      fail('GitLabStageTrigger.tags pattern must be a non-empty RE2 expression on one line (GitLab\'s: no lookaround, no back-references), ' +
        `got: ${show(pattern)}`);
    }
    // GitLab compares an unset CI_COMMIT_TAG as "": a pattern that matches it would run the stage in every pipeline,
    // merge requests included (a glob's "v*" is such a regex). GitLab's lexer needs two characters between the slashes.
    if (regex.test('')) {
      fail('GitLabStageTrigger.tags pattern must not match the empty string: GitLab reads a pipeline without a tag as "", so the stage would run ' +
        `in every pipeline (as a regular expression, "v*" means "any number of v", not a glob; write "^v"), got: ${show(pattern)}`);
    }
    if (slashesEscaped(pattern).length < 2) fail(`GitLabStageTrigger.tags pattern must be at least two characters (GitLab's rules syntax), got: ${show(pattern)}`);
    const problem = refNameProblem(example);
    if (problem) fail(`GitLabStageTrigger.tags example must be a tag name: it ${problem}, got: ${show(example)}`);
    if (!regex.test(example)) fail(`GitLabStageTrigger.tags example must be a tag the pattern ${show(pattern)} matches, got: ${show(example)}`);
    return new GitLabStageTrigger(`tag:${pattern}`, `tags matching /${pattern}/`, { pattern, example, regex });
  }

  private constructor(
    /** @internal */ public readonly _key: string,
    /** @internal */ public readonly _description: string,
    /** @internal */ public readonly _tag?: { readonly pattern: string; readonly example: string; readonly regex: RegExp },
  ) {}

  /**
   * The GitLab `rules:if` expression of the pipelines this trigger names.
   * @param deployBranchRule the expression of the deploy branch's pipelines
   * @internal
   */
  public _condition(deployBranchRule: string): string {
    if (this._tag) {
      return `$CI_COMMIT_TAG =~ /${slashesEscaped(this._tag.pattern)}/`;
    }
    if (this === GitLabStageTrigger.DEPLOY_BRANCH) return deployBranchRule;
    return `$CI_PIPELINE_SOURCE == "${this._key}" && ${deployBranchRule}`;
  }
}

/** A pattern inside GitLab's `/.../` literal, where a slash ends it: each slash the pattern holds unescaped, escaped. */
function slashesEscaped(pattern: string): string {
  let out = '';
  let escaping = false;
  for (const c of pattern) {
    out += c === '/' && !escaping ? '\\/' : c;
    escaping = c === '\\' && !escaping;
  }
  return out;
}
