// IAM's condition operators as the evaluator decides them, one rule per row (the differential test in
// test/security/explain.test.ts compares the whole with iam-simulate).
import { evaluateCondition, globMatch, isNegated, isSupported, parseOperator } from '../../../src/private/explain/conditions';
import { Unknown } from '../../../src/private/explain/policy';

test.each<[string, string, boolean]>([
  ['main', 'main', true],
  ['m*', 'main', true],
  ['*', '', true],
  ['m?in', 'main', true],
  ['m?in', 'mn', false],
  ['*a*b*', 'xaxbx', true],
  ['*a*b', 'xaxbx', false],
  ['a*', 'A', false],
  ['project_path:g/*', 'project_path:g/sub/p:ref_type:branch:ref:main', true],
  ['**', 'x', true],
  ['a*b*c', 'abcbc', true],
])('globMatch(%j, %j) is %s', (pattern, value, expected) => {
  expect(globMatch(pattern, value)).toBe(expected);
});

test('globMatch backtracks in linear steps on a long near miss', () => {
  const value = 'a'.repeat(20_000);
  expect(globMatch(`${'*a'.repeat(20)}b`, value)).toBe(false);
});

test.each<[string, { base: string; ifExists: boolean; set?: string }, boolean]>([
  ['StringEquals', { base: 'StringEquals', ifExists: false }, true],
  ['StringLikeIfExists', { base: 'StringLike', ifExists: true }, true],
  ['ForAnyValue:StringNotEquals', { base: 'StringNotEquals', ifExists: false, set: 'ForAnyValue' }, true],
  ['ForAllValues:StringEqualsIgnoreCaseIfExists', { base: 'StringEqualsIgnoreCase', ifExists: true, set: 'ForAllValues' }, true],
  ['Null', { base: 'Null', ifExists: false }, true],
  ['NullIfExists', { base: 'Null', ifExists: true }, false],
  ['ForAnyValue:Null', { base: 'Null', ifExists: false, set: 'ForAnyValue' }, false],
  ['ForSomeValues:StringEquals', { base: 'StringEquals', ifExists: false, set: 'ForSomeValues' }, false],
  ['NumericEquals', { base: 'NumericEquals', ifExists: false }, false],
  ['Bool', { base: 'Bool', ifExists: false }, false],
  [':StringEquals', { base: 'StringEquals', ifExists: false, set: '' }, false],
])('%s parses, and is supported: %s', (operator, parsed, supported) => {
  expect(parseOperator(operator)).toEqual(parsed.set !== undefined ? parsed : { ...parsed, set: undefined });
  expect(isSupported(operator)).toBe(supported);
});

const condition = (operator: string, values: (string | Unknown)[]) => ({ operator, key: 'gitlab.com:sub', values });
const deployTime = new Unknown('{"Ref":"Sub"}');

test.each<[string, string, (string | Unknown)[], string | string[] | undefined, boolean | 'unknown']>([
  // A present single-valued key.
  ['positive, one value matches', 'StringEquals', ['a', 'b'], 'b', true],
  ['positive, none matches', 'StringEquals', ['a'], 'b', false],
  ['negated, none matches', 'StringNotEquals', ['a'], 'b', true],
  ['negated, one matches', 'StringNotLike', ['a*'], 'ab', false],
  ['ignoring case', 'StringEqualsIgnoreCase', ['MAIN'], 'main', true],
  ['negated, ignoring case', 'StringNotEqualsIgnoreCase', ['MAIN'], 'main', false],
  // A missing key.
  ['positive on a missing key', 'StringEquals', ['a'], undefined, false],
  ['IfExists on a missing key', 'StringEqualsIfExists', ['a'], undefined, true],
  ['IfExists on a present key', 'StringLikeIfExists', ['a*'], 'b', false],
  ['negated on a missing key', 'StringNotEquals', ['a'], undefined, true],
  ['Null true on a missing key', 'Null', ['true'], undefined, true],
  ['Null true on a present key', 'Null', ['true'], 'x', false],
  ['Null false on a present key', 'Null', ['false'], 'x', true],
  // Multivalued keys.
  ['a single-valued operator on a multivalued key', 'StringEquals', ['a'], ['a'], false],
  ['ForAnyValue, one request value matches', 'ForAnyValue:StringEquals', ['a'], ['b', 'a'], true],
  ['ForAnyValue on a missing key', 'ForAnyValue:StringEquals', ['a'], undefined, false],
  ['ForAllValues, every request value matches', 'ForAllValues:StringLike', ['a*'], ['ab', 'ac'], true],
  ['ForAllValues, one does not', 'ForAllValues:StringLike', ['a*'], ['ab', 'b'], false],
  ['ForAllValues on a missing key', 'ForAllValues:StringEquals', ['a'], undefined, true],
  ['ForAnyValue negated: a value that matches none', 'ForAnyValue:StringNotEquals', ['a'], ['a', 'b'], true],
  ['ForAllValues negated: every value matches none', 'ForAllValues:StringNotEquals', ['a'], ['a', 'b'], false],
  // Deploy-time values.
  ['a deploy-time value beside a literal that matches', 'StringEquals', [deployTime, 'a'], 'a', true],
  ['only a deploy-time value', 'StringEquals', [deployTime], 'a', 'unknown'],
  ['negated, a deploy-time value', 'StringNotEquals', [deployTime], 'a', 'unknown'],
  ['negated, a literal that matches beside a deploy-time value', 'StringNotEquals', [deployTime, 'a'], 'a', false],
  ['an operator the evaluator does not decide', 'NumericEquals', ['1'], '1', 'unknown'],
  ['Null with a deploy-time value', 'Null', [deployTime], 'x', 'unknown'],
  ['Null with a deploy-time value beside one that decides', 'Null', [deployTime, 'false'], 'x', true],
])('%s', (_case, operator, values, actual, expected) => {
  expect(evaluateCondition(condition(operator, values), actual).result).toBe(expected);
});

test.each<[string, boolean]>([
  ['StringNotEquals', true], ['ForAnyValue:StringNotLikeIfExists', true], ['StringNotEqualsIgnoreCase', true],
  ['StringEquals', false], ['StringLike', false], ['Null', false], ['NumericNotEquals', false],
])('%s negates: %s', (operator, negated) => {
  expect(isNegated(operator)).toBe(negated);
});
