// The roles of a synthesized template that GitLab jobs can assume: every AWS::IAM::Role whose trust policy
// allows sts:AssumeRoleWithWebIdentity, with the template's IAM OIDC providers and the providers its
// policy names by ARN.
import { cfnResolver, providerArnFor } from './cfn-values';
import { globMatch } from './conditions';
import { WEB_IDENTITY_ACTION } from './evaluate';
import { KnownProvider } from './explain';
import { isObject, PolicyStatement, PolicyString, readTrustPolicy, TrustPolicy, Unknown } from './policy';
import { providerArnHost } from '../rules/oidc-provider-arn';

export interface TemplateRole {
  /** The template file it came from. */
  readonly file: string;
  readonly logicalId: string;
  /** The role's construct path (`aws:cdk:path` metadata, without its `/Resource`), when the template records it. */
  readonly path?: string;
  readonly policy: TrustPolicy;
  readonly providers: KnownProvider[];
}

interface Resource {
  readonly Type?: string;
  readonly Properties?: Record<string, unknown>;
  readonly Metadata?: Record<string, unknown>;
}

const PROVIDER_TYPES: Record<string, { url: string; clientIds: string }> = {
  'AWS::IAM::OIDCProvider': { url: 'Url', clientIds: 'ClientIdList' },
  // aws-cdk-lib's OpenIdConnectProvider (a custom resource).
  'Custom::AWSCDKOpenIdConnectProvider': { url: 'Url', clientIds: 'ClientIDList' },
};

/** The web-identity roles of a template. Throws when the text is not a CloudFormation template. */
export function webIdentityRoles(template: unknown, file: string): TemplateRole[] {
  if (!isObject(template) || !isObject(template.Resources)) {
    throw new Error(`${file} is not a CloudFormation template: it has no Resources`);
  }
  const resources = template.Resources as Record<string, Resource>;
  const known = new Map<string, string>();
  const templateProviders: KnownProvider[] = [];
  for (const [id, resource] of Object.entries(resources)) {
    const fields = PROVIDER_TYPES[resource.Type ?? ''];
    const url = resource.Properties?.[fields?.url ?? ''];
    if (!fields || typeof url !== 'string') continue;
    const arn = providerArnFor(url);
    for (const reference of [{ Ref: id }, { 'Fn::GetAtt': [id, 'Arn'] }, { 'Fn::GetAtt': `${id}.Arn` }]) known.set(JSON.stringify(reference), arn);
    const clientIds = resource.Properties?.[fields.clientIds];
    templateProviders.push({ url, arn, clientIds: Array.isArray(clientIds) && clientIds.every((c) => typeof c === 'string') ? clientIds : undefined });
  }
  const resolve = cfnResolver(known);
  const roles: TemplateRole[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== 'AWS::IAM::Role' || resource.Properties?.AssumeRolePolicyDocument === undefined) continue;
    const policy = readTrustPolicy(resource.Properties.AssumeRolePolicyDocument, resolve);
    if (!trustsWebIdentity(policy)) continue;
    const path = resource.Metadata?.['aws:cdk:path'];
    roles.push({ file, logicalId, path: typeof path === 'string' ? path.replace(/\/Resource$/, '') : undefined, policy, providers: providersOf(policy, templateProviders) });
  }
  return roles;
}

/** Whether a statement covers the web-identity action: an Action that matches it (wildcards too), or a NotAction that does not. */
export function coversWebIdentity(statement: PolicyStatement): boolean {
  const covers = (pattern: PolicyString) => typeof pattern !== 'string' || globMatch(pattern.toLowerCase(), WEB_IDENTITY_ACTION.toLowerCase());
  return statement.notAction !== undefined ? !statement.notAction.some(covers) : (statement.action ?? []).some(covers);
}

/**
 * Whether a statement admits every principal: `"*"` or `{"AWS": "*"}`, which IAM matches for a web-identity request
 * too (the statement's conditions alone then choose the issuer).
 */
export function admitsEveryPrincipal(statement: PolicyStatement): boolean {
  return statement.principal === '*' || (statement.principal?.AWS ?? []).some((v) => v === '*');
}

/** Whether a statement of the policy allows the web-identity action to a federated principal (or to every principal). */
export function trustsWebIdentity(policy: TrustPolicy): boolean {
  return policy.statements.some((s) => s.effect === 'Allow' && coversWebIdentity(s)
    && (admitsEveryPrincipal(s) || (s.principal !== '*' && s.principal?.Federated !== undefined)));
}

/**
 * The providers a policy may be assumed through: the template's, and each provider the policy names by a
 * literal ARN (`arn:aws:iam::111122223333:oidc-provider/gitlab.com`), whose client IDs are not known.
 */
export function providersOf(policy: TrustPolicy, templateProviders: readonly KnownProvider[] = []): KnownProvider[] {
  const providers = [...templateProviders];
  for (const statement of policy.statements) {
    if (statement.principal === undefined || statement.principal === '*') continue;
    for (const arn of statement.principal.Federated ?? []) {
      if (arn instanceof Unknown || providers.some((p) => p.arn === arn)) continue;
      const host = providerArnHost(arn);
      if (host !== undefined) providers.unshift({ url: `https://${host}`, arn });
    }
  }
  return providers;
}
