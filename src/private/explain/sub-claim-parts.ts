// A `sub` claim (or a pattern of one) read back into its components: `project_path:g/p:ref_type:branch:ref:main`
// is [project_path=g/p, ref_type=branch, ref=main]. GitLab joins `<name>:<value>` pairs with `:`, and no
// value can hold `:` (paths and git refs forbid it), so a name is recognised wherever it follows a `:`.

/** The names GitLab can put in a sub claim (project setting `ci_id_token_sub_claim_components`). */
export const SUB_COMPONENTS = ['project_path', 'project_id', 'ref_type', 'ref', 'ref_protected', 'environment_protected', 'deployment_tier'];

export interface SubPart {
  readonly name: string;
  readonly value: string;
}

/** The components of a sub claim or pattern, or undefined when it is not in GitLab's `name:value` form. */
export function subParts(sub: string): SubPart[] | undefined {
  const pieces = sub.split(':');
  const parts: SubPart[] = [];
  for (let i = 0; i < pieces.length; i++) {
    if (SUB_COMPONENTS.includes(pieces[i]) && i + 1 < pieces.length) {
      parts.push({ name: pieces[i], value: pieces[++i] });
    } else if (parts.length > 0) {
      // A wildcard pattern may hold ':' inside a value (`ref:*`, `project_path:g/*`): keep it with its component.
      const last = parts.pop()!;
      parts.push({ name: last.name, value: `${last.value}:${pieces[i]}` });
    } else {
      return undefined;
    }
  }
  // Not empty: the first piece is a component name with a value, or the loop returned.
  return parts;
}

/** The layout of parts: their names, in order. */
export function layoutOf(parts: readonly SubPart[]): string {
  return parts.map((p) => p.name).join(', ');
}
