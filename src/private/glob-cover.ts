// Whether one IAM StringLike pattern admits every value another admits: how the trust plan proves a
// subject covered by another.
import { literalRuns } from './rules/iam-strings';
import { isLiteral } from './tokens';

/** A pattern's text before its first wildcard: all of it for an exact value. */
export function literalPrefix(sub: string): string {
  return literalRuns(sub)[0];
}

/** The most characters innerLiteral() keeps: a bounded number of key lengths keeps a substring index's lookups linear. */
const INNER_LITERAL_LENGTH = 16;

/**
 * Text that a pattern's literal runs after its first wildcard hold, or '' when there is none (`group/*`, `ref:*`):
 * the end of the longest run, at most INNER_LITERAL_LENGTH characters (where subjects differ most: `...:ref:r12/`).
 * A pattern covers another only if such text occurs in the other's: replace each of the other's wildcards with a
 * character the text lacks, and the value it then matches holds the text only where the other's own text does.
 */
export function innerLiteral(pattern: string): string {
  const longest = literalRuns(pattern).slice(1).reduce((run, next) => (next.length > run.length ? next : run), '');
  return longest.slice(-INNER_LITERAL_LENGTH);
}

/**
 * Whether every value IAM's `StringLike` matches with pattern `b` is also matched by pattern `a`.
 * Sound but not complete: `b`'s wildcards are treated as symbols only `a`'s `*` (and, for `?`, `a`'s
 * `?`) can stand for, so a "true" is always right and a "false" only means "not proven".
 */
export function globCovers(a: string, b: string): boolean {
  if (a === b) return true;
  // Deploy-time values are unknown at synth: a subject holding one is never proven covered.
  if (!isLiteral(a) || !isLiteral(b)) return false;
  // Cheap rejections first (the matching below reaches the same answers): an exact `a` covers only itself, and `a`'s
  // literal prefix must start `b`.
  const prefix = literalPrefix(a);
  // Stryker disable next-line ConditionalExpression: without the shortcut, the matching rejects the same
  if (prefix === a) return false;
  // Stryker disable next-line ConditionalExpression: without the shortcut, the matching rejects the same
  if (!b.startsWith(prefix)) return false;
  // next[j] / row[j]: a[i+1..] / a[i..] matches b[j..]; one row at a time, from the end of `a`.
  let next = new Uint8Array(b.length + 1);
  next[b.length] = 1;
  for (let i = a.length - 1; i >= 0; i--) {
    const row = new Uint8Array(b.length + 1);
    // Past the end of `b` only a `*` can match (it stands for nothing).
    row[b.length] = a[i] === '*' ? next[b.length] : 0;
    // Stryker disable next-line ArithmeticOperator: starting past the end rewrites row[b.length] with its own value; typed arrays drop other writes
    for (let j = b.length - 1; j >= 0; j--) {
      if (a[i] === '*') row[j] = next[j] || row[j + 1];
      else if (b[j] !== '*' && (a[i] === '?' || a[i] === b[j])) row[j] = next[j + 1];
    }
    next = row;
  }
  return next[0] === 1;
}
