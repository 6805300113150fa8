import { hasWildcard, isAnyValue } from './rules/iam-strings';
import { isLiteral } from './tokens';

/** What a subject admits, as the code that built it wrote it: what its warnings are decided on. */
export interface SubjectScope {
  /** Jobs of any branch or any tag (of the given type), including ones pushed later. */
  readonly anyRef: boolean;
  /** Jobs of the branches or tags a ref pattern matches (`release/*`, `v*`), including ones pushed later. */
  readonly refPattern: boolean;
  /** Only jobs of protected branches and tags (a `ref_protected:true` component). */
  readonly protectedOnly: boolean;
  /** A raw subject whose project part is a pattern other than "every project of a group". */
  readonly projectWildcard: boolean;
}

/**
 * What a subject's ref admits: any branch or tag when the subject has no ref component (a wildcard standing for the
 * rest included) or a ref of wildcards only, the refs a pattern matches when it holds a wildcard. A deploy-time ref is
 * judged by IAM alone.
 */
export function refScope(ref: string | undefined): Pick<SubjectScope, 'anyRef' | 'refPattern'> {
  if (ref === undefined) return { anyRef: true, refPattern: false };
  const literal = isLiteral(ref);
  return { anyRef: literal && isAnyValue(ref), refPattern: literal && hasWildcard(ref) && !isAnyValue(ref) };
}
