// IAM's evaluation of a role's trust policy for one sts:AssumeRoleWithWebIdentity request: a statement
// applies when its principal, action and every condition match; an applying Deny wins, then an applying
// Allow; otherwise the request is implicitly denied ("Policy evaluation logic", single account).
import { allOf, anyOf, ConditionResult, evaluateCondition, globMatch, not, Tri } from './conditions';
import { PolicyCondition, PolicyPrincipal, PolicyStatement, PolicyString, TrustPolicy, Unknown } from './policy';

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity';

/** The request: who asks (the OIDC provider's ARN) and the condition keys STS set from the token. */
export interface WebIdentityRequest {
  readonly providerArn: string;
  /** The request context, by key; keys compare case-insensitively. */
  readonly context: Readonly<Record<string, string | readonly string[]>>;
}

export interface ConditionOutcome extends ConditionResult {
  readonly condition: PolicyCondition;
}

export interface StatementOutcome {
  readonly statement: PolicyStatement;
  /** Whether the statement names the provider as its principal. */
  readonly principal: Tri;
  /** Whether the statement covers sts:AssumeRoleWithWebIdentity. */
  readonly action: Tri;
  readonly conditions: readonly ConditionOutcome[];
  /** Whether the statement applies to the request: principal, action and every condition. */
  readonly applies: Tri;
}

export type Decision = 'allowed' | 'denied' | 'undetermined';

export interface Evaluation {
  readonly decision: Decision;
  /** Whether an applying Deny decided it (an explicit deny). */
  readonly explicitDeny: boolean;
  readonly statements: readonly StatementOutcome[];
}

/** Evaluates every statement of the policy for the request. */
export function evaluateTrustPolicy(policy: TrustPolicy, request: WebIdentityRequest): Evaluation {
  const context = new Map(Object.entries(request.context).map(([k, v]) => [k.toLowerCase(), v]));
  const statements = policy.statements.map((statement) => evaluateStatement(statement, request.providerArn, context));
  const applying = (effect: string) => anyOf(statements.filter((s) => s.statement.effect === effect).map((s) => s.applies));
  const deny = applying('Deny');
  const allow = applying('Allow');
  const decision: Decision = deny === true ? 'denied'
    : allow === false ? 'denied'
      : deny === 'unknown' || allow === 'unknown' ? 'undetermined' : 'allowed';
  return { decision, explicitDeny: deny === true, statements };
}

function evaluateStatement(statement: PolicyStatement, providerArn: string, context: Map<string, string | readonly string[]>): StatementOutcome {
  const principal = statement.notPrincipal !== undefined
    ? not(principalMatches(statement.notPrincipal, providerArn))
    : statement.principal === undefined ? false : principalMatches(statement.principal, providerArn);
  const action = statement.notAction !== undefined
    ? not(anyOf(statement.notAction.map(actionMatches)))
    // Stryker disable next-line ArrayDeclaration: an absent Action matches nothing, and neither does a made-up one
    : anyOf((statement.action ?? []).map(actionMatches));
  const conditions = statement.conditions.map((condition) =>
    ({ condition, ...evaluateCondition(condition, context.get(condition.key.toLowerCase())) }));
  return { statement, principal, action, conditions, applies: allOf([principal, action, ...conditions.map((c) => c.result)]) };
}

/** Whether a principal block names the provider: `*`, `{"AWS": "*"}` or the provider's ARN under Federated. */
function principalMatches(principal: PolicyPrincipal, providerArn: string): Tri {
  if (principal === '*') return true;
  const named = (type: string) => Object.entries(principal).filter(([t]) => t === type).flatMap(([, values]) => values);
  return anyOf([
    ...named('AWS').map((v) => v instanceof Unknown ? 'unknown' : v === '*'),
    ...named('Federated').map((v) => v instanceof Unknown ? 'unknown' : v === providerArn),
  ]);
}

/** Whether an action pattern covers sts:AssumeRoleWithWebIdentity (actions compare case-insensitively). */
function actionMatches(pattern: PolicyString): Tri {
  return pattern instanceof Unknown ? 'unknown' : globMatch(pattern.toLowerCase(), WEB_IDENTITY_ACTION.toLowerCase());
}
