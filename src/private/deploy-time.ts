// Which deploy-time values (CloudFormation references) can be written into generated text, such as
// a .gitlab-ci.yml job, without escaping: only those whose every possible value is drawn from an
// alphabet that can neither end a quoted YAML scalar nor a shell word.
import { CfnParameter, Stack, Token, Tokenization } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

// AWS::Region ("eu-west-1"), AWS::AccountId (12 digits), AWS::Partition ("aws-us-gov"), AWS::URLSuffix.
const INERT_PSEUDO_PARAMETERS = new Set(['AWS::Region', 'AWS::AccountId', 'AWS::Partition', 'AWS::URLSuffix']);

/**
 * The deploy-time values inside `value` that could hold any text (parameters of type String,
 * imports, attributes of other resources), rendered for a message. Empty when `value` is a literal or
 * holds only inert references: pseudo parameters and parameters of type Number, whose values
 * CloudFormation itself restricts.
 */
export function unescapableTokens(value: string | number, scope: IConstruct): string[] {
  if (!Token.isUnresolved(value)) return [];
  const stack = Stack.of(scope);
  // A number token's text is the number that encodes it, which reverseString finds as it finds string tokens.
  return Tokenization.reverseString(String(value)).tokens
    .map((token) => stack.resolve(token))
    .filter((resolved) => !isInert(resolved, stack))
    .map((resolved) => JSON.stringify(resolved));
}

function isInert(resolved: unknown, stack: Stack): boolean {
  const ref = (resolved as { Ref?: unknown } | null)?.Ref;
  // Stryker disable next-line ConditionalExpression: a shortcut; a value that is no string matches no name below
  if (typeof ref !== 'string') return false;
  if (INERT_PSEUDO_PARAMETERS.has(ref)) return true;
  return stack.node.findAll().some((c) => c instanceof CfnParameter && c.type === 'Number' && stack.resolve(c.logicalId) === ref);
}
