// What the rules treat as known at synth time: every kind of token, alone and nested, and every literal shape.
import { App, CfnParameter, Fn, Lazy, Stack, Token } from 'aws-cdk-lib';
import { holdsNoToken, isListToken, isLiteral, isLiteralNumber, numberText } from '../../src/private/tokens';

const stack = new Stack(new App(), 'Stack');
const stringToken = new CfnParameter(stack, 'Name').valueAsString;
const numberToken = new CfnParameter(stack, 'Count', { type: 'Number' }).valueAsNumber;
const listToken = new CfnParameter(stack, 'Names', { type: 'CommaDelimitedList' }).valueAsList;
const splitToken = Fn.split(',', Fn.importValue('Names'));
const objectToken = Lazy.any({ produce: () => ({ a: 1 }) });

describe('holdsNoToken', () => {
  test.each<[string, unknown]>([
    ['a string', 'main'],
    ['the empty string', ''],
    ['a number', 42],
    ['zero', 0],
    ['true', true],
    ['false', false],
    ['null', null],
    ['undefined', undefined],
    ['an empty list', []],
    ['a list of literals', ['a', 1, ['b']]],
    ['an empty object', {}],
    ['an object of literals', { StringEquals: { 'gitlab.com:aud': 'https://gitlab.com', 'n': [1, 2] } }],
  ])('%s is known at synth', (_name, value) => {
    expect(holdsNoToken(value)).toBe(true);
  });

  test.each<[string, unknown]>([
    ['a string token', stringToken],
    ['a string holding a token', `project_path:${stringToken}:ref_type:branch:ref:main`],
    ['a number token', numberToken],
    ['a list token', listToken],
    ['an Fn.split list', splitToken],
    ['a string token in a list', ['a', stringToken]],
    ['a number token deep in a list', ['a', [1, [numberToken]]]],
    ['a list token in an object', { StringEquals: { 'gitlab.com:sub': listToken } }],
    ['a string token deep in an object', { StringEquals: { 'gitlab.com:sub': ['a', { b: stringToken }] } }],
    ['an object token', objectToken],
    ['an object token in a list', [objectToken]],
  ])('%s is not', (_name, value) => {
    expect(holdsNoToken(value)).toBe(false);
  });

  test('a token only after literals is still found: every element and every value is looked at', () => {
    expect(holdsNoToken(['a', 'b', 'c', stringToken])).toBe(false);
    expect(holdsNoToken({ a: 'x', b: 'y', c: numberToken })).toBe(false);
  });
});

describe('the scalar and list checks', () => {
  test.each<[string, string, boolean]>([
    ['a literal', 'main', true],
    ['the empty string', '', true],
    ['a string token', stringToken, false],
    ['a string holding a token', `${stringToken}-x`, false],
  ])('isLiteral: %s', (_name, value, expected) => {
    expect(isLiteral(value)).toBe(expected);
  });

  test.each<[string, number, boolean]>([
    ['a literal', 3600, true],
    ['zero', 0, true],
    ['a number token', numberToken, false],
  ])('isLiteralNumber: %s', (_name, value, expected) => {
    expect(isLiteralNumber(value)).toBe(expected);
  });

  test.each<[string, string[], boolean]>([
    ['a literal list', ['a', 'b'], false],
    ['a list with a string token', ['a', stringToken], false],
    ['a CommaDelimitedList parameter', listToken, true],
    ['Fn.split', splitToken, true],
  ])('isListToken: %s', (_name, value, expected) => {
    expect(isListToken(value)).toBe(expected);
  });

  test('numberText writes a literal\'s digits, and a token as a string token of the same value', () => {
    expect(numberText(3600)).toBe('3600');
    const text = numberText(numberToken);
    expect(Token.isUnresolved(text)).toBe(true);
    expect(stack.resolve(text)).toEqual(stack.resolve(numberToken));
  });
});
