// The likely causes of a failed condition, in plain words: what users get wrong when a GitLab job is
// refused by a trust policy (REFERENCE.md, "Errors users meet, and their causes").
import { globMatch, isNegated, isPatternOperator, parseOperator } from './conditions';
import { PolicyCondition, Unknown } from './policy';
import { evaluatedClaims, conditionKeyPrefix } from './sts-request';
import { refNameProblem } from '../rules/git-refs';
import { hasWildcard, instanceOf } from '../rules/iam-strings';
import { layoutOf, parseSub, renderSub, SubPart } from '../rules/sub-claim';

/** Why a condition that failed for this token failed, most specific first. */
export function conditionCauses(condition: PolicyCondition, actual: readonly string[] | undefined, issuer: string): string[] {
  const operator = parseOperator(condition.operator);
  const expected = condition.values.filter((v): v is string => !(v instanceof Unknown));
  const claim = claimOf(condition.key);
  const keyCause = unevaluatedKeyCause(condition.key, issuer);
  if (keyCause) return [keyCause];
  if (actual === undefined) return [`the token has no ${claim} claim, so STS sets no ${condition.key} and the condition fails`];
  if (operator.base === 'Null') return [`Null requires ${condition.key} to be absent, and STS sets it from the token's ${claim} claim`];
  if (isNegated(condition.operator)) return [`${condition.operator} refuses these values and the token's ${claim} is one of them`];
  const causes: string[] = [];
  const like = isPatternOperator(condition.operator);
  const ignoreCase = operator.base.endsWith('IgnoreCase');
  if (!like) {
    const wildcards = expected.filter((e) => hasWildcard(e) && actual.some((a) => globMatch(e, a)));
    for (const e of wildcards) {
      causes.push(`"${e}" holds a wildcard under ${condition.operator}, which compares characters literally: it matches only a ` +
        'literal "*" or "?", which no GitLab claim contains; put wildcard values under StringLike');
    }
  }
  for (const e of expected) {
    const impossible = impossibleValue(claim, e, like);
    if (impossible) causes.push(impossible);
  }
  const matchesIgnoringCase = (e: string, a: string) => like ? globMatch(e.toLowerCase(), a.toLowerCase()) : e.toLowerCase() === a.toLowerCase();
  if (!ignoreCase) {
    for (const e of expected) {
      const a = actual.find((value) => matchesIgnoringCase(e, value));
      if (a !== undefined) causes.push(caseCause(claim, e, a));
    }
  }
  if (claim === 'sub') causes.push(...subCauses(expected, actual, like));
  if (claim === 'aud') {
    // The policy's audiences may all be deploy-time values, which the explanation cannot name.
    const required = expected.length > 0 ? expected.map((e) => `"${e}"`).join(' or ') : 'an audience set at deployment';
    causes.push(`the job requested the audience "${actual.join('", "')}" but the policy requires ${required}: ` +
      `set the job's id_tokens entry to aud: ${expected[0] ?? '<the role\'s audience>'}`);
  }
  if (claim === 'ref_protected' && actual.includes('false')) {
    causes.push('the job ran for an unprotected branch or tag: protect it (Settings > Repository > Protected branches or tags), ' +
      'or run the job from a protected one');
  }
  if (causes.length === 0 && expected.length > 0) {
    causes.push(`the token's ${claim} "${actual.join('", "')}" is none of the values the policy admits`);
  }
  return unique(causes);
}

/** Values that differ only in case, with what differs in a sub: the project's path, or a ref (git refs are case-sensitive). */
function caseCause(claim: string, expected: string, actual: string): string {
  const head = `the values differ only in case: the token has "${actual}", the policy "${expected}"; IAM compares case-sensitively`;
  if (claim !== 'sub') return `${head}: write the value exactly as the token carries it`;
  const parts = parseSub(actual);
  const wanted = parseSub(expected);
  const index = parts?.findIndex((p, i) => wanted?.[i] !== undefined && p.value !== wanted[i].value) ?? -1;
  if (index >= 0 && parts![index].name === 'ref') {
    return `${head}, and so does git: "${parts![index].value}" and "${wanted![index].value}" are different refs`;
  }
  return `${head}, and GitLab puts the project's path in its canonical case (as in its URL): write the path exactly as GitLab shows it`;
}

