// The `sub` claim's codec, stated once: GitLab renders each component of the project's layout as `<name>:<value>`
// and joins them with `:` (lib/gitlab/ci/jwt_v2.rb), leaving out components without a value. Subjects, the
// claims of `explain`'s sample jobs and the pipeline's trust checks render through `renderSub()`; `explain`,
// `audit` and raw subjects read claims and patterns back through `parseSub()`.
import { GitLabSubClaimComponent } from '../../sub-claim';

/** The names GitLab can put in a sub claim (project setting `ci_id_token_sub_claim_components`). */
export const SUB_COMPONENTS: readonly string[] = Object.values(GitLabSubClaimComponent);

/** One `name:value` component of a sub claim, or of a pattern of one. */
export interface SubPart {
  readonly name: string;
  readonly value: string;
}

/** The claim (or pattern) GitLab writes for these components, in their order. */
export function renderSub(parts: readonly SubPart[]): string {
  return parts.map((p) => `${p.name}:${p.value}`).join(':');
}

/**
 * The components of a sub claim or pattern, or undefined when it is not in GitLab's `name:value` form:
 * `project_path:g/p:ref_type:branch:ref:main` is [project_path=g/p, ref_type=branch, ref=main]. No value can
 * hold `:` (paths and git refs forbid it), so a name is recognised wherever it follows a `:`; in a pattern, a `:`
 * a wildcard stands beside (`ref:*`, `project_path:g/p:*`) stays with the component before it.
 */
export function parseSub(sub: string): SubPart[] | undefined {
  const pieces = sub.split(':');
  const parts: SubPart[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (SUB_COMPONENTS.includes(pieces[i]) && i + 1 < pieces.length) {
      parts.push({ name: pieces[i], value: pieces[++i] });
    } else if (parts.length > 0) {
      const last = parts.pop()!;
      parts.push({ name: last.name, value: `${last.value}:${pieces[i]}` });
    } else {
      return undefined;
    }
  }
  // Not empty: the first piece is a component name with a value, or the loop returned.
  return parts;
}

/**
 * A component's own value in parsed parts, if the claim has it: up to its first `:`, since no value holds one (in
 * `ref:main:*`, the ref is `main` and the `*` stands for the components after it).
 */
export function subComponent(parts: readonly SubPart[] | undefined, name: string): string | undefined {
  return parts?.find((p) => p.name === name)?.value.split(':')[0];
}

/** The layout of parts: their names, in order. */
export function layoutOf(parts: readonly SubPart[]): string {
  return parts.map((p) => p.name).join(', ');
}
