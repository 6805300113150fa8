// How the library reports a bad input: one plain Error whose message names the rule and the value.
import { IConstruct } from 'constructs';

/**
 * Throw a synth-time error that names the bad value and the rule. A plain Error prefixed with the
 * construct path: aws-cdk-lib's ValidationError is internal and its constructor changed between
 * releases, so using it would break the message on some of the versions we support.
 */
export function fail(message: string, scope?: IConstruct): never {
  throw new Error(scope && scope.node.path ? `${scope.node.path}: ${message}` : message);
}

/** `JSON.stringify` for error messages, so empty strings and white space stay visible. */
export function show(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * Runs `build`, prefixing the message of any error it throws with the construct path, as `fail` does:
 * for checks made by code that has no construct of its own (a principal built for a role).
 */
export function withPath<T>(scope: IConstruct, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof Error && scope.node.path) error.message = `${scope.node.path}: ${error.message}`;
    throw error;
  }
}
