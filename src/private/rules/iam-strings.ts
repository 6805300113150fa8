// How IAM reads a string in a condition, stated once: StringLike takes `*` (any run of characters) and `?` (any
// one character) as wildcards, and every string operator takes `${...}` as a policy variable, filled from the
// request. Synth checks, explain, audit and the pipeline's trust checks all read values through these.
// The wildcard pattern is written where it is used, not as a module constant: Stryker (ignoreStatic) runs a mutant of
// a constant that module loading evaluates with no test, so it could not measure the tests that check it.

/** Whether StringLike would read the value as a pattern. */
export function hasWildcard(value: string): boolean {
  return /[*?]/.test(value);
}

/** Where the value's first wildcard is, or -1. */
export function firstWildcard(value: string): number {
  return value.search(/[*?]/);
}

/** The literal text between a pattern's wildcards, in order: one run for a value without any. */
export function literalRuns(pattern: string): string[] {
  return pattern.split(/[*?]/);
}

/** Every wildcard as one ordinary character: a value the pattern admits. */
export function instanceOf(pattern: string): string {
  return literalRuns(pattern).join('x');
}

/** Wildcards only (`*`, `**`): under StringLike, every value. */
export function isAnyValue(value: string): boolean {
  return /^\*+$/.test(value);
}

/** Whether IAM would read part of the value as a policy variable. */
export function hasPolicyVariable(value: string): boolean {
  return value.includes('${');
}

/** Whether every string operator compares the value as written: no wildcard and no policy variable. */
export function isExactValue(value: string): boolean {
  return !hasWildcard(value) && !hasPolicyVariable(value);
}
