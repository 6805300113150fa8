// The evaluator's statement rules, one per row, beside what the differential test samples: principals
// (NotPrincipal, AWS, Federated, deploy-time), actions (NotAction, deploy-time, none), Deny against Allow in
// three values.
import { cfnResolver } from '../../../src/private/explain/cfn-values';
import { evaluateTrustPolicy } from '../../../src/private/explain/evaluate';
import { readTrustPolicy } from '../../../src/private/explain/policy';

const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/gitlab.com';
const SUB = { 'gitlab.com:sub': 'project_path:g/p:ref_type:branch:ref:main' };
const ACTION = 'sts:AssumeRoleWithWebIdentity';

function decide(...statements: Record<string, unknown>[]) {
  return evaluateTrustPolicy(readTrustPolicy({ Statement: statements }, cfnResolver()), { providerArn: PROVIDER, context: SUB }).decision;
}

test.each<[string, Record<string, unknown>, string]>([
  ['Federated: the provider', { Principal: { Federated: PROVIDER }, Action: ACTION }, 'allowed'],
  ['Federated: another provider', { Principal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/other' }, Action: ACTION }, 'denied'],
  ['"*"', { Principal: '*', Action: ACTION }, 'allowed'],
  ['AWS "*"', { Principal: { AWS: '*' }, Action: ACTION }, 'allowed'],
  ['AWS naming the provider\'s ARN (not a federated principal)', { Principal: { AWS: PROVIDER }, Action: ACTION }, 'denied'],
  ['Service "*" (no principal type but AWS and Federated names a web identity)', { Principal: { Service: '*' }, Action: ACTION }, 'denied'],
  ['a deploy-time Federated principal', { Principal: { Federated: { Ref: 'Provider' } }, Action: ACTION }, 'undetermined'],
  ['a deploy-time AWS principal', { Principal: { AWS: { 'Fn::ImportValue': 'x' } }, Action: ACTION }, 'undetermined'],
  ['no Principal', { Action: ACTION }, 'denied'],
  ['NotPrincipal naming another provider', { NotPrincipal: { Federated: 'arn:aws:iam::111122223333:oidc-provider/other' }, Action: ACTION }, 'allowed'],
  ['NotPrincipal naming the provider', { NotPrincipal: { Federated: PROVIDER }, Action: ACTION }, 'denied'],
  ['Action with a wildcard, in another case', { Principal: '*', Action: 'STS:AssumeRole*' }, 'allowed'],
  ['another action', { Principal: '*', Action: 'sts:AssumeRole' }, 'denied'],
  ['a deploy-time action', { Principal: '*', Action: { Ref: 'Action' } }, 'undetermined'],
  ['no Action', { Principal: '*' }, 'denied'],
  ['NotAction naming another action', { Principal: '*', NotAction: 'sts:AssumeRole' }, 'allowed'],
  ['NotAction naming this one', { Principal: '*', NotAction: 'sts:AssumeRoleWith*' }, 'denied'],
])('one Allow statement, principal and action: %s → %s', (_case, statement, decision) => {
  expect(decide({ Effect: 'Allow', ...statement })).toBe(decision);
});

const allow = { Effect: 'Allow', Principal: '*', Action: ACTION };
const deny = (condition: Record<string, unknown>) => ({ Effect: 'Deny', Principal: '*', Action: ACTION, Condition: condition });

test.each<[string, Record<string, unknown>[], string]>([
  ['an Allow, and a Deny that applies', [allow, deny({ StringLike: { 'gitlab.com:sub': '*' } })], 'denied'],
  ['an Allow, and a Deny that does not apply', [allow, deny({ StringEquals: { 'gitlab.com:sub': 'x' } })], 'allowed'],
  ['an Allow, and a Deny decided at deployment', [allow, deny({ StringEquals: { 'gitlab.com:sub': { Ref: 'Sub' } } })], 'undetermined'],
  ['no Allow that applies, and a Deny decided at deployment', [deny({ StringEquals: { 'gitlab.com:sub': { Ref: 'Sub' } } })], 'denied'],
  ['an Allow decided at deployment', [{ ...allow, Condition: { StringEquals: { 'gitlab.com:sub': { Ref: 'Sub' } } } }], 'undetermined'],
  ['no statement applies', [{ ...allow, Action: 'sts:AssumeRole' }], 'denied'],
])('%s → %s', (_case, statements, decision) => {
  expect(decide(...statements)).toBe(decision);
});
