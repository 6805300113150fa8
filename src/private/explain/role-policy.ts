// A GitLabRunnerRole's trust policy and provider as the explanation reads them, at synth: the document
// resolved by the stack, the provider's ARN (a reference, until deployment) named by its issuer, and its
// client IDs where they are literal.
import { Stack } from 'aws-cdk-lib';
import { cfnResolver, providerArnFor } from './cfn-values';
import { KnownProvider } from './explain';
import { readTrustPolicy, TrustPolicy } from './policy';
import { IGitLabOidcProvider } from '../../provider';
import { holdsNoToken } from '../tokens';

export interface RolePolicy {
  readonly policy: TrustPolicy;
  readonly provider: KnownProvider;
}

export function rolePolicy(stack: Stack, document: unknown, provider: IGitLabOidcProvider): RolePolicy {
  const arnValue = stack.resolve(provider.oidcProviderArn);
  // The same reference resolves to the same name on both sides of the principal comparison.
  const known = new Map(typeof arnValue === 'string' ? [] : [[JSON.stringify(arnValue), providerArnFor(provider.issuerUrl)]]);
  const resolve = cfnResolver(known);
  const arn = resolve(arnValue);
  const clientIds = holdsNoToken(provider.audiences) ? provider.audiences : undefined;
  return {
    policy: readTrustPolicy(stack.resolve(document), resolve),
    provider: { url: provider.issuerUrl, arn: typeof arn === 'string' ? arn : providerArnFor(provider.issuerUrl), clientIds },
  };
}
