// Which inputs are known at synth time. Every rule skips what holds an unresolved token: a value that
// is only known at deploy time cannot be judged here, and must pass through unchanged.
import { Token, Tokenization } from 'aws-cdk-lib';

// aws-cdk-lib's index exports Token through a getter that looks the module up on every access;
// isLiteral runs a dozen times per role, so the class is looked up once.
const TOKEN = Token;

/** Whether a string is fully known at synth time. */
export function isLiteral(value: string): boolean {
  return !TOKEN.isUnresolved(value);
}

/** Whether a number is fully known at synth time (not a number-encoded token). */
export function isLiteralNumber(value: number): boolean {
  return !TOKEN.isUnresolved(value);
}

/**
 * Whether a list is a deploy-time list as a whole (a `CommaDelimitedList` parameter, `Fn.split`): its
 * length and elements are unknown at synth time, and its one encoded element must never be read as a
 * string.
 */
export function isListToken(list: readonly string[]): boolean {
  return TOKEN.isUnresolved(list);
}

/**
 * A number as text: a literal as its digits, a token as a string token that resolves to the same
 * reference and reads as a token in messages (`String()` gives the double that encodes it).
 */
export function numberText(value: number): string {
  return Tokenization.stringifyNumber(value);
}

/**
 * Whether a JSON-like value (strings, numbers, lists and objects of them) is fully known at synth time: it
 * holds no string, number or list token anywhere. A list token survives `JSON.stringify` as text no string
 * check recognises, so every list and object is judged whole before its values are.
 */
export function holdsNoToken(value: unknown): boolean {
  if (typeof value === 'string' || typeof value === 'number') return !TOKEN.isUnresolved(value);
  // A list is judged as an object too: whole (a list token), then by its values, which are its elements.
  if (value !== null && typeof value === 'object') return !TOKEN.isUnresolved(value) && Object.values(value).every(holdsNoToken);
  return true;
}
