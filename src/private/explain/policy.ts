import { checkJsonDepth } from './untrusted-input';

// A trust policy as the evaluator reads it: the JSON document IAM stores (or a template holds), with
// every value that is still a deploy-time expression kept as an Unknown rather than guessed.

/** A value the policy holds that is not known before deployment (a parameter, an import). */
export class Unknown {
  constructor(
    /** What the value is, for the explanation: `{"Ref":"Param"}`. */
    public readonly description: string,
  ) {}
}

/** A policy string: literal, or not known before deployment. */
export type PolicyString = string | Unknown;

/** One condition: an operator, a key and the values it is compared with. */
export interface PolicyCondition {
  /** The operator as written: `StringLike`, `ForAnyValue:StringEquals`, `StringEqualsIfExists`. */
  readonly operator: string;
  /** The key as written: `gitlab.com:sub`. */
  readonly key: string;
  readonly values: readonly PolicyString[];
}

/** A principal block: `"*"` (everyone) or a map of principal types to their values. */
export type PolicyPrincipal = '*' | Readonly<Record<string, readonly PolicyString[]>>;

export interface PolicyStatement {
  /** The statement's position in the document, from 0. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: 'Allow' | 'Deny';
  readonly principal?: PolicyPrincipal;
  readonly notPrincipal?: PolicyPrincipal;
  readonly action?: readonly PolicyString[];
  readonly notAction?: readonly PolicyString[];
  readonly conditions: readonly PolicyCondition[];
}

export interface TrustPolicy {
  readonly statements: readonly PolicyStatement[];
}

/** Turns a value the policy holds into a string, or an Unknown when it is an unresolved expression. */
export type ValueResolver = (value: unknown) => PolicyString;

/** Reads literal JSON values only: strings, numbers and booleans; anything else is unknown. */
export const literalValues: ValueResolver = (value) =>
  typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : new Unknown(JSON.stringify(value));

/**
 * Reads a policy document: a JSON string (URL-encoded, as `aws iam get-role` may print it) or an object.
 * Throws on a document that is not a policy, naming what is wrong.
 */
export function readTrustPolicy(document: unknown, resolve: ValueResolver = literalValues): TrustPolicy {
  const parsed = typeof document === 'string' ? parseDocument(document) : document;
  if (!isObject(parsed)) throw new Error(`a trust policy must be a JSON object, got: ${JSON.stringify(parsed)}`);
  const raw = parsed.Statement;
  if (raw === undefined) throw new Error('a trust policy must have a Statement, got: no Statement');
  const statements = Array.isArray(raw) ? raw : [raw];
  return { statements: statements.map((statement, index) => readStatement(statement, index, resolve)) };
}

function parseDocument(text: string): unknown {
  const trimmed = text.trim();
  try {
    const value = JSON.parse(trimmed.startsWith('%7B') || trimmed.startsWith('%7b') ? decodeURIComponent(trimmed) : trimmed);
    checkJsonDepth(value, 'a trust policy');
    return value;
  } catch (e) {
    throw new Error(`a trust policy must be JSON, got: ${(e as Error).message}`);
  }
}

function readStatement(statement: unknown, index: number, resolve: ValueResolver): PolicyStatement {
  if (!isObject(statement)) throw new Error(`statement ${index} must be an object, got: ${JSON.stringify(statement)}`);
  const effect = statement.Effect;
  if (effect !== 'Allow' && effect !== 'Deny') throw new Error(`statement ${index} must have Effect Allow or Deny, got: ${JSON.stringify(effect)}`);
  const conditions: PolicyCondition[] = [];
  const block = statement.Condition ?? {};
  if (!isObject(block)) throw new Error(`statement ${index} has a Condition that is not an object, got: ${JSON.stringify(block)}`);
  for (const [operator, keys] of Object.entries(block)) {
    if (!isObject(keys)) throw new Error(`statement ${index} condition ${operator} must map keys to values, got: ${JSON.stringify(keys)}`);
    for (const [key, values] of Object.entries(keys)) conditions.push({ operator, key, values: list(values, resolve) });
  }
  return {
    index,
    sid: typeof statement.Sid === 'string' ? statement.Sid : undefined,
    effect,
    principal: principal(statement.Principal, resolve, `statement ${index} Principal`),
    notPrincipal: principal(statement.NotPrincipal, resolve, `statement ${index} NotPrincipal`),
    action: statement.Action === undefined ? undefined : list(statement.Action, resolve),
    notAction: statement.NotAction === undefined ? undefined : list(statement.NotAction, resolve),
    conditions,
  };
}

/** A Principal or NotPrincipal block (`what` names it for the message: "statement 0 Principal"). */
function principal(value: unknown, resolve: ValueResolver, what: string): PolicyPrincipal | undefined {
  if (value === undefined) return undefined;
  if (value === '*') return '*';
  // IAM accepts "*" or a map of principal types; nothing else names a principal.
  if (!isObject(value)) throw new Error(`${what} must be "*" or a map of principal types, got: ${JSON.stringify(value)}`);
  return Object.fromEntries(Object.entries(value).map(([type, values]) => [type, list(values, resolve)]));
}

function list(value: unknown, resolve: ValueResolver): PolicyString[] {
  return (Array.isArray(value) ? value : [value]).map(resolve);
}

/** Whether a JSON value is an object (not a list, not null). */
export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
