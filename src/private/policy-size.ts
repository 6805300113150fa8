// How long IAM counts a trust policy: the rendered document without white space, with every token at
// the longest value it could take.
import { isLiteral } from './tokens';

// The longest values IAM could substitute for the tokens in a synthesized trust policy.
const LONGEST: Record<string, string> = {
  'AWS::Partition': 'aws-us-gov',
  'AWS::AccountId': '123456789012',
  'AWS::Region': 'ap-southeast-7',
  'AWS::URLSuffix': 'amazonaws.com.cn',
};

/**
 * The longest the provider's ARN can be: its length if it is a literal, else the length it gets with the
 * longest partition and a 12-digit account.
 * @param conditionKeyPrefix the provider's condition-key prefix, which is the ARN's resource name
 */
export function longestProviderArnLength(arn: string, conditionKeyPrefix: string): number {
  if (isLiteral(arn)) return arn.length;
  return `arn:${LONGEST['AWS::Partition']}:iam::${LONGEST['AWS::AccountId']}:oidc-provider/${conditionKeyPrefix}`.length;
}

/**
 * The length IAM counts for a trust policy (no white space), with every token replaced by the
 * longest value it could take: the provider's ARN in the longest partition with a 12-digit account.
 * Unknown references (parameters, imports) inside strings count as empty.
 * @param document the policy as `Stack.resolve()` renders it, or unresolved when no token but the provider's ARN is left
 * @param providerArnLength the longest the provider's ARN can be
 */
export function trustPolicySize(document: any, providerArnLength: number): number {
  const longest = (value: any): any => {
    if (Array.isArray(value)) return value.map(longest);
    // Stryker disable next-line ConditionalExpression: a resolved policy holds no null
    if (value === null || typeof value !== 'object') return value;
    if ('Ref' in value) return LONGEST[value.Ref] ?? '';
    if ('Fn::Join' in value) {
      const [separator, parts] = value['Fn::Join'];
      return (longest(parts) as unknown[]).map(String).join(separator);
    }
    // Stryker disable next-line MethodExpression: an intrinsic is an object with exactly one key
    if (Object.keys(value).some((k) => k.startsWith('Fn::'))) return '';
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, longest(v)]));
  };
  // Stryker disable next-line ArrayDeclaration: a trust policy always has statements
  const statements = (document.Statement ?? []).map((statement: any) => {
    // Stryker disable next-line OptionalChaining: every trust statement has a principal
    const federated = statement.Principal?.Federated;
    // The provider's ARN, resolved to an intrinsic or still a token, counts at its longest; so does each of a list's
    // (minimizePolicies merges statements that differ only in their federated principal).
    const longestArn = (arn: unknown) => (typeof arn === 'string' && isLiteral(arn) ? arn : 'a'.repeat(providerArnLength));
    if (federated === undefined) return statement;
    const longestFederated = Array.isArray(federated) ? federated.map(longestArn) : longestArn(federated);
    return { ...statement, Principal: { ...statement.Principal, Federated: longestFederated } };
  });
  return JSON.stringify(longest({ ...document, Statement: statements })).length;
}

/** A trust statement's JSON without its conditions and its provider's ARN, at its longest (both actions) and with its comma. */
const STATEMENT_FRAME = JSON.stringify({
  Action: ['sts:AssumeRoleWithWebIdentity', 'sts:TagSession'], Condition: {}, Effect: 'Allow', Principal: { Federated: '' },
}).length - '{}'.length + ','.length;

/** A policy document's JSON without its statements. */
const DOCUMENT_FRAME = JSON.stringify({ Statement: [], Version: '2012-10-17' }).length;

/**
 * At least the length `trustPolicySize()` gives for a trust of exactly these statements, with these literal conditions, as
 * aws-cdk-lib renders them without minimizePolicies (which may merge statements added later into them): 19 characters a
 * statement and one over it when each has the one action. A role far under its limit needs no rendering of its policy to
 * know. Both lengths are of the same `JSON.stringify` of each condition.
 * @param conditions each statement's conditions, literal
 * @param providerArnLength the longest the provider's ARN can be
 */
export function trustPolicySizeBound(conditions: readonly object[], providerArnLength: number): number {
  return conditions.reduce((size, c) => size + STATEMENT_FRAME + JSON.stringify(c).length + providerArnLength, DOCUMENT_FRAME);
}
