// AWS's own formats: account IDs, region names, and the session length STS uses when a call names none.
import { IConstruct } from 'constructs';
import { fail, show } from '../errors';
import { isLiteral } from '../tokens';

/** A 12-digit AWS account ID. */
export const AWS_ACCOUNT_ID = /^\d{12}$/;

/** An AWS region name such as `eu-west-1` or `us-gov-west-1`. */
export const AWS_REGION = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;

/** An IAM role's ARN in any partition: its path (the parts between "role/" and the last "/") and its name. */
export const IAM_ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/;

/** STS's session length when a call names none, which is also IAM's default maximum for a role. */
export const DEFAULT_SESSION_SECONDS = 3600;

/**
 * An AWS account ID, when it is a literal.
 * @param what the input, for the message ("accounts")
 */
export function validateAccount(account: string, what: string, scope: IConstruct): void {
  if (isLiteral(account) && !AWS_ACCOUNT_ID.test(account)) fail(`${what} must be a 12-digit AWS account ID, got: ${show(account)}`, scope);
}

/**
 * An AWS region name, when it is a literal.
 * @param what the input, for the message ("region")
 */
export function validateRegion(region: string, what: string, scope: IConstruct): void {
  if (isLiteral(region) && !AWS_REGION.test(region)) fail(`${what} must be an AWS region name such as "eu-west-1", got: ${show(region)}`, scope);
}