/** A condition on a key STS never sets for this issuer: no token of it can satisfy a positive condition. */
export function unevaluatedKeyCause(key: string, issuer: string): string | undefined {
  const prefix = conditionKeyPrefix(issuer);
  const lower = key.toLowerCase();
  const colon = lower.lastIndexOf(':');
  const keyPrefix = lower.slice(0, colon);
  if (keyPrefix === 'aws' || keyPrefix === 'sts') {
    return `${key} is a key of the request, not of the token: this explanation does not know it and treats it as absent`;
  }
  if (keyPrefix !== prefix.toLowerCase()) {
    return `${key} is not a key of this issuer: STS names the keys of tokens from ${issuer} "${prefix}:<claim>", so this condition ` +
      'never sees a value (a trailing slash, another host or a missing path in the key, or a condition meant for another provider)';
  }
  const claim = lower.slice(colon + 1);
  const evaluated = evaluatedClaims(issuer);
  if (!evaluated.includes(claim)) {
    return `STS never sets ${key}: for tokens from ${issuer} it sets only ${evaluated.map((c) => `${prefix}:${c}`).join(', ')}. ` +
      'A positive condition on it can never pass, so this statement can never admit a job; check that claim through the sub claim instead';
  }
  return undefined;
}

/** A value the policy admits that GitLab can never put in the claim. */
function impossibleValue(claim: string, value: string, like: boolean): string | undefined {
  if (claim === 'ref_protected' && !(like && hasWildcard(value)) && value !== 'true' && value !== 'false') {
    return `"${value}" can never match: GitLab's ref_protected claim is "true" or "false"`;
  }
  if (claim !== 'sub') return undefined;
  for (const part of parseSub(value) ?? []) {
    const wild = like && hasWildcard(part.value);
    if (part.name === 'ref_type' && !wild && part.value !== 'branch' && part.value !== 'tag') {
      return `"${value}" can never match: GitLab's ref_type is only "branch" or "tag", got: ${part.value} ` +
        '(merge request pipelines carry the source branch: ref_type:branch)';
    }
    if (part.name === 'ref') {
      const problem = refNameProblem(like ? instanceOf(part.value) : part.value);
      if (problem) return `"${value}" can never match: GitLab refuses a branch or tag named "${part.value}": it ${problem}`;
    }
  }
  return undefined;
}

/** Causes found by comparing the token's sub with each admitted sub component by component. */
function subCauses(expected: readonly string[], actual: readonly string[], like: boolean): string[] {
  const token = actual.length === 1 ? parseSub(actual[0]) : undefined;
  if (!token) {
    return actual.length === 1 ? [`the token's sub "${actual[0]}" is not in GitLab's name:value form`] : [];
  }
  const causes: string[] = [];
  const candidates = expected.map((e) => ({ value: e, parts: parseSub(e) })).filter((c): c is { value: string; parts: SubPart[] } => !!c.parts);
  const sameLayout = candidates.filter((c) => comparable(c.parts, token));
  if (sameLayout.length === 0 && candidates.length > 0) {
    const layouts = unique(candidates.map((c) => layoutOf(c.parts)));
    causes.push(`the token's sub has the components ${layoutOf(token)}, but the policy expects ${layouts.join(' or ')}: the project's ` +
      'sub layout (ci_id_token_sub_claim_components, set through the projects API) differs from the one the role was written for; ' +
      'declare the project\'s layout on its subject (subClaimLayout) or change the project back');
    return causes;
  }
  // The closest admitted values: those with fewest components different.
  const differences = sameLayout.map((c) => differingComponents(c.parts, token, like));
  const fewest = Math.min(...differences);
  for (const candidate of sameLayout.filter((_, i) => differences[i] === fewest).slice(0, 3)) {
    const values = tokenValues(candidate.parts, token);
    for (const [i, part] of candidate.parts.entries()) {
      const got = values[i];
      // A case difference has its own cause; so has a wildcard under StringEquals that would match under StringLike.
      if (componentMatches(part.value, got, like) || part.value.toLowerCase() === got.toLowerCase() || globMatch(part.value, got)) continue;
      causes.push(componentCause(part, token[i].value, like));
    }
  }
  return causes;
}

