// IAM's condition operators, as IAM documents them ("IAM JSON policy elements: Condition operators",
// "Single-valued vs. multivalued context keys"), over a request context whose values are known and
// policy values that may not be (deploy-time values), in three-valued logic.
import { PolicyCondition, PolicyString, Unknown } from './policy';
import { hasPolicyVariable } from '../rules/iam-strings';

/** true, false, or undecidable before deployment. */
export type Tri = boolean | 'unknown';

/** What one condition decided, and why. */
export interface ConditionResult {
  readonly result: Tri;
  /** The request's values for the key; undefined when the request does not have the key. */
  readonly actual?: readonly string[];
  /** The operator IAM does not know, or this evaluator does not support. */
  readonly unsupported?: string;
}

interface Operator {
  /** The base operator: StringEquals, StringLike, Null... */
  readonly base: string;
  readonly ifExists: boolean;
  /** The set qualifier: ForAnyValue, ForAllValues (or another word, which IAM does not know). */
  readonly set?: string;
}

/** Each string operator: whether it negates, and how one request value matches one policy value. */
// A Map: an operator named "constructor" or "__proto__" is a name like any other, never an object's own.
const STRING_OPERATORS = new Map<string, { negated: boolean; matches: (actual: string, expected: string) => boolean }>([
  ['StringEquals', { negated: false, matches: (a, e) => a === e }],
  ['StringNotEquals', { negated: true, matches: (a, e) => a === e }],
  ['StringEqualsIgnoreCase', { negated: false, matches: (a, e) => a.toLowerCase() === e.toLowerCase() }],
  ['StringNotEqualsIgnoreCase', { negated: true, matches: (a, e) => a.toLowerCase() === e.toLowerCase() }],
  ['StringLike', { negated: false, matches: (a, e) => globMatch(e, a) }],
  ['StringNotLike', { negated: true, matches: (a, e) => globMatch(e, a) }],
]);

export function parseOperator(operator: string): Operator {
  const colon = operator.indexOf(':');
  const rest = operator.slice(colon + 1);
  const ifExists = rest.endsWith('IfExists');
  return {
    base: ifExists ? rest.slice(0, -'IfExists'.length) : rest,
    ifExists,
    set: colon < 0 ? undefined : operator.slice(0, colon),
  };
}

/** Whether the operator negates its match (StringNotEquals, StringNotLike...). */
export function isNegated(operator: string): boolean {
  return STRING_OPERATORS.get(parseOperator(operator).base)?.negated ?? false;
}

/** Whether the operator matches by pattern (StringLike, StringNotLike). */
export function isPatternOperator(operator: string): boolean {
  return parseOperator(operator).base.endsWith('Like');
}

/** Whether the operator is one this evaluator decides (the string operators and Null, with their qualifiers). */
export function isSupported(operator: string): boolean {
  const parsed = parseOperator(operator);
  if (parsed.set !== undefined && parsed.set !== 'ForAnyValue' && parsed.set !== 'ForAllValues') return false;
  if (parsed.base === 'Null') return !parsed.ifExists && parsed.set === undefined;
  return STRING_OPERATORS.has(parsed.base);
}

/**
 * Evaluates one condition against the request's value for its key: a string (a single-valued key), a
 * list (a multivalued key), or undefined when the request lacks the key. Multiple policy values are
 * ORed for a positive operator; a negated one passes when no value matches.
 */
export function evaluateCondition(condition: PolicyCondition, actual: string | readonly string[] | undefined): ConditionResult {
  const result = evaluateOperator(condition, actual);
  const variable = condition.values.find((v): v is string => typeof v === 'string' && hasPolicyVariable(v));
  return result.result === 'unknown' && variable !== undefined && !result.unsupported
    ? { ...result, unsupported: `the IAM policy variable in ${JSON.stringify(variable)}` } : result;
}

function evaluateOperator(condition: PolicyCondition, actual: string | readonly string[] | undefined): ConditionResult {
  const values = typeof actual === 'string' ? [actual] : actual;
  if (!isSupported(condition.operator)) return { result: 'unknown', actual: values, unsupported: condition.operator };
  const operator = parseOperator(condition.operator);
  if (operator.base === 'Null') return { result: nullCheck(condition.values, actual !== undefined), actual: values };
  const { negated, matches } = STRING_OPERATORS.get(operator.base)!;
  // Whether one request value matches any policy value, in three values. A value holding an IAM policy variable
  // (`${aws:username}`, and the escapes `${*}`, `${?}`, `${$}`) is one this evaluator does not substitute: unknown,
  // never a confident wrong verdict.
  const matchesAny = (value: string): Tri => anyOf(condition.values.map((e) => e instanceof Unknown || hasPolicyVariable(e) ? 'unknown' : matches(value, e)));
  const passes = (value: string): Tri => negated ? not(matchesAny(value)) : matchesAny(value);

  if (operator.set === 'ForAllValues') {
    // Every request value must pass; a missing key or an empty set passes.
    return { result: allOf((values ?? []).map(passes)), actual: values };
  }
  if (operator.set === 'ForAnyValue') {
    // At least one request value must pass; a missing key fails.
    return { result: anyOf((values ?? []).map(passes)), actual: values };
  }
  // A missing key: IfExists passes; a negated operator passes; a positive one fails.
  if (actual === undefined) return { result: operator.ifExists || negated, actual: values };
  // A multivalued key needs a set operator: without one, the condition fails.
  if (typeof actual !== 'string') return { result: false, actual: values };
  return { result: passes(actual), actual: values };
}

/** `Null: "true"` passes when the request lacks the key, `"false"` when it has it. */
function nullCheck(values: readonly PolicyString[], present: boolean): Tri {
  return anyOf(values.map((v) => v instanceof Unknown ? 'unknown' : v.toLowerCase() === String(!present)));
}

/** IAM's wildcard match: `*` any run of characters (even none), `?` any one character; case-sensitive. */
export function globMatch(pattern: string, value: string): boolean {
  // Iterative match with backtracking to the last `*`: linear in practice, no regular expression built from input.
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  // Past the pattern's end, pattern[p] is undefined, which equals no character: no bounds checks needed.
  while (v < value.length) {
    if (pattern[p] === '?' || pattern[p] === value[v]) {
      p++;
      v++;
    } else if (pattern[p] === '*') {
      star = p++;
      resume = v;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else {
      return false;
    }
  }
  while (pattern[p] === '*') p++;
  return p === pattern.length;
}

export function not(value: Tri): Tri {
  return value === 'unknown' ? 'unknown' : !value;
}

export function anyOf(values: readonly Tri[]): Tri {
  if (values.includes(true)) return true;
  return values.includes('unknown') ? 'unknown' : false;
}

export function allOf(values: readonly Tri[]): Tri {
  if (values.includes(false)) return false;
  return values.includes('unknown') ? 'unknown' : true;
}
