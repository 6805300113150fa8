// The independent judge: @cloud-copilot/iam-simulate, an IAM policy evaluator nobody on this
// project wrote, evaluates a role's resolved trust policy for one AssumeRoleWithWebIdentity request.
//
// Its validating entry point (runSimulation) drops context keys it does not know, and it knows no
// "gitlab.com:sub": every request would be denied. Its unsafe entry point (runUnsafeSimulation)
// evaluates every key it is given. judge.test.ts pins both facts, so an upgrade that changes either
// fails loudly instead of silently turning every verdict into "denied".
import { createValidatedPolicy, validateTrustPolicy, type ValidatedPolicy } from '@cloud-copilot/iam-policy';
import { runUnsafeSimulation, type Simulation } from '@cloud-copilot/iam-simulate';

export type Verdict = 'allow' | 'deny';

/** A trust policy checked by the evaluator's own validator and ready for repeated evaluation. */
export function loadTrustPolicy(document: unknown): ValidatedPolicy<{ name: string }> {
  const policy = createValidatedPolicy(document, validateTrustPolicy, { name: 'TrustPolicy' });
  if (policy.errors.length > 0) {
    throw new Error(`iam-policy rejects the trust policy: ${JSON.stringify(policy.errors)}\n${JSON.stringify(document)}`);
  }
  return policy;
}

/** The simulation of `sts:AssumeRoleWithWebIdentity` by a provider on a role. */
export function webIdentitySimulation(
  trustPolicy: unknown, providerArn: string, roleArn: string, context: Record<string, string>,
): Simulation {
  return {
    identityPolicies: [],
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: trustPolicy,
    request: {
      action: 'sts:AssumeRoleWithWebIdentity',
      principal: providerArn,
      resource: { resource: roleArn, accountId: roleArn.split(':')[4] },
      contextVariables: context,
    },
  };
}

/** Whether IAM would let the provider's token, with this request context, assume the role. */
export function judge(
  trustPolicy: ValidatedPolicy<{ name: string }>, providerArn: string, roleArn: string, context: Record<string, string>,
): Verdict {
  return runUnsafeSimulation(webIdentitySimulation(trustPolicy, providerArn, roleArn, context), {}) === 'Allowed' ? 'allow' : 'deny';
}