/**
 * How far the token's sub is from the nearest value a failed sub condition admits: the number of
 * components that differ (a value in another layout counts as every component differing).
 */
export function subDistance(expected: readonly string[], actual: string, like: boolean): number {
  const token = parseSub(actual);
  if (!token) return 0;
  const distances = expected.map((e) => {
    const parts = parseSub(e);
    return !parts || !comparable(parts, token) ? token.length + 1 : differingComponents(parts, token, like);
  });
  return Math.min(token.length + 1, ...distances);
}

/** How many components of an admitted value (comparable with the token's) the token's differ from. */
function differingComponents(parts: readonly SubPart[], token: readonly SubPart[], like: boolean): number {
  const values = tokenValues(parts, token);
  return parts.filter((p, i) => !componentMatches(p.value, values[i], like)).length;
}

/**
 * Whether an admitted value speaks of the token's components: it has the token's layout, or it is a pattern whose last
 * component ends in `*` and whose components are the token's first ones (a group's `project_path:g/*`, a project's
 * `project_path:g/p:*`), the `*` running on through the rest of the claim.
 */
function comparable(parts: readonly SubPart[], token: readonly SubPart[]): boolean {
  if (layoutOf(parts) === layoutOf(token)) return true;
  return parts.length < token.length && parts[parts.length - 1].value.endsWith('*') && layoutOf(parts) === layoutOf(token.slice(0, parts.length));
}

/** The token's text for each component of a comparable admitted value: a shorter pattern's last one takes the rest of the claim. */
function tokenValues(parts: readonly SubPart[], token: readonly SubPart[]): string[] {
  const rest = (i: number) => renderSub(token.slice(i)).slice(token[i].name.length + 1);
  return parts.map((_, i) => (i === parts.length - 1 && parts.length < token.length ? rest(i) : token[i].value));
}

function componentMatches(pattern: string, value: string, like: boolean): boolean {
  return like ? globMatch(pattern, value) : pattern === value;
}

function componentCause(expected: SubPart, got: string, like: boolean): string {
  switch (expected.name) {
    case 'project_path':
    case 'project_id':
      return `the job's project is ${expected.name}:${got}, the policy admits ${expected.name}:${expected.value}: another project ` +
        '(a fork\'s merge request pipeline carries the fork\'s path), or a project that was moved or renamed';
    case 'ref_type':
      return `the job ran for a ${got}, the policy admits a ${expected.value} (ref_type): a tag pipeline is not a branch pipeline`;
    case 'ref': {
      const prefix = like && expected.value.includes('*') ? expected.value.slice(0, expected.value.indexOf('*')) : undefined;
      return prefix !== undefined && prefix.length > 0
        ? `the job ran for ref "${got}", the policy admits only refs starting with "${prefix}" (${expected.value})`
        : `the job ran for ref "${got}", the policy admits ref "${expected.value}"`;
    }
    case 'ref_protected':
      return got === 'false'
        ? 'the job ran for an unprotected ref, the policy admits protected refs only: protect the branch or tag, or run from a protected one'
        : `the job's ref_protected is ${got}, the policy admits ${expected.value}`;
    default:
      return `the job's ${expected.name} is "${got}", the policy admits "${expected.value}"`;
  }
}

/** The claim a condition key reads: `gitlab.com:sub` → `sub`. */
export function claimOf(key: string): string {
  return key.slice(key.lastIndexOf(':') + 1).toLowerCase();
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
